// The Ethernet address of an IPv4 multicast group (RFC 1112 6.4), as a
// receiver checks it; only builds that join groups (src/net/mcast.ts) carry it.
import { get8, get16 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";

/** Whether the MAC at `off` is the one RFC 1112 maps `group` to (several groups share one). */
export function isMulticastMacOf(b: Bytes, off: number, group: number): boolean {
  return (
    get16(b, off) === 0x0100 &&
    get8(b, off + 2) === 0x5e &&
    get8(b, off + 3) * 65536 + get16(b, off + 4) === group % 0x800000
  );
}
