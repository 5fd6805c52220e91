// The settings preludes `npm run flash -- --env` and the host runners put in
// front of a bundle: whatever the value, each interpreter must read back
// exactly the string that was given (Lua: three-digit decimal escapes, so a
// digit after an escape cannot join it).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { luaString, withLuaNetrtEnv, withNetrtEnv } from "../../tools/lib/espruino-host";

const VALUES = ["47000", "", 'a"b\\c', "line\nbreak\r", "\u0001" + "23", "tab\there", "ünïcode ✓", "0\u00000"];

describe("NETRT_ENV preludes", function () {
  for (const lua of ["lua5.1", "lua5.3"]) {
    it(`${lua} reads back every value byte for byte`, function () {
      if (spawnSync(lua, ["-v"]).status !== 0) {
        if (process.env.CI) throw new Error(`${lua} is not installed`);
        this.skip();
      }
      const env: Record<string, string> = {};
      VALUES.forEach((v, i) => (env[`NETRT_V${i}`] = v));
      const code = withLuaNetrtEnv(
        env,
        `for i = 0, ${VALUES.length - 1} do local v = NETRT_ENV["NETRT_V" .. i] io.write(#v, ":", v, ";") end`,
      );
      const r = spawnSync(lua, ["-"], { input: Buffer.from(code, "utf8") });
      assert.equal(r.status, 0, r.stderr.toString());
      const expected = VALUES.map((v) => `${Buffer.byteLength(v)}:${v};`).join("");
      assert.equal(r.stdout.toString("utf8"), expected);
    });
  }

  it("Lua string literals hold no raw control byte, quote or backslash", function () {
    for (const v of VALUES) assert.doesNotMatch(luaString(v).slice(1, -1), /[\x00-\x1f\x7f"]|\\(?!\d{3})/);
  });

  it("the JavaScript prelude is a var NETRT_ENV that evaluates to the same object", function () {
    const env = { NETRT_A: 'x"y', NETRT_B: "1\n2" };
    const code = withNetrtEnv(env, "result = NETRT_ENV;");
    const result = new Function(`var result; ${code}; return result;`)() as Record<string, string>;
    assert.deepEqual(result, env);
  });
});
