// Text forms of IPv4 and MAC addresses, with the strictness of inet_pton
// and iproute2: no leading zeros, no missing parts, no trailing garbage.
import { get8, set8 } from "@hal/bytes";
import { band, shr } from "@hal/u32";
import type { Bytes } from "../../hal/types";
import { hexByte, hexDigit } from "../util/hex";

export function formatIPv4(a: number): string {
  return shr(a, 24) + "." + band(shr(a, 16), 255) + "." + band(shr(a, 8), 255) + "." + band(a, 255);
}

/** The address as an unsigned 32-bit value, or -1 when `s` is not a dotted quad. */
export function parseIPv4(s: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0) return -1;
      value = value * 256 + part;
      parts++;
      if (parts > 4) return -1;
      part = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}

export function formatMac(b: Bytes, off: number): string {
  let s = "";
  for (let i = 0; i < 6; i++) {
    if (i > 0) s += ":";
    s += hexByte(get8(b, off + i));
  }
  return s;
}

/** Parses "aa:bb:cc:dd:ee:ff" (or with '-') into out[off..off+6); false when malformed. */
export function parseMac(s: string, out: Bytes, off: number): boolean {
  if (s.length !== 17) return false;
  const sep = s.charCodeAt(2);
  if (sep !== 58 && sep !== 45) return false;
  for (let i = 0; i < 6; i++) {
    const p = i * 3;
    if (i < 5 && s.charCodeAt(p + 2) !== sep) return false;
    const hi = hexDigit(s.charCodeAt(p));
    const lo = hexDigit(s.charCodeAt(p + 1));
    if (hi < 0 || lo < 0) return false;
  }
  for (let i = 0; i < 6; i++) {
    const p = i * 3;
    set8(out, off + i, hexDigit(s.charCodeAt(p)) * 16 + hexDigit(s.charCodeAt(p + 1)));
  }
  return true;
}
