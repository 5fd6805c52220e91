// The program's module for the Lua host bundles (require("netrt") on
// lua5.1/5.3 + luasocket): firmware/app.ts over the Lua host's device, and
// run(), the event loop the runner (tools/lib/lua-program.lua) calls after
// the program's main chunk. A separate entry, so firmware builds carry none
// of the embedding API.
import { env, type LuaHostPlatform, type LuaUdpMac, runLoop } from "../hal/lua/host";
import type { BoardConfig } from "./board";
import type { ControlServer, Device, AddServices } from "./device";
import { makeNetrt, type Netrt } from "./app";
import { hostDevice } from "./lua-host";

/**
 * The program's module on the host: require("netrt") as on a board, plus
 * run(), the event loop a board's firmware has (the runner calls it after
 * the program's main chunk). NETRT_RUN_SECONDS stops the device (stop())
 * and ends the loop.
 */
export function program(
  board: BoardConfig,
  _openChip?: unknown,
  control?: ControlServer,
  services?: AddServices,
): Netrt {
  let host: { dev: Device; mac: LuaUdpMac | undefined; p: LuaHostPlatform } | undefined = undefined;
  let halted = false;
  const api = makeNetrt(
    board,
    (b) => {
      halted = false;
      const h = hostDevice(b, control);
      host = h;
      return h.dev;
    },
    services,
    () => {
      halted = true;
      if (host !== undefined && host.mac !== undefined) host.mac.close();
    },
  );
  api.run = () => {
    const h = host;
    if (h === undefined) return;
    const seconds = Number(env("NETRT_RUN_SECONDS"));
    const runMs = seconds > 0 ? seconds * 1000 : 0;
    let stopping = false;
    runLoop(h.p.clock, h.mac, () => {
      if (!stopping && !halted && runMs > 0 && h.p.clock.now() >= runMs) {
        stopping = true;
        api.stop();
      }
      return halted;
    });
  };
  return api;
}
