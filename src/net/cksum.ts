// The Internet checksum (RFC 1071). Sums are kept as plain numbers: a
// 64 KB packet sums to under 2^32, far inside every runtime's exact range,
// so no u32 wrapping is needed until the fold. The summing loop itself is
// the bytes module's (sum16), tuned per runtime.
import { sum16 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";

/** Folds carries back in and returns the ones' complement, in [0, 0xffff]. */
export function finish(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 65536) + Math.floor(s / 65536);
  return 0xffff - s;
}

export function checksum(b: Bytes, off: number, n: number): number {
  return finish(sum16(b, off, n, 0));
}
