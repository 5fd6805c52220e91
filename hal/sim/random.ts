// Deterministic randomness for simulations: xorshift32 from a seed.
import { bxor, shl, shr } from "@hal/u32";
import type { Random } from "../types";

export class SimRandom implements Random {
  private s: number;
  constructor(seed: number) {
    this.s = seed === 0 ? 0x9e3779b9 : seed;
  }
  u32(): number {
    let x = this.s;
    x = bxor(x, shl(x, 13));
    x = bxor(x, shr(x, 17));
    x = bxor(x, shl(x, 5));
    this.s = x;
    return x;
  }
}
