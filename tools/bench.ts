// `npm run bench`: the bytes benchmark on every runtime present, plus the
// artifact sizes from dist/sizes.json; prints tables, writes dist/bench.json.
import * as fs from "node:fs";
import * as path from "node:path";
import Table from "cli-table3";
import { buildAll } from "./lib/build";
import { DIST } from "./lib/paths";
import { buildProgram, runProgram } from "./lib/program";
import { probeRuntimes } from "./lib/runtimes";

const SPEC = { name: "bench-bytes", jsEntry: "bench/entry-js.ts", luaEntry: "bench/entry-lua.ts", extraLuaGlobals: ["os"] };

async function main(): Promise<void> {
  const results: Record<string, Record<string, { value: number; unit: string }>> = {};
  const names = new Set<string>();
  const absent: string[] = [];
  for (const p of probeRuntimes()) {
    if (p.absent !== undefined) {
      absent.push(`${p.runtime}: ${p.absent}`);
      continue;
    }
    const run = runProgram(p, await buildProgram(SPEC, p.runtime));
    const row: Record<string, { value: number; unit: string }> = {};
    for (const m of run.stdout.matchAll(/^BENCH (\S+) (\S+) (\S+)/gm)) {
      if (m[1] === "done") continue;
      row[m[1]] = { value: Number(m[2]), unit: m[3] };
      names.add(m[1]);
    }
    if (Object.keys(row).length === 0) throw new Error(`${p.runtime}: benchmark printed nothing: ${run.stderr.trim().slice(-300)}`);
    results[p.label] = row;
  }
  const table = new Table({ head: ["measure", ...Object.keys(results)], style: { head: [], border: [] } });
  for (const n of names) table.push([n, ...Object.keys(results).map((r) => (results[r][n] ? `${results[r][n].value} ${results[r][n].unit}` : "-"))]);
  console.log(table.toString());
  for (const a of absent) console.log(`absent ${a}`);

  const artifacts = await buildAll();
  const sizes = new Table({ head: ["board", "runtime", "bytes", "gzip"], style: { head: [], border: [] } });
  for (const a of artifacts) sizes.push([a.board, a.runtime, a.bytes, a.gzipBytes]);
  console.log(sizes.toString());

  const out = path.join(DIST, "bench.json");
  fs.writeFileSync(out, `${JSON.stringify({ bytes: results, artifacts: artifacts.map(({ driverNote: _n, ...a }) => a) }, null, 2)}\n`);
  console.log(`written: ${path.relative(process.cwd(), out)}`);
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
