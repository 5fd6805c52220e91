// Builds the portable conformance program for every runtime, runs it on the
// interpreters present, and parses its SUITE/FAIL/RESULT lines.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { bundleJs } from "./bundle-js";
import { bundleLua } from "./bundle-lua";
import { BUILD, ROOT } from "./paths";
import { probeRuntimes, type RuntimeProbe } from "./runtimes";
import { halAliases, type Runtime } from "./targets";
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

async function buildFor(runtime: Runtime): Promise<string> {
  const aliases = { ...halAliases(runtime), "@vectors": writeVectorsModule() };
  const dir = path.join(BUILD, "conformance", runtime);
  if (runtime === "node" || runtime === "espruino") {
    const outFile = path.join(dir, "conformance.js");
    await bundleJs({ entry: path.join(ROOT, "test/conformance/entry-js.ts"), runtime, aliases, outFile });
    return outFile;
  }
  const outFile = path.join(dir, "conformance.lua");
  await bundleLua({ entry: path.join(ROOT, "test/conformance/entry-lua.ts"), runtime, aliases, outFile, workDir: path.join(dir, "work") });
  return outFile;
}

export function parseOutput(stdout: string): Pick<ConformanceRow, "passed" | "failed" | "suites" | "failures"> & { complete: boolean } {
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
  const row: ConformanceRow = { runtime: p.runtime, label: p.label, absent: p.absent, passed: 0, failed: 0, suites: [], failures: [], ms: 0 };
  if (p.absent !== undefined || p.command === undefined) return row;
  const artifact = await buildFor(p.runtime);
  const t0 = Date.now();
  const res = spawnSync(p.command, [artifact], { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024, cwd: path.dirname(artifact) });
  row.ms = Date.now() - t0;
  const parsed = parseOutput(res.stdout ?? "");
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
