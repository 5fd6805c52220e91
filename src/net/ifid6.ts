// IPv6 interface identifiers, a board's choice: modified EUI-64 from the
// MAC (RFC 4291 appendix A, what Linux's addrgenmode eui64 gives), or
// stable and opaque ones (RFC 7217: the same address on the same network
// every boot, nothing of the MAC in it, a new one for each DAD conflict).
import { bxor } from "@hal/u32";
import { alloc, copy, get8, set8 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { hmacSha256 } from "../util/sha256";

/** The link-local prefix, fe80::/64: its first 8 bytes. */
const LINK_LOCAL_PREFIX = [0xfe, 0x80, 0, 0, 0, 0, 0, 0];
/** The universal/local bit of a MAC's first byte, inverted in a modified EUI-64. */
const UL_BIT = 0x02;
/** Each byte of the EUI-64: the MAC's byte at this index, or (-1) ff:fe between its halves. */
const FROM_MAC = [0, 1, 2, -1, -1, 3, 4, 5];
const EUI64_FILL = [0, 0, 0, 0xff, 0xfe];
/** The identifier is the address's second half, as long as the /64 prefix. */
const IID_AT = 8;
const IID_LEN = 8;
const MAC_LEN = 6;

/** Writes fe80::/64 into out[at, at + 8). */
export function linkLocalPrefix(out: Bytes, at: number): void {
  for (let i = 0; i < IID_AT; i++) set8(out, at + i, LINK_LOCAL_PREFIX[i]);
}

/** The modified EUI-64 of the MAC at mac[m] into out[at, at + 8). */
export function eui64(mac: Bytes, m: number, out: Bytes, at: number): void {
  for (let i = 0; i < 8; i++) {
    const k = FROM_MAC[i];
    set8(out, at + i, k < 0 ? EUI64_FILL[i] : get8(mac, m + k));
  }
  set8(out, at, bxor(get8(out, at), UL_BIT));
}

/**
 * RFC 5453's reserved identifiers: all zeros (the subnet-router anycast),
 * 0200:5eff:fe00:0000 to 5212 (proxy mobile IPv6), fdff:ffff:ffff:ff80 and up
 * (subnet anycast). The identifier is at iid[at, at + 8).
 */
export function reservedIid(iid: Bytes, at: number): boolean {
  let zero = true;
  for (let i = 0; i < 8; i++) if (get8(iid, at + i) !== 0) zero = false;
  if (zero) return true;
  const b = (i: number): number => get8(iid, at + i);
  if (b(0) === 0x02 && b(1) === 0 && b(2) === 0x5e && b(3) === 0xff && b(4) === 0xfe && b(5) === 0) {
    const low = b(6) * 256 + b(7);
    if (low <= 0x5212) return true;
  }
  if (b(0) === 0xfd && b(7) >= 0x80) {
    for (let i = 1; i < 7; i++) if (b(i) !== 0xff) return false;
    return true;
  }
  return false;
}

/**
 * RFC 7217's identifier for the /64 prefix at prefix[p, p + 8) on interface
 * `ifname` with this MAC, after `dadCounter` conflicts: the first 8 bytes of
 * HMAC-SHA256(secret, prefix | ifname | MAC | counter), the next counter's
 * when they are reserved. Written into out[at, at + 8); returns the counter used.
 */
export function stableIid(
  prefix: Bytes,
  p: number,
  ifname: string,
  mac: Bytes,
  m: number,
  dadCounter: number,
  secret: Bytes,
  out: Bytes,
  at: number,
): number {
  // The PRF's input, field after field: prefix, interface name, MAC, counter (one byte).
  const nameAt = IID_LEN;
  const macAt = nameAt + ifname.length;
  const counterAt = macAt + MAC_LEN;
  const n = counterAt + 1;
  const msg = alloc(n);
  copy(msg, 0, prefix, p, IID_LEN);
  for (let i = 0; i < ifname.length; i++) set8(msg, nameAt + i, ifname.charCodeAt(i) % 256);
  copy(msg, macAt, mac, m, MAC_LEN);
  let counter = dadCounter;
  for (;;) {
    set8(msg, counterAt, counter % 256);
    const h = hmacSha256(secret, msg, 0, n);
    copy(out, at, h, 0, IID_LEN);
    if (!reservedIid(out, at) || counter - dadCounter > 255) return counter;
    counter++;
  }
}
