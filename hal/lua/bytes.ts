/// <reference path="./lua-api.ts" />
// Bytes on Lua. A Lua table slot costs 16 bytes on NodeMCU, so a byte per
// slot would make a 1500-byte frame cost 24 KB. Four bytes are packed per
// slot instead (big-endian inside the word), using only arithmetic so the
// same code runs on Lua 5.1 (doubles) and 5.3 (integers) without bit ops.
// A Bytes value is a small header: the word table, a byte offset (views
// share the words) and a length.
import type { Bytes } from "../types";

interface LuaBytes {
  w: number[];
  o: number;
  n: number;
}

const lb = (b: Bytes): LuaBytes => b as unknown as LuaBytes;
// PLACE[k] is the weight of byte k (0 = most significant) inside a word.
const PLACE = [16777216, 65536, 256, 1];

const lib = _G as unknown as { string: LuaStringLib };
// Filled one slot at a time, a table's array part grows by doubling (a
// 515-byte buffer's 129 words took 256 slots, 2 KB idle). A constructor
// filled by one multi-value call is sized exactly: string.byte over a run of
// NULs is that call. Its results pass through the C stack (8,000 slots on
// Lua 5.1), so larger buffers are filled the slow way.
const EXACT_WORDS_MAX = 4000;

export function alloc(n: number): Bytes {
  const words = Math.floor((n + 3) / 4);
  let w: number[];
  if (words <= EXACT_WORDS_MAX) w = [...lib.string.byte(lib.string.rep("\0", words), 1, words)];
  else {
    w = [];
    for (let i = 0; i < words; i++) w[i] = 0;
  }
  // Lua 5.3 keeps 10 / 2 a float (5.0): a length stays an integer however it was computed.
  const b: LuaBytes = { w: w, o: 0, n: Math.floor(n) };
  return b as unknown as Bytes;
}

export function len(b: Bytes): number {
  return lb(b).n;
}

export function get8(b: Bytes, i: number): number {
  const x = lb(b);
  const j = x.o + i;
  const word = Math.floor(j / 4);
  return Math.floor(x.w[word] / PLACE[j - word * 4]) % 256;
}

export function set8(b: Bytes, i: number, v: number): void {
  const x = lb(b);
  const j = x.o + i;
  const word = Math.floor(j / 4);
  const place = PLACE[j - word * 4];
  const cur = x.w[word];
  const old = Math.floor(cur / place) % 256;
  x.w[word] = cur + ((v % 256) - old) * place;
}

export function get16(b: Bytes, i: number): number {
  return get8(b, i) * 256 + get8(b, i + 1);
}

export function set16(b: Bytes, i: number, v: number): void {
  set8(b, i, Math.floor(v / 256) % 256);
  set8(b, i + 1, v % 256);
}

export function get32(b: Bytes, i: number): number {
  const x = lb(b);
  const j = x.o + i;
  // Aligned reads are one table lookup.
  if (j % 4 === 0) return x.w[j / 4];
  return get16(b, i) * 65536 + get16(b, i + 2);
}

export function set32(b: Bytes, i: number, v: number): void {
  const x = lb(b);
  const j = x.o + i;
  if (j % 4 === 0) {
    x.w[j / 4] = v;
    return;
  }
  set16(b, i, Math.floor(v / 65536));
  set16(b, i + 2, v % 65536);
}

export function copy(dst: Bytes, dstOff: number, src: Bytes, srcOff: number, n: number): void {
  const d = lb(dst);
  const s = lb(src);
  if (d.w === s.w && d.o + dstOff > s.o + srcOff) {
    for (let k = n - 1; k >= 0; k--) set8(dst, dstOff + k, get8(src, srcOff + k));
  } else {
    for (let k = 0; k < n; k++) set8(dst, dstOff + k, get8(src, srcOff + k));
  }
}

export function slice(b: Bytes, off: number, n: number): Bytes {
  const r = alloc(n);
  copy(r, 0, b, off, n);
  return r;
}

export function view(b: Bytes, off: number, n: number): Bytes {
  const x = lb(b);
  const v: LuaBytes = { w: x.w, o: x.o + off, n: n };
  return v as unknown as Bytes;
}

export function fill(b: Bytes, v: number, off: number, n: number): void {
  for (let k = 0; k < n; k++) set8(b, off + k, v);
}

export function compare(a: Bytes, aOff: number, b: Bytes, bOff: number, n: number): number {
  for (let k = 0; k < n; k++) {
    const d = get8(a, aOff + k) - get8(b, bOff + k);
    if (d !== 0) return d;
  }
  return 0;
}

// Word-aligned runs cost one table read per 4 bytes: a word's two halves are
// two checksum words. Odd starts fall back to byte pairs.
export function sum16(b: Bytes, off: number, n: number, acc: number): number {
  const x = lb(b);
  let s = acc;
  let i = off;
  const end = off + n;
  const j = x.o + off;
  if (j % 2 === 0) {
    if (j % 4 === 2 && i + 2 <= end) {
      s += get16(b, i);
      i += 2;
    }
    const w = x.w;
    let k = (x.o + i) / 4;
    while (i + 4 <= end) {
      const v = w[k];
      const hi = Math.floor(v / 65536);
      s += hi + (v - hi * 65536);
      k++;
      i += 4;
    }
  }
  for (; i + 1 < end; i += 2) s += get16(b, i);
  if (i < end) s += get8(b, i) * 256;
  return s;
}
