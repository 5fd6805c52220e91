// IPv6 address classes (RFC 4291) of an address in a frame, by prefix:
// compared byte by byte against the prefix's bytes, so no offsets appear.
import { get8 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { IPV6_ALEN } from "../wire/ipv6";

/** ff00::/8 */
const MULTICAST = [0xff];
/** fe80::/10: the first byte, then the top two bits of the second. */
const LINK_LOCAL = [0xfe, 0x80];
/** ff02::1:ff00:0/104, the solicited-node groups (RFC 4291 2.7.1). */
const SOLICITED_NODE = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff];

/** 2^(8 - r): how many byte values share the same top r bits. */
const SPAN = [256, 128, 64, 32, 16, 8, 4, 2];

/** Do the first `bits` bits of the address at f[at] equal `prefix`'s? */
function hasPrefix(f: Bytes, at: number, prefix: number[], bits: number): boolean {
  const whole = Math.floor(bits / 8);
  for (let i = 0; i < whole; i++) if (get8(f, at + i) !== prefix[i]) return false;
  const rest = bits % 8;
  if (rest === 0) return true;
  const unit = SPAN[rest];
  return Math.floor(get8(f, at + whole) / unit) === Math.floor(prefix[whole] / unit);
}

export function isMulticast6(f: Bytes, at: number): boolean {
  return hasPrefix(f, at, MULTICAST, 8);
}

export function isLinkLocal6(f: Bytes, at: number): boolean {
  return hasPrefix(f, at, LINK_LOCAL, 10);
}

export function isSolicitedNode6(f: Bytes, at: number): boolean {
  return hasPrefix(f, at, SOLICITED_NODE, 104);
}

export function isUnspecified6(f: Bytes, at: number): boolean {
  for (let i = 0; i < IPV6_ALEN; i++) if (get8(f, at + i) !== 0) return false;
  return true;
}
