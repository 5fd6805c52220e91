// The NodeMCU console the flash tests upload to must keep NodeMCU's console
// rules (driver/input.c, driver/uart.c), or those tests prove nothing about
// a board: byte-exact output for the input an uploader sends, on both Luas.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../../tools/lib/paths";

const REPL = path.join(ROOT, "test", "nodemcu", "repl.lua");
const BANNER =
  /^\r\nNodeMCU 3\.0\.0\.0 on Lua 5\.\d \(a test console\)\r\n {8}branch: release\r\n {8}modules: [a-z,]+\r\n/;

function run(lua: string, input: string, fsDir: string, extra: string[] = []): string {
  const r = spawnSync(lua, [REPL, fsDir, ...extra], { input: Buffer.from(input, "latin1"), timeout: 10000 });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout.toString("latin1");
}

for (const lua of ["lua5.1", "lua5.3"]) {
  describe(`test/nodemcu/repl.lua on ${lua}: NodeMCU's console rules`, function () {
    let dir = "";
    before(function () {
      if (spawnSync(lua, ["-v"]).status !== 0) {
        if (process.env.CI) throw new Error(`${lua} is not installed`);
        this.skip();
      }
    });
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-repl-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("boots with a banner and no init.lua, echoes input, folds CR LF, sends LF as CR LF", function () {
      const out = run(lua, 'print("a\\nb")\r\n\r\nprint(1)\n\rx=1\r', dir);
      assert.match(out, BANNER);
      assert.equal(
        out.replace(BANNER, ""),
        'cannot open init.lua\r\n> print("a\\nb")\r\na\r\nb\r\n> \r\n> print(1)\r\n1\r\n> x=1\r\n> ',
      );
    });

    it("rubs out with backspace and DEL, prompts >> for an unfinished statement, prints =expressions", function () {
      const out = run(lua, "prinx\bt(2\x7f3)\nfor i=1,2 do\nprint(i) end\n=1+1\n", dir).replace(BANNER, "");
      assert.equal(
        out,
        "cannot open init.lua\r\n> prinx\b \bt(2\b \b3)\r\n3\r\n> for i=1,2 do\r\n>> print(i) end\r\n1\r\n2\r\n> =1+1\r\n2\r\n> ",
      );
    });

    it("throws a line away from the start once it reaches 256 bytes, as the input buffer does", function () {
      const out = run(lua, `${"x".repeat(255)}print(7)\n`, dir).replace(BANNER, "");
      assert.match(out, /\r\n7\r\n> $/);
    });

    it("reports errors as stdin:1: and keeps going", function () {
      const out = run(lua, "error('boom')\nprint(nil + 1)\nprint(5)\n", dir).replace(BANNER, "");
      assert.match(
        out,
        /> error\('boom'\)\r\nstdin:1: boom\r\n> print\(nil \+ 1\)\r\nstdin:1: attempt to perform arithmetic on a nil value\r\n> print\(5\)\r\n5\r\n> $/,
      );
    });

    it("keeps files in SPIFFS's flat namespace; node.restart() boots again and runs init.lua", function () {
      const input = [
        'print(file.open("init.lua","w+"))',
        'file.write("print(\\"hello from init\\")\\n")',
        "file.close()",
        'print(file.open("a/b","w"))',
        "print(file.fsinfo())",
        "node.restart()",
        "for k,v in pairs(file.list()) do print(k,v) end",
        "",
      ].join("\n");
      const out = run(lua, input, dir, ["--fs-kb", "4"]);
      assert.match(out, /print\(file\.open\("init\.lua","w\+"\)\)\r\nfile\.obj: 0x[0-9a-f]+\r\n/);
      assert.match(out, /print\(file\.open\("a\/b","w"\)\)\r\nnil\r\n/);
      assert.match(out, /print\(file\.fsinfo\(\)\)\r\n4071\t25\t4096\r\n/);
      assert.match(
        out,
        /node\.restart\(\)\r\n> \r\nNodeMCU 3\.0\.0\.0[^]*modules: [a-z,]+\r\nhello from init\r\n> for k,v in pairs\(file\.list\(\)\) do print\(k,v\) end\r\ninit\.lua\t25\r\n> $/,
      );
      assert.deepEqual(fs.readdirSync(dir), ["init.lua"]);
    });

    it("round-trips bytes through encoder (with --encoder) and compiles to bytecode that dofile runs", function () {
      const input = [
        's=string.char(0,1,2,250,255)..""',
        "print(encoder.toBase64(s), encoder.fromBase64(encoder.toBase64(s))==s, encoder.toBase64('ab'))",
        'file.open("m.lua","w") file.write("print(40+2)") file.close()',
        'node.compile("m.lua")',
        'dofile("m.lc")',
        "",
      ].join("\n");
      const out = run(lua, input, dir, ["--encoder"]);
      assert.match(out, /\r\nAAEC\+v8=\ttrue\tYWI=\r\n/);
      assert.match(out, /dofile\("m\.lc"\)\r\n42\r\n> $/);
    });

    it("keeps node.stripdebug's level (1 to 3, others refused) and, on 5.3, compiles without debug info above 1", function () {
      const input = [
        "print(node.stripdebug())",
        "node.stripdebug(0)",
        "node.stripdebug(3)",
        "print(node.stripdebug())",
        'file.open("m.lua","w") file.write("local answer = 42 print(answer)") file.close()',
        'node.compile("m.lua")',
        'dofile("m.lc")',
        "",
      ].join("\n");
      const out = run(lua, input, dir);
      assert.match(
        out,
        /print\(node\.stripdebug\(\)\)\r\n1\r\n> node\.stripdebug\(0\)\r\nstdin:1: level must be 1, 2 or 3\r\n> node\.stripdebug\(3\)\r\n> print\(node\.stripdebug\(\)\)\r\n3\r\n/,
      );
      assert.match(out, /dofile\("m\.lc"\)\r\n42\r\n> $/);
      const listing = spawnSync(`luac${lua.slice(3)}`, ["-l", "-l", "-p", path.join(dir, "m.lc")], {
        encoding: "utf8",
      });
      assert.equal(listing.status, 0, listing.stderr);
      // 5.1's string.dump cannot strip; the stand-in keeps the level but not the effect.
      if (lua === "lua5.3") assert.doesNotMatch(listing.stdout, /answer/);
      else assert.match(listing.stdout, /answer/);
    });
  });
}
