// Benchmark entry for Lua 5.1 + bit and Lua 5.3.
/// <reference path="../hal/lua/lua-api.ts" />
import { runBench } from "./bytes-program";

/** @noSelf */
interface HostLua {
  collectgarbage(opt: string): number;
  os: { clock(this: void): number };
}
const L = _G as unknown as HostLua;

runBench((line) => _G.print(line), {
  mem: () => {
    L.collectgarbage("collect");
    return L.collectgarbage("count") * 1024;
  },
  memUnit: "bytes",
  now: () => L.os.clock() * 1000,
});
