import { strict as assert } from "node:assert";
import { checkEspruinoArtifact } from "../../tools/lib/bundle-js";
import { hoistFunctions, hoistVars } from "../../tools/lib/hoist-vars";
import { runOnEspruino, runOnNode } from "./es5-run";

// The shape that broke the bytes module on Espruino: one declaration, used
// on a path where it never ran.
const TRAP = "function o(){return 1}function f(c){if(c){for(var o=0;o<1;o++);}else{for(o=0;o<1;o++);}return typeof o}";

describe("var hoisting for Espruino", function () {
  it("moves every declaration to the top of its function, keeping behaviour", function () {
    const cases = [
      TRAP + "out=[f(false),typeof o,f(true),typeof o]",
      "function g(){x=5;var r=typeof x;return r;var x}out=[g(),typeof x]",
      "function h(o){var s=0;for(var k in o)s+=o[k];for(var i=0,n=2;i<n;i++)s+=i;if(s)var t;return[s,t]}out=h({a:1,b:2})",
      "function m(){var a=1,b;b=a+1;return function(){var a=b;return a}()}out=m()",
      // Top level: the bundle's code is not wrapped, its globals are read before their `var` runs.
      '"use strict";function r(){return typeof v}out=[r()];var v=1;out.push(r(),v)',
    ];
    for (const c of cases) {
      const hoisted = hoistVars(c);
      assert.deepEqual(checkEspruinoArtifact(hoisted, "t.js"), [], hoisted);
      assert.equal(runOnNode(hoisted), runOnNode(c), hoisted);
    }
  });

  it("fixes the trap on the Espruino interpreter (ESPRUINO)", function () {
    const bin = process.env.ESPRUINO;
    if (!bin) this.skip();
    const run = (code: string) => runOnEspruino(bin!, code, `f(false)+" "+typeof o`);
    assert.equal(run(TRAP), "number number", "Espruino hoists var now: revisit hoist-vars.ts");
    assert.equal(run(hoistVars(TRAP)), "number function");
  });
});

// TypeScript's ES5 class with `extends`: the helper is called before the
// constructor's declaration, which Espruino 2v29 has not run yet.
const FN_TRAP = "function g(){var r=typeof f;function f(){}return r}function h(){return k();function k(){return 7}}";

describe("function hoisting for Espruino", function () {
  it("moves function declarations above the code of their body, keeping behaviour", function () {
    const cases = [
      FN_TRAP + "out=[g(),h()]",
      "var D=function(b){x(D,b);function D(){}D.prototype.m=1;return D}(1);function x(a,b){a.z=b}out=[D.z,D.prototype.m]",
      "function a(){'use strict';var v;v=q();return v;function q(){return w();function w(){return 3}}}out=a()",
    ];
    for (const c of cases) {
      const hoisted = hoistFunctions(hoistVars(c));
      assert.deepEqual(checkEspruinoArtifact(hoisted, "t.js"), [], hoisted);
      assert.equal(runOnNode(hoisted), runOnNode(c), hoisted);
    }
    assert.ok(
      checkEspruinoArtifact(FN_TRAP, "t.js").some((f) => f.message.includes("does not hoist function declarations")),
    );
  });

  it("is needed on the Espruino interpreter (ESPRUINO)", function () {
    const bin = process.env.ESPRUINO;
    if (!bin) this.skip();
    const run = (code: string) => runOnEspruino(bin!, code, `g()+" "+h()`);
    assert.notEqual(run(FN_TRAP), "function 7", "Espruino hoists function declarations now: revisit hoistFunctions");
    assert.equal(run(hoistFunctions(hoistVars(FN_TRAP))), "function 7");
  });
});
