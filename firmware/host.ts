// Node entry: the host board. Its MAC is the UDP frame link on loopback
// (NETRT_RX_PORT / NETRT_TX_PORT, default 9000 / 9001); storage is a directory.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { alloc, get8 } from "@hal/bytes";
import { hostPlatform } from "../hal/host/platform";
import { UdpMac } from "../hal/host/mac-udp";
import { PtySerial } from "../hal/host/pty";
import { LOG_INFO, type SerialOptions } from "../hal/types";
import type { BoardConfig } from "./board";
import { parseMac } from "../src/net/addr";
import { serveControl } from "./control";
import { addProbes } from "./probes";
import { addSettings } from "./settings";
import { boardHwaddr, startDevice, type AddServices } from "./device";
import { DHCP_STOPPED } from "../src/dhcp/states";

export function start(board: BoardConfig, _chip?: unknown, _control?: unknown, services?: AddServices): void {
  // The static address can come from the environment, so one build serves every test network.
  if (process.env.NETRT_IPV4 !== undefined)
    board.ipv4 = { address: process.env.NETRT_IPV4, gateway: process.env.NETRT_GATEWAY ?? "" };
  // So do the DHCP choices (tests and the demo try every policy with one build).
  if (process.env.NETRT_DHCP_PROFILE !== undefined) board.dhcp.profile = process.env.NETRT_DHCP_PROFILE;
  if (process.env.NETRT_DHCP_PROBE !== undefined) board.dhcp.probe = process.env.NETRT_DHCP_PROBE;
  // And the MAC, so several host devices can share one link with one build.
  if (process.env.NETRT_MAC !== undefined) {
    const hw = alloc(6);
    if (!parseMac(process.env.NETRT_MAC, hw, 0) || get8(hw, 0) % 2 === 1) {
      console.error(`NETRT_MAC=${process.env.NETRT_MAC}: not a unicast MAC address (like 02:00:00:00:00:11)`);
      process.exit(2);
    }
    board.mac.hwaddr = process.env.NETRT_MAC;
  }
  // And the SNTP servers when the lease names none: names (looked up by DNS) or addresses, comma-separated.
  if (process.env.NETRT_SNTP !== undefined && board.services !== undefined)
    board.services.sntpServers = process.env.NETRT_SNTP.split(",");
  // And the neighbour table's size (the control-channel bench dumps 64 entries).
  const cap = Number(process.env.NETRT_LLTABLE_CAPACITY ?? "");
  if (Number.isInteger(cap) && cap >= 1 && cap <= 1024) board.lltableCapacity = cap;
  const stateDir = process.env.NETRT_STATE ?? path.join(os.tmpdir(), `netrt-${board.name}`);
  const p = hostPlatform({ storageDir: stateDir, logLevel: board.logLevel });
  // The control UART is a pseudo-terminal; the CLI opens the end at NETRT_CONTROL ("off": none).
  const control = process.env.NETRT_CONTROL ?? path.join(stateDir, "tty");
  let pty: PtySerial | undefined;
  const openSerial = (o: SerialOptions): PtySerial | undefined => {
    if (control === "off") return undefined;
    fs.mkdirSync(path.dirname(control), { recursive: true });
    pty = new PtySerial(control, o);
    pty.ready().then(
      () => console.log(`control port ${control}`),
      () => undefined,
    );
    return pty;
  };
  const localPort = Number(process.env.NETRT_RX_PORT ?? 9000);
  const remotePort = Number(process.env.NETRT_TX_PORT ?? 9001);
  let mac: UdpMac | undefined;
  const dev = startDevice(
    p,
    board,
    (o) => {
      mac = new UdpMac({ ...o, hwaddr: boardHwaddr(board, p), localPort, remotePort, mtu: board.mac.mtu });
      mac.start().catch((e: Error) => {
        console.error(`cannot bind 127.0.0.1:${localPort}: ${e.message}`);
        process.exit(1);
      });
      return mac;
    },
    board.control.enabled && control !== "off"
      ? (d) => {
          const ch = serveControl(d, openSerial);
          if (board.control.probes) addProbes(d, ch);
          if (board.control.settings) addSettings(d, ch);
        }
      : undefined,
  );
  if (board.control.enabled && control === "off") p.log.write(LOG_INFO, "control channel off (NETRT_CONTROL=off)");
  if (services !== undefined) services(dev, {});
  const stop = (): void => {
    // The services stop first (mDNS says goodbye while the address is there).
    const stops = dev.stopServices;
    if (stops !== undefined) for (let i = 0; i < stops.length; i++) stops[i]();
    // Give the lease back; the link closes once the RELEASE is out (the client is STOPPED then).
    const dhcp = dev.dhcp;
    dhcp?.release();
    const started = Date.now();
    const close = (): void => {
      if (dhcp !== undefined && dhcp.state !== DHCP_STOPPED && Date.now() - started < 3000) {
        setTimeout(close, 20);
        return;
      }
      // A moment for the last datagram to leave the socket.
      setTimeout(() => {
        mac?.close();
        pty?.close();
        p.clock.clearAll();
      }, 50);
    };
    close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
