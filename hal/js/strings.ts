// Strings of bytes (one char per byte, 0..255) and Bytes on Node and
// Espruino: what the application API hands the program (Espruino's own
// dgram and NodeMCU's net speak such strings).
import type { Bytes } from "../types";

export function bytesToStr(b: Bytes, off: number, n: number): string {
  const a = b as unknown as Uint8Array;
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(a[off + i]);
  return s;
}

export function fromStr(s: string): Bytes {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b as unknown as Bytes;
}
