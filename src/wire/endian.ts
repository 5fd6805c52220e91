// Netlink integers: host byte order, and every peer we talk to (x86, ESP32,
// STM32) is little-endian, so LE; IPv4 addresses stay in network order as
// Linux keeps them.
import { get8, set8 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";

export const TWO32 = 4294967296;

export function getLe16(b: Bytes, o: number): number {
  return get8(b, o) + get8(b, o + 1) * 256;
}

export function getLe32(b: Bytes, o: number): number {
  return get8(b, o) + get8(b, o + 1) * 256 + get8(b, o + 2) * 65536 + get8(b, o + 3) * 16777216;
}

export function getS32(b: Bytes, o: number): number {
  const v = getLe32(b, o);
  return v >= 2147483648 ? v - TWO32 : v;
}

/** Up to 2^53 exactly; counters beyond that lose their low bits, never their size. */
export function getLe64(b: Bytes, o: number): number {
  return getLe32(b, o) + getLe32(b, o + 4) * TWO32;
}

/** Network-order u32 (in_addr). */
export function getBe32(b: Bytes, o: number): number {
  return get8(b, o) * 16777216 + get8(b, o + 1) * 65536 + get8(b, o + 2) * 256 + get8(b, o + 3);
}

export function setLe16(b: Bytes, o: number, v: number): void {
  set8(b, o, v % 256);
  set8(b, o + 1, Math.floor(v / 256) % 256);
}

export function setLe32(b: Bytes, o: number, v: number): void {
  let x = v < 0 ? v + TWO32 : v;
  for (let i = 0; i < 4; i++) {
    set8(b, o + i, x % 256);
    x = Math.floor(x / 256);
  }
}

export function setLe64(b: Bytes, o: number, v: number): void {
  setLe32(b, o, v % TWO32);
  setLe32(b, o + 4, Math.floor(v / TWO32) % TWO32);
}

export function setBe32(b: Bytes, o: number, v: number): void {
  let x = v;
  for (let i = 3; i >= 0; i--) {
    set8(b, o + i, x % 256);
    x = Math.floor(x / 256);
  }
}

export function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}
