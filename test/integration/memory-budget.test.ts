// Every board file that states a memory budget ("memory": { "budget": N })
// is held to it, measured on the real interpreter after boot, a DHCP lease
// from dnsmasq and 32 more ARP entries (bench/memory-bench.ts does the
// measuring): Lua boards as the heap besides the code itself (what stays in
// RAM when NodeMCU keeps the code in its Lua Flash Store) and besides the
// bare interpreter's own (its libraries, in ROM on NodeMCU), Espruino boards
// in variables with the code in Storage, on a 32-bit interpreter built with
// a board's variable count (ESPRUINO_BOARDS; CONTRIBUTING.md says how to
// build one). The Lua measurements are required in CI.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import {
  boardSizedEspruinos,
  budgeted,
  espruinoTarget,
  luaTarget,
  measure,
  type Target,
} from "../../bench/memory-bench";
import { loadBoards } from "../../tools/lib/boards";
import { buildAll } from "../../tools/lib/build";
import { hostLinkUnavailable } from "../../tools/lib/hostlink";

describe("memory budgets of the boards (board files' memory.budget)", function () {
  this.timeout(300000);
  const boards = loadBoards().filter((b) => b.memoryBudget !== undefined);

  it("some boards state a budget, and only boards the bench can measure", function () {
    assert.ok(boards.length >= 3);
    for (const b of boards)
      assert.equal(b.config.mac.driver, "udp", `${b.config.name}: measured on the host link only`);
  });

  before(async function () {
    if (hostLinkUnavailable() === undefined) await buildAll(boards.map((b) => b.config.name));
  });

  boards.forEach((b, i) => {
    const name = b.config.name;
    it(`${name} stays within ${b.memoryBudget} ${b.runtime === "espruino" ? "variables" : "bytes besides its code"}`, async function () {
      const why = hostLinkUnavailable();
      if (why !== undefined) {
        if (process.env.CI) assert.fail(why);
        this.skip();
      }
      let target: Target;
      if (b.runtime === "espruino") {
        const { bins, absent } = boardSizedEspruinos();
        if (bins.length === 0) this.skip(); // ESPRUINO_BOARDS is not set: said in the bench's absent list
        assert.equal(absent, undefined, absent);
        // The largest interpreter given (they are sorted by size): the budget is what the build uses, not the total.
        target = espruinoTarget(true, name, bins[bins.length - 1]);
      } else {
        const v = b.runtime === "lua51" ? "5.1" : "5.3";
        if (spawnSync(`lua${v}`, ["-e", "require('socket')"]).status !== 0) {
          if (process.env.CI) assert.fail(`lua${v} with luasocket must run in CI`);
          this.skip();
        }
        target = luaTarget(v, true, name);
      }
      const row = await measure(target, 40 + i);
      assert.notEqual(row.bound, -1, `${name} ${row.note ?? "did not bind"}`);
      // A walk of the device (Espruino, when it has the room) names parts that add up within what is in use.
      if (row.parts !== undefined && row.parts.length > 0) {
        assert.ok(row.parts.every((p) => p.vars >= 0));
        assert.ok(row.code + row.parts.reduce((n, p) => n + p.vars, 0) <= row.with32);
        assert.ok(
          row.parts.some((p) => p.name === "dhcp"),
          "the parts carry their source names",
        );
      }
      const used = budgeted(row);
      assert.ok(used > 0);
      assert.ok(used <= b.memoryBudget!, `${name} uses ${used} ${row.unit}, over its budget of ${b.memoryBudget}`);
      console.log(`      ${name}: ${used} ${row.unit} of its budget of ${b.memoryBudget}`);
    });
  });
});
