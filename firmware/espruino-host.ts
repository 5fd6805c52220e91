// Espruino entry for the development host (the interpreter for Linux): the
// board's bundle with its MAC on the host link. Espruino cannot read the
// process environment, so the runner prepends `var NETRT_ENV = {...}` with
// the same keys the Node host board reads: NETRT_RX_PORT, NETRT_TX_PORT,
// NETRT_IPV4, NETRT_DHCP_PROFILE, NETRT_DHCP_PROBE, NETRT_RUN_SECONDS,
// NETRT_MEMORY_REPORT_SECONDS; NETRT_CONTROL_PATH, a pseudo-terminal
// the control channel is served on (as Serial1), for a build that has one;
// and NETRT_FRAME_PATH, a pseudo-terminal that carries the frames as SLIP
// (Serial2) instead of Espruino's dgram (tools/run-espruino.ts makes it).
import { EspruinoSerialMac, EspruinoUdpMac } from "../hal/espruino/host";
import { espruinoPlatform, EspruinoSerialPort } from "../hal/espruino/platform";
import { LOG_WARN, type MacOptions } from "../hal/types";
import type { BoardConfig } from "./board";
import {
  boardHwaddr,
  reportMemoryEvery,
  startDevice,
  type ControlServer,
  type Device,
  type AddServices,
} from "./device";
import { DHCP_STOPPED } from "../src/dhcp/states";

declare const NETRT_ENV: Record<string, string | Device> | undefined;
declare const setTimeout: (cb: () => void, ms: number) => number;
declare const quit: (() => void) | undefined;

function setting(name: string): string {
  const all = typeof NETRT_ENV !== "undefined" ? NETRT_ENV : undefined;
  const v = all !== undefined ? all[name] : undefined;
  return typeof v === "string" ? v : "";
}

function settingNumber(name: string, fallback: number): number {
  const v = setting(name);
  const n = v === "" ? NaN : Number(v);
  return n === n ? n : fallback;
}

/** The board's device on the host link (and its control channel on NETRT_CONTROL_PATH, for a build with one). */
export function hostDevice(board: BoardConfig, control?: ControlServer): Device {
  if (setting("NETRT_IPV4") !== "") board.ipv4 = { address: setting("NETRT_IPV4"), gateway: setting("NETRT_GATEWAY") };
  if (setting("NETRT_DHCP_PROFILE") !== "") board.dhcp.profile = setting("NETRT_DHCP_PROFILE");
  if (setting("NETRT_DHCP_PROBE") !== "") board.dhcp.probe = setting("NETRT_DHCP_PROBE");
  const cap = settingNumber("NETRT_LLTABLE_CAPACITY", 0);
  if (cap >= 1 && cap <= 1024) board.lltableCapacity = Math.floor(cap);
  const controlPath = setting("NETRT_CONTROL_PATH");
  if (controlPath !== "") board.control.uart = "Serial1";
  const framePath = setting("NETRT_FRAME_PATH");
  const p = espruinoPlatform(board.logLevel);
  const sv = board.services;
  // NetworkJS would take Espruino's dgram, which carries the frames here.
  if (framePath === "" && sv !== undefined && sv.networkjs) {
    sv.networkjs = false;
    p.log.write(LOG_WARN, "NetworkJS off: the frames go through Espruino's dgram (run with tools/run-espruino.ts)");
  }
  const dev = startDevice(
    p,
    board,
    (o: MacOptions) =>
      framePath !== ""
        ? new EspruinoSerialMac(o, boardHwaddr(board, p), board.mac.mtu, framePath)
        : new EspruinoUdpMac(
            o,
            boardHwaddr(board, p),
            board.mac.mtu,
            settingNumber("NETRT_RX_PORT", 9000),
            settingNumber("NETRT_TX_PORT", 9001),
          ),
    control === undefined
      ? undefined
      : (d) => control(d, (o) => (controlPath !== "" ? new EspruinoSerialPort(o, { path: controlPath }) : undefined)),
  );
  reportMemoryEvery(dev, settingNumber("NETRT_MEMORY_REPORT_SECONDS", 0));
  // The memory bench walks the device to say where the memory goes.
  if (setting("NETRT_EXPOSE_DEVICE") !== "" && typeof NETRT_ENV !== "undefined") NETRT_ENV["NETRT_DEVICE"] = dev;
  return dev;
}

/** `control`: the board's control channel, on Serial1 opened at NETRT_CONTROL_PATH, else built without a UART. */
export function start(board: BoardConfig, _openChip?: unknown, control?: ControlServer, services?: AddServices): void {
  const dev = hostDevice(board, control);
  const p = dev.platform;
  if (services !== undefined) services(dev, {});
  const runMs = settingNumber("NETRT_RUN_SECONDS", 0) * 1000;
  if (runMs <= 0) return;
  setTimeout(() => {
    // The services stop first (mDNS says goodbye while the address is there).
    const stops = dev.stopServices;
    if (stops !== undefined) for (let i = 0; i < stops.length; i++) stops[i]();
    const dhcp = dev.dhcp;
    if (dhcp !== undefined) dhcp.release();
    const t0 = p.clock.now();
    const end = (): void => {
      if (dhcp !== undefined && dhcp.state !== DHCP_STOPPED && p.clock.now() - t0 < 3000) {
        setTimeout(end, 20);
        return;
      }
      // A moment for the RELEASE to leave, then the interpreter ends.
      setTimeout(() => {
        if (typeof quit === "function") quit();
      }, 100);
    };
    end();
  }, runMs);
}
