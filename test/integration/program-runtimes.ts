// The runtimes a device's program runs on in the integration tests (Node,
// Lua 5.1, Lua 5.3 with luasocket, Espruino for Linux with ESPRUINO), how
// to start an example on each, and the peer network they meet: a host link
// whose peer serves DHCP with DNS (dnsmasq), NTP (chrony) and a UDP echo.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DhcpServer } from "../../tools/lib/dhcp-servers";
import { espruinoProgram } from "../../tools/lib/espruino-host";
import { HostLink, hostLinkUnavailable } from "../../tools/lib/hostlink";
import { slipPtyPath } from "../../tools/lib/slip-link";
import { ROOT } from "../../tools/lib/paths";
import { mdnsPeerUnavailable, ntpUnavailable, startNtpServer, startUdpEcho } from "../../tools/lib/peer-services";

/** An example's file for a runtime, by name (default hello-net); a path is taken as it is. */
function example(dir: string, program: string | undefined, ext: string): string {
  if (program !== undefined && program.includes("/")) return program;
  return path.join(ROOT, "examples", dir, `${program ?? "hello-net"}${ext}`);
}

export interface Runtime {
  name: string;
  board: string;
  hostname: string;
  absent(): string | undefined;
  /** The command that runs `program`: an example's name (default hello-net), or a file's path. */
  command(env: Record<string, string>, dir: string, program?: string): string[];
  requiredInCi: boolean;
}

const lua = (v: "5.1" | "5.3"): Runtime => {
  const board = `lua${v.replace(".", "")}-app`;
  const needs = v === "5.1" ? "require('bit'); require('socket')" : "require('socket')";
  return {
    name: `lua${v}`,
    board,
    hostname: "hello-nodemcu",
    absent: () =>
      spawnSync(`lua${v}`, ["-e", needs]).status === 0 ? undefined : `lua${v} with ${needs} is not installed`,
    command: (_env, _dir, program) => [
      `lua${v}`,
      path.join(ROOT, "tools/lib/lua-program.lua"),
      path.join(ROOT, "dist", board),
      example("nodemcu", program, ".lua"),
    ],
    requiredInCi: true,
  };
};

export const node: Runtime = {
  name: "node",
  board: "host-app",
  hostname: "hello-node",
  absent: () => undefined,
  command: (_env, _dir, program) => [process.execPath, example("node", program, ".js")],
  requiredInCi: true,
};

export const espruino: Runtime = {
  name: "espruino",
  board: "espruino-app",
  hostname: "hello-espruino",
  absent: () => {
    const bin = process.env.ESPRUINO;
    if (!bin) return "ESPRUINO is not set (the Espruino interpreter for Linux; see CONTRIBUTING.md)";
    return fs.existsSync(bin) ? undefined : `ESPRUINO=${bin} does not exist`;
  },
  // Espruino reads no environment: the settings and the module go in front of the program.
  // Its frames go as SLIP on a pseudo-terminal: its own sockets are NetworkJS's, over netrt.
  command: (env, dir, program) => {
    const script = path.join(dir, "program.js");
    const pty = slipPtyPath(dir);
    const source = example("espruino", program, ".js");
    fs.writeFileSync(script, espruinoProgram({ ...env, NETRT_FRAME_PATH: pty }, "espruino-app", source));
    return [
      path.join(ROOT, "node_modules", ".bin", "tsx"),
      path.join(ROOT, "tools", "run-espruino.ts"),
      "--pty",
      pty,
      "--rx-port",
      env.NETRT_RX_PORT,
      "--tx-port",
      env.NETRT_TX_PORT,
      "--",
      process.env.ESPRUINO!,
      script,
    ];
  },
  requiredInCi: false,
};

export const PROGRAM_RUNTIMES = [node, lua("5.1"), lua("5.3"), espruino];

export function missing(): string | undefined {
  return (
    hostLinkUnavailable() ??
    (spawnSync("sh", ["-c", "command -v dnsmasq"]).status !== 0 ? "dnsmasq is not installed" : undefined) ??
    ntpUnavailable() ??
    mdnsPeerUnavailable()
  );
}

export const PEER = "192.0.2.1";

/** A host link whose peer serves DHCP with DNS and NTP, chrony, and a UDP echo on 7000. */
export async function peerNetwork(id: string, port: number): Promise<{ link: HostLink; server: DhcpServer }> {
  const link = new HostLink({ id, firmwareRxPort: port, firmwareTxPort: port + 1, peerCidr: `${PEER}/24` });
  try {
    await link.up();
    const server = new DhcpServer("dnsmasq", link, {
      serverIp: PEER,
      rangeStart: "192.0.2.50",
      rangeEnd: "192.0.2.99",
      leaseSecs: 600,
      noPing: true,
      ntp: [PEER],
      dns: {
        domain: "netrt.test",
        hosts: { "peer.netrt.test": PEER },
        cnames: { "alias.netrt.test": "middle.netrt.test", "middle.netrt.test": "peer.netrt.test" },
      },
    });
    server.start();
    await server.ready();
    await startNtpServer(link, PEER);
    startUdpEcho(link, PEER, 7000);
    link.setPeerResolver(PEER, "netrt.test");
    return { link, server };
  } catch (e) {
    link.dispose();
    throw e;
  }
}
