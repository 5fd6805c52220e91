// The NodeMCU binding's pieces that can run off a board, built as firmware
// is and run on lua5.1 and lua5.3.
import { strict as assert } from "node:assert";
import { buildProgram, runProgram } from "../../tools/lib/program";
import { probeRuntimes } from "../../tools/lib/runtimes";

describe("NodeMCU binding on real Lua", function () {
  for (const runtime of ["lua51", "lua53"] as const) {
    it(`${runtime}: reads rtctime's multiple results (seconds first), and -1 when absent or unset`, async function () {
      const probe = probeRuntimes().find((p) => p.runtime === runtime)!;
      if (probe.absent !== undefined) {
        if (process.env.CI) assert.fail(`${runtime} must run in CI: ${probe.absent}`);
        this.skip();
      }
      const artifact = await buildProgram({ name: "nodemcu-epoch", jsEntry: "", luaEntry: "test/nodemcu/epoch-entry.ts" }, runtime);
      const r = runProgram(probe, artifact);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n"), ["absent -1", "unset -1", "set 1764000000"]);
    });
  }
});
