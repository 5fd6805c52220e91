// Unsigned 32-bit arithmetic on JavaScript engines: bitwise operators work
// on int32, so every result goes through `>>> 0`.

export function norm(a: number): number {
  return a >>> 0;
}
export function band(a: number, b: number): number {
  return (a & b) >>> 0;
}
export function bor(a: number, b: number): number {
  return (a | b) >>> 0;
}
export function bxor(a: number, b: number): number {
  return (a ^ b) >>> 0;
}
export function bnot(a: number): number {
  return ~a >>> 0;
}
/** Shift counts outside [0, 31] give 0, not JavaScript's count-mod-32. */
export function shl(a: number, n: number): number {
  return n > 31 || n < 0 ? 0 : (a << n) >>> 0;
}
export function shr(a: number, n: number): number {
  return n > 31 || n < 0 ? 0 : a >>> n;
}
export function add(a: number, b: number): number {
  return (a + b) >>> 0;
}
export function sub(a: number, b: number): number {
  return (a - b) >>> 0;
}
// Math.imul is missing on Espruino: multiply in 16-bit halves so every
// partial product stays below 2^53.
export function mul(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = (a >>> 16) & 0xffff;
  return (al * b + ((ah * b) & 0xffff) * 65536) >>> 0;
}
