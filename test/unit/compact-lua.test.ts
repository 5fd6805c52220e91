import { strict as assert } from "node:assert";
import { compactLua } from "../../tools/lib/bundle-lua";

describe("Lua bundle compaction", function () {
  it("drops indentation and trailing blanks but keeps every line", function () {
    const src = "local function f(a)\n    if a then\n        return 1  \n    end\nend\n";
    const out = compactLua(src);
    assert.equal(out, "local function f(a)\nif a then\nreturn 1\nend\nend\n");
    assert.equal(out.split("\n").length, src.split("\n").length);
  });
  it("leaves text with a long bracket untouched (its whitespace is content)", function () {
    for (const src of ["local s = [[\n  keep\n]]\n", "local s = [==[\n  keep\n]==]\n"])
      assert.equal(compactLua(src), src);
  });
});
