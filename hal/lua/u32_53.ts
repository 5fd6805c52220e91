// u32 on Lua 5.3: native 64-bit integer operators, masked back to 32 bits
// (typescript-to-lua turns `&`, `|`, `<<` into Lua's, which do not wrap at
// 2^32 the way JavaScript's do).
const MASK = 0xffffffff;

export function norm(a: number): number {
  return a & MASK;
}
export function band(a: number, b: number): number {
  return a & b & MASK;
}
export function bor(a: number, b: number): number {
  return (a | b) & MASK;
}
export function bxor(a: number, b: number): number {
  return (a ^ b) & MASK;
}
export function bnot(a: number): number {
  return ~a & MASK;
}
export function shl(a: number, n: number): number {
  return n > 31 || n < 0 ? 0 : (a << n) & MASK;
}
export function shr(a: number, n: number): number {
  return n > 31 || n < 0 ? 0 : (a & MASK) >>> n;
}
export function add(a: number, b: number): number {
  return (a + b) & MASK;
}
export function sub(a: number, b: number): number {
  return (a - b) & MASK;
}
// 64-bit integer multiply wraps mod 2^64; the low 32 bits are exact.
export function mul(a: number, b: number): number {
  return (a * b) & MASK;
}
