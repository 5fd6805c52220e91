// `npm run conformance`: one row per runtime with passed and failed counts.
// Exits non-zero when a present runtime fails or a vector suite is missing.
import Table from "cli-table3";
import { runConformance } from "./lib/conformance";

async function main(): Promise<void> {
  const rows = await runConformance();
  const table = new Table({ head: ["runtime", "passed", "failed", "suites", "time"], style: { head: [], border: [] } });
  let bad = false;
  for (const r of rows) {
    if (r.absent !== undefined) {
      table.push([r.label, "-", "-", `absent: ${r.absent}`, "-"]);
      continue;
    }
    if (r.failed > 0 || r.error !== undefined) bad = true;
    const suites = r.error ?? r.suites.map((s) => `${s.name} ${s.passed}/${s.passed + s.failed}`).join(", ");
    table.push([r.label, r.passed, r.failed, suites, `${r.ms} ms`]);
  }
  console.log(table.toString());
  for (const r of rows) for (const f of r.failures) console.log(`${r.runtime}: ${f}`);
  process.exitCode = bad ? 1 : 0;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
