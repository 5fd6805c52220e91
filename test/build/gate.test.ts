// The gate npm test runs before mocha (formatter, linter, source rules, the
// core's ES5 type-check) fails on a planted violation of each kind, naming
// the file and place. Source rules are checked in-process; the tools run on
// a scratch copy of the project with the violations planted.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { formatFindings } from "../../tools/lib/findings";
import { checkFile, checkSourceTree } from "../../tools/lib/source-rules";
import { ROOT } from "../../tools/lib/paths";

const BIN = path.join(ROOT, "node_modules", ".bin");

// CI may force colour (FORCE_COLOR); the tools' messages are matched as
// plain text, so colour is turned off and any escape left is removed.
const PLAIN_ENV = { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" };
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

function run(cwd: string, tool: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(path.join(BIN, tool), args, { cwd, encoding: "utf8", env: PLAIN_ENV });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.replace(ANSI, "") };
}

describe("the gate", function () {
  describe("source rules (npm run check:source)", function () {
    const cases: [string, string, string, RegExp][] = [
      [
        "src/ importing outside the core",
        "src/net/bad.ts",
        'import { ROOT } from "../../tools/lib/paths";\nexport const r = ROOT;\n',
        /^src\/net\/bad\.ts:1:22: the portable core \(src\/\) may import only src\/, hal\/types\.ts and @hal\/\*/,
      ],
      [
        "hal/ importing src/",
        "hal/bad.ts",
        'import { EINVAL } from "../src/net/errno";\nexport const e = EINVAL;\n',
        /^hal\/bad\.ts:1:24: hal\/ may not import src\//,
      ],
      [
        "a runtime binding importing the simulation",
        "hal/lua/bad.ts",
        'import { SimClock } from "../sim/clock";\nexport const c = new SimClock();\n',
        /^hal\/lua\/bad\.ts:1:26: only tests and simulations use hal\/sim\/; a runtime binding may not/,
      ],
      [
        "cli/ importing device state",
        "cli/bad.ts",
        'import { NetStack } from "../src/net/stack";\nexport type S = NetStack;\n',
        /^cli\/bad\.ts:1:26: cli\/ may import the vocabulary and the codec, not device state \(src\/net\/stack\.ts\)/,
      ],
      [
        "an inline wire offset",
        "src/net/bad.ts",
        'import { get16 } from "@hal/bytes";\nimport type { Bytes } from "../../hal/types";\nexport const t = (f: Bytes): number => get16(f, 12 + 2);\n',
        /^src\/net\/bad\.ts:3:49: inline wire offset 12 in get16\(\): name the field in src\/wire\//,
      ],
      [
        "a literal errno",
        "src/net/bad.ts",
        "export function f(): number {\n  return -22;\n}\n",
        /^src\/net\/bad\.ts:2:10: a literal errno \(-22\)/,
      ],
      [
        "an extended-ack offset written as a number",
        "src/netlink/route/bad.ts",
        'export const f = (r: any): number => r.err.fail(95, "no", 16 + 8);\n',
        /src\/netlink\/route\/bad\.ts:1:59: an error offset written as a number \(16\)/,
      ],
      [
        "a native described without declare in the Espruino bindings",
        "hal/espruino/bad.ts",
        "interface Socket {\n  send(s: string): void;\n}\nexport type S = Socket;\n",
        /^hal\/espruino\/bad\.ts:1:11: an interface in the Espruino bindings describes a native: write `declare interface`/,
      ],
      [
        "a test comparing an error with a bare number",
        "test/net/bad.test.ts",
        "assert.equal(m.header.error, -19);\n",
        /^test\/net\/bad\.test\.ts:1:30: a literal errno \(-19\)/,
      ],
    ];
    for (const [what, file, code, expected] of cases)
      it(`finds ${what}, with its place`, function () {
        assert.match(formatFindings(checkFile(file, code)), expected);
      });

    it("finds nothing in the project as it is", function () {
      assert.equal(formatFindings(checkSourceTree()), "");
    });
  });

  describe("formatter, linter and the core's type-check, on a scratch copy", function () {
    this.timeout(120000);
    let dir = "";
    before(function () {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-gate-"));
      for (const d of ["src", "hal", "tools", "cli"])
        fs.cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true });
      for (const f of [
        "package.json",
        "tsconfig.json",
        "tsconfig.core.json",
        "eslint.config.mjs",
        ".prettierrc.json",
        ".prettierignore",
      ])
        fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
      fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
      // tsconfig.json includes test/ and bench/; empty ones keep it valid.
      for (const d of ["test", "bench", "firmware"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("Prettier: a file not in the project's format", function () {
      fs.writeFileSync(path.join(dir, "src/util/ugly.ts"), "export const  x=1\n");
      const r = run(dir, "prettier", ["--check", "src/util/ugly.ts", "src/util/hex.ts"]);
      assert.notEqual(r.status, 0);
      assert.match(r.out, /\[warn\] src\/util\/ugly\.ts/);
      assert.doesNotMatch(r.out, /hex\.ts/);
    });

    it("ESLint: unused code, anywhere", function () {
      fs.writeFileSync(
        path.join(dir, "src/util/unused.ts"),
        "function helper(): number {\n  return 1;\n}\nexport const y = 2;\n",
      );
      const r = run(dir, "eslint", ["src/util/unused.ts"]);
      assert.notEqual(r.status, 0);
      assert.match(r.out, /1:10\s+error\s+'helper' is defined but never used.*@typescript-eslint\/no-unused-vars/);
    });
    it("ESLint: a floating promise in host code", function () {
      fs.writeFileSync(
        path.join(dir, "tools/floating.ts"),
        "async function later(): Promise<void> {}\nexport function go(): void {\n  later();\n}\n",
      );
      const r = run(dir, "eslint", ["tools/floating.ts"]);
      assert.notEqual(r.status, 0);
      assert.match(r.out, /3:3\s+error\s+Promises must be awaited.*@typescript-eslint\/no-floating-promises/);
    });

    it("tsc -p tsconfig.core.json: a Node global in src/", function () {
      fs.writeFileSync(path.join(dir, "src/util/nodeish.ts"), "export const home = process.env.HOME;\n");
      const r = run(dir, "tsc", ["-p", "tsconfig.core.json"]);
      assert.notEqual(r.status, 0);
      assert.match(r.out, /src\/util\/nodeish\.ts\(1,21\): error TS2591: Cannot find name 'process'/);
      fs.rmSync(path.join(dir, "src/util/nodeish.ts"));
      fs.rmSync(path.join(dir, "src/util/ugly.ts"), { force: true });
      fs.rmSync(path.join(dir, "src/util/unused.ts"), { force: true });
      assert.equal(run(dir, "tsc", ["-p", "tsconfig.core.json"]).status, 0, "the core type-checks without it");
    });
  });
});
