// IPv6 on the host board against a Linux peer in its own namespace: the
// device joins its solicited-node group (MLDv2), forms its link-local
// address from the MAC and passes DAD; the peer's kernel pings it
// (Neighbor Discovery both ways) and then lists it in `ip -6 neigh`;
// tshark reads everything the device sent. A peer that already uses the
// address makes the device's DAD fail: the address is not used. With radvd
// on the peer, the device solicits a router, forms its global address from
// the advertised prefix (DAD first), learns the default router and the DNS
// server, and answers ping -6 on both addresses. A bridge that snoops MLD
// (Linux's, as the querier) keeps the device's group while it answers the
// bridge's MLDv2 and MLDv1 queries.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildAll } from "../../tools/lib/build";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";
import { HostLink, hostLinkUnavailable } from "../../tools/lib/hostlink";
import { CLI, compileCli, NODE } from "../../tools/lib/cli-under-test";

/** boards/host.json's MAC 02:00:00:00:00:10 as a modified EUI-64 link-local address. */
const DEVICE_LL = "fe80::ff:fe00:10";
const DEVICE_MAC = "02:00:00:00:00:10";
const PEER_GLOBAL = "2001:db8:1::1";

function need(): string | undefined {
  return (
    hostLinkUnavailable() ??
    (spawnSync("sh", ["-c", "command -v ping && command -v tshark && command -v dumpcap"]).status === 0
      ? undefined
      : "ping, tshark or radvd is not installed (bash tools/setup.sh)")
  );
}

interface Run {
  link: HostLink;
  fw: FirmwareProcess;
  /** Stops the capture (started before the device) and gives its file. */
  stopCapture(): Promise<string>;
}

