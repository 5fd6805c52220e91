// Real DHCP servers (Debian packages) run inside a host link's peer
// namespace, each from a configuration written to a scratch directory, with
// a way to read back its lease database. Used by the integration tests, the
// bench and `npm start`.
import { type ChildProcess, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { HostLink } from "./hostlink";

export type ServerName = "dnsmasq" | "isc-dhcp-server" | "kea" | "udhcpd";
export const SERVER_NAMES: ServerName[] = ["dnsmasq", "isc-dhcp-server", "kea", "udhcpd"];

export interface ServerConfig {
  /** The peer's own address (server identifier, router, DNS). */
  serverIp: string;
  rangeStart: string;
  rangeEnd: string;
  leaseSecs: number;
  /** T1 and T2 the server announces, when it can be told (seconds). */
  t1?: number;
  t2?: number;
  /** Skip the server's own "is the address in use" check where it has one. */
  noPing?: boolean;
  rapidCommit?: boolean;
  /**
   * dnsmasq only: serve DNS on the peer's address for `domain` (nothing is
   * forwarded anywhere): `hosts` as A records, `cnames` as aliases, and the
   * DHCP clients by the names they send (option 12 or 81).
   */
  dns?: { domain: string; hosts?: Record<string, string>; cnames?: Record<string, string> };
  /** Option 42, the NTP servers (every server here can send it). */
  ntp?: string[];
}

export interface LeaseRecord {
  mac: string;
  ip: string;
  /** Still bound (not released, expired or declined). */
  active: boolean;
}

/** The binary each server needs, for skip messages. */
export const SERVER_BINARIES: Record<ServerName, string> = {
  dnsmasq: "dnsmasq",
  "isc-dhcp-server": "dhcpd",
  kea: "kea-dhcp4",
  udhcpd: "busybox",
};

export class DhcpServer {
  private proc: ChildProcess | undefined;
  readonly dir: string;
  readonly leaseFile: string;
  readonly log: string[] = [];

  constructor(
    readonly name: ServerName,
    readonly link: HostLink,
    readonly cfg: ServerConfig,
  ) {
    this.dir = path.join(link.dir, `srv-${name}`);
    fs.mkdirSync(this.dir, { recursive: true });
    this.leaseFile = path.join(this.dir, name === "kea" ? "leases.csv" : "leases");
  }

  start(): void {
    const c = this.cfg;
    const ifname = this.link.peerIf;
    let cmd: string[];
    if (this.name === "dnsmasq") {
      cmd = [
        "dnsmasq",
        "--no-daemon",
        c.dns === undefined ? "--port=0" : "--port=53",
        `--interface=${ifname}`,
        "--bind-interfaces",
        "--dhcp-authoritative",
        `--dhcp-range=${c.rangeStart},${c.rangeEnd},255.255.255.0,${c.leaseSecs}s`,
        `--dhcp-option=option:router,${c.serverIp}`,
        `--dhcp-option=option:dns-server,${c.serverIp}`,
        `--dhcp-leasefile=${this.leaseFile}`,
        "--log-dhcp",
        `--pid-file=${path.join(this.dir, "pid")}`,
      ];
      if (c.t1 !== undefined) cmd.push(`--dhcp-option=option:T1,${c.t1}`);
      if (c.t2 !== undefined) cmd.push(`--dhcp-option=option:T2,${c.t2}`);
      if (c.noPing) cmd.push("--no-ping");
      if (c.rapidCommit) cmd.push("--dhcp-rapid-commit");
      if (c.ntp !== undefined) cmd.push(`--dhcp-option=option:ntp-server,${c.ntp.join(",")}`);
      if (c.dns !== undefined) {
        // Authoritative for the test's domain alone: no upstream, no /etc/hosts, no query leaves the namespace.
        const d = c.dns;
        cmd.push(
          "--no-resolv",
          "--no-hosts",
          `--domain=${d.domain}`,
          `--local=/${d.domain}/`,
          "--local-ttl=60",
          "--log-queries",
        );
        for (const [name, ip] of Object.entries(d.hosts ?? {})) cmd.push(`--host-record=${name},${ip}`);
        for (const [alias, target] of Object.entries(d.cnames ?? {})) cmd.push(`--cname=${alias},${target}`);
      }
    } else if (this.name === "isc-dhcp-server") {
      const conf = path.join(this.dir, "dhcpd.conf");
      const lines = [
        "authoritative;",
        `default-lease-time ${c.leaseSecs};`,
        `max-lease-time ${c.leaseSecs};`,
        `min-lease-time ${c.leaseSecs};`,
        `ping-check ${c.noPing ? "false" : "true"};`,
        "subnet 192.0.2.0 netmask 255.255.255.0 {",
        `  range ${c.rangeStart} ${c.rangeEnd};`,
        `  option routers ${c.serverIp};`,
        `  option domain-name-servers ${c.serverIp};`,
        c.t1 !== undefined ? `  option dhcp-renewal-time ${c.t1};` : "",
        c.ntp !== undefined ? `  option ntp-servers ${c.ntp.join(", ")};` : "",
        c.t2 !== undefined ? `  option dhcp-rebinding-time ${c.t2};` : "",
        "}",
      ];
      fs.writeFileSync(conf, lines.join("\n") + "\n");
      fs.writeFileSync(this.leaseFile, "");
      cmd = ["dhcpd", "-f", "-d", "-4", "-cf", conf, "-lf", this.leaseFile, "-pf", path.join(this.dir, "pid"), ifname];
    } else if (this.name === "kea") {
      const conf = path.join(this.dir, "kea.json");
      const dhcp4: Record<string, unknown> = {
        "interfaces-config": { interfaces: [ifname], "dhcp-socket-type": "raw" },
        "lease-database": { type: "memfile", persist: true, name: this.leaseFile, "lfc-interval": 0 },
        "valid-lifetime": c.leaseSecs,
        authoritative: true,
        subnet4: [
          {
            id: 1,
            subnet: "192.0.2.0/24",
            pools: [{ pool: `${c.rangeStart} - ${c.rangeEnd}` }],
            "option-data": [
              { name: "routers", data: c.serverIp },
              { name: "domain-name-servers", data: c.serverIp },
              ...(c.ntp !== undefined ? [{ name: "ntp-servers", data: c.ntp.join(", ") }] : []),
            ],
          },
        ],
        loggers: [{ name: "kea-dhcp4", output_options: [{ output: "stdout" }], severity: "INFO" }],
      };
      if (c.t1 !== undefined) dhcp4["renew-timer"] = c.t1;
      if (c.t2 !== undefined) dhcp4["rebind-timer"] = c.t2;
      fs.writeFileSync(conf, JSON.stringify({ Dhcp4: dhcp4 }, null, 1));
      cmd = ["env", `KEA_PIDFILE_DIR=${this.dir}`, `KEA_LOCKFILE_DIR=${this.dir}`, "kea-dhcp4", "-c", conf];
    } else {
      const conf = path.join(this.dir, "udhcpd.conf");
      const lines = [
        `start ${c.rangeStart}`,
        `end ${c.rangeEnd}`,
        `interface ${ifname}`,
        `lease_file ${this.leaseFile}`,
        "max_leases 40",
        "auto_time 1",
        "min_lease 5",
        `pidfile ${path.join(this.dir, "pid")}`,
        `opt subnet 255.255.255.0`,
        `opt router ${c.serverIp}`,
        `opt dns ${c.serverIp}`,
        `opt lease ${c.leaseSecs}`,
        ...(c.ntp !== undefined ? [`opt ntpsrv ${c.ntp.join(" ")}`] : []),
      ];
      fs.writeFileSync(conf, lines.join("\n") + "\n");
      cmd = ["busybox", "udhcpd", "-f", conf];
    }
    this.proc = this.link.spawnIn(this.link.peerNs, cmd);
    const keep = (d: Buffer): void => {
      for (const l of d.toString().split("\n")) if (l.trim() !== "") this.log.push(l);
      if (this.log.length > 2000) this.log.splice(0, this.log.length - 2000);
    };
    this.proc.stdout?.on("data", keep);
    this.proc.stderr?.on("data", keep);
  }

  /** Resolves once the server process is up and listening (by its own account, or after a pause). */
  async ready(): Promise<void> {
    const until = Date.now() + 5000;
    const marks: Record<ServerName, RegExp> = {
      dnsmasq: /DHCP, IP range/,
      "isc-dhcp-server": /Sending on|Server starting service/,
      kea: /DHCP4_STARTED|server version .* started/,
      udhcpd: /started|udhcpd/,
    };
    while (Date.now() < until) {
      if (this.proc?.exitCode !== null && this.proc?.exitCode !== undefined)
        throw new Error(`${this.name} exited: ${this.log.slice(-10).join("\n")}`);
      if (this.log.some((l) => marks[this.name].test(l))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): void {
    if (this.proc && this.proc.exitCode === null) this.proc.kill("SIGTERM");
    this.proc = undefined;
  }

  /** The server's lease database, normalised. */
  leases(): LeaseRecord[] {
    if (!fs.existsSync(this.leaseFile)) return [];
    const text = fs.readFileSync(this.leaseFile, "utf8");
    if (this.name === "dnsmasq") {
      // expiry mac ip hostname client-id; a released lease is removed from the file.
      return text
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.startsWith("duid"))
        .map((l) => {
          const f = l.split(" ");
          return { mac: f[1], ip: f[2], active: true };
        });
    }
    if (this.name === "isc-dhcp-server") {
      // The file is a log of lease blocks; the last block for an address wins.
      const byIp = new Map<string, LeaseRecord>();
      for (const m of text.matchAll(/lease (\S+) \{([^}]*)\}/g)) {
        const mac = /hardware ethernet ([0-9a-f:]+);/.exec(m[2])?.[1] ?? "";
        const state = /\bbinding state (\w+);/.exec(m[2])?.[1] ?? "";
        byIp.set(m[1], { mac, ip: m[1], active: state === "active" });
      }
      return [...byIp.values()];
    }
    if (this.name === "kea") {
      // CSV, appended to: address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,...
      const byIp = new Map<string, LeaseRecord>();
      for (const l of text.split("\n").slice(1)) {
        const f = l.split(",");
        if (f.length < 10) continue;
        byIp.set(f[0], { mac: f[1], ip: f[0], active: f[9] === "0" && f[3] !== "0" });
      }
      return [...byIp.values()];
    }
    // udhcpd: a binary file that busybox's dumpleases reads ("mac ip host expires-in", "expired" when over).
    const out = spawnSync("busybox", ["dumpleases", "-f", this.leaseFile], { encoding: "utf8" }).stdout ?? "";
    return out
      .split("\n")
      .slice(1)
      .filter((l) => l.trim() !== "")
      .map((l) => {
        const f = l.trim().split(/\s+/);
        return { mac: f[0], ip: f[1], active: !l.includes("expired") };
      });
  }
}

/**
 * A host link whose peer namespace runs dnsmasq at 192.0.2.1, leasing
 * 192.0.2.50–99 without its ping check: what a test or bench that only needs
 * the firmware to get a lease starts from. The link is removed again if
 * anything fails on the way up; otherwise the caller disposes it.
 */
export async function dnsmasqLink(id: string, firmwareRxPort: number): Promise<{ link: HostLink; server: DhcpServer }> {
  const link = new HostLink({ id, firmwareRxPort, firmwareTxPort: firmwareRxPort + 1, peerCidr: "192.0.2.1/24" });
  try {
    await link.up();
    const server = new DhcpServer("dnsmasq", link, {
      serverIp: "192.0.2.1",
      rangeStart: "192.0.2.50",
      rangeEnd: "192.0.2.99",
      leaseSecs: 600,
      noPing: true,
    });
    server.start();
    await server.ready();
    return { link, server };
  } catch (e) {
    link.dispose();
    throw e;
  }
}
