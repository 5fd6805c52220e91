// The conformance vectors on every runtime present. In CI the Lua
// interpreters must be present: .ci/run installs them.
import { strict as assert } from "node:assert";
import { type ConformanceRow, runConformance } from "../../tools/lib/conformance";
import type { Runtime } from "../../tools/lib/targets";

const REQUIRED_IN_CI: Runtime[] = ["node", "lua51", "lua53"];

describe("conformance vectors on every runtime", function () {
  let rows: ConformanceRow[] = [];
  before(async function () {
    rows = await runConformance();
  });

  for (const runtime of ["node", "lua51", "lua53", "espruino"] as Runtime[]) {
    it(`pass on ${runtime}`, function () {
      const row = rows.find((r) => r.runtime === runtime);
      assert.ok(row, `no row for ${runtime}`);
      if (row.absent !== undefined) {
        if (process.env.CI && REQUIRED_IN_CI.includes(runtime)) assert.fail(`${runtime} must run in CI: ${row.absent}`);
        this.skip();
      }
      assert.equal(row.error, undefined, row.error);
      assert.deepEqual(row.failures, [], row.failures.join("\n"));
      assert.equal(row.failed, 0);
      // Every suite ran and the totals add up: a program that stopped early cannot pass.
      assert.deepEqual(
        row.suites.map((s) => s.name),
        ["u32", "bytes", "cksum", "ipv4", "mac", "addr", "lltable", "netlink", "sha256", "drivers", "settings", "ipv6"],
      );
      assert.equal(
        row.suites.reduce((n, s) => n + s.passed, 0),
        row.passed,
      );
      assert.ok(row.passed > 4000, `only ${row.passed} checks ran`);
    });
  }

  it("report absent runtimes with the reason", function () {
    for (const r of rows) if (r.absent !== undefined) assert.match(r.absent, /not installed|not set|does not exist/);
  });
});
