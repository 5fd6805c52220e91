// netrt against ip(8), line by line. The host board runs with a static
// address on a private network; beside it, a fresh Linux namespace is set up
// to hold the same objects (a TAP named eth0 with the device's MAC, address,
// queue length and default route, and its IPv6 link-local address; lo). Each command line of the
// table goes to `ip` in that namespace and to `netrt` on the device, and the
// exit codes, the output and the error lines are compared, after the few
// normalisations listed in `normalise` (what a TAP or the kernel has that the
// device does not). State-changing lines run on both, so the table walks
// both sides through the same changes.
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildAll } from "../../tools/lib/build";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";
import { HostLink, hostLinkUnavailable } from "../../tools/lib/hostlink";
import { ROOT } from "../../tools/lib/paths";
import { VERSION } from "../../cli/grammar";
import { CLI, compileCli, NODE } from "../../tools/lib/cli-under-test";

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface Case {
  line: string;
  /** How stdout is compared: "same" (after normalising), "none" (only that both are empty), or "usage" (help texts: only the status and "Usage:"). */
  out?: "same" | "usage";
  /** Keep only the output lines matching this on both sides (the device's own ARP traffic makes dynamic entries). */
  only?: RegExp;
  /** Numbers differ (counters): compare the shape with every number as N. */
  numbers?: boolean;
}

