// Lua entry for the development host (lua5.1 + bit, lua5.3 with luasocket):
// the board's bundle with its MAC on the host link's UDP frame port, so the
// Lua build gets its lease from the same servers as the Node build. The
// environment chooses what the Node host board's does: NETRT_RX_PORT /
// NETRT_TX_PORT, NETRT_STATE, NETRT_IPV4, NETRT_DHCP_PROFILE / _PROBE;
// NETRT_RUN_SECONDS ends the run (releasing the lease), 0 or unset: never;
// NETRT_MEMORY_REPORT_SECONDS logs memory in use that often.
import { env, type LuaHostPlatform, LuaUdpMac, luaHostPlatform, runLoop } from "../hal/lua/host";
import { LOG_ERROR, type MacOptions } from "../hal/types";
import type { BoardConfig } from "./board";
import {
  boardHwaddr,
  type ControlServer,
  type Device,
  reportMemoryEvery,
  startDevice,
  type AddServices,
} from "./device";
import { DHCP_STOPPED } from "../src/dhcp/states";

function envNumber(name: string, fallback: number): number {
  const v = env(name);
  const n = v === "" ? NaN : Number(v);
  return n === n ? n : fallback; // NaN is the one value unequal to itself
}

/** The board's device on the host link: its MAC on the UDP frame ports the environment names. */
export function hostDevice(
  board: BoardConfig,
  control?: ControlServer,
): { dev: Device; mac: LuaUdpMac | undefined; p: LuaHostPlatform } {
  if (env("NETRT_IPV4") !== "") board.ipv4 = { address: env("NETRT_IPV4"), gateway: env("NETRT_GATEWAY") };
  if (env("NETRT_DHCP_PROFILE") !== "") board.dhcp.profile = env("NETRT_DHCP_PROFILE");
  if (env("NETRT_DHCP_PROBE") !== "") board.dhcp.probe = env("NETRT_DHCP_PROBE");
  const cap = envNumber("NETRT_LLTABLE_CAPACITY", 0);
  if (cap >= 1 && cap <= 1024) board.lltableCapacity = Math.floor(cap);
  const state = env("NETRT_STATE") !== "" ? env("NETRT_STATE") : ".";
  const p = luaHostPlatform(board.runtime, state, board.logLevel);
  let mac: LuaUdpMac | undefined = undefined;
  const dev = startDevice(
    p,
    board,
    (o: MacOptions) => {
      mac = new LuaUdpMac(
        o,
        boardHwaddr(board, p),
        board.mac.mtu,
        envNumber("NETRT_RX_PORT", 9000),
        envNumber("NETRT_TX_PORT", 9001),
      );
      return mac;
    },
    control === undefined ? undefined : (d) => control(d, () => undefined),
  );
  reportMemoryEvery(dev, envNumber("NETRT_MEMORY_REPORT_SECONDS", 0));
  return { dev: dev, mac: mac, p: p };
}

/** `control`: the board's control channel, built without a UART (the host bundle has none to give it). */
export function start(board: BoardConfig, _openChip?: unknown, control?: ControlServer, services?: AddServices): void {
  const { dev, mac, p } = hostDevice(board, control);
  if (mac === undefined) {
    p.log.write(LOG_ERROR, "no network interface");
    return;
  }
  if (services !== undefined) services(dev, {});
  const runMs = envNumber("NETRT_RUN_SECONDS", 0) * 1000;
  let releasedAt = -1;
  runLoop(p.clock, mac, () => {
    if (runMs <= 0 || p.clock.now() < runMs) return false;
    // Time is up: give the lease back, then stop once the RELEASE is out (or after 3 s).
    const dhcp = dev.dhcp;
    if (releasedAt < 0) {
      releasedAt = p.clock.now();
      // The services stop first (mDNS says goodbye while the address is there).
      const stops = dev.stopServices;
      if (stops !== undefined) for (let i = 0; i < stops.length; i++) stops[i]();
      if (dhcp !== undefined) dhcp.release();
    }
    return dhcp === undefined || dhcp.state === DHCP_STOPPED || p.clock.now() - releasedAt > 3000;
  });
}
