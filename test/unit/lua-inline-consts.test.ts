// The constant-folding plugin of the Lua build: folded constants disappear
// from module tables and uses, and the program computes what it did before,
// on the real interpreters.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import ts from "typescript";
import * as tstl from "typescript-to-lua";
import { inlineConstsPlugin } from "../../tools/lib/lua-inline-consts";
import { probeRuntimes } from "../../tools/lib/runtimes";

const FILES: Record<string, string> = {
  "consts.ts": [
    "export const A = 16;",
    "export const B = 0x3fff;",
    "export const NEG = -5;",
    "export const SUM = A + B * 2 - (NEG + 1);",
    "export const ALIAS = A;",
    "export let notConst = 7;",
    "export const OBJ = { v: A };",
    "export const CALLED = Math.floor(7 / 2);",
  ].join("\n"),
  "main.ts": [
    'import * as K from "./consts";',
    'import { A, SUM, NEG, OBJ, CALLED } from "./consts";',
    "function f(): number[] { const local = 3; const o = { A, local }; switch (local + K.ALIAS) { case K.A + 3: return [A, K.B, NEG, SUM, K.ALIAS, K.notConst, OBJ.v, CALLED, o.A]; } return []; }",
    'const r = f(); let s = ""; for (const x of r) s += x + " ";',
    "declare function print(this: void, s: string): void;",
    "print(s);",
  ].join("\n"),
};
const EXPECTED = "16 16383 -5 32786 16 7 16 3 16 ";

function transpileWith(files: Record<string, string>, luaTarget: tstl.LuaTarget): tstl.TranspileVirtualProjectResult {
  return tstl.transpileVirtualProject(files, {
    luaTarget,
    noHeader: true,
    luaLibImport: tstl.LuaLibImportKind.Inline,
    strict: true,
    noImplicitSelf: true,
    luaPlugins: [{ plugin: inlineConstsPlugin }],
  });
}

function transpile(luaTarget: tstl.LuaTarget): Record<string, string> {
  const r = transpileWith(FILES, luaTarget);
  assert.deepEqual(
    r.diagnostics.map((d) => d.messageText),
    [],
  );
  const out: Record<string, string> = {};
  for (const f of r.transpiledFiles) out[f.outPath.replace(/^.*\//, "")] = f.lua ?? "";
  return out;
}

describe("Lua build: numeric constants folded into the code", function () {
  it("drops folded constants from the module table and reads none of them through it", function () {
    const out = transpile(tstl.LuaTarget.Lua51);
    const consts = out["consts.lua"];
    for (const name of ["A", "B", "NEG", "SUM", "ALIAS"])
      assert.doesNotMatch(consts, new RegExp(`____exports\\.${name} =`), `${name} still in the module table`);
    for (const name of ["notConst", "OBJ", "CALLED"])
      assert.match(consts, new RegExp(`____exports\\.${name} =`), `${name} must stay`);
    const main = out["main.lua"];
    assert.doesNotMatch(main, /K\.(A|B|ALIAS)\b/);
    assert.match(main, /K\.notConst/);
  });

  for (const [v, target] of [
    ["5.1", tstl.LuaTarget.Lua51],
    ["5.3", tstl.LuaTarget.Lua53],
  ] as const) {
    it(`computes the same values on lua${v}`, function () {
      const probe = probeRuntimes().find((p) => p.runtime === `lua${v.replace(".", "")}`)!;
      if (probe.absent !== undefined) {
        if (process.env.CI) assert.fail(`lua${v} must run in CI: ${probe.absent}`);
        this.skip();
      }
      const out = transpile(target);
      // The two files as one chunk: consts as a preloaded module, main after it.
      const chunk = `package.preload["consts"] = function(...)\n${out["consts.lua"]}\nend\n${out["main.lua"]}`;
      const r = spawnSync(`lua${v}`, ["-"], { input: chunk, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), EXPECTED.trim());
    });
  }

  it("fails the build, at the line, for a use it cannot fold (a re-export, export *, a namespace indexed or passed, a shorthand beside a spread)", function () {
    const files = {
      "consts.ts": 'export const A = 16;\nexport const S = "s";',
      "again.ts": 'import { A } from "./consts";\nexport { A };',
      "all.ts": 'export * from "./consts";',
      "ns.ts":
        'import * as K from "./consts";\nexport const viaIndex = K["A"];\nexport function f(m: typeof K): number { return m.A; }\nexport const passed = f(K);\nexport const fine = K.A + K.S.length;',
      "main.ts": 'import { A } from "./consts";\nconst base = { x: 1 };\nexport const o = { ...base, A };',
    };
    const r = transpileWith(files, tstl.LuaTarget.Lua53);
    const errors = r.diagnostics
      .map(
        (d) =>
          `${d.file?.fileName.replace(/^.*\//, "")}:${d.file?.getLineAndCharacterOfPosition(d.start!).line}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`,
      )
      .sort();
    const expected = [
      "again.ts:1: A is a numeric constant folded",
      "all.ts:0: export * from a module with numeric constants folded",
      "main.ts:2: write { A: A } here",
      "ns.ts:1: K is a module namespace",
      "ns.ts:2: K is a module namespace",
      "ns.ts:3: K is a module namespace",
    ];
    assert.equal(errors.length, expected.length, errors.join("\n"));
    expected.forEach((want, i) => assert.ok(errors[i].startsWith(want), `${errors[i]}\n  should start with\n${want}`));
  });
});
