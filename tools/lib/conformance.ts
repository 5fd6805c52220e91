// Builds the portable conformance program for every runtime, runs it on the
// interpreters present, and parses its SUITE/FAIL/RESULT lines.
import { buildProgram, type ProgramSpec, runProgram } from "./program";
import { probeRuntimes, type RuntimeProbe } from "./runtimes";
import type { Runtime } from "./targets";
import { writeVectorsModule } from "./vectors";

export interface ConformanceRow {
  runtime: Runtime;
  label: string;
  absent?: string;
  passed: number;
  failed: number;
  suites: { name: string; passed: number; failed: number }[];
  failures: string[];
  /** Set when the program did not run to its RESULT line. */
  error?: string;
  ms: number;
}

const SPEC: ProgramSpec = {
  name: "conformance",
  jsEntry: "test/conformance/entry-js.ts",
  luaEntry: "test/conformance/entry-lua.ts",
  aliases: {},
};

export function parseOutput(
  stdout: string,
): Pick<ConformanceRow, "passed" | "failed" | "suites" | "failures"> & { complete: boolean } {
  const suites: ConformanceRow["suites"] = [];
  const failures: string[] = [];
  let passed = 0;
  let failed = 0;
  let complete = false;
  for (const line of stdout.split(/\r?\n/)) {
    let m = /^SUITE (\S+) passed=(\d+) failed=(\d+)/.exec(line);
    if (m) suites.push({ name: m[1], passed: Number(m[2]), failed: Number(m[3]) });
    m = /^RESULT passed=(\d+) failed=(\d+)/.exec(line);
    if (m) {
      passed = Number(m[1]);
      failed = Number(m[2]);
      complete = true;
    }
    if (line.startsWith("FAIL ")) failures.push(line);
  }
  return { passed, failed, suites, failures, complete };
}

async function runOne(p: RuntimeProbe): Promise<ConformanceRow> {
  const row: ConformanceRow = {
    runtime: p.runtime,
    label: p.label,
    absent: p.absent,
    passed: 0,
    failed: 0,
    suites: [],
    failures: [],
    ms: 0,
  };
  if (p.absent !== undefined || p.command === undefined) return row;
  const artifact = await buildProgram({ ...SPEC, aliases: { "@vectors": writeVectorsModule() } }, p.runtime);
  const res = runProgram(p, artifact);
  row.ms = res.ms;
  const parsed = parseOutput(res.stdout);
  Object.assign(row, parsed);
  if (!parsed.complete) {
    row.error = `no RESULT line (exit ${res.status}${res.signal ? `, ${res.signal}` : ""}): ${(res.stderr || res.stdout || "").trim().split("\n").slice(-5).join(" | ")}`;
  }
  return row;
}

export async function runConformance(only?: Runtime[]): Promise<ConformanceRow[]> {
  const rows: ConformanceRow[] = [];
  for (const p of probeRuntimes()) {
    if (only !== undefined && !only.includes(p.runtime)) continue;
    rows.push(await runOne(p));
  }
  return rows;
}
