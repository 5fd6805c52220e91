// Compiles the host CLI to one plain JavaScript file, dist/cli/netrt.js, so
// the packed package (npm pack) runs bin/netrt with only its runtime
// dependency (serialport): no tsx, no TypeScript sources.
import * as path from "node:path";
import { build } from "esbuild";
import { ROOT } from "./lib/paths";

export const CLI_BUNDLE = path.join(ROOT, "dist", "cli", "netrt.js");

export async function buildCli(outfile = CLI_BUNDLE): Promise<string> {
  await build({
    entryPoints: [path.join(ROOT, "cli", "netrt.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // The package's dependencies stay requires; everything of ours is inside.
    external: ["serialport"],
    // tsconfig.json's paths map @hal/bytes and @hal/u32 to the Node HAL.
    tsconfig: path.join(ROOT, "tsconfig.json"),
    logLevel: "warning",
    legalComments: "none",
  });
  return outfile;
}

if (require.main === module)
  buildCli().then(
    (f) => console.log(`built ${path.relative(ROOT, f)}`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = 1;
    },
  );
