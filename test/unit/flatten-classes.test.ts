import { strict as assert } from "node:assert";
import ts from "typescript";
import { checkEspruinoArtifact } from "../../tools/lib/bundle-js";
import { flattenClasses } from "../../tools/lib/flatten-classes";
import { hoistFunctions, hoistVars } from "../../tools/lib/hoist-vars";
import { runOnNode } from "./es5-run";

const es5 = (source: string): string =>
  ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.None, removeComments: true },
  }).outputText;

const run = runOnNode;

const CLASSES = `
class Counter { n: number; constructor(start: number) { this.n = start; } add(k: number): number { this.n += k; return this.n; } static zero(): Counter { return new Counter(0); } }
class Doubler extends Counter { constructor() { super(10); } add(k: number): number { return super.add(2 * k); } }
class Tripler extends Doubler { add(k: number): number { const _super = 1; return super.add(k) + _super * 0 + k; } }
out = [new Counter(1).add(2), new Doubler().add(3), new Tripler().add(1), Counter.zero().n, new Tripler() instanceof Counter];
`;

describe("class flattening for Espruino", function () {
  it("lifts TypeScript's class IIFEs to the top level, keeping behaviour", function () {
    const lowered = es5(CLASSES);
    const { code, lifted } = flattenClasses(lowered);
    assert.equal(lifted, 3, code);
    assert.doesNotMatch(code, /\(function \(_super/, code);
    assert.equal(run(code), run(lowered));
    assert.equal(run(code), JSON.stringify([3, 16, 13, 0, true]));
    const finished = hoistFunctions(hoistVars(code));
    assert.deepEqual(checkEspruinoArtifact(finished, "t.js"), [], finished);
    assert.equal(run(finished), run(lowered));
  });

  it("leaves a class body that declares anything besides the class", function () {
    const helper =
      "var C = (function () { var shared = 1; function C() { this.v = shared; } return C; }()); out = new C().v;";
    const noCtor = "var D = (function () { return D; }()); out = 1;";
    // A method whose parameter is named like the base class: `_super` cannot become that name there.
    const shadow = es5(
      "class B { m(): number { return 1; } }\nclass K extends B { m(): number { return 2; } n(B: number): number { return super.m() + B; } }\nout = new K().n(5);",
    );
    assert.equal(flattenClasses(shadow).lifted, 1); // B alone
    assert.equal(run(flattenClasses(shadow).code), "6");
    for (const c of [helper, noCtor]) {
      const { code, lifted } = flattenClasses(c);
      assert.equal(lifted, 0);
      assert.equal(code, c);
    }
  });
});
