// Bytes on Node and Espruino: a Uint8Array. Offsets must be in range: the
// callers (wire parsers) check lengths first, so no check is repeated here.
import type { Bytes } from "../types";

type U8 = Uint8Array;
const u8 = (b: Bytes): U8 => b as unknown as U8;

export function alloc(n: number): Bytes {
  return new Uint8Array(n) as unknown as Bytes;
}

export function len(b: Bytes): number {
  return u8(b).length;
}

export function get8(b: Bytes, i: number): number {
  return u8(b)[i];
}

export function set8(b: Bytes, i: number, v: number): void {
  u8(b)[i] = v;
}

export function get16(b: Bytes, i: number): number {
  const a = u8(b);
  return a[i] * 256 + a[i + 1];
}

export function set16(b: Bytes, i: number, v: number): void {
  const a = u8(b);
  a[i] = v >>> 8;
  a[i + 1] = v;
}

// Multiplication instead of `<< 24` keeps the result unsigned.
export function get32(b: Bytes, i: number): number {
  const a = u8(b);
  return a[i] * 16777216 + a[i + 1] * 65536 + a[i + 2] * 256 + a[i + 3];
}

export function set32(b: Bytes, i: number, v: number): void {
  const a = u8(b);
  a[i] = v >>> 24;
  a[i + 1] = v >>> 16;
  a[i + 2] = v >>> 8;
  a[i + 3] = v;
}

export function copy(dst: Bytes, dstOff: number, src: Bytes, srcOff: number, n: number): void {
  const d = u8(dst);
  const s = u8(src);
  // Walk backwards when the destination overlaps the tail of the source.
  if (d.buffer === s.buffer && d.byteOffset + dstOff > s.byteOffset + srcOff) {
    for (let k = n - 1; k >= 0; k--) d[dstOff + k] = s[srcOff + k];
  } else {
    for (let k = 0; k < n; k++) d[dstOff + k] = s[srcOff + k];
  }
}

export function slice(b: Bytes, off: number, n: number): Bytes {
  const r = new Uint8Array(n);
  const a = u8(b);
  for (let k = 0; k < n; k++) r[k] = a[off + k];
  return r as unknown as Bytes;
}

export function view(b: Bytes, off: number, n: number): Bytes {
  return u8(b).subarray(off, off + n) as unknown as Bytes;
}

export function fill(b: Bytes, v: number, off: number, n: number): void {
  const a = u8(b);
  for (let k = 0; k < n; k++) a[off + k] = v;
}

export function compare(a: Bytes, aOff: number, b: Bytes, bOff: number, n: number): number {
  const x = u8(a);
  const y = u8(b);
  for (let k = 0; k < n; k++) {
    const d = x[aOff + k] - y[bOff + k];
    if (d !== 0) return d;
  }
  return 0;
}

export function sum16(b: Bytes, off: number, n: number, acc: number): number {
  const a = u8(b);
  let s = acc;
  const end = off + n - 1;
  let i = off;
  for (; i < end; i += 2) s += a[i] * 256 + a[i + 1];
  if (i === end) s += a[i] * 256;
  return s;
}