/** What differs between a TAP in a namespace and the device, and nothing else. */
function normalise(text: string, c: Case, kernel: boolean): string {
  let t = text;
  if (kernel) {
    // A TAP reports operstate UNKNOWN (tun sets none); the device's eth0 is UP (green, with -c).
    const up = (colored: boolean, width: number): string =>
      colored ? `\x1b[32m${"UP".padEnd(width)}\x1b[0m` : "UP".padEnd(width);
    t = t.replace(
      /^(\d+: (\x1b\[36m)?eth0: .* state )UNKNOWN /gm,
      (_m, head: string, c?: string) => head + up(c !== undefined, 3),
    );
    t = t.replace(
      /^((\x1b\[36m)?eth0 +(\x1b\[0m)?)UNKNOWN {8}/gm,
      (_m, head: string, c?: string) => head + up(c !== undefined, 15),
    );
    t = t.replace(/("ifname":"eth0"[^}]*"operstate":)"UNKNOWN"/g, '$1"UP"');
    t = t.replace(/("ifname": "eth0",[^}]*"operstate": )"UNKNOWN"/g, '$1"UP"');
    // The device has no users: `route get` answers carry no uid.
    t = t.replace(/ uid 0 /g, " ").replace(/,"uid":0/g, "");
  } else {
    t = t.replace(/\bnetrt\b/g, "ip");
  }
  if (c.only !== undefined)
    t = t
      .split("\n")
      .filter((l) => c.only!.test(l))
      .join("\n");
  if (c.numbers === true) t = t.replace(/\d+/g, "N").replace(/ +/g, " ");
  return t;
}

describe("integration: netrt reads and answers like ip, line by line", function () {
  this.timeout(180000);
  let link: HostLink;
  let fw: FirmwareProcess;
  let port = "";
  let ns = "";
  let tap: ChildProcess | undefined;
  let dir = "";

  const ip = (line: string[]): Run => {
    const r = spawnSync("ip", ["-n", ns, ...line], { encoding: "utf8", timeout: 10000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const netrt = (line: string[], env: Record<string, string> = {}): Run => {
    const r = spawnSync(NODE, [CLI, "-port", port, ...line], {
      encoding: "utf8",
      timeout: 20000,
      env: { ...process.env, ...env },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const sh = (args: string[]): void => {
    const r = spawnSync(args[0], args.slice(1), { encoding: "utf8" });
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
  };

  /** Runs `c` on both sides and compares. */
  function same(c: Case): void {
    const words = c.line === "" ? [] : c.line.split(" ");
    const k = ip(words);
    const d = netrt(words);
    const where = `"${c.line}"\n--- ip (${k.status}):\n${k.stdout}${k.stderr}\n--- netrt (${d.status}):\n${d.stdout}${d.stderr}`;
    assert.equal(d.status, k.status, `exit code of ${where}`);
    if (c.out === "usage") {
      assert.match(k.stderr, /^Usage: ip/, where);
      assert.match(d.stderr, /^Usage: netrt/, where);
      return;
    }
    assert.equal(normalise(d.stdout, c, false), normalise(k.stdout, c, true), `output of ${where}`);
    assert.equal(normalise(d.stderr, c, false), normalise(k.stderr, c, true), `errors of ${where}`);
  }

  before(async function () {
    const why = hostLinkUnavailable();
    if (why !== undefined) {
      if (process.env.CI) throw new Error(`prerequisites missing in CI: ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    await compileCli();
    await buildAll(["host"]);
    const base = 45000 + (process.pid % 500) * 2;
    link = new HostLink({
      id: `ig${process.pid % 100000}`,
      firmwareRxPort: base,
      firmwareTxPort: base + 1,
      peerCidr: "192.0.2.1/24",
    });
    await link.up();
    port = path.join(link.dir, "tty");
    fw = new FirmwareProcess(
      {
        NETRT_RX_PORT: String(base),
        NETRT_TX_PORT: String(base + 1),
        NETRT_IPV4: "192.0.2.10/24",
        NETRT_GATEWAY: "192.0.2.1",
        NETRT_CONTROL: port,
      },
      path.join(link.dir, "state"),
    );
    await fw.waitFor(/control port/, 10000);
    await fw.waitFor(/eth0: fe80::ff:fe00:10\/64 preferred/, 10000);

    // The kernel's twin of the device.
    ns = `netrt-ipg-${process.pid}`;
    // (no "netrt" in the name: error lines are compared with netrt read as ip)
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipg-"));
    sh(["ip", "netns", "add", ns]);
    const x = (...a: string[]): void => sh(["ip", "netns", "exec", ns, ...a]);
    // IPv6 as the device has it: a link-local address from the MAC on eth0, usable at once (no DAD),
    // no router solicitations, nothing on lo (the device's loopback has no IPv6).
    x(
      "sysctl",
      "-qw",
      "net.ipv6.conf.all.accept_dad=0",
      "net.ipv6.conf.default.accept_dad=0",
      "net.ipv6.conf.all.router_solicitations=0",
      "net.ipv6.conf.default.router_solicitations=0",
    );
    x("ip", "link", "set", "lo", "up", "txqueuelen", "0");
    x("ip", "addr", "del", "::1/128", "dev", "lo");
    // A TAP held open (so it has a carrier) for as long as the test runs.
    // No pipes to it: a pipe its child inherited would keep this process (and mocha) alive.
    tap = spawn(
      "ip",
      ["netns", "exec", ns, "socat", "TUN,tun-name=eth0,tun-type=tap,iff-no-pi,iff-up", "SYSTEM:sleep 100000"],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 100 && ip(["link", "show", "eth0"]).status !== 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    // Down while its MAC changes: its link-local address is made from the device's MAC when it comes up.
    x("ip", "link", "set", "eth0", "down");
    x("ip", "link", "set", "eth0", "address", "02:00:00:00:00:10", "txqueuelen", "1");
    x("ip", "link", "set", "eth0", "up");
    x("tc", "qdisc", "replace", "dev", "eth0", "root", "noqueue");
    x("ip", "addr", "add", "192.0.2.10/24", "brd", "+", "dev", "eth0");
    x("ip", "route", "add", "default", "via", "192.0.2.1", "proto", "static");
  });

  after(async function () {
    tap?.kill();
    // Everything left in the namespace (socat's child) goes with it.
    if (ns !== "") {
      spawnSync("sh", ["-c", `ip netns pids ${ns} | xargs -r kill -9`]);
      spawnSync("ip", ["netns", "del", ns]);
    }
    if (dir !== "") fs.rmSync(dir, { recursive: true, force: true });
    await fw?.stop("SIGTERM");
    link?.dispose();
  });

  it("objects and commands by iproute2's abbreviations, with the same text", function () {
    for (const line of [
      "a",
      "addr",
      "address show",
      "a s",
      "a ls",
      "a l",
      "a lst",
      "ad sh dev eth0",
      "a s eth0",
      "l",
      "li",
      "link show",
      "l sh dev eth0",
      "link list lo",
      "r",
      "ro",
      "r s",
      "route list",
      "route lst",
    ])
      same({ line });
  });

  it("the output options: -br, -o, -4, -6, -0, -f, -j, -p, -c, -d", function () {
    for (const line of [
      "-br a",
      "-brief address",
      "-br l",
      "-br -4 a",
      "-o a",
      "-oneline l",
      "-o r",
      "-4 a",
      "-family inet a",
      "-f inet a",
      "-6 a",
      "-6 r",
      "-0 a",
      "-j a",
      "-json -pretty a",
      "-j -p l",
      "-j r",
      "-j -p r",
      "-p a",
      "-c a",
      "-c -br a",
      "-c -br l",
      "-c r",
      "-color=always l",
      "-c=never a",
      "-color=auto a",
      "--brief addr",
      "-d r",
      "-j -d r",
    ])
      same({ line });
  });

  it("-s and -s -s: the counters' table, ip's columns", function () {
    for (const line of [
      "-s l show eth0",
      "-s -s link show dev eth0",
      "-stats l show lo",
      "-statistics a show dev lo",
      "-j -s l show dev eth0",
      "-j -s -s l show dev eth0",
    ])
      same({ line, numbers: true });
    // "l s" is `link set`, as in ip: with -s and nothing to set, it prints nothing and succeeds.
    same({ line: "-s l s eth0" });
  });

  it("route get: the device's own lookup, and the source it would use", function () {
    for (const line of [
      "route get 192.0.2.77",
      "r g 8.8.8.8",
      "ro get 192.0.2.10",
      "route get 127.0.0.5",
      "-j r g 8.8.8.8",
      "-j r g 192.0.2.10",
      "r g",
      "r g 1.2.3.4.5",
    ])
      same({ line });
  });

  it("changes and their errors: exit 2 and ip's lines, RTNETLINK answers or the device's text", function () {
    const neigh = /192\.0\.2\.4[45]/;
    for (const c of [
      { line: "neigh add 192.0.2.44 lladdr 02:00:00:00:00:44 dev eth0" },
      { line: "neigh add 192.0.2.44 lladdr 02:00:00:00:00:44 dev eth0" },
      { line: "n", only: neigh },
      { line: "ne s", only: neigh },
      { line: "neighbour show dev eth0", only: neigh },
      { line: "neighbor list", only: neigh },
      { line: "-br n", only: neigh },
      { line: "-c n", only: neigh },
      { line: "-j n", only: neigh },
      { line: "neigh get 192.0.2.44 dev eth0" },
      { line: "neigh replace 192.0.2.44 lladdr 02:00:00:00:00:45 dev eth0" },
      { line: "n chg 192.0.2.45 lladdr 02:00:00:00:00:45 dev eth0" },
      { line: "n", only: neigh },
      { line: "n del 192.0.2.44 dev eth0" },
      { line: "n del 192.0.2.44 dev eth0" },
      { line: "neigh get 192.0.2.44 dev eth0" },
      { line: "addr add 192.0.2.33/24 dev eth0" },
      { line: "a" },
      { line: "-o -4 a" },
      { line: "addr del 192.0.2.33/24 dev eth0" },
      { line: "a" },
      { line: "link set dev eth0 mtu 1400" },
      { line: "l sh eth0" },
      { line: "link set eth0 mtu 70000" },
      { line: "link set eth0 mtu 1500" },
      { line: "link set dev eth0 address 02:00:00:00:00:42" },
      { line: "l sh eth0" },
      { line: "link set eth0 addr 2:0:0:0:0:43" },
      { line: "-br l" },
      { line: "link set eth0 a 02:00:00:00:00:ff:ff" },
      { line: "link set eth0 address zz:00:00:00:00:01" },
      { line: "link set eth0 address ff:ff:ff:ff:ff:ff" },
      { line: "link set eth0 address 01:00:5e:00:00:01" },
      { line: "link set eth0 address" },
      { line: "link set eth0 address 02:00:00:00:00:10" },
      { line: "l sh eth0" },
      // A value that abbreviates "address" is still the value.
      { line: "link set eth0 alias a" },
      { line: "l sh eth0" },
      { line: "route add default via 192.0.2.1" },
      { line: "route del default via 192.0.2.99" },
      { line: "route replace default via 192.0.2.2" },
      { line: "r" },
      { line: "route replace default via 192.0.2.1 proto static" },
      { line: "r" },
    ])
      same(c);
  });

  it("IPv6: -6 and both families' views, adding and deleting addresses, the IPv6 table, route get", function () {
    for (const line of [
      "-6 a",
      "-j -6 a",
      "-br -6 a",
      "-o -6 a",
      "-6 addr add 2001:db8::10/64 dev eth0 nodad",
      "addr add 2001:db8::11/64 dev eth0 nodad",
      "-6 addr add 2001:db8::10/64 dev eth0 nodad",
      "a",
      "-6 a",
      "-j -6 a",
      "-br a",
      "-o a",
      "-6 r",
      "-j -6 r",
      "-d -6 r",
      "-6 route get 2001:db8::99",
      "-j -6 route get 2001:db8::99",
      "route get fe80::1",
      "-6 addr del 2001:db8::11/64 dev eth0",
      "-6 addr del 2001:db8::11/64 dev eth0",
      "-6 addr add 2001:db8::zz/64 dev eth0",
      "-6 a",
      "-6 n",
      "-6 addr del 2001:db8::10/64 dev eth0",
      "-6 r",
    ])
      same({ line });
  });

  it("usage errors: ip's words and exit codes", function () {
    for (const line of [
      "foo",
      "a x",
      "-xyz a",
      "-color=foo a",
      "mo foo",
      "a s dev nope",
      "l sh nope",
      "link set nope up",
      "neigh add 192.0.2.9 lladdr 02:00:00:00:00:09 dev nope",
    ])
      same({ line });
    for (const line of [
      "",
      "help",
      "-h",
      "-help",
      "a help",
      "addr add help",
      "r help",
      "route get help",
      "l help",
      "neigh show help",
      "monitor help",
      "-b",
      "-family help",
    ])
      same({ line, out: "usage" });
    const v = netrt(["-V"]);
    assert.equal(v.status, 0);
    assert.equal(v.stdout, `netrt utility, ${VERSION}\n`);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    assert.ok(
      VERSION.startsWith(`netrt-${pkg.version},`),
      `the version in cli/grammar.ts is package.json's (${pkg.version})`,
    );
  });

  it("-batch and -force: one command per line, Command failed FILE:LINE, exit 1", function () {
    const file = (name: string, lines: string[]): string => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, lines.join("\n") + "\n");
      return f;
    };
    const a = file("objects", ["# a comment", "addr show dev lo", "", "foo", "link show lo"]);
    // ip's neigh exits on a refusal even in a batch (exit 2, no "Command failed"); addr returns, and the batch goes on.
    const b = file("errors", ['neigh del 192.0.2.99 dev "eth0"', "link show lo"]);
    const d = file("refused", [
      "addr del 192.0.2.99/24 dev eth0",
      "link show lo",
      "route del default via 192.0.2.99",
      "link show lo",
    ]);
    const c = file("usage", ["link show lo", "addr add 192.0.2.7/33 dev eth0", "link show lo"]);
    for (const line of [
      `-batch ${a}`,
      `-force -batch ${a}`,
      `-b ${b}`,
      `-force -b ${b}`,
      `-batch ${c}`,
      `-batch ${d}`,
      `-force -batch ${d}`,
    ])
      same({ line });
  });

  it("monitor address, -6 monitor address: IPv6 addresses added and deleted, as ip monitor prints them", async function () {
    for (const opts of [[], ["-6"]]) {
      const k = spawn("ip", ["-n", ns, ...opts, "monitor", "address"]);
      const d = spawn(NODE, [CLI, "-port", port, ...opts, "monitor", "address"]);
      let ko = "";
      let dout = "";
      let derr = "";
      k.stdout.on("data", (b: Buffer) => (ko += b.toString()));
      d.stdout.on("data", (b: Buffer) => (dout += b.toString()));
      d.stderr.on("data", (b: Buffer) => (derr += b.toString()));
      for (let i = 0; i < 200 && !/monitoring/.test(derr); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      for (const change of ["-6 addr add 2001:db8::66/64 dev eth0 nodad", "-6 addr del 2001:db8::66/64 dev eth0"]) {
        assert.equal(ip(change.split(" ")).status, 0);
        assert.equal(netrt(change.split(" ")).status, 0);
      }
      for (let i = 0; i < 100 && (dout.split("\n").length < ko.split("\n").length || ko === ""); i++)
        await new Promise((r) => setTimeout(r, 50));
      k.kill("SIGINT");
      d.kill("SIGINT");
      if (d.exitCode === null && d.signalCode === null) await new Promise((r) => d.once("exit", r));
      // The address's lines and the lifetime line after each.
      const keep = (t: string): string =>
        t
          .replace(/\n {7}valid_lft/g, "|valid_lft")
          .split("\n")
          .filter((l) => l.includes("2001:db8::66"))
          .join("\n");
      assert.equal(
        keep(dout),
        keep(ko),
        `${opts.join(" ")} monitor address\n--- ip:\n${ko}\n--- netrt:\n${dout}${derr}`,
      );
      assert.match(keep(ko), /Deleted 2: eth0 +inet6 2001:db8::66\/64/);
    }
  });

  it("monitor with -t, -ts and label: ip's timestamps and banners", async function () {
    const stamps = (t: string): string =>
      t
        .replace(/^Timestamp: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d+ usec$/gm, "Timestamp: T")
        .replace(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\] /gm, "[T] ");
    for (const opts of [["-t"], ["-ts"], ["-timestamp"]]) {
      for (const args of [["neigh"], ["neigh", "label"], ["all"]]) {
        const k = spawn("ip", ["-n", ns, ...opts, "monitor", ...args]);
        const d = spawn(NODE, [CLI, "-port", port, ...opts, "monitor", ...args]);
        let ko = "";
        let dout = "";
        let derr = "";
        k.stdout.on("data", (b: Buffer) => (ko += b.toString()));
        d.stdout.on("data", (b: Buffer) => (dout += b.toString()));
        d.stderr.on("data", (b: Buffer) => (derr += b.toString()));
        for (let i = 0; i < 200 && !/monitoring/.test(derr); i++) await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 300));
        const add = "neigh add 192.0.2.66 lladdr 02:00:00:00:00:66 dev eth0".split(" ");
        const del = "neigh del 192.0.2.66 dev eth0".split(" ");
        for (const change of [add, del]) {
          assert.equal(ip(change).status, 0);
          assert.equal(netrt(change).status, 0);
        }
        for (let i = 0; i < 100 && (dout.split("\n").length < ko.split("\n").length || ko === ""); i++)
          await new Promise((r) => setTimeout(r, 50));
        k.kill("SIGINT");
        d.kill("SIGINT");
        if (d.exitCode === null && d.signalCode === null) await new Promise((r) => d.once("exit", r));
        // Each event with its -t line, then only those about the neighbour both sides added.
        const keep = (t: string): string =>
          stamps(t)
            .replace(/^Timestamp: T\n/gm, "Timestamp: T|")
            .split("\n")
            .filter((l) => /192\.0\.2\.66/.test(l))
            .join("\n");
        assert.equal(
          keep(dout),
          keep(ko),
          `${opts.join(" ")} monitor ${args.join(" ")}\n--- ip:\n${ko}\n--- netrt:\n${dout}${derr}`,
        );
        assert.match(stamps(ko), /192\.0\.2\.66/);
      }
    }
  });
});
