// A non-portable construct placed in the project fails the build, naming the
// construct and its TypeScript location. Each case builds a scratch copy of
// the project with one file changed.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkLuaArtifact } from "../../tools/lib/bundle-lua";
import { checkEspruinoArtifact } from "../../tools/lib/bundle-js";
import { ROOT } from "../../tools/lib/paths";

function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-port-"));
  for (const d of ["src", "hal", "firmware", "tools", "boards", "test/vectors"])
    fs.cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true });
  for (const f of ["package.json", "tsconfig.json"]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

function build(dir: string, board: string): { status: number | null; out: string } {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "tools/build.ts", "--board", board],
    { cwd: dir, encoding: "utf8" },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("portability check", function () {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const project = (): string => {
    const d = scratchProject();
    dirs.push(d);
    return d;
  };

  const espruinoCases: [string, string, RegExp][] = [
    [
      "Map",
      "export const table = new Map<number, number>();\n",
      /src\/net\/bad\.ts:1:\d+: Map is not available on Espruino 2v29/,
    ],
    [
      "destructuring",
      "export function f(p: number[]): number {\n  const [a, b] = p;\n  return a + b;\n}\n",
      /src\/net\/bad\.ts:2:\d+: destructuring is not available on Espruino 2v29/,
    ],
    [
      "a default parameter",
      "export function f(a: number, b = 1): number {\n  return a + b;\n}\n",
      /src\/net\/bad\.ts:1:\d+: a default parameter is not available/,
    ],
    [
      "Math.imul",
      "export const m = (a: number) => Math.imul(a, 3);\n",
      /src\/net\/bad\.ts:1:\d+: Math\.imul is not available on Espruino 2v29/,
    ],
    [
      "assigning an array's length",
      "export function clear(a: number[]): void {\n  a.length = 0;\n}\n",
      /src\/net\/bad\.ts:2:\d+: assigning an array's length is "Assignment to a constant" on Espruino 2v29; use splice/,
    ],
    [
      "a labelled break",
      "export function f(): number {\n  outer: for (let i = 0; i < 3; i++) {\n    for (;;) break outer;\n  }\n  return 1;\n}\n",
      /src\/net\/bad\.ts:2:\d+: a labelled statement is not available/,
    ],
  ];
  for (const [what, code, expected] of espruinoCases) {
    it(`rejects ${what} in src/ for the Espruino board, with its location`, function () {
      const dir = project();
      fs.writeFileSync(path.join(dir, "src/net/bad.ts"), code);
      const r = build(dir, "espruino-pico-w5500");
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, expected);
    });
  }

  it("rejects a runtime global in the portable core on every target", function () {
    const dir = project();
    fs.writeFileSync(path.join(dir, "src/net/bad.ts"), "export const b = new Uint8Array(4);\n");
    for (const board of ["nodemcu-esp8266-enc28j60", "host"]) {
      const r = build(dir, board);
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /src\/net\/bad\.ts:1:\d+: the portable core may not use the runtime global Uint8Array/);
    }
  });

  it("rejects a Lua global the runtime lacks, mapped back to the TypeScript line", function () {
    const dir = project();
    const file = path.join(dir, "hal/lua/platform.ts");
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const at = lines.findIndex((l) => l.startsWith("export class PrintLog")) + 1;
    lines.splice(
      at - 1,
      0,
      "declare const utf8: { char(this: void, c: number): string };",
      "export const probe = (): string => utf8.char(65);",
    );
    fs.writeFileSync(file, lines.join("\n"));
    const r = build(dir, "nodemcu-esp8266-enc28j60");
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`hal/lua/platform\\.ts:${at + 1}:\\d+: global 'utf8' does not exist on Lua 5\\.1`));
    // The same code is fine on Lua 5.3, which has utf8.
    assert.equal(build(dir, "nodemcu-esp32-w5500").status, 0);
  });

  it("rejects goto in a Lua 5.1 artifact and a leaked global", function () {
    const dir = project();
    const f = path.join(dir, "t.lua");
    fs.writeFileSync(
      f,
      "local i = 0\nwhile i < 3 do\n  i = i + 1\n  if i == 2 then goto continue end\n  ::continue::\nend\n",
    );
    const issues = checkLuaArtifact(f, "lua51");
    assert.equal(issues.length, 1);
    assert.equal(issues[0].line, 4);
    assert.match(issues[0].message, /goto needs Lua 5\.2/);
    assert.deepEqual(checkLuaArtifact(f, "lua53"), []);
    fs.writeFileSync(f, "leaked = 1\nprint(unpack({1}))\n");
    assert.deepEqual(
      checkLuaArtifact(f, "lua53").map((i) => i.message),
      [
        "assigns the global 'leaked' (bundles must not leak globals)",
        "global 'unpack' does not exist on Lua 5.3 (NodeMCU)",
      ],
    );
  });

  it("the ES5 artifact check catches what Espruino cannot run", function () {
    const msgs = (code: string) => checkEspruinoArtifact(code, "a.js").map((x) => x.message);
    assert.deepEqual(msgs("var s = new Set();"), ["Set is not available on Espruino 2v29"]);
    assert.deepEqual(msgs("if (typeof Symbol === 'function') {}"), []);
    assert.match(msgs("let x = 1;")[0], /not ES5/);
    assert.match(msgs("function f(c){ if (c) { var o = 1; } return o; }")[0], /does not hoist var/);
    assert.match(msgs("function f(){ var i; for (function(){}(), i = 0; i < 1; i++); }")[0], /cannot parse/);
    assert.deepEqual(msgs("function f(){ for (var i = 0; i < 2; i++); }"), []);
  });
});
