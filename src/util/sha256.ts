// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) on the HAL's bytes and
// u32 helpers, for the control channel's challenge-response. Small and
// slow on purpose: it hashes a 16-byte nonce a few times per session.
import { alloc, get8, get32, len, set8, set32 } from "@hal/bytes";
import { add, band, bnot, bor, bxor, shl, shr } from "@hal/u32";
import type { Bytes } from "../../hal/types";

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];

function rotr(x: number, n: number): number {
  return bor(shr(x, n), shl(x, 32 - n));
}

/** Block and digest sizes, and a message word (big-endian u32). */
const BLOCK = 64;
const DIGEST = 32;
const WORD = 4;
/** The message's bit length ends the last block, big-endian in 8 bytes. */
const LENGTH_BYTES = 8;

/** SHA-256 of b[off, off+n); 32 bytes. */
export function sha256(b: Bytes, off: number, n: number): Bytes {
  const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  // Message plus 0x80, zeros, and the 64-bit bit length, in whole 64-byte blocks.
  const total = Math.floor((n + 1 + LENGTH_BYTES + BLOCK - 1) / BLOCK) * BLOCK;
  const m = alloc(total);
  for (let i = 0; i < n; i++) set8(m, i, get8(b, off + i));
  set8(m, n, 0x80);
  let bits = n * 8;
  for (let i = total - 1; i >= total - LENGTH_BYTES; i--) {
    set8(m, i, bits % 256);
    bits = Math.floor(bits / 256);
  }
  const w: number[] = [];
  for (let blk = 0; blk < total; blk += BLOCK) {
    for (let t = 0; t < 16; t++) {
      w[t] = get32(m, blk + t * WORD);
    }
    for (let t = 16; t < 64; t++) {
      const s0 = bxor(bxor(rotr(w[t - 15], 7), rotr(w[t - 15], 18)), shr(w[t - 15], 3));
      const s1 = bxor(bxor(rotr(w[t - 2], 17), rotr(w[t - 2], 19)), shr(w[t - 2], 10));
      w[t] = add(add(w[t - 16], s0), add(w[t - 7], s1));
    }
    let a = h[0];
    let bb = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    let f = h[5];
    let g = h[6];
    let hh = h[7];
    for (let t = 0; t < 64; t++) {
      const S1 = bxor(bxor(rotr(e, 6), rotr(e, 11)), rotr(e, 25));
      const ch = bxor(band(e, f), band(bnot(e), g));
      const t1 = add(add(add(hh, S1), add(ch, K[t])), w[t]);
      const S0 = bxor(bxor(rotr(a, 2), rotr(a, 13)), rotr(a, 22));
      const maj = bxor(bxor(band(a, bb), band(a, c)), band(bb, c));
      const t2 = add(S0, maj);
      hh = g;
      g = f;
      f = e;
      e = add(d, t1);
      d = c;
      c = bb;
      bb = a;
      a = add(t1, t2);
    }
    h[0] = add(h[0], a);
    h[1] = add(h[1], bb);
    h[2] = add(h[2], c);
    h[3] = add(h[3], d);
    h[4] = add(h[4], e);
    h[5] = add(h[5], f);
    h[6] = add(h[6], g);
    h[7] = add(h[7], hh);
  }
  const out = alloc(DIGEST);
  for (let i = 0; i < 8; i++) set32(out, i * WORD, h[i]);
  return out;
}

/** HMAC-SHA256(key, msg[off, off+n)); 32 bytes. */
export function hmacSha256(key: Bytes, msg: Bytes, off: number, n: number): Bytes {
  const k = len(key) > BLOCK ? sha256(key, 0, len(key)) : key;
  const inner = alloc(BLOCK + n);
  const outer = alloc(BLOCK + DIGEST);
  for (let i = 0; i < BLOCK; i++) {
    const kb = i < len(k) ? get8(k, i) : 0;
    set8(inner, i, bxor(kb, 0x36));
    set8(outer, i, bxor(kb, 0x5c));
  }
  for (let i = 0; i < n; i++) set8(inner, BLOCK + i, get8(msg, off + i));
  const ih = sha256(inner, 0, BLOCK + n);
  for (let i = 0; i < DIGEST; i++) set8(outer, BLOCK + i, get8(ih, i));
  return sha256(outer, 0, BLOCK + DIGEST);
}

/** Compares two byte strings in time that does not depend on where they differ. */
export function equalConstantTime(a: Bytes, b: Bytes): boolean {
  if (len(a) !== len(b)) return false;
  let diff = 0;
  for (let i = 0; i < len(a); i++) diff = bor(diff, bxor(get8(a, i), get8(b, i)));
  return diff === 0;
}
