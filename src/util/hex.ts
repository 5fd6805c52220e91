// Hex text <-> bytes, for logs, vectors and the control channel's debug output.
import { alloc, get8, len, set8 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";

const DIGITS = "0123456789abcdef";

/** The value of one hex digit character code, or -1. */
export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Two lowercase hex digits for a byte value. */
export function hexByte(v: number): string {
  return DIGITS.charAt(Math.floor(v / 16)) + DIGITS.charAt(v % 16);
}

export function toHex(b: Bytes, off: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    s += hexByte(get8(b, off + i));
  }
  return s;
}

export function hexOf(b: Bytes): string {
  return toHex(b, 0, len(b));
}

/** Bytes from an even-length hex string, or undefined when it is not one. */
export function fromHex(s: string): Bytes | undefined {
  if (s.length % 2 !== 0) return undefined;
  const n = Math.floor(s.length / 2); // an integer on Lua 5.3 too
  const b = alloc(n);
  for (let i = 0; i < n; i++) {
    const hi = hexDigit(s.charCodeAt(2 * i));
    const lo = hexDigit(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    set8(b, i, hi * 16 + lo);
  }
  return b;
}
