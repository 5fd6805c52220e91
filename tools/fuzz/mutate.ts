// Structure-aware mutation: inputs start from valid seeds built by our own
// writers and are changed the ways a bad peer or a bad line changes them:
// flipped bits, interesting values in the length fields the seed's target
// names, truncation, growth, repeated and spliced ranges.

/** A length or count field of a seed: its offset, width (1, 2, 4) and byte order. */
export interface Field {
  off: number;
  width: number;
  little: boolean;
}

export interface Seed {
  bytes: Uint8Array;
  fields: Field[];
}

/** xorshift32: fast, seedable, the same sequence on every run. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
}

const INTERESTING8 = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff];

function interesting(width: number, near: number, rng: Rng): number {
  const max = width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff;
  const picks = [
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    max,
    max - 1,
    Math.floor(max / 2) + 1,
    near,
    near + 1,
    near - 1,
    near + 4,
    near - 4,
    near * 2,
  ];
  const v = picks[rng.below(picks.length)];
  return ((v % (max + 1)) + max + 1) % (max + 1);
}

function putField(b: Uint8Array, f: Field, v: number): void {
  for (let i = 0; i < f.width; i++) {
    const shift = f.little ? i : f.width - 1 - i;
    if (f.off + i < b.length) b[f.off + i] = Math.floor(v / 2 ** (8 * shift)) & 0xff;
  }
}

/** One mutated input from the seeds (1 to 4 changes). */
export function mutate(seeds: Seed[], rng: Rng): Uint8Array {
  const seed = seeds[rng.below(seeds.length)];
  let b: Uint8Array = Uint8Array.from(seed.bytes);
  const ops = 1 + rng.below(4);
  for (let k = 0; k < ops; k++) {
    const op = rng.below(11);
    const n = b.length;
    if (op === 0 && n > 0) b[rng.below(n)] ^= 1 << rng.below(8);
    else if (op === 1 && n > 0) b[rng.below(n)] = INTERESTING8[rng.below(INTERESTING8.length)];
    else if (op === 2 && n > 0) b[rng.below(n)] = rng.below(256);
    else if ((op === 3 || op === 4) && seed.fields.length > 0) {
      // A length field: near its true value, or a boundary.
      const f = seed.fields[rng.below(seed.fields.length)];
      putField(b, f, interesting(f.width, n - f.off, rng));
    } else if (op === 5 && n > 0) b = b.slice(0, rng.below(n));
    else if (op === 6) {
      const extra = new Uint8Array(1 + rng.below(32));
      for (let i = 0; i < extra.length; i++) extra[i] = rng.below(256);
      const at = rng.below(n + 1);
      b = concat(b.slice(0, at), extra, b.slice(at));
    } else if (op === 7 && n > 1) {
      const at = rng.below(n);
      const m = 1 + rng.below(Math.min(32, n - at));
      b = concat(b.slice(0, at), b.slice(at + m));
    } else if (op === 8 && n > 1) {
      const at = rng.below(n);
      const m = 1 + rng.below(Math.min(64, n - at));
      const to = rng.below(n + 1);
      b = concat(b.slice(0, to), b.slice(at, at + m), b.slice(to));
    } else if (op === 9) {
      const other = seeds[rng.below(seeds.length)].bytes;
      const cut = rng.below(b.length + 1);
      b = concat(b.slice(0, cut), other.slice(rng.below(other.length + 1)));
    } else if (op === 10 && n > 0) {
      const at = rng.below(n);
      const m = Math.min(n - at, 1 + rng.below(8));
      for (let i = 0; i < m; i++) b[at + i] = rng.below(256);
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A smaller input that still fails `fails`: whole ranges dropped while the
 * failure stays, then bytes zeroed. Bounded, so a slow target still ends.
 */
export function minimize(input: Uint8Array, fails: (b: Uint8Array) => boolean, budget = 3000): Uint8Array {
  let best: Uint8Array = input;
  let tries = 0;
  for (let chunk = Math.max(1, best.length >> 1); chunk >= 1 && tries < budget; chunk >>= 1) {
    let i = 0;
    while (i < best.length && tries < budget) {
      const cand = concat(best.slice(0, i), best.slice(i + chunk));
      tries++;
      if (fails(cand)) best = cand;
      else i += chunk;
    }
  }
  for (let i = 0; i < best.length && tries < budget; i++) {
    if (best[i] === 0) continue;
    const cand = Uint8Array.from(best);
    cand[i] = 0;
    tries++;
    if (fails(cand)) best = cand;
  }
  return best;
}
