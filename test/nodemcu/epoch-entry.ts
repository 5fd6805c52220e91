// Runs the NodeMCU binding's wall clock on a real Lua against the rtctime
// module's calling convention: get() answers seconds, microseconds and the
// clock rate as three results, not as a table.
/// <reference path="../../hal/lua/lua-api.ts" />
import { nodeMcuEpoch } from "../../hal/lua/platform";

type RtcGet = (this: void) => LuaMultiReturn<[number, number, number]>;
const g = _G as unknown as { rtctime: { get: RtcGet } | undefined; print(this: void, s: string): void };

g.rtctime = undefined;
g.print("absent " + nodeMcuEpoch());
g.rtctime = { get: () => $multi(0, 0, 0) };
g.print("unset " + nodeMcuEpoch());
g.rtctime = { get: () => $multi(1764000000, 250000, 0) };
g.print("set " + nodeMcuEpoch());
