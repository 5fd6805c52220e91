// IPv6 address classes (RFC 4291) of an address in a frame, by prefix:
// compared byte by byte against the prefix's bytes, so no offsets appear.
import { copy, get8, get16, set8, set16 } from "@hal/bytes";
import { hexByte } from "../util/hex";
import type { Bytes } from "../../hal/types";
import { IPV6_ALEN } from "../wire/ipv6";

/** ff00::/8 */
const MULTICAST = [0xff];
/** fe80::/10: the first byte, then the top two bits of the second. */
const LINK_LOCAL = [0xfe, 0x80];
/** ff02::1:ff00:0/104, the solicited-node groups (RFC 4291 2.7.1): an address's last 3 bytes follow. */
export const SOLICITED_NODE6 = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff];
const SNM_KEEP = 3;
/** ff02::1, all nodes. */
export const ALL_NODES6 = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
/** ff02::2, where Router Solicitations go. */
export const ALL_ROUTERS6 = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
/** ff02::16, where MLDv2 reports go. */
export const ALL_MLDV2_ROUTERS6 = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16];

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
  return hasPrefix(f, at, SOLICITED_NODE6, 104);
}

export function isUnspecified6(f: Bytes, at: number): boolean {
  for (let i = 0; i < IPV6_ALEN; i++) if (get8(f, at + i) !== 0) return false;
  return true;
}

/** Writes `bytes` at b[at…]. */
export function putBytes6(b: Bytes, at: number, bytes: number[]): void {
  for (let i = 0; i < bytes.length; i++) set8(b, at + i, bytes[i]);
}

/** The solicited-node group of addr[off…] into out[at…]. */
export function solicitedNode6(addr: Bytes, off: number, out: Bytes, at: number): void {
  putBytes6(out, at, SOLICITED_NODE6);
  copy(out, at + IPV6_ALEN - SNM_KEEP, addr, off + IPV6_ALEN - SNM_KEEP, SNM_KEEP);
}

/** Do a[ao…] and b[bo…] agree in their first `bits` bits? */
export function samePrefix6(a: Bytes, ao: number, b: Bytes, bo: number, bits: number): boolean {
  const whole = Math.floor(bits / 8);
  for (let i = 0; i < whole; i++) if (get8(a, ao + i) !== get8(b, bo + i)) return false;
  const rest = bits % 8;
  if (rest === 0) return true;
  const unit = SPAN[rest];
  return Math.floor(get8(a, ao + whole) / unit) === Math.floor(get8(b, bo + whole) / unit);
}

/** Zeroes the bits of b[at…] after its first `bits` (an address to its prefix). */
export function maskPrefix6(b: Bytes, at: number, bits: number): void {
  for (let i = 0; i < IPV6_ALEN; i++) {
    const keep = bits - i * 8;
    if (keep >= 8) continue;
    const v = get8(b, at + i);
    set8(b, at + i, keep <= 0 ? 0 : v - (v % SPAN[keep]));
  }
}

/** How many leading bits a[ao…] and b[bo…] share (0 to 128). */
export function commonPrefix6(a: Bytes, ao: number, b: Bytes, bo: number): number {
  let i = 0;
  while (i < IPV6_ALEN && get8(a, ao + i) === get8(b, bo + i)) i++;
  if (i === IPV6_ALEN) return 128;
  let bits = i * 8;
  while (bits < i * 8 + 7 && samePrefix6(a, ao, b, bo, bits + 1)) bits++;
  return bits;
}

/** An address is written as 8 words of 2 bytes. */
const WORD6 = 2;

/** A 16-bit word in hex without leading zeros. */
function hexWord(v: number): string {
  const h = hexByte(Math.floor(v / 256)) + hexByte(v % 256);
  let i = 0;
  while (i < 3 && h.charAt(i) === "0") i++;
  return h.substring(i);
}

/** An IPv6 address as RFC 5952 writes it: lowercase, the longest run of zero words as "::". */
export function formatIPv6(b: Bytes, at: number): string {
  let bestAt = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && get16(b, at + j * WORD6) === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestAt) {
      s += "::";
      i += bestLen - 1;
      continue;
    }
    if (s !== "" && s.charAt(s.length - 1) !== ":") s += ":";
    s += hexWord(get16(b, at + i * WORD6));
  }
  return s;
}

/** A hex digit's value, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * An IPv6 address in text (RFC 4291 2.2: eight groups of up to four hex
 * digits, at most one "::", no IPv4 tail; a "%zone" is ignored) into
 * out[at…]; false (out unchanged) when the text is not one.
 */
export function parseIPv6(s: string, out: Bytes, at: number): boolean {
  let end = s.indexOf("%");
  if (end < 0) end = s.length;
  const words: number[] = [];
  let gap = -1;
  let i = 0;
  if (end >= 2 && s.charCodeAt(0) === 58 && s.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
  } else if (end > 0 && s.charCodeAt(0) === 58) return false;
  while (i < end) {
    let v = 0;
    let digits = 0;
    while (i < end && digits <= 4) {
      const d = hexDigit(s.charCodeAt(i));
      if (d < 0) break;
      v = v * 16 + d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4 || words.length >= 8) return false;
    words.push(v);
    if (i >= end) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = words.length;
      i++;
    } else if (i >= end) return false;
  }
  const n = words.length;
  if (gap < 0 ? n !== 8 : n > 7) return false;
  const zeros = 8 - n;
  for (let k = 0; k < 8; k++) {
    let v = 0;
    if (gap < 0 || k < gap) v = words[k];
    else if (k >= gap + zeros) v = words[k - zeros];
    set16(out, at + k * WORD6, v);
  }
  return true;
}
