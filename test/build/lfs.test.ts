// NodeMCU boards load their code from the Lua Flash Store. Every Lua 5.1
// bundle is checked against NodeMCU's own compiler limit (50 locals per
// function, where stock Lua allows 200) on every build; with LUAC_CROSS
// set, each NodeMCU board's bundle is built into an LFS image by the real
// luac.cross.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadBoards } from "../../tools/lib/boards";
import { buildAll } from "../../tools/lib/build";
import { NODEMCU_51_MAX_LOCALS, tooManyLocals } from "../../tools/lib/bundle-lua";
import { buildLfsImage, luacCrossFromEnv } from "../../tools/lib/lfs";
import { ROOT } from "../../tools/lib/paths";

function listing(lua: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-locals-"));
  try {
    fs.writeFileSync(path.join(dir, "m.lua"), lua);
    return spawnSync("luac5.1", ["-p", "-l", "-l", path.join(dir, "m.lua")], { encoding: "utf8" }).stdout;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const locals = (n: number): string => Array.from({ length: n }, (_, i) => `local v${i} = ${i}`).join("\n");

describe("NodeMCU's Lua Flash Store", function () {
  this.timeout(180000);

  it("finds a function with more locals alive at once than NodeMCU's Lua 5.1 allows, and only those", function () {
    if (spawnSync("luac5.1", ["-v"]).status !== 0) this.skip();
    const many = listing(`${locals(60)}\nlocal function f()\n${locals(10)}\nreturn v0\nend\nreturn f`);
    assert.deepEqual(tooManyLocals(many, NODEMCU_51_MAX_LOCALS), [{ line: 0, locals: 61 }]);
    // Locals in blocks that end are not alive together.
    const blocks = listing(`do\n${locals(40)}\nend\ndo\n${locals(40)}\nend`);
    assert.deepEqual(tooManyLocals(blocks, NODEMCU_51_MAX_LOCALS), []);
    assert.deepEqual(tooManyLocals(listing(locals(50)), NODEMCU_51_MAX_LOCALS), []);
  });

  it("every Lua 5.1 board's bundle stays within it", async function () {
    const boards = loadBoards().filter((b) => b.runtime === "lua51");
    await buildAll(boards.map((b) => b.config.name));
    for (const b of boards) {
      const file = path.join(ROOT, "dist", b.config.name, "firmware.lua");
      const out = spawnSync("luac5.1", ["-p", "-l", "-l", file], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
      assert.deepEqual(tooManyLocals(out, NODEMCU_51_MAX_LOCALS), [], b.config.name);
    }
  });

  it("luac.cross (LUAC_CROSS) builds each NodeMCU board's bundle into an image", async function () {
    const { tools, absent } = luacCrossFromEnv();
    if (tools.length === 0) {
      console.log(`      skipped: ${absent}`);
      this.skip();
    }
    assert.equal(absent, undefined, absent);
    const boards = loadBoards().filter((b) => b.config.name.startsWith("nodemcu-"));
    await buildAll(boards.map((b) => b.config.name));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-lfs-"));
    try {
      let built = 0;
      for (const b of boards) {
        const tool = tools.find((t) => `lua${t.lua.replace(".", "")}` === b.runtime);
        if (tool === undefined) continue;
        const lua = path.join(dir, `${b.config.name.replace(/-/g, "_")}.lua`);
        fs.copyFileSync(path.join(ROOT, "dist", b.config.name, "firmware.lua"), lua);
        const size = buildLfsImage(tool, lua, path.join(dir, `${b.config.name}.img`));
        assert.ok(size > 1000);
        console.log(`      ${b.config.name}: LFS image ${size} bytes (Lua ${tool.lua})`);
        built++;
      }
      assert.ok(built > 0, "no luac.cross in LUAC_CROSS matches a NodeMCU board's Lua");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
