// Bytes to text without String.fromCharCode (no runtime globals in the core).
import { get8 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";

const PRINTABLE = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

/** The character for a byte: printable ASCII as itself, anything else "?". */
export function asciiChar(c: number): string {
  return c >= 32 && c < 127 ? PRINTABLE.charAt(c - 32) : "?";
}

/** Up to `n` bytes at `off` as text, stopping at the first NUL. */
export function asciiText(b: Bytes, off: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const c = get8(b, off + i);
    if (c === 0) break;
    s += asciiChar(c);
  }
  return s;
}
