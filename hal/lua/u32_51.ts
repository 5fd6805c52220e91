// u32 on Lua 5.1: the `bit` module (NodeMCU built-in, lua-bitop on a host).
// Its results are signed int32, so each goes through `% 2^32`, which Lua
// defines as floored modulo and therefore non-negative.
/// <reference path="./lua-api.ts" />

const bitops: LuaBitOps = _G.bit !== undefined ? _G.bit : (_G.require("bit") as LuaBitOps);
const TWO32 = 4294967296;

export function norm(a: number): number {
  return a % TWO32;
}
export function band(a: number, b: number): number {
  return bitops.band(a, b) % TWO32;
}
export function bor(a: number, b: number): number {
  return bitops.bor(a, b) % TWO32;
}
export function bxor(a: number, b: number): number {
  return bitops.bxor(a, b) % TWO32;
}
export function bnot(a: number): number {
  return bitops.bnot(a) % TWO32;
}
export function shl(a: number, n: number): number {
  return n > 31 || n < 0 ? 0 : bitops.lshift(a, n) % TWO32;
}
export function shr(a: number, n: number): number {
  return n > 31 || n < 0 ? 0 : bitops.rshift(a, n) % TWO32;
}
export function add(a: number, b: number): number {
  return (a + b) % TWO32;
}
export function sub(a: number, b: number): number {
  return (a - b) % TWO32;
}
// Doubles hold 53 bits: multiply in 16-bit halves.
export function mul(a: number, b: number): number {
  const al = a % 65536;
  const ah = Math.floor(a / 65536) % 65536;
  return (al * b + ((ah * b) % 65536) * 65536) % TWO32;
}
