// `npm run build [-- --board NAME ...]`: every board's artifact and dist/sizes.json.
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { buildAll } from "./lib/build";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { board: { type: "string", multiple: true } } });
  const artifacts = await buildAll(values.board);
  const table = new Table({ head: ["board", "runtime", "artifact", "bytes", "gzip"], style: { head: [], border: [] } });
  for (const a of artifacts) table.push([a.board, a.runtime, a.file, a.bytes, a.gzipBytes]);
  console.log(table.toString());
  for (const a of artifacts) if (a.driverNote !== undefined) console.log(`note: ${a.driverNote}`);
  console.log("sizes: dist/sizes.json");
}

main().catch((e: unknown) => {
  console.error(`build failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
