// The netrt CLI driving the host board through its pseudo-terminal, the way
// a user drives a device on /dev/ttyUSB0: the firmware holds a DHCP lease
// from dnsmasq on a private network, and every command is the real CLI.
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildAll } from "../../tools/lib/build";
import { DhcpServer } from "../../tools/lib/dhcp-servers";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";
import { HostLink, hostLinkUnavailable } from "../../tools/lib/hostlink";
import { ROOT } from "../../tools/lib/paths";
import { describeFrame, findAttr } from "../../cli/describe";
import { alloc, copy } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import * as C from "../../src/netlink/constants";
import { encodedMax, encodeFrame, FrameDecoder, PROTO_ROUTE } from "../../src/netlink/frame";
import { IFI_INDEX, IFINFOMSG } from "../../src/netlink/schemas";
import { NlWriter } from "../../src/netlink/writer";
import { ipMonitorFile } from "../netlink/ip-monitor";
import { answersFraming } from "../../cli/ports";
import { agentSocketPath } from "../../cli/agent";
import { CLI, compileCli, NODE } from "../../tools/lib/cli-under-test";

/** The netlink messages of a CLI pcap from byte `from` on: direction, protocol, type, seq. */
function pcapMessages(file: string, from = 24): { outgoing: boolean; proto: number; type: number; seq: number }[] {
  const b = fs.readFileSync(file);
  const out: { outgoing: boolean; proto: number; type: number; seq: number }[] = [];
  for (let off = Math.max(from, 24); off + 16 <= b.length;) {
    const n = b.readUInt32LE(off + 8);
    const rec = b.subarray(off + 16, off + 16 + n);
    for (let m = 16; m + 16 <= rec.length;) {
      const len = rec.readUInt32LE(m);
      out.push({
        outgoing: rec.readUInt16BE(0) === 4,
        proto: rec.readUInt16BE(14),
        type: rec.readUInt16LE(m + 4),
        seq: rec.readUInt32LE(m + 8),
      });
      if (len < 16) break;
      m += (len + 3) & ~3;
    }
    off += 16 + n;
  }
  return out;
}

