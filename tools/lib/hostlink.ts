// The host link: puts the host board's UDP frame link on a real Linux
// network made of namespaces we create and remove.
//
//   firmware (root ns, UDP 127.0.0.1) ⇄ socat ⇄ unix datagram sockets ⇄
//   socat (link ns: TAP tap0) ─ bridge br0 ─ veth ⇄ peer ns (veth0, a real
//   Linux host: ARP, ICMP, and later DHCP servers)
//
// The unix-socket hop is there because loopback UDP cannot cross namespaces
// while a socket file can. Every frame is one datagram end to end.
import { type ChildProcess, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnTied } from "../../hal/host/tied";

export interface HostLinkOptions {
  /** Short unique tag for namespace names (a-z0-9, up to 8). */
  id: string;
  /** UDP port the firmware receives frames on (its NETRT_RX_PORT). */
  firmwareRxPort: number;
  /** UDP port the firmware sends frames to (its NETRT_TX_PORT). */
  firmwareTxPort: number;
  /** The peer's address on the shared segment, e.g. 192.0.2.1/24. */
  peerCidr: string;
}

export class HostLinkError extends Error {}

function run(cmd: string[], allowFail = false): string {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8" });
  if (r.error) throw new HostLinkError(`${cmd[0]}: ${r.error.message}`);
  if (r.status !== 0 && !allowFail) throw new HostLinkError(`${cmd.join(" ")}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (ok()) resolve();
      else if (Date.now() > until) reject(new HostLinkError(`timed out waiting for ${what}`));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

/** Why the host link cannot be built here, or undefined when it can. */
export function hostLinkUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  for (const tool of ["ip", "socat"])
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0)
      return `${tool} is not installed (bash tools/setup.sh)`;
  return undefined;
}

export class HostLink {
  readonly linkNs: string;
  readonly peerNs: string;
  readonly peerIf = "veth0";
  readonly dir: string;
  private procs: ChildProcess[] = [];
  private log: string[] = [];

  constructor(readonly o: HostLinkOptions) {
    if (!/^[a-z0-9]{1,8}$/.test(o.id)) throw new HostLinkError(`bad host link id "${o.id}"`);
    this.linkNs = `netrt-l-${o.id}`;
    this.peerNs = `netrt-p-${o.id}`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `netrt-link-${o.id}-`));
  }

  /** Runs a command inside a namespace and returns its output (throws on failure unless allowFail). */
  exec(ns: string, cmd: string[], allowFail = false): string {
    return run(["ip", "netns", "exec", ns, ...cmd], allowFail);
  }

  /** Starts a long-running process inside a namespace; it is stopped by down(). */
  spawnIn(ns: string, cmd: string[]): ChildProcess {
    // Tied to this process: a test or bench that dies leaves no socat or server behind.
    const p = spawnTied(["ip", "netns", "exec", ns, ...cmd], { stdout: "pipe" });
    p.stderr?.on("data", (d: Buffer) => this.log.push(`${cmd[0]}: ${d.toString().trim()}`));
    this.procs.push(p);
    return p;
  }

  /** What the helper processes printed (for failure messages). */
  diagnostics(): string {
    return this.log.join("\n");
  }

  /** Where the process holding this id's link writes its pid. */
  private get ownerFile(): string {
    return path.join(os.tmpdir(), `netrt-link-${this.o.id}.owner`);
  }

  /** The live process (not this one) whose link has this id, or undefined. */
  owner(): { pid: number; what: string } | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.ownerFile, "utf8");
    } catch {
      return undefined;
    }
    const pid = Number(text.split("\n")[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    // Gone, or a zombie nobody has reaped yet: what it left are leftovers.
    let stat = "";
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return undefined;
    }
    if (/^\d+ \(.*\) [ZX]/.test(stat)) return undefined;
    if (run(["ip", "netns", "list"], true).indexOf(this.linkNs) < 0) return undefined;
    return { pid, what: text.split("\n")[1] ?? "" };
  }

  /** Refuses (HostLinkError) when another live process holds a link with this id. */
  private refuseIfTaken(doing: string): void {
    const o = this.owner();
    if (o !== undefined)
      throw new HostLinkError(
        `cannot ${doing} host link "${this.o.id}": it is in use by process ${o.pid} (${o.what}); choose another --id, or stop that process first`,
      );
  }

  async up(): Promise<void> {
    this.refuseIfTaken("bring up");
    this.down(); // leftovers of a crashed run with the same id
    fs.writeFileSync(this.ownerFile, `${process.pid}\n${process.argv.slice(1).join(" ")}\n`);
    const L = this.linkNs;
    const P = this.peerNs;
    run(["ip", "netns", "add", L]);
    run(["ip", "netns", "add", P]);
    for (const ns of [L, P]) {
      this.exec(ns, ["ip", "link", "set", "lo", "up"]);
      // IPv6 would only add router solicitations and MLD reports to every capture.
      this.exec(ns, ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
    }
    this.exec(L, ["ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"]);
    this.exec(L, ["ip", "link", "add", "vbr", "type", "veth", "peer", "name", this.peerIf]);
    this.exec(L, ["ip", "link", "set", this.peerIf, "netns", P]);
    this.exec(L, ["ip", "link", "set", "vbr", "master", "br0", "up"]);
    this.exec(L, ["ip", "link", "set", "br0", "up"]);
    this.exec(P, ["ip", "addr", "add", this.o.peerCidr, "dev", this.peerIf]);
    this.exec(P, ["ip", "link", "set", this.peerIf, "up"]);

    const nsSock = path.join(this.dir, "ns.sock");
    const rootSock = path.join(this.dir, "root.sock");
    this.spawnIn(L, [
      "socat",
      "-b",
      "65536",
      "TUN,tun-name=tap0,tun-type=tap,iff-no-pi,iff-up",
      `UNIX-SENDTO:${rootSock},bind=${nsSock}`,
    ]);
    await waitFor(
      "tap0",
      () => fs.existsSync(nsSock) && this.exec(L, ["ip", "link", "show", "tap0"], true) !== "",
      5000,
    );
    this.exec(L, ["ip", "link", "set", "tap0", "master", "br0"]);
    const root = spawnTied(
      [
        "socat",
        "-b",
        "65536",
        `UDP-DATAGRAM:127.0.0.1:${this.o.firmwareRxPort},bind=127.0.0.1:${this.o.firmwareTxPort}`,
        `UNIX-SENDTO:${nsSock},bind=${rootSock}`,
      ],
      { stdout: "pipe" },
    );
    root.stderr?.on("data", (d: Buffer) => this.log.push(`socat(root): ${d.toString().trim()}`));
    this.procs.push(root);
    await waitFor("the root socat", () => fs.existsSync(rootSock), 5000);
  }

  private extraHosts: string[] = [];

  /**
   * Another Linux host on the segment: a namespace `netrt-h<tag>-<id>` whose
   * interface (`ifname`, default veth0) is bridged like the peer's, with
   * `cidr` if given (none: a DHCP client's host) and `hwaddr` if given.
   * Returns the namespace name.
   */
  addHost(tag: string, o: { cidr?: string; hwaddr?: string; ifname?: string } = {}): string {
    if (!/^[a-z0-9]{1,4}$/.test(tag)) throw new HostLinkError(`bad host tag "${tag}"`);
    const ns = `netrt-h${tag}-${this.o.id}`;
    const ifname = o.ifname ?? "veth0";
    run(["ip", "netns", "add", ns]);
    this.extraHosts.push(ns);
    this.exec(ns, ["ip", "link", "set", "lo", "up"]);
    this.exec(ns, ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
    this.exec(this.linkNs, ["ip", "link", "add", `vh${tag}`, "type", "veth", "peer", "name", ifname, "netns", ns]);
    this.exec(this.linkNs, ["ip", "link", "set", `vh${tag}`, "master", "br0", "up"]);
    if (o.hwaddr !== undefined) this.exec(ns, ["ip", "link", "set", ifname, "address", o.hwaddr]);
    if (o.cidr !== undefined) this.exec(ns, ["ip", "addr", "add", o.cidr, "dev", ifname]);
    this.exec(ns, ["ip", "link", "set", ifname, "up"]);
    return ns;
  }

  removeHost(ns: string): void {
    run(["ip", "netns", "del", ns], true);
    this.extraHosts = this.extraHosts.filter((h) => h !== ns);
  }

  /**
   * Drops frames crossing the bridge that match an nftables bridge-family
   * expression (e.g. "udp dport 67", "numgen random mod 100 < 30"): on the
   * wire between the firmware and every host, whatever socket type a server
   * reads with. `undefined` removes every such rule.
   */
  setDrop(match: string | undefined): void {
    const L = this.linkNs;
    if (this.exec(L, ["nft", "list", "tables"], true).indexOf("bridge netrt") < 0) {
      this.exec(L, ["nft", "add", "table", "bridge", "netrt"]);
      this.exec(L, ["nft", "add", "chain", "bridge", "netrt", "drops", "{ type filter hook forward priority 0; }"]);
    }
    this.exec(L, ["nft", "flush", "chain", "bridge", "netrt", "drops"]);
    // nft joins its arguments into one command line, so the rule goes as one argument (no shell).
    if (match !== undefined) this.exec(L, ["nft", `add rule bridge netrt drops ${match} drop`]);
  }

  /** down() for another process's link (npm run hostlink -- down): refused while its owner lives. */
  takeDown(): void {
    this.refuseIfTaken("take down");
    this.down();
    fs.rmSync(this.ownerFile, { force: true });
  }

  /** Stops the helpers and deletes both namespaces (and with them every interface in them). */
  /**
   * The peer namespace's resolver (`ip netns exec` reads /etc/netns/NS/resolv.conf
   * in place of /etc/resolv.conf): a nameserver and search domain for its
   * programs (ping NAME). Removed with the link.
   */
  setPeerResolver(nameserver: string, search: string): void {
    const dir = path.join("/etc/netns", this.peerNs);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "resolv.conf"), `nameserver ${nameserver}\nsearch ${search}\n`);
  }

  down(): void {
    for (const h of this.extraHosts) run(["ip", "netns", "del", h], true);
    fs.rmSync(path.join("/etc/netns", this.peerNs), { recursive: true, force: true });
    this.extraHosts = [];
    for (const p of this.procs) if (p.exitCode === null) p.kill("SIGTERM");
    this.procs = [];
    run(["ip", "netns", "del", this.linkNs], true);
    run(["ip", "netns", "del", this.peerNs], true);
    for (const f of ["ns.sock", "root.sock"]) fs.rmSync(path.join(this.dir, f), { force: true });
  }

  /** Removes the scratch directory too; the link cannot come up again. */
  dispose(): void {
    this.down();
    if (this.owner() === undefined) fs.rmSync(this.ownerFile, { force: true });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
