// A portable benchmark of the bytes layer: what a 1514-byte frame costs in
// memory on each runtime (against a plain array of numbers, the naive
// choice), and how fast the accessors and the checksum run. Prints
// "BENCH <name> <value> <unit>" lines for tools/bench.ts.
import { alloc, get32, get8, set8 } from "@hal/bytes";
import type { Bytes } from "../hal/types";
import { checksum } from "../src/net/cksum";
import { runLltableBench } from "./lltable-bench";

export interface BenchProbe {
  /** Memory in use after a full collection, in `memUnit`. */
  mem(): number;
  memUnit: string;
  /** Milliseconds from any origin. */
  now(): number;
}

const FRAME = 1514;
const COUNT = 8;

function sumThroughGet8(b: Bytes, n: number): number {
  let s = 0;
  for (let i = 0; i + 1 < n; i += 2) s += get8(b, i) * 256 + get8(b, i + 1);
  return s;
}

export function runBench(out: (line: string) => void, probe: BenchProbe): void {
  const base = probe.mem();
  const frames: Bytes[] = [];
  for (let i = 0; i < COUNT; i++) frames.push(alloc(FRAME));
  const afterBytes = probe.mem();
  out("BENCH frame_bytes_mem " + Math.floor((afterBytes - base) / COUNT) + " " + probe.memUnit);

  const arrays: number[][] = [];
  for (let i = 0; i < COUNT; i++) {
    const a: number[] = [];
    for (let k = 0; k < FRAME; k++) a[k] = 0;
    arrays.push(a);
  }
  const afterArrays = probe.mem();
  out("BENCH frame_array_mem " + Math.floor((afterArrays - afterBytes) / COUNT) + " " + probe.memUnit);

  const f = frames[0];
  let t = probe.now();
  const rounds = 20;
  for (let r = 0; r < rounds; r++) for (let i = 0; i < FRAME; i++) set8(f, i, (i + r) % 256);
  out("BENCH set8_per_ms " + Math.floor((rounds * FRAME) / Math.max(probe.now() - t, 0.001)) + " ops/ms");

  t = probe.now();
  let sink = 0;
  for (let r = 0; r < rounds; r++) for (let i = 0; i + 4 <= FRAME; i += 3) sink += get32(f, i) % 7;
  out(
    "BENCH get32_unaligned_per_ms " +
      Math.floor((rounds * Math.floor((FRAME - 1) / 3)) / Math.max(probe.now() - t, 0.001)) +
      " ops/ms",
  );

  t = probe.now();
  for (let r = 0; r < rounds; r++) sink += checksum(f, 0, FRAME);
  const fast = (probe.now() - t) / rounds;
  out("BENCH checksum_1514_us " + Math.floor(fast * 1000) + " us");

  // Baseline in the same run: the same sum through get8, as it was before
  // the per-runtime sum16 (timings swing between runs; the ratio holds).
  t = probe.now();
  for (let r = 0; r < rounds; r++) sink += sumThroughGet8(f, FRAME);
  const slow = (probe.now() - t) / rounds;
  out("BENCH checksum_get8_1514_us " + Math.floor(slow * 1000) + " us");
  out("BENCH sum16_speedup_x10 " + Math.floor((slow * 10) / Math.max(fast, 0.0001)) + " x/10");
  runLltableBench(out, probe);
  out("BENCH done " + (sink % 2) + " -");
  // Keep both sets alive until measured.
  if (get8(frames[COUNT - 1], 0) + arrays[COUNT - 1][0] > 0) out("unreachable");
}