describe("integration: the netrt CLI over the control channel", function () {
  this.timeout(120000);
  let link: HostLink;
  let server: DhcpServer;
  let fw: FirmwareProcess;
  let port = "";
  let addr = "";

  let pcap = "";
  const netrt = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(NODE, [CLI, "--port", port, "--pcap", pcap, ...args], { encoding: "utf8", timeout: 20000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (...args: string[]): string => {
    const r = netrt(...args);
    assert.equal(r.status, 0, `netrt ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const json = <T>(...args: string[]): T => JSON.parse(ok("-j", ...args)) as T;

  before(async function () {
    const why =
      hostLinkUnavailable() ??
      (spawnSync("sh", ["-c", "command -v dnsmasq"]).status !== 0 ? "dnsmasq is not installed" : undefined);
    if (why !== undefined) {
      if (process.env.CI) throw new Error(`prerequisites missing in CI: ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    await compileCli();
    await buildAll(["host"]);
    const base = 43000 + (process.pid % 500) * 2;
    link = new HostLink({
      id: `cl${process.pid % 100000}`,
      firmwareRxPort: base,
      firmwareTxPort: base + 1,
      peerCidr: "192.0.2.1/24",
    });
    await link.up();
    server = new DhcpServer("dnsmasq", link, {
      serverIp: "192.0.2.1",
      rangeStart: "192.0.2.50",
      rangeEnd: "192.0.2.99",
      leaseSecs: 600,
      noPing: true,
    });
    server.start();
    await server.ready();
    port = path.join(link.dir, "tty");
    pcap = path.join(link.dir, "control.pcap");
    fw = new FirmwareProcess(
      {
        NETRT_RX_PORT: String(base),
        NETRT_TX_PORT: String(base + 1),
        NETRT_DHCP_PROBE: "off",
        NETRT_DHCP_PROFILE: "fast",
        NETRT_CONTROL: port,
      },
      path.join(link.dir, "state"),
    );
    await fw.waitFor(/control port/, 10000);
    addr = (await fw.waitFor(/bound to ([\d.]+)\/24/, 30000))[1];
    // The router's MAC, so the neighbour table has a dynamic entry.
    link.exec(link.peerNs, ["ping", "-c", "1", "-W", "2", addr], true);
  });

  after(async function () {
    await fw?.stop("SIGTERM");
    server?.stop();
    link?.dispose();
  });

  it("link show: iproute2's text and JSON", function () {
    const text = ok("link", "show");
    assert.match(text, /^1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN/m);
    assert.match(
      text,
      /^2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1\n {4}link\/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff$/m,
    );
    const [eth] = json<{ ifname: string; ifindex: number; address: string; operstate: string; flags: string[] }[]>(
      "link",
      "show",
      "dev",
      "eth0",
    );
    assert.deepEqual([eth.ifindex, eth.ifname, eth.address, eth.operstate], [2, "eth0", "02:00:00:00:00:10", "UP"]);
    assert.ok(eth.flags.includes("LOWER_UP"));
  });

  it("addr show: the DHCP lease with its lifetimes counting down", function () {
    const text = ok("addr", "show", "dev", "eth0");
    assert.match(
      text,
      new RegExp(
        `inet ${addr.replace(/\./g, "\\.")}/24 brd 192\\.0\\.2\\.255 scope global dynamic eth0\\n {7}valid_lft \\d+sec preferred_lft \\d+sec`,
      ),
    );
    const [eth] = json<{ addr_info: { local: string; valid_life_time: number; dynamic?: boolean }[] }[]>(
      "addr",
      "show",
      "dev",
      "eth0",
    );
    assert.equal(eth.addr_info[0].local, addr);
    assert.ok(eth.addr_info[0].valid_life_time <= 600 && eth.addr_info[0].valid_life_time > 500);
  });

  it("route show: the connected prefix and the default route from DHCP", function () {
    const routes = json<{ dst: string; gateway?: string; protocol: string }[]>("route", "show");
    assert.ok(
      routes.some((r) => r.dst === "default" && r.gateway === "192.0.2.1" && r.protocol === "dhcp"),
      JSON.stringify(routes),
    );
    assert.ok(routes.some((r) => r.dst === "192.0.2.0/24" && r.protocol === "kernel"));
    assert.match(ok("route"), /^default via 192\.0\.2\.1 dev eth0 proto dhcp/m);
  });

  it("neigh show/add/del: the router learned by ARP, a permanent entry added and removed, EEXIST reported", function () {
    assert.match(ok("neigh", "show"), /^192\.0\.2\.1 dev eth0 lladdr [0-9a-f:]{17} (REACHABLE|STALE|DELAY|PROBE) $/m);
    ok("neigh", "add", "192.0.2.200", "lladdr", "02:00:00:00:02:00", "dev", "eth0");
    const n = json<{ dst: string; lladdr: string; state: string[] }[]>("neigh", "show", "dev", "eth0").find(
      (x) => x.dst === "192.0.2.200",
    );
    assert.deepEqual(n, { dst: "192.0.2.200", dev: "eth0", lladdr: "02:00:00:00:02:00", state: ["PERMANENT"] });
    const again = netrt("neigh", "add", "192.0.2.200", "lladdr", "02:00:00:00:02:01", "dev", "eth0");
    assert.equal(again.status, 2, "a device error exits 2, as ip");
    assert.equal(again.stderr, "RTNETLINK answers: File exists\n");
    ok("neigh", "replace", "192.0.2.200", "lladdr", "02:00:00:00:02:01", "dev", "eth0");
    assert.match(ok("neigh"), /192\.0\.2\.200 dev eth0 lladdr 02:00:00:00:02:01 PERMANENT/);
    ok("neigh", "del", "192.0.2.200", "dev", "eth0");
    assert.doesNotMatch(ok("neigh"), /192\.0\.2\.200/);
    const gone = netrt("neigh", "del", "192.0.2.200", "dev", "eth0");
    assert.equal(gone.status, 2);
    assert.equal(gone.stderr, "RTNETLINK answers: No such file or directory\n");
  });

  it("addr add/del/flush and link set: state changes, and the device's own error text", function () {
    ok("addr", "add", "198.51.100.7/24", "brd", "+", "dev", "eth0");
    assert.match(ok("addr", "show", "dev", "eth0"), /inet 198\.51\.100\.7\/24 brd 198\.51\.100\.255 scope global eth0/);
    const dup = netrt("addr", "add", "198.51.100.7/24", "dev", "eth0");
    assert.equal(dup.status, 2);
    assert.match(dup.stderr, /^Error: (ipv4: )?Address already assigned\.$/m);
    ok("addr", "del", "198.51.100.7/24", "dev", "eth0");
    assert.doesNotMatch(ok("addr"), /198\.51\.100\.7/);
    ok("link", "set", "dev", "eth0", "mtu", "1400", "alias", "uplink");
    const [eth] = json<{ mtu: number; ifalias: string }[]>("link", "show", "eth0");
    assert.deepEqual([eth.mtu, eth.ifalias], [1400, "uplink"]);
    const small = netrt("link", "set", "dev", "eth0", "mtu", "40");
    assert.equal(small.status, 2);
    assert.equal(small.stderr, "Error: mtu less than device minimum.\n");
    ok("link", "set", "dev", "eth0", "mtu", "1500");
  });

  it("IPv6: the link-local address, an address added and deleted, the IPv6 table and route get", function () {
    assert.match(
      ok("-6", "addr", "show", "dev", "eth0"),
      /inet6 fe80::ff:fe00:10\/64 scope link \n {7}valid_lft forever/,
    );
    ok("addr", "add", "2001:db8::5/64", "dev", "eth0", "nodad");
    const [eth] = json<{ addr_info: { family: string; local: string; nodad?: boolean }[] }[]>(
      "-6",
      "addr",
      "show",
      "eth0",
    );
    assert.deepEqual(
      eth.addr_info.map((a) => [a.family, a.local, a.nodad === true]),
      [
        ["inet6", "2001:db8::5", true],
        ["inet6", "fe80::ff:fe00:10", false],
      ],
    );
    const dup = netrt("-6", "addr", "add", "2001:db8::5/64", "dev", "eth0", "nodad");
    assert.equal(dup.status, 2);
    assert.match(dup.stderr, /^Error: ipv6: address already assigned\.$/m);
    assert.match(ok("-6", "route"), /^2001:db8::\/64 dev eth0 proto kernel metric 256 pref medium$/m);
    assert.match(
      ok("-6", "route", "get", "2001:db8::9"),
      /^2001:db8::9 from :: dev eth0 proto kernel src 2001:db8::5 metric 256 pref medium$/m,
    );
    assert.match(
      ok("addr"),
      /inet 192\.0\.2\.\d+\/24[^]*inet6 2001:db8::5\/64 scope global nodad/,
      "both families, IPv4's first",
    );
    ok("-6", "neigh");
    ok("addr", "del", "2001:db8::5/64", "dev", "eth0");
    assert.doesNotMatch(ok("-6", "addr"), /2001:db8::5/);
  });

  it("route del/add: the default route goes and comes back (proto boot, as ip adds it)", function () {
    ok("route", "del", "default", "via", "192.0.2.1");
    assert.doesNotMatch(ok("route"), /^default/m);
    ok("route", "add", "default", "via", "192.0.2.1", "dev", "eth0");
    assert.match(ok("route"), /^default via 192\.0\.2\.1 dev eth0 $/m);
    const dup = netrt("route", "add", "default", "via", "192.0.2.1");
    assert.equal(dup.status, 2);
    assert.equal(dup.stderr, "RTNETLINK answers: File exists\n");
  });

  it("dhcp show/renew: the lease as the device holds it, and a renewal on request", function () {
    const j = json<{
      state: string;
      address: string;
      server: string;
      routers: string[];
      dns: string[];
      lease_time: number;
    }>("dhcp", "show");
    assert.deepEqual(
      [j.state, j.address, j.server, j.routers, j.dns, j.lease_time],
      ["BOUND", addr, "192.0.2.1", ["192.0.2.1"], ["192.0.2.1"], 600],
    );
    // dev picks the interface's client: eth0 has one, lo none.
    assert.equal(json<{ address: string }>("dhcp", "show", "dev", "eth0").address, addr);
    const none = netrt("dhcp", "show", "dev", "lo");
    assert.equal(none.status, 2);
    assert.equal(none.stderr, "Error: no DHCP client on interface 1.\n");
    const from = fw.mark();
    ok("dhcp", "renew", "dev", "eth0");
    return fw.waitFor(/dhcp eth0: renewed/, 10000, from);
  });

  it("monitor: address and neighbour notifications arrive as they happen", async function () {
    const mon: ChildProcess = spawn(NODE, [CLI, "--port", port, "--pcap", pcap, "-j", "monitor", "address", "neigh"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    mon.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    let err = "";
    mon.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const until = (re: RegExp, ms: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const t0 = Date.now();
        const poll = (): void => {
          if (re.test(out)) resolve();
          else if (Date.now() - t0 > ms) reject(new Error(`monitor never printed ${re}: ${out} ${err}`));
          else setTimeout(poll, 50);
        };
        poll();
      });
    try {
      // The monitor holds the port; subscribed once its stderr says so.
      await new Promise<void>((resolve, reject) => {
        const t0 = Date.now();
        const poll = (): void =>
          /monitoring/.test(err) || out !== ""
            ? resolve()
            : Date.now() - t0 > 15000
              ? reject(new Error(`monitor did not start: ${err}`))
              : void setTimeout(poll, 50);
        // -j prints nothing on stderr; give the subscription a moment instead.
        setTimeout(resolve, 4000);
        poll();
      });
      // Changes made on the device's own network: an ARP entry appears when a new host talks to it.
      const ns = link.addHost("m", { cidr: "192.0.2.201/24" });
      link.exec(ns, ["ping", "-c", "1", "-W", "2", addr], true);
      await until(/"dst":"192\.0\.2\.201"/, 10000);
      const lines = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { dst?: string; lladdr?: string });
      assert.ok(lines.some((l) => l.dst === "192.0.2.201" && typeof l.lladdr === "string"));
    } finally {
      mon.kill("SIGINT");
    }
    await new Promise<void>((resolve) => (mon.exitCode !== null ? resolve() : mon.once("exit", () => resolve())));
    assert.equal(mon.exitCode, 0, `monitor exits cleanly after Ctrl-C: ${err}`);
    // It unsubscribed on the way out: a later session hears no notifications it never asked for.
    const before = fs.statSync(pcap).size;
    ok("neigh", "add", "192.0.2.211", "lladdr", "02:00:00:00:02:11", "dev", "eth0");
    ok("neigh", "del", "192.0.2.211", "dev", "eth0");
    const heard = pcapMessages(pcap, before).filter((m) => !m.outgoing && m.seq === 0);
    assert.deepEqual(heard, [], "no notifications after the monitor left");
  });

  it("many sessions, one port: two monitors and a third process changing things, at once, all through one agent", async function () {
    const watch = (): { proc: ChildProcess; out: () => string } => {
      const proc = spawn(NODE, [CLI, "--port", port, "-j", "monitor", "neigh"], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      return { proc, out: () => out };
    };
    const a = watch();
    const b = watch();
    try {
      // Both subscribed once the agent has forwarded their subscriptions.
      await new Promise((r) => setTimeout(r, 4000));
      const n = 6;
      for (let i = 0; i < n; i++) {
        ok("neigh", "add", `192.0.2.${220 + i}`, "lladdr", `02:00:00:00:02:${20 + i}`, "dev", "eth0");
        ok("neigh", "del", `192.0.2.${220 + i}`, "dev", "eth0");
      }
      const seen = (out: string): string[] =>
        out
          .trim()
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => JSON.parse(l) as { dst?: string; deleted?: boolean })
          .filter((e) => e.dst !== undefined && /^192\.0\.2\.22\d$/.test(e.dst))
          .map((e) => `${e.deleted === true ? "-" : "+"}${e.dst}`);
      const t0 = Date.now();
      while ((seen(a.out()).length < 3 * n || seen(b.out()).length < 3 * n) && Date.now() - t0 < 15000)
        await new Promise((r) => setTimeout(r, 100));
      // Each change: NEWNEIGH on add, then NEWNEIGH (FAILED) and DELNEIGH on delete.
      for (const m of [a, b]) {
        const got = seen(m.out());
        for (let i = 0; i < n; i++) {
          assert.ok(got.includes(`+192.0.2.${220 + i}`), `added ${220 + i}: ${got.join(" ")}`);
          assert.ok(got.includes(`-192.0.2.${220 + i}`), `deleted ${220 + i}: ${got.join(" ")}`);
        }
      }
    } finally {
      a.proc.kill("SIGINT");
      b.proc.kill("SIGINT");
      await Promise.all(
        [a.proc, b.proc].map((p) => new Promise((r) => (p.exitCode !== null ? r(0) : p.once("exit", r)))),
      );
    }
  });

  it("addr flush and neigh flush: an interface's addresses go; dynamic neighbours go, permanent ones stay", async function () {
    // A second interface would be safer to flush; the device has one, so flush eth0 and let DHCP put it back.
    ok("neigh", "add", "192.0.2.210", "lladdr", "02:00:00:00:02:10", "dev", "eth0");
    assert.match(ok("neigh"), /^192\.0\.2\.1 dev eth0 lladdr/m);
    ok("neigh", "flush", "dev", "eth0");
    const left = ok("neigh");
    assert.doesNotMatch(left, /^192\.0\.2\.1 dev/m, "the dynamic entry went");
    assert.match(left, /^192\.0\.2\.210 dev eth0 lladdr 02:00:00:00:02:10 PERMANENT $/m, "the permanent one stayed");
    ok("neigh", "del", "192.0.2.210", "dev", "eth0");
    const from = fw.mark();
    ok("addr", "flush", "dev", "eth0");
    assert.doesNotMatch(ok("addr", "show", "dev", "eth0"), /inet /);
    await fw.waitFor(/eth0: removed/, 5000, from);
    // Get the lease back the way a user would.
    ok("dhcp", "restart");
    await fw.waitFor(/bound to ([\d.]+)\/24/, 30000, from);
    assert.match(ok("addr", "show", "dev", "eth0"), /inet 192\.0\.2\.\d+\/24/);
  });

  it("dhcp release and restart: the lease goes back to the server, then a new one is bound", async function () {
    const from = fw.mark();
    ok("dhcp", "release");
    await fw.waitFor(/dhcp eth0: STOPPED/, 5000, from);
    assert.equal(json<{ state: string }>("dhcp", "show").state, "STOPPED");
    assert.doesNotMatch(ok("addr", "show", "dev", "eth0"), /inet /);
    ok("dhcp", "restart");
    addr = (await fw.waitFor(/bound to ([\d.]+)\/24/, 30000, from))[1];
    assert.equal(json<{ state: string; address: string }>("dhcp", "show").address, addr);
  });

  it("auth: a key locks changes; --key opens them by challenge-response; reads stay open", function () {
    const key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    assert.match(ok("auth", "status"), /has no key/);
    ok("auth", "set-key", key);
    assert.match(ok("auth", "status"), /has a key/);
    const locked = netrt("link", "set", "dev", "eth0", "mtu", "1400");
    assert.equal(locked.status, 2);
    assert.match(locked.stderr, /^Error: .*needs an authenticated session.*\.$/m);
    ok("link", "show");
    const wrong = netrt("--key", "ff".repeat(32), "link", "set", "dev", "eth0", "mtu", "1400");
    assert.equal(wrong.status, 2);
    assert.equal(wrong.stderr, "Error: authentication failed.\n");
    ok("--key", key, "link", "set", "dev", "eth0", "mtu", "1400");
    assert.equal(json<{ mtu: number }[]>("link", "show", "eth0")[0].mtu, 1400);
    ok("--key", key, "link", "set", "dev", "eth0", "mtu", "1500");
    ok("--key", key, "auth", "clear-key");
    ok("auth", "logout");
    assert.match(ok("auth", "status"), /has no key/);
  });

  it("ping and arping: the device probes the Linux peer, and says when nobody answers", function () {
    const out = ok("ping", "-c", "3", "-i", "0.2", "192.0.2.1");
    assert.match(out, /^PING 192\.0\.2\.1 \(192\.0\.2\.1\) 56\(84\) bytes of data\.$/m);
    for (const seq of [1, 2, 3])
      assert.match(out, new RegExp(`^64 bytes from 192\\.0\\.2\\.1: icmp_seq=${seq} ttl=64 time=\\d+ ms$`, "m"));
    assert.match(out, /^3 packets transmitted, 3 received, 0% packet loss, time \d+ms$/m);
    assert.match(out, /^rtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms$/m);
    const big = json<{ received: number }>("ping", "-c", "1", "-s", "1400", "192.0.2.1");
    assert.equal(big.received, 1, "a 1400-byte echo comes back whole");
    const none = netrt("ping", "-c", "2", "-i", "0.2", "-W", "0.3", "192.0.2.254");
    assert.equal(none.status, 1, "nothing came back: exit 1, as ping");
    assert.match(none.stdout, /2 packets transmitted, 0 received, 100% packet loss/);
    const peerMac = /link\/ether ([0-9a-f:]{17})/.exec(link.exec(link.peerNs, ["ip", "link", "show", link.peerIf]))![1];
    const arp = ok("arping", "-c", "2", "192.0.2.1");
    assert.match(arp, new RegExp(`^Unicast reply from 192\\.0\\.2\\.1 \\[${peerMac.toUpperCase()}\\]  \\d+ms$`, "m"));
    assert.match(arp, /^Received 2 response\(s\)$/m);
    const off = netrt("arping", "-c", "1", "198.51.100.1");
    assert.equal(off.status, 2);
    assert.equal(off.stderr, "Error: no interface has this address on its link.\n");
    const usage = netrt("ping");
    assert.equal(usage.status, 255);
    assert.equal(usage.stderr, "ping: which address?\n");
  });

  it("tshark reads the whole session's pcap (linktype 253) with no malformed packet or warning", function () {
    const read = (filter: string): string[] => {
      const r = spawnSync(
        "tshark",
        ["-n", "-r", pcap, "-Y", filter, "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message"],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split("\n").filter((l) => l.trim() !== "");
    };
    assert.ok(read("netlink-route").length >= 40, "the session's route messages");
    assert.ok(read("netlink.hdr_type == 16").length >= 4, "RTM_NEWLINK replies");
    assert.deepEqual(read("_ws.malformed || _ws.expert.severity >= 6291456"), []);
    assert.ok(read("netlink-route.ifa_family == 10").length >= 4, "IPv6 addresses");
    assert.ok(read("netlink-route.rt_family == 10").length >= 2, "IPv6 routes");
    // Our family is its own protocol: generic netlink to tshark, never "Add routing rule" (type 32 in rtnetlink).
    const ours = pcapMessages(pcap).filter((m) => m.type === 32);
    assert.ok(ours.length >= 6, `${ours.length} messages of our family (DHCP, auth, monitor)`);
    assert.ok(
      ours.every((m) => m.proto === 16),
      "every one framed as protocol 16",
    );
    assert.deepEqual(read("netlink-route && netlink.hdr_type == 32"), []);
    assert.ok(read("genl").length >= ours.length, "tshark reads them as generic netlink");
  });

  it("pyroute2 decodes every message the firmware sent in this session", function () {
    if (spawnSync("/usr/bin/python3", ["-c", "import pyroute2"]).status !== 0) {
      if (process.env.CI) throw new Error("python3-pyroute2 is not installed");
      this.skip();
    }
    // The pcap's records: 16-byte record header, 16-byte cooked header (protocol at 14), the message(s).
    const b = fs.readFileSync(pcap);
    const frames: { proto: number; hex: string }[] = [];
    for (let off = 24; off + 16 <= b.length;) {
      const n = b.readUInt32LE(off + 8);
      const rec = b.subarray(off + 16, off + 16 + n);
      if (rec.readUInt16BE(0) === 0)
        frames.push({ proto: rec.readUInt16BE(14), hex: rec.subarray(16).toString("hex") });
      off += 16 + n;
    }
    assert.ok(frames.length >= 40, `${frames.length} frames from the device`);
    const r = spawnSync("/usr/bin/python3", [path.join(ROOT, "test", "netlink", "pyroute2_check.py"), "decode"], {
      input: frames.map((f) => JSON.stringify(f)).join("\n"),
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const results = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { ok: boolean; error?: string; messages?: unknown[] });
    assert.equal(results.length, frames.length);
    results.forEach((x, i) => assert.ok(x.ok && (x.messages?.length ?? 0) > 0, `frame ${i}: ${x.error}`));
    assert.ok(
      frames.some((f) => f.proto === 16),
      "frames of our family, decoded as our family",
    );
  });

  it("iproute2 reads every rtnetlink message the firmware sent in this session (ip monitor file)", function () {
    const b = fs.readFileSync(pcap);
    const msgs: Buffer[] = [];
    for (let off = 24; off + 16 <= b.length;) {
      const n = b.readUInt32LE(off + 8);
      const rec = b.subarray(off + 16, off + 16 + n);
      if (rec.readUInt16BE(0) === 0 && rec.readUInt16BE(14) === 0) msgs.push(rec.subarray(16));
      off += 16 + n;
    }
    const file = path.join(link.dir, "session.nl");
    fs.writeFileSync(file, Buffer.concat(msgs));
    const r = ipMonitorFile(file);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /[Uu]nknown|[Mm]alformed|[Tt]runcated|!!!/);
    assert.match(r.stdout, /^\d+: eth0: <BROADCAST,MULTICAST/m, "the links");
    assert.match(r.stdout, /inet 192\.0\.2\.\d+\/24/, "the addresses");
    assert.match(r.stdout, /^default via 192\.0\.2\.1 dev eth0/m, "the routes");
  });

  it("1,000 requests written to the firmware's port at once: every answer arrives or is reported lost", async function () {
    const { SerialPort } = await import("serialport");
    const total = 1000;
    const frames: Buffer[] = [];
    // Answers owed: a link's message, plus an ACK when asked; a missing link (index 3) gets one error.
    let owed = 0;
    for (let i = 0; i < total; i++) {
      owed += i % 3 === 2 ? 1 : 1 + (i % 2 === 0 ? 1 : 0);
      const w = new NlWriter(alloc(64));
      w.begin(C.RTM_GETLINK, C.NLM_F_REQUEST + (i % 2 === 0 ? C.NLM_F_ACK : 0), 50000 + i, 0, IFINFOMSG.hdrLen);
      w.field(IFI_INDEX, 1 + (i % 3));
      const n = w.end();
      const out = alloc(encodedMax(n + 3));
      const k = encodeFrame(PROTO_ROUTE, w.buf, 0, n, out, alloc(n + 3));
      frames.push(Buffer.concat([Buffer.from([0]), Buffer.from((out as unknown as Uint8Array).subarray(0, k))]));
    }
    const answered = new Set<number>();
    let received = 0;
    let lost = 0;
    let last = Date.now();
    const decoder = new FrameDecoder(8192, (_proto, msg, n) => {
      last = Date.now();
      const b = alloc(n);
      copy(b, 0, msg, 0, n);
      for (const m of describeFrame(b)) {
        if (m.seq >= 50000 && m.seq < 50000 + total) {
          answered.add(m.seq);
          received++;
        }
        const text = String(findAttr(m.attrs, "NLMSGERR_ATTR_MSG")?.value ?? "");
        const k = /^(\d+) replies lost/.exec(text);
        if (m.seq === 0 && m.typeName === "NLMSG_ERROR" && k !== null) lost += Number(k[1]);
      }
    });
    // Straight to the port, past any agent: wait for the last one to leave (2 s after its last client).
    const sock = agentSocketPath(port);
    for (let i = 0; i < 100 && fs.existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!fs.existsSync(sock), "the agent left after its last client");
    const sp = new SerialPort({ path: port, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => sp.open((e) => (e ? reject(e) : resolve())));
    try {
      sp.on("data", (d: Buffer) => decoder.push(new Uint8Array(d) as unknown as Bytes, 0, d.length));
      // Written without waiting for a single answer.
      sp.write(Buffer.concat(frames));
      await new Promise<void>((resolve) => {
        const poll = (): void => (Date.now() - last > 3000 ? resolve() : void setTimeout(poll, 200));
        setTimeout(poll, 1000);
      });
    } finally {
      await new Promise<void>((resolve) => sp.close(() => resolve()));
    }
    assert.ok(answered.size > 0 && lost > 0, `${answered.size} requests answered, ${lost} answers reported lost`);
    assert.equal(received + lost, owed, `${received} answers received + ${lost} reported lost`);
    // The device is still itself afterwards.
    assert.match(ok("link", "show", "eth0"), /^2: eth0:/);
  });

  it("the packed CLI installs into an empty prefix without a registry and runs a session on the device", function () {
    this.timeout(180000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-pack-"));
    try {
      const pack = spawnSync("npm", ["pack", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" });
      assert.equal(pack.status, 0, pack.stderr);
      const tarball = path.join(dir, pack.stdout.trim().split("\n").pop()!);
      const prefix = path.join(dir, "prefix");
      // Offline: its runtime dependencies travel inside the tarball (bundleDependencies).
      const inst = spawnSync(
        "npm",
        ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", tarball],
        { encoding: "utf8" },
      );
      assert.equal(inst.status, 0, inst.stderr);
      const installed = path.join(prefix, "lib", "node_modules", "netrt");
      assert.ok(!fs.existsSync(path.join(installed, "cli")), "no TypeScript sources in the package");
      const run = (...args: string[]) =>
        spawnSync(path.join(prefix, "bin", "netrt"), args, {
          encoding: "utf8",
          timeout: 20000,
          // Nothing of the repository's: not its node_modules, not tsx.
          cwd: dir,
          env: { PATH: `${path.join(prefix, "bin")}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir },
        });
      const help = run("--help");
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /^Usage: netrt/);
      const links = run("--port", port, "-j", "link", "show");
      assert.equal(links.status, 0, links.stderr);
      assert.deepEqual(
        (JSON.parse(links.stdout) as { ifname: string }[]).map((l) => l.ifname),
        ["lo", "eth0"],
      );
      const addrs = run("--port", port, "addr", "show", "dev", "eth0");
      assert.equal(addrs.status, 0, addrs.stderr);
      assert.match(addrs.stdout, new RegExp(`inet ${addr.replace(/\./g, "\\.")}/24`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--port with no path lists the serial ports; a port is marked only when a device answers our framing", async function () {
    const listed = netrt("-j", "--port");
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(Array.isArray(JSON.parse(listed.stdout)), "a JSON list (empty on a machine without serial ports)");
    assert.equal(await answersFraming(port, 115200, 2000), true, "the firmware's port answers");
    // A pty pair with nobody at the other end: it opens, and stays silent.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-silent-"));
    const socat = spawn("socat", [`pty,raw,echo=0,link=${dir}/a`, `pty,raw,echo=0,link=${dir}/b`], { stdio: "ignore" });
    try {
      for (let i = 0; i < 50 && !fs.existsSync(`${dir}/a`); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await answersFraming(`${dir}/a`, 115200, 500), false, "a silent port is not a device");
      assert.equal(await answersFraming(`${dir}/nothing`, 115200, 500), false, "nor is a missing one");
    } finally {
      socat.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses wrong arguments and a missing device with a message and a non-zero exit", function () {
    const bad = netrt("link", "frob");
    assert.equal(bad.status, 255, "a usage error exits 255, as ip");
    assert.equal(bad.stderr, 'Command "frob" is unknown, try "netrt link help".\n');
    const noAddr = netrt("addr", "add", "300.1.2.3/24", "dev", "eth0");
    assert.equal(noAddr.status, 1);
    assert.equal(noAddr.stderr, 'Error: any valid prefix is expected rather than "300.1.2.3/24".\n');
    const r = spawnSync(NODE, [CLI, "--port", "/nonexistent/tty", "link"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot open \/nonexistent\/tty/);
    const none = spawnSync(NODE, [CLI, "link"], { encoding: "utf8", env: { ...process.env, NETRT_PORT: "" } });
    assert.notEqual(none.status, 0);
  });
});
