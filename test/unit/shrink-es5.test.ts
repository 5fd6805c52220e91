import { strict as assert } from "node:assert";
import {
  dropDeadMethods,
  inlineAllTrivialCalls,
  inlineTrivialCalls,
  parametersFromArguments,
} from "../../tools/lib/shrink-es5";
import { runOnEspruino, runOnNode } from "./es5-run";

const run = runOnNode;

describe("shrinking the Espruino artifact", function () {
  it("writes trivial helpers into their callers, nested calls included, keeping behaviour", function () {
    const code =
      "function $h(t,i){return t[i]}function $n(t,i,s){t[i]=s}function $l(t,i){return(t&i)>>>0}" +
      "function $st(t,i){return $h(t,i)%2==1}" +
      "var $a=[5,6,7];$n($a,0,$l($h($a,1),$h($a,2)));out=[$a[0],$st($a,2),$h([1,2],1)]";
    const inlined = inlineAllTrivialCalls(code);
    assert.doesNotMatch(inlined, /function \$(h|n|l|st)\(/, inlined);
    assert.equal(run(inlined), run(code));
    assert.equal(run(inlined), "[6,true,2]");
  });

  it("evaluates each argument once, in order, as the call did", function () {
    const code =
      "var $log=[];function $k(v){$log.push(v);return v}function $add(t,i){return t+i}" +
      "out=[$add($k(1),$k(2)),$log]";
    const inlined = inlineAllTrivialCalls(code);
    assert.doesNotMatch(inlined, /function \$add/);
    assert.equal(run(inlined), run(code));
  });

  it("leaves what it cannot inline exactly", function () {
    const cases = [
      // a parameter twice, or out of order
      "function $m(t,i){return i>31?0:t>>>i}out=$m(8,1)",
      "function $sw(t,i){return i-t}out=$sw(1,3)",
      // a statement helper whose value is used
      "function $n(t,i,s){t[i]=s}var $a=[0];out=[$n($a,0,3),$a[0]]",
      // a body reading a name a caller's local shadows
      "var k=2;function $g(t){return t*k}function $c(k){return $g(k)}out=$c(5)",
      // passed as a value
      "function $d(t){return 2*t}out=[1,2].map($d)",
    ];
    for (const c of cases) {
      const r = inlineTrivialCalls(c);
      assert.equal(run(r.code), run(c), r.code);
    }
    assert.equal(inlineTrivialCalls(cases[0]).inlined.length, 0);
    assert.equal(inlineTrivialCalls(cases[3]).inlined.length, 0);
    assert.match(inlineTrivialCalls(cases[4]).code, /function \$d/);
  });

  it("drops the prototype methods nothing reads, until none is left", function () {
    const code =
      "function $C(){}$C.prototype.a=function(){return this.b()};$C.prototype.b=function(){return 1};" +
      "$C.prototype.c=function(){return this.d()};$C.prototype.d=function(){return 2};" +
      "$C.prototype.e=function(){return 3};var $o={e:0};out=new $C().a()";
    const r = dropDeadMethods(code, new Set(["a", "b", "c", "d", "e"]));
    assert.deepEqual(r.dropped.sort(), ["c", "d"]);
    assert.match(r.code, /prototype\.e=/, "an object key with the name keeps it");
    assert.equal(run(r.code), run(code));
    // A name not ours (a native's, kept whole) is never dropped.
    assert.deepEqual(dropDeadMethods(code, new Set(["a"])).dropped, []);
  });

  // The shape Espruino 2v29 gets wrong: a function inside one that has read
  // `arguments` finds the outer one's.
  const NESTED =
    "function $o(a){var r=function(b){return b}(5);return [a,r]}out=$o(1).concat([function(x,y){return x+y}(2,3)])";

  it("reads parameters from arguments, never in a function inside another that does", function () {
    const r = parametersFromArguments(NESTED);
    assert.equal(run(r.code), run(NESTED), r.code);
    assert.equal(r.functions, 2, r.code); // $o and the last IIFE; not the one inside $o
    assert.match(r.code, /function\(b\)\{return b\}/);
    assert.doesNotMatch(r.code, /function \$o\(a\)/);
    const reads = "function $f(a){return arguments.length+a}out=$f(1,2)";
    assert.equal(parametersFromArguments(reads).functions, 0);
  });

  it("is needed that way on the Espruino interpreter (ESPRUINO)", function () {
    const bin = process.env.ESPRUINO;
    if (!bin) this.skip();
    const run = (code: string) => runOnEspruino(bin!, `var out;${code}`, "JSON.stringify(out)");
    const naive = "function $o(){var a=arguments[0];var r=function(){return arguments[0]}(5);return [a,r]}out=$o(1)";
    assert.notEqual(
      run(naive),
      "[1,5]",
      "Espruino gives a nested function its own arguments now: revisit parametersFromArguments",
    );
    assert.equal(run(parametersFromArguments(NESTED).code), "[1,5,5]");
  });
});
