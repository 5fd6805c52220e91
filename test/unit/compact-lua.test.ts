import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { compactLua, dropLoaderAfterImports, dropUnrequired, leanModuleLoader } from "../../tools/lib/bundle-lua";

/** TypeScriptToLua's bundle loader, as it writes it (the tests' bundles follow with their modules). */
const TSTL_LOADER = `local ____modules = {}
local ____moduleCache = {}
local ____originalRequire = require
local function require(file, ...)
    if ____moduleCache[file] then
        return ____moduleCache[file].value
    end
    if ____modules[file] then
        local module = ____modules[file]
        local value = nil
        if (select("#", ...) > 0) then value = module(...) else value = module(file) end
        ____moduleCache[file] = { value = value }
        return value
    else
        if ____originalRequire then
            return ____originalRequire(file)
        else
            error("module '" .. file .. "' not found")
        end
    end
end
`;

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

  it("loads each module once, and lets its function and the cache wrapper go (leanModuleLoader)", function () {
    const bundle = compactLua(`${TSTL_LOADER}loads = 0
____modules = {
["shared"] = function(...) loads = loads + 1 local ____exports = {} ____exports.n = 7 return ____exports end,
["a"] = function(...) local s = require("shared") return { v = s.n + 1 } end,
["main"] = function(...) local a = require("a") local s = require("shared") return { a.v, s.n, loads, ____modules["shared"] == nil, select("#", ...) } end,
}
local r = require("main", "x", "y")
print(r[1], r[2], r[3], r[4], r[5])
`);
    const lean = leanModuleLoader(bundle);
    assert.notEqual(lean, bundle);
    for (const lua of ["lua5.1", "lua5.3"]) {
      const r = spawnSync(lua, ["-"], { input: lean, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim().split(/\s+/).join(" "), "8 7 1 true 2");
    }
    assert.throws(() => leanModuleLoader("local x = 1\n"), /revisit leanModuleLoader/);
  });

  it("lets the loader's tables go once the entry's imports are in (dropLoaderAfterImports)", function () {
    const bundle = leanModuleLoader(
      compactLua(`${TSTL_LOADER}weak = setmetatable({}, { __mode = "k" })
____modules = {
["shared"] = function(...)
    local ____exports = {}
    ____exports.n = 7
    weak[____modules] = true
    weak[____moduleCache] = true
    return ____exports
end,
["build.gen.b.main"] = function(...)
    local ____exports = {}
    local ____shared = require("shared")
    local n = ____shared.n
    collectgarbage("collect")
    local left = 0
    for _ in pairs(weak) do left = left + 1 end
    local ok = pcall(require, "shared")
    print(n, left, ok)
    return ____exports
end,
}
local ____entry = require("build.gen.b.main", ...)
return ____entry
`),
    );
    const out = dropLoaderAfterImports(bundle);
    assert.match(out, /local n = ____shared\.n\n____modules = \{\}\n____moduleCache = \{\}\ncollectgarbage/);
    for (const lua of ["lua5.1", "lua5.3"]) {
      const r = spawnSync(lua, ["-"], { input: out, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      // The imported value is there, both tables were collected, and a bundled module is no longer found.
      assert.equal(r.stdout.trim().split(/\s+/).join(" "), "7 0 false");
    }
    assert.throws(() => dropLoaderAfterImports("local x = 1\n"), /revisit dropLoaderAfterImports/);
  });

  it("drops the modules nothing requires (a type-only import's file), keeps what the entry reaches (dropUnrequired)", function () {
    const bundle = compactLua(`${TSTL_LOADER}____modules = {
["typesonly"] = function(...)
    local ____exports = {}
    ____exports.big = "only named in a type"
    return ____exports
end,
["leaf"] = function(...)
    return { n = 5 }
end,
["mid"] = function(...)
    local leaf = require("leaf")
    return { n = leaf.n + 1 }
end,
["build.gen.b.main"] = function(...)
    local ____exports = {}
    local mid = require("mid")
    print(mid.n)
    return ____exports
end,
}
local ____entry = require("build.gen.b.main", ...)
return ____entry
`);
    const out = dropUnrequired(bundle);
    assert.ok(bundle.includes('["typesonly"]') && !out.includes('["typesonly"]'), "the unrequired module is gone");
    for (const m of ['["leaf"]', '["mid"]', '["build.gen.b.main"]']) assert.ok(out.includes(m), `${m} is kept`);
    for (const lua of ["lua5.1", "lua5.3"]) {
      const r = spawnSync(lua, ["-"], { input: out, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), "6");
    }
    assert.throws(() => dropUnrequired("local x = 1\n"), /revisit dropUnrequired/);
  });
});
