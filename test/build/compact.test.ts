// The Espruino build shortens our own property names (tools/lib/mangle-props.ts):
// which names it picks, that natives keep theirs, and that the compacted
// code still computes the same values. CI has no Espruino interpreter, so
// the compacted conformance program runs on Node too (it needs only
// console.log).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import ts from "typescript";
import { parseOutput } from "../../tools/lib/conformance";
import { internalPropertyNames } from "../../tools/lib/mangle-props";
import { buildProgram } from "../../tools/lib/program";
import { ROOT } from "../../tools/lib/paths";
import { writeVectorsModule } from "../../tools/lib/vectors";

function namesOf(code: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-props-"));
  const file = path.join(dir, "m.ts");
  fs.writeFileSync(file, code);
  try {
    const program = ts.createProgram({ rootNames: [file], options: { strict: true, lib: ["lib.es2017.d.ts"] } });
    return internalPropertyNames(program);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("compacted Espruino builds", function () {
  it("shorten members our code declares, and keep natives', strings' and accessors' names", function () {
    const names = namesOf(`
      declare interface Socket { on(ev: string, cb: () => void): void; remotePort: number }
      declare const process: { memory(): { usage: number } };
      interface Listener { linkChanged?(up: boolean): void; addressAdded?(): void }
      class Table {
        private readonly capacity: number;
        constructor(public slots: number, readonly owner: string) { this.capacity = slots; }
        lookupSlot(k: number): number { return k + this.capacity; }
        get size(): number { return this.slots; }
      }
      export function emit(l: Listener, m: "linkChanged"): void { const f = l[m]; if (f) f.call(l, true); }
      export const t = new Table(3, "x");
      export const opts = { retransmitMs: 4, length: 2 };
      export const used = process.memory().usage;
      export type S = Socket;
    `);
    for (const n of ["capacity", "slots", "owner", "lookupSlot", "addressAdded", "retransmitMs"])
      assert.ok(names.includes(n), n);
    // Natives (declare), a key used as a string, an accessor, and the ES library's names (Array.prototype.entries) keep theirs.
    for (const n of ["on", "remotePort", "memory", "usage", "linkChanged", "size", "length", "entries"])
      assert.ok(!names.includes(n), n);
  });

  it("leave no long name of ours in a board's bundle, and keep the natives' names", function () {
    const code = fs.readFileSync(path.join(ROOT, "dist", "espruino-host", "firmware.js"), "utf8");
    const members = new Set([...code.matchAll(/\.([A-Za-z_$][\w$]*)/g)].map((m) => m[1]));
    for (const n of ["lltableCapacity", "retransmit", "maxMessage", "events", "dispatch", "interfaces"])
      assert.ok(!members.has(n), `.${n} is still in the bundle`);
    for (const n of ["createSocket", "memory", "usage", "subarray", "write"])
      assert.ok(members.has(n), `.${n} was renamed`);
  });

  it("keep the bundle at the top level, every global of ours under a short `$` name", function () {
    // A function made inside another costs Espruino a scope link: no IIFE
    // around the bundle or its classes. Globals share the root with
    // Espruino's own (E, pins) and the user's program: `$`, 4 characters at most.
    for (const board of ["espruino-host", "espruino-pico-w5500"]) {
      const code = fs.readFileSync(path.join(ROOT, "dist", board, "firmware.js"), "utf8");
      const tree = acorn.parse(code, { ecmaVersion: 5 });
      const globals: string[] = [];
      let iifes = 0;
      for (const s of tree.body) {
        if (s.type === "FunctionDeclaration") globals.push(s.id.name);
        if (s.type === "VariableDeclaration")
          for (const d of s.declarations) globals.push((d.id as acorn.Identifier).name);
        walk.simple(s, {
          CallExpression(c) {
            if (c.callee.type === "FunctionExpression" && /\bprototype\b/.test(code.slice(c.start, c.end))) iifes++;
          },
        });
      }
      assert.ok(globals.length > 100, `${board}: ${globals.length} globals`);
      assert.deepEqual(
        globals.filter((g) => !/^\$[\w$]{1,3}$/.test(g)),
        [],
        `${board}: globals without a short $ name`,
      );
      assert.equal(iifes, 0, `${board}: a class still sits in an IIFE`);
    }
  });

  it("write beside the bundle what each shortened name stands for (firmware.names.json)", function () {
    const dir = path.join(ROOT, "dist", "espruino-host");
    const names = JSON.parse(fs.readFileSync(path.join(dir, "firmware.names.json"), "utf8")) as Record<string, string>;
    const code = fs.readFileSync(path.join(dir, "firmware.js"), "utf8");
    const short = Object.keys(names).find((k) => names[k] === "lltableCapacity");
    assert.ok(short !== undefined && short.length <= 3, "lltableCapacity is not in the map");
    assert.ok(code.includes(`.${short}`), `.${short} is not in the bundle`);
    assert.equal(new Set(Object.values(names)).size, Object.keys(names).length, "two short names for one name");
  });

  it("the compacted conformance program passes every vector on Node", async function () {
    this.timeout(120000);
    const artifact = await buildProgram(
      {
        name: "conformance",
        jsEntry: "test/conformance/entry-js.ts",
        luaEntry: "test/conformance/entry-lua.ts",
        aliases: { "@vectors": writeVectorsModule() },
      },
      "espruino",
    );
    const code = fs.readFileSync(artifact, "utf8");
    assert.doesNotMatch(code, /\.lltableCapacity|\.capacity\b/, "the artifact is not compacted");
    const r = spawnSync(process.execPath, [artifact], { encoding: "utf8", timeout: 120000, maxBuffer: 1 << 26 });
    const out = parseOutput(r.stdout);
    assert.ok(out.complete, `no RESULT line: ${r.stderr.slice(-500)}`);
    assert.deepEqual(out.failures, []);
    assert.equal(out.failed, 0);
    assert.ok(out.passed > 4000, `only ${out.passed} checks ran`);
  });
});