describe("integration: IPv6 on the host board with a Linux peer", function () {
  this.timeout(120000);
  before(async function () {
    const why = need();
    if (why !== undefined) {
      if (process.env.CI) throw new Error(`integration prerequisites missing in CI: ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    await compileCli();
    await buildAll(["host"]);
  });

  const run = async (
    tag: string,
    prepare: (link: HostLink) => void,
    check: (r: Run) => Promise<void>,
  ): Promise<void> => {
    // A port range per test, all below 65536.
    const base = 21000 + (process.pid % 5000) * 2 + ["v6", "dad", "ra", "mld"].indexOf(tag) * 10000;
    const link = new HostLink({
      id: `${tag}${process.pid % 10000}`,
      firmwareRxPort: base,
      firmwareTxPort: base + 1,
      peerCidr: "192.0.2.1/24",
    });
    let fw: FirmwareProcess | undefined;
    try {
      await link.up();
      // The host link leaves IPv6 off in its namespaces (quieter captures); this peer needs it,
      // without DAD of its own, so its link-local address is usable at once.
      link.exec(link.peerNs, [
        "sysctl",
        "-q",
        "-w",
        "net.ipv6.conf.all.disable_ipv6=0",
        `net.ipv6.conf.${link.peerIf}.accept_dad=0`,
        `net.ipv6.conf.${link.peerIf}.disable_ipv6=0`,
      ]);
      prepare(link);
      const pcap = path.join(link.dir, "capture.pcap");
      const cap = link.spawnIn(link.peerNs, ["dumpcap", "-q", "-i", link.peerIf, "-w", pcap]);
      await new Promise((r) => setTimeout(r, 1000));
      fw = new FirmwareProcess(
        {
          NETRT_RX_PORT: String(base),
          NETRT_TX_PORT: String(base + 1),
          NETRT_IPV4: "192.0.2.10/24",
          NETRT_CONTROL: path.join(link.dir, "tty"),
        },
        path.join(link.dir, "state"),
      );
      await check({
        link,
        fw,
        stopCapture: async () => {
          cap.kill("SIGINT");
          await new Promise((r) => setTimeout(r, 500));
          return pcap;
        },
      });
    } finally {
      await fw?.stop();
      link.dispose();
    }
  };

  it("joins with MLDv2, forms fe80::ff:fe00:10, passes DAD, answers ping -6; the peer lists it as a neighbour", async function () {
    await run(
      "v6",
      () => undefined,
      async ({ link, fw, stopCapture }) => {
        await fw.waitFor(new RegExp(`eth0: ${DEVICE_LL}/64 preferred`), 10000);
        const ping = link.spawnIn(link.peerNs, [
          "ping",
          "-6",
          "-n",
          "-c",
          "3",
          "-i",
          "0.2",
          "-W",
          "2",
          `${DEVICE_LL}%${link.peerIf}`,
        ]);
        let out = "";
        ping.stdout?.on("data", (d: Buffer) => (out += d.toString()));
        await new Promise((r) => ping.once("exit", r));
        assert.match(out, /3 packets transmitted, 3 received/, `${out}\n${fw.lines.slice(-10).join("\n")}`);
        assert.doesNotMatch(out, /DUP!/);
        const neigh = link.exec(link.peerNs, ["ip", "-6", "neigh", "show", "dev", link.peerIf]);
        assert.match(neigh, new RegExp(`${DEVICE_LL} lladdr ${DEVICE_MAC} (REACHABLE|STALE|DELAY|PROBE)`), neigh);
        // tshark's reading of all the device sent: its MLD join, DAD's solicitation, an advertisement,
        // echo replies; nothing malformed, no bad checksum.
        const pcap = await stopCapture();
        const fields = ["icmpv6.type", "_ws.expert.message", "icmpv6.mldr.mar.record_type"];
        const t = spawnSync(
          "tshark",
          [
            "-n",
            "-r",
            pcap,
            "-Y",
            `icmpv6 && eth.src == ${DEVICE_MAC}`,
            "-T",
            "fields",
            ...fields.flatMap((f) => ["-e", f]),
          ],
          { encoding: "utf8" },
        );
        const rows = t.stdout
          .trim()
          .split("\n")
          .map((l) => l.split("\t"));
        const has = (type: string, rest?: (r: string[]) => boolean): boolean =>
          rows.some((r) => r[0] === type && (rest === undefined || rest(r)));
        assert.ok(
          has("143", (r) => r[2] === "4"),
          `an MLDv2 join (CHANGE_TO_EXCLUDE):\n${t.stdout}`,
        );
        assert.ok(has("135"), "DAD's solicitation");
        assert.ok(has("136"), "a neighbor advertisement");
        assert.ok(has("129"), "echo replies");
        assert.deepEqual(
          rows.filter((r) => (r[1] ?? "") !== ""),
          [],
          "no malformed or bad-checksum warnings",
        );
      },
    );
  });

  it("with radvd on the peer: solicits, forms its global address from the prefix, learns router and DNS, answers ping -6 on both addresses", async function () {
    let radvd: ReturnType<HostLink["spawnIn"]> | undefined;
    await run(
      "ra",
      (link) => {
        // The peer is the router: forwarding on (radvd wants it), a global address in the prefix.
        link.exec(link.peerNs, ["sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"]);
        link.exec(link.peerNs, ["ip", "-6", "addr", "add", `${PEER_GLOBAL}/64`, "dev", link.peerIf, "nodad"]);
        const conf = path.join(link.dir, "radvd.conf");
        fs.writeFileSync(
          conf,
          [
            `interface ${link.peerIf} {`,
            "  AdvSendAdvert on;",
            "  MinRtrAdvInterval 30;",
            "  MaxRtrAdvInterval 60;",
            "  AdvDefaultLifetime 600;",
            "  AdvLinkMTU 1400;",
            "  prefix 2001:db8:1::/64 { AdvOnLink on; AdvAutonomous on; AdvValidLifetime 900; AdvPreferredLifetime 600; };",
            "  RDNSS 2001:db8:1::53 { AdvRDNSSLifetime 600; };",
            "};",
            "",
          ].join("\n"),
        );
        radvd = link.spawnIn(link.peerNs, [
          "radvd",
          "-n",
          "-m",
          "stderr",
          "-C",
          conf,
          "-p",
          path.join(link.dir, "radvd.pid"),
        ]);
      },
      async ({ link, fw }) => {
        try {
          await fw.waitFor(new RegExp(`eth0: ${DEVICE_LL}/64 preferred`), 10000);
          const global = "2001:db8:1::ff:fe00:10";
          await fw.waitFor(new RegExp(`eth0: ${global}/64 preferred`), 15000);
          const lines = fw.lines.join("\n");
          const peerLl = link
            .exec(link.peerNs, ["ip", "-6", "-o", "addr", "show", "dev", link.peerIf, "scope", "link"])
            .match(/inet6 (fe80::[0-9a-f:]+)\//)?.[1];
          assert.ok(peerLl !== undefined);
          assert.match(lines, new RegExp(`eth0: default router ${peerLl} learned`), lines);
          assert.match(lines, /eth0: on-link prefix 2001:db8:1::\/64 learned/);
          assert.match(lines, /eth0: DNS server 2001:db8:1::53 learned/);
          for (const to of [`${DEVICE_LL}%${link.peerIf}`, global]) {
            const out = link.exec(link.peerNs, ["ping", "-6", "-n", "-c", "3", "-i", "0.2", "-W", "2", to], true);
            assert.match(out, /3 packets transmitted, 3 received/, `${to}: ${out}\n${lines}`);
            assert.doesNotMatch(out, /DUP!/);
          }
          const neigh = link.exec(link.peerNs, ["ip", "-6", "neigh", "show", "dev", link.peerIf]);
          assert.match(neigh, new RegExp(`${global} lladdr ${DEVICE_MAC}`), neigh);
          // The device's own view, through its control channel: the router with its nd6 state, its
          // addresses with their lifetimes, the default route from the advertisement.
          const peerMac = /link\/ether ([0-9a-f:]{17})/.exec(
            link.exec(link.peerNs, ["ip", "link", "show", link.peerIf]),
          )![1];
          const cli = (...args: string[]): string => {
            const r = spawnSync(NODE, [CLI, "--port", path.join(link.dir, "tty"), ...args], {
              encoding: "utf8",
              timeout: 20000,
            });
            assert.equal(r.status, 0, `netrt ${args.join(" ")}: ${r.stderr}`);
            return r.stdout;
          };
          assert.match(
            cli("-6", "neigh", "show"),
            new RegExp(`^${peerLl} dev eth0 lladdr ${peerMac} router (REACHABLE|STALE|DELAY|PROBE) $`, "m"),
          );
          assert.match(
            cli("-6", "addr", "show", "dev", "eth0"),
            new RegExp(
              `inet6 ${global}/64 scope global dynamic mngtmpaddr \n {7}valid_lft (8\\d\\d|900)sec preferred_lft (5\\d\\d|600)sec`,
            ),
          );
          assert.match(
            cli("-6", "route"),
            new RegExp(
              `^default via ${peerLl} dev eth0 proto ra metric 1024 expires \\d+sec mtu 1400 hoplimit 64 pref medium$`,
              "m",
            ),
          );
          assert.match(
            cli("-6", "route"),
            /^2001:db8:1::\/64 dev eth0 proto kernel metric 256 expires \d+sec pref medium$/m,
          );
        } finally {
          radvd?.kill();
        }
      },
    );
  });

  it("a bridge that snoops MLD keeps forwarding the device's groups: it answers the bridge's MLDv2 and MLDv1 queries", async function () {
    const mdb = (link: HostLink): string => link.exec(link.linkNs, ["bridge", "mdb", "show", "dev", "br0"]);
    const group = "ff02::1:ff00:10";
    await run(
      "mld",
      (link) => {
        // The bridge is the querier: it needs an IPv6 address to send from. Intervals in centiseconds:
        // a query every second, answers within half of one, members forgotten after 3 s without one.
        link.exec(link.linkNs, [
          "sysctl",
          "-q",
          "-w",
          "net.ipv6.conf.br0.disable_ipv6=0",
          "net.ipv6.conf.br0.accept_dad=0",
        ]);
        link.exec(link.linkNs, [
          "ip",
          "link",
          "set",
          "br0",
          "type",
          "bridge",
          "mcast_snooping",
          "1",
          "mcast_querier",
          "1",
          "mcast_mld_version",
          "2",
          "mcast_query_interval",
          "100",
          "mcast_query_response_interval",
          "50",
          "mcast_membership_interval",
          "300",
          "mcast_startup_query_interval",
          "100",
        ]);
      },
      async ({ link, fw }) => {
        const pcap = path.join(link.dir, "tap0.pcap");
        const cap = link.spawnIn(link.linkNs, ["dumpcap", "-q", "-i", "tap0", "-w", pcap]);
        await fw.waitFor(new RegExp(`eth0: ${DEVICE_LL}/64 preferred`), 10000);
        // Well past the membership interval after the device's own join: only its answers keep it.
        await new Promise((r) => setTimeout(r, 7000));
        assert.match(mdb(link), new RegExp(`port tap0 grp ${group} `), `MLDv2 queries:\n${mdb(link)}`);
        link.exec(link.linkNs, ["ip", "link", "set", "br0", "type", "bridge", "mcast_mld_version", "1"]);
        await new Promise((r) => setTimeout(r, 7000));
        assert.match(mdb(link), new RegExp(`port tap0 grp ${group} `), `MLDv1 queries:\n${mdb(link)}`);
        cap.kill("SIGINT");
        await new Promise((r) => setTimeout(r, 500));
        const t = spawnSync(
          "tshark",
          ["-n", "-r", pcap, "-Y", `icmpv6 && eth.src == ${DEVICE_MAC}`, "-T", "fields", "-e", "icmpv6.type"],
          { encoding: "utf8" },
        );
        const types = t.stdout.trim().split("\n");
        assert.ok(types.filter((x) => x === "143").length >= 3, `MLDv2 reports: the join and answers\n${t.stdout}`);
        assert.ok(types.includes("131"), `MLDv1 reports answer MLDv1 queries\n${t.stdout}`);
      },
    );
  });

  it("DAD fails when the peer already uses the address: the device says so and never uses it", async function () {
    await run(
      "dad",
      (link) => link.exec(link.peerNs, ["ip", "-6", "addr", "add", `${DEVICE_LL}/64`, "dev", link.peerIf, "nodad"]),
      async ({ fw }) => {
        await fw.waitFor(new RegExp(`eth0: ${DEVICE_LL} is in use by another host \\(DAD\\): not used`), 10000);
        await new Promise((r) => setTimeout(r, 1500));
        assert.ok(!fw.lines.some((l) => l.includes(`${DEVICE_LL}/64 preferred`)), "never preferred");
      },
    );
  });
});
