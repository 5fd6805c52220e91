// The bytes HAL for the fuzzer: the Node one, but every access checked. On
// Node an over-read is `undefined` and quietly becomes NaN; on Lua it is an
// error and on Espruino garbage. Here it throws, so the fuzzer sees it.
import * as js from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";

export class OutOfRange extends Error {}

function check(b: Bytes, off: number, n: number, what: string): void {
  const size = js.len(b);
  if (!Number.isInteger(off) || !Number.isInteger(n) || off < 0 || n < 0 || off + n > size)
    throw new OutOfRange(`${what}: [${off}, +${n}) outside a buffer of ${size}`);
}
function value(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new OutOfRange(`${what}: value ${v} not in 0..${max}`);
}

export function alloc(n: number): Bytes {
  if (!Number.isInteger(n) || n < 0) throw new OutOfRange(`alloc(${n})`);
  return js.alloc(n);
}
export const len = js.len;
export function get8(b: Bytes, i: number): number {
  check(b, i, 1, "get8");
  return js.get8(b, i);
}
export function set8(b: Bytes, i: number, v: number): void {
  check(b, i, 1, "set8");
  value(v, 255, "set8");
  js.set8(b, i, v);
}
export function get16(b: Bytes, i: number): number {
  check(b, i, 2, "get16");
  return js.get16(b, i);
}
export function set16(b: Bytes, i: number, v: number): void {
  check(b, i, 2, "set16");
  value(v, 0xffff, "set16");
  js.set16(b, i, v);
}
export function get32(b: Bytes, i: number): number {
  check(b, i, 4, "get32");
  return js.get32(b, i);
}
export function set32(b: Bytes, i: number, v: number): void {
  check(b, i, 4, "set32");
  value(v, 0xffffffff, "set32");
  js.set32(b, i, v);
}
export function copy(dst: Bytes, dstOff: number, src: Bytes, srcOff: number, n: number): void {
  check(dst, dstOff, n, "copy to");
  check(src, srcOff, n, "copy from");
  js.copy(dst, dstOff, src, srcOff, n);
}
export function slice(b: Bytes, off: number, n: number): Bytes {
  check(b, off, n, "slice");
  return js.slice(b, off, n);
}
export function view(b: Bytes, off: number, n: number): Bytes {
  check(b, off, n, "view");
  return js.view(b, off, n);
}
export function fill(b: Bytes, v: number, off: number, n: number): void {
  check(b, off, n, "fill");
  js.fill(b, v, off, n);
}
export function compare(a: Bytes, aOff: number, b: Bytes, bOff: number, n: number): number {
  check(a, aOff, n, "compare");
  check(b, bOff, n, "compare");
  return js.compare(a, aOff, b, bOff, n);
}
export function sum16(b: Bytes, off: number, n: number, acc: number): number {
  check(b, off, n, "sum16");
  return js.sum16(b, off, n, acc);
}
