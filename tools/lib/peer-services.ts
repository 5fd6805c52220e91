// What the Linux peer serves the device's program besides DHCP, in the
// host link's peer namespace: an NTP server (chrony, serving the machine's
// clock without touching it), a UDP echo (socat), and mDNS with
// python3-zeroconf (test/integration/mdns_peer.py). Each is stopped with
// the link.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { HostLink } from "./hostlink";
import { ROOT } from "./paths";

/** Why chronyd cannot serve here, or undefined. */
export function ntpUnavailable(): string | undefined {
  return spawnSync("sh", ["-c", "command -v chronyd"]).status === 0
    ? undefined
    : "chronyd is not installed (bash tools/setup.sh: chrony)";
}

/**
 * chronyd on the peer's address, port 123: `local stratum` lets it serve
 * the machine's clock with no upstream; -x leaves the system clock alone.
 * Resolves once it answers on its port.
 */
export async function startNtpServer(link: HostLink, address: string): Promise<void> {
  const dir = path.join(link.dir, "chrony");
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, "chrony.conf");
  fs.writeFileSync(
    conf,
    [
      "local stratum 8",
      `bindaddress ${address}`,
      "allow all",
      "port 123",
      "cmdport 0",
      `pidfile ${path.join(dir, "chronyd.pid")}`,
      `driftfile ${path.join(dir, "drift")}`,
      "",
    ].join("\n"),
  );
  link.spawnIn(link.peerNs, ["chronyd", "-d", "-x", "-u", "root", "-f", conf]);
  const until = Date.now() + 10000;
  while (Date.now() < until) {
    const r = link.exec(link.peerNs, ["sh", "-c", "ss -uln | grep -q ':123 ' && echo up"], true);
    if (r.includes("up")) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`chronyd did not start: ${link.diagnostics()}`);
}

/** A UDP echo on address:port (socat, one child per datagram). */
export function startUdpEcho(link: HostLink, address: string, port: number): void {
  link.spawnIn(link.peerNs, ["socat", `UDP4-RECVFROM:${port},bind=${address},fork`, "EXEC:cat"]);
}

const MDNS_PEER = path.join(ROOT, "test", "integration", "mdns_peer.py");

/** Why python3-zeroconf cannot be used here, or undefined. */
export function mdnsPeerUnavailable(): string | undefined {
  return spawnSync("/usr/bin/python3", ["-c", "import zeroconf"]).status === 0
    ? undefined
    : "python3-zeroconf is not installed (bash tools/setup.sh)";
}

/** NAME.local's addresses as a zeroconf querier on `address` sees them ("-": none within `seconds`). */
export function mdnsResolve(link: HostLink, address: string, name: string, seconds = 5): string {
  return link.exec(link.peerNs, ["/usr/bin/python3", MDNS_PEER, "resolve", address, name, String(seconds)]).trim();
}

/** Why avahi-daemon cannot claim a name here, or undefined. */
export function avahiUnavailable(): string | undefined {
  if (spawnSync("sh", ["-c", "command -v avahi-daemon"]).status !== 0)
    return "avahi-daemon is not installed (bash tools/setup.sh)";
  // Its pid file is machine-wide: a system avahi-daemon would make ours refuse to start.
  if (spawnSync("sh", ["-c", "avahi-daemon --check"]).status === 0) return "a system avahi-daemon is running";
  return undefined;
}

/**
 * Another host holding NAME.local: avahi-daemon, as a Linux machine runs it,
 * for the peer's interface only (no D-Bus, no IPv6), which probes for the
 * name, announces it and defends it. Resolves once it holds the name.
 */
export async function mdnsClaim(link: HostLink, name: string): Promise<void> {
  const dir = path.join(link.dir, "avahi");
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, "avahi-daemon.conf");
  fs.writeFileSync(
    conf,
    [
      "[server]",
      `host-name=${name}`,
      "domain-name=local",
      "use-ipv4=yes",
      "use-ipv6=no",
      `allow-interfaces=${link.peerIf}`,
      "enable-dbus=no",
      "[wide-area]",
      "enable-wide-area=no",
      "[publish]",
      "publish-hinfo=no",
      "publish-workstation=no",
      "",
    ].join("\n"),
  );
  const p = link.spawnIn(link.peerNs, ["avahi-daemon", "-f", conf, "--no-drop-root", "--no-chroot", "--no-rlimits"]);
  const done = new RegExp(`Host name is ${name.replace(/[.-]/g, "\\$&")}\\.local`);
  let seen = "";
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`avahi-daemon did not take ${name}.local:\n${seen}`)), 15000);
    const look = (d: Buffer): void => {
      seen += d.toString();
      if (done.test(seen)) {
        clearTimeout(t);
        resolve();
      }
    };
    p.stdout?.on("data", look);
    p.stderr?.on("data", look);
  });
}

/** The Linux side of the TCP tests and bench. */
export const TCP_PEER = path.join(ROOT, "test", "integration", "tcp_peer.py");

/**
 * A command in the peer's namespace, without blocking this process (a relay
 * or a firmware in it must keep running): what it printed, once it ends or
 * is killed after `timeoutMs`.
 */
export function peerExec(link: HostLink, cmd: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn("ip", ["netns", "exec", link.peerNs, ...cmd]);
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("exit", () => {
      clearTimeout(t);
      resolve(out.trim());
    });
  });
}

/** test/integration/tcp_peer.py in the peer's namespace: its one line. */
export function tcpPeer(link: HostLink, args: string[], timeoutMs: number): Promise<string> {
  return peerExec(link, ["/usr/bin/python3", TCP_PEER, ...args], timeoutMs);
}
