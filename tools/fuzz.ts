// npm run fuzz: a million structure-aware inputs per parser of outside
// input, every access to bytes checked (tools/fuzz/strict-bytes.ts, through
// tsconfig.fuzz.json), invariants checked after each input. A failure
// prints its target, invariant, seed and a minimized reproducer in hex, and
// the exit status is 1.
//
//   npm run fuzz [-- --runs N] [--seed S] [--only NAME[,NAME]] [--json FILE]
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import Table from "cli-table3";
import { minimize, mutate, Rng } from "./fuzz/mutate";
import { allTargets, plantedForSelfTest, type Target } from "./fuzz/targets";

/** Stateful targets start over this often, so a failure replays from a short history. */
const RESET_EVERY = 64;

interface Outcome {
  target: string;
  what: string;
  inputs: number;
  seconds: number;
  perSecond: number;
  failure?: { invariant: string; input: string; minimized: string; history: string[]; iteration: number };
}

function whole(v: string): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("a whole number");
  return n;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return String(e);
}

/** Replays `history` on a fresh target state, then `input`; the error it raises, or undefined. */
function replay(
  t: Target,
  history: Uint8Array[],
  input: Uint8Array,
  iteration: number,
  seed: number,
): string | undefined {
  t.reset();
  const rng = new Rng(seed ^ iteration);
  try {
    for (const h of history) t.run(h, rng);
  } catch {
    return undefined; // the history alone fails: not this input's doing
  }
  try {
    t.run(input, new Rng(seed ^ iteration));
    return undefined;
  } catch (e) {
    return describeError(e);
  }
}

export function fuzzTarget(t: Target, runs: number, seed: number, log: (s: string) => void): Outcome {
  const seeds = t.seeds();
  const rng = new Rng(seed);
  let history: Uint8Array[] = [];
  t.reset();
  const t0 = process.hrtime.bigint();
  let i = 0;
  for (; i < runs; i++) {
    if (i % RESET_EVERY === 0) {
      t.reset();
      history = [];
    }
    // Every so often a seed unchanged: the valid path stays exercised too.
    const input = i % 16 === 0 ? Uint8Array.from(seeds[rng.below(seeds.length)].bytes) : mutate(seeds, rng);
    const iteration = i;
    try {
      t.run(input, new Rng(seed ^ iteration));
    } catch (e) {
      const invariant = describeError(e);
      const kind = invariant.split(":")[0];
      const mini = minimize(input, (b) => {
        const again = replay(t, history, b, iteration, seed);
        return again !== undefined && again.split(":")[0] === kind;
      });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
      log(`FAIL ${t.name} at input ${i} (seed ${seed}): ${invariant}`);
      log(`  input     ${hex(input)}`);
      log(`  minimized ${hex(mini)}`);
      if (history.length > 0)
        log(
          `  after ${history.length} earlier inputs on the same state (replayed first): ${history.map(hex).join(" ")}`,
        );
      return {
        target: t.name,
        what: t.what,
        inputs: i + 1,
        seconds,
        perSecond: Math.round((i + 1) / seconds),
        failure: { invariant, input: hex(input), minimized: hex(mini), history: history.map(hex), iteration },
      };
    }
    history.push(input);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { target: t.name, what: t.what, inputs: i, seconds, perSecond: Math.round(i / Math.max(seconds, 1e-9)) };
}

function main(): void {
  const program = new Command()
    .name("fuzz")
    .description("structure-aware fuzzing of every parser of outside input, with invariants")
    .option("--runs <n>", "inputs per target", whole, 1_000_000)
    .option("--seed <n>", "random seed (the same seed replays the same inputs)", whole, 1)
    .option("--only <names>", "comma-separated targets")
    .option("--json <file>", "where to write the results", path.join("build", "fuzz.json"))
    .option("--self-test", "run only the planted-bug target, which must fail")
    .parse();
  const o = program.opts<{ runs: number; seed: number; only?: string; json: string; selfTest?: boolean }>();
  let targets = o.selfTest ? [plantedForSelfTest()] : allTargets();
  if (o.only !== undefined) {
    const want = o.only.split(",");
    const unknown = want.filter((w) => !targets.some((t) => t.name === w));
    if (unknown.length > 0) {
      console.error(`fuzz: no target ${unknown.join(", ")} (targets: ${targets.map((t) => t.name).join(", ")})`);
      process.exit(2);
    }
    targets = targets.filter((t) => want.includes(t.name));
  }
  const results: Outcome[] = [];
  for (const t of targets) {
    process.stdout.write(`${t.name}: ${o.runs.toLocaleString("en")} inputs… `);
    const r = fuzzTarget(t, o.runs, o.seed, (s) => console.log(`\n${s}`));
    results.push(r);
    console.log(r.failure === undefined ? `ok, ${r.perSecond.toLocaleString("en")}/s` : "FAILED");
  }
  const table = new Table({
    head: ["target", "what", "inputs", "seconds", "inputs/s", "result"],
    style: { head: [], border: [] },
  });
  for (const r of results)
    table.push([
      r.target,
      r.what,
      r.inputs.toLocaleString("en"),
      r.seconds.toFixed(1),
      r.perSecond.toLocaleString("en"),
      r.failure === undefined ? "ok" : `FAIL: ${r.failure.invariant}`,
    ]);
  console.log(table.toString());
  fs.mkdirSync(path.dirname(o.json), { recursive: true });
  fs.writeFileSync(o.json, JSON.stringify({ seed: o.seed, runs: o.runs, results }, null, 1));
  const failed = results.filter((r) => r.failure !== undefined).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main();
