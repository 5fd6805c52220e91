// The device's own program against real Linux peers in namespaces: the
// examples/ programs unchanged on Node, Lua 5.1, Lua 5.3 (and Espruino for
// Linux with ESPRUINO) get a lease from dnsmasq, resolve a name through it,
// exchange UDP datagrams with socat both ways, take the time from chrony
// and answer for <hostname>.local to a zeroconf querier; dnsmasq knows them
// by the name they sent (ping NAME from its namespace). Then the parts in
// detail on Node: CNAME chains and NXDOMAIN from dnsmasq, the mDNS name
// another host already holds, the FQDN option.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildAll } from "../../tools/lib/build";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";
import type { HostLink } from "../../tools/lib/hostlink";
import { ROOT } from "../../tools/lib/paths";
import { avahiUnavailable, mdnsClaim, mdnsResolve } from "../../tools/lib/peer-services";
import { missing, node, PEER, peerNetwork, PROGRAM_RUNTIMES as RUNTIMES } from "./program-runtimes";

describe("integration: the device's program with real peers (DNS, UDP, SNTP, mDNS)", function () {
  this.timeout(120000);
  let built = false;
  const build = async (): Promise<void> => {
    if (built) return;
    await buildAll(RUNTIMES.map((r) => r.board));
    built = true;
  };

  RUNTIMES.forEach((rt, index) => {
    it(`examples on ${rt.name}: lease, DNS lookup, UDP both ways, SNTP time, mDNS name, known to dnsmasq by name`, async function () {
      const why = missing() ?? rt.absent();
      if (why !== undefined) {
        if (process.env.CI && rt.requiredInCi) throw new Error(`required in CI: ${why}`);
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      await build();
      const base = 45000 + (process.pid % 300) * 10 + index * 2;
      const { link, server } = await peerNetwork(`a${index}${process.pid % 10000}`, base);
      let fw: FirmwareProcess | undefined;
      try {
        const env = {
          NETRT_RX_PORT: String(base),
          NETRT_TX_PORT: String(base + 1),
          NODE_PATH: path.join(ROOT, "dist", "host-app"),
          NETRT_RUN_SECONDS: "60",
        };
        fw = new FirmwareProcess(env, path.join(link.dir, "state"), rt.command(env, link.dir));
        // A program's line, after Espruino's prompt where its REPL prints one (">", CR, ESC [J; CR LF at the end).
        const line = (re: string): RegExp => new RegExp(`(?:^|\\[J)${re}\\r?$`);
        const bound = await fw.waitFor(
          line("bound (192\\.0\\.2\\.\\d+)/24 gateway 192\\.0\\.2\\.1 dns 192\\.0\\.2\\.1"),
          20000,
        );
        const addr = bound[1];
        await fw.waitFor(line("lookup peer\\.netrt\\.test: 192\\.0\\.2\\.1"), 10000);
        await fw.waitFor(line(`reply from 192\\.0\\.2\\.1:7000: hello from ${rt.hostname}`), 10000);
        // SNTP from chrony (option 42): the time the program was told is the machine's, give or take.
        const t = await fw.waitFor(line("time (\\S+)(?: s since 1970)?"), 20000);
        const told = /^\d+$/.test(t[1]) ? Number(t[1]) * 1000 : Date.parse(t[1]);
        assert.ok(Math.abs(told - Date.now()) < 5000, `time ${t[1]} is not now (${new Date().toISOString()})`);
        assert.ok(fw.lines.some((l) => /sntp: \d{4}-\d\d-\d\dT[\d:.]+Z from 192\.0\.2\.1/.test(l)));
        await fw.waitFor(line(`mdns ${rt.hostname}\\.local`), 10000);
        // The peer's side: mDNS with zeroconf, DNS by the DHCP name, UDP to the device's echo.
        assert.equal(mdnsResolve(link, PEER, `${rt.hostname}.local`), addr);
        const ping = link.exec(link.peerNs, ["ping", "-c", "1", "-W", "2", rt.hostname], true);
        assert.match(
          ping,
          new RegExp(`PING ${rt.hostname}\\.netrt\\.test \\(${addr.replace(/\./g, "\\.")}\\).*\\n.*1 received`, "s"),
        );
        const echo = link.exec(link.peerNs, ["sh", "-c", `echo -n from-linux | nc -u -w 2 ${addr} 7001`], true);
        assert.equal(echo, "from-linux", `the device's echo on 7001:\n${fw.lines.slice(-15).join("\n")}`);
        if (rt.board === "host-app") {
          // The same socket takes IPv6 (host-app has it): the peer's kernel to the device's link-local address.
          link.exec(link.peerNs, [
            "sysctl",
            "-q",
            "-w",
            "net.ipv6.conf.all.disable_ipv6=0",
            `net.ipv6.conf.${link.peerIf}.disable_ipv6=0`,
            `net.ipv6.conf.${link.peerIf}.accept_dad=0`,
          ]);
          await fw.waitFor(line("eth0: fe80::ff:fe00:110/64 preferred"), 10000).catch(() => undefined);
          const to = `fe80::ff:fe00:110%${link.peerIf}`;
          const echo6 = link.exec(link.peerNs, ["sh", "-c", `echo -n from-linux-6 | nc -6 -u -w 2 ${to} 7001`], true);
          assert.equal(
            echo6,
            "from-linux-6",
            `the device's echo on 7001 over IPv6:\n${fw.lines.slice(-15).join("\n")}`,
          );
        }
        server.stop();
      } finally {
        await fw?.stop();
        link.dispose();
      }
    });
  });

  describe("on Node, in detail", function () {
    let link: HostLink;
    let base = 0;
    before(async function () {
      const why = missing();
      if (why !== undefined) {
        if (process.env.CI) throw new Error(`required in CI: ${why}`);
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      await build();
      base = 45500 + (process.pid % 300) * 2;
      link = (await peerNetwork(`d${process.pid % 10000}`, base)).link;
    });
    after(() => link?.dispose());

    /** Runs a Node program against the host-app module; resolves with its output once `until` appears. */
    async function run(name: string, code: string, until: RegExp): Promise<FirmwareProcess> {
      const file = path.join(link.dir, `${name}.js`);
      fs.writeFileSync(file, code);
      const env = {
        NETRT_RX_PORT: String(base),
        NETRT_TX_PORT: String(base + 1),
        NODE_PATH: path.join(ROOT, "dist", "host-app"),
      };
      const fw = new FirmwareProcess(env, path.join(link.dir, `state-${name}`), node.command(env, link.dir, file));
      try {
        await fw.waitFor(until, 30000);
      } catch (e) {
        await fw.stop();
        throw e;
      }
      return fw;
    }

    it("DNS through dnsmasq: a CNAME chain, NXDOMAIN, a cached answer, its own DHCP name", async function () {
      const fw = await run(
        "dns",
        `const netrt = require("netrt");
const names = ["alias.netrt.test", "nothere.netrt.test", "peer.netrt.test", "PEER.netrt.test.", "dns-check.netrt.test", "not a name"];
netrt.start({
  hostname: "dns-check",
  onBound() {
    let i = 0;
    const next = () => {
      if (i === names.length) return console.log("done");
      const n = names[i++];
      netrt.lookup(n, (err, a) => { console.log("lookup " + n + " " + (err ?? a)); next(); });
    };
    next();
  },
});
process.once("SIGTERM", () => netrt.stop(() => process.exit(0)));
`,
        /^done$/m,
      );
      try {
        const got = fw.lines.filter((l) => l.startsWith("lookup "));
        const own = fw.lines.find((l) => /^lookup dns-check\.netrt\.test /.test(l));
        assert.deepEqual(got.slice(0, 4), [
          "lookup alias.netrt.test 192.0.2.1",
          "lookup nothere.netrt.test ENOTFOUND",
          "lookup peer.netrt.test 192.0.2.1",
          "lookup PEER.netrt.test. 192.0.2.1",
        ]);
        assert.match(own ?? "", /^lookup dns-check\.netrt\.test 192\.0\.2\.\d+$/);
        assert.equal(got[5], "lookup not a name EBADNAME");
        // dnsmasq saw peer.netrt.test asked once: the second answer came from the cache.
        const q = link
          .diagnostics()
          .split("\n")
          .filter((l) => /query\[A\] peer\.netrt\.test/.test(l));
        assert.equal(q.length, 1, link.diagnostics());
      } finally {
        await fw.stop();
      }
    });

    it("mDNS: a name another host holds (avahi-daemon) makes the device take name-2", async function () {
      const why = avahiUnavailable();
      if (why !== undefined) {
        if (process.env.CI) throw new Error(`required in CI: ${why}`);
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      await mdnsClaim(link, "clash");
      const fw = await run(
        "clash",
        `const netrt = require("netrt");
netrt.start({ hostname: "clash", onName: (n) => console.log("mdns " + n) });
process.once("SIGTERM", () => netrt.stop(() => process.exit(0)));
`,
        /^mdns clash-2$/m,
      );
      try {
        assert.ok(!fw.lines.includes("mdns clash"), "the held name is never taken");
        const addr = fw.lines.map((l) => /added (192\.0\.2\.\d+)\//.exec(l)?.[1]).find((a) => a !== undefined);
        assert.equal(mdnsResolve(link, PEER, "clash-2.local"), addr);
        assert.equal(mdnsResolve(link, PEER, "clash.local"), PEER, "the other host keeps its name");
      } finally {
        await fw.stop();
      }
    });

    it("DHCP: a dotted hostname goes as the FQDN option; dnsmasq answers for it (ping by name)", async function () {
      const fw = await run(
        "fqdn",
        `const netrt = require("netrt");
netrt.start({ hostname: "sensor-fq.netrt.test", mdns: false, onBound: (i) => console.log("bound " + i.address) });
process.once("SIGTERM", () => netrt.stop(() => process.exit(0)));
`,
        /^bound /m,
      );
      try {
        const addr = /^bound (\S+)/m.exec(fw.lines.join("\n"))![1];
        assert.ok(link.diagnostics().includes("client provides name: sensor-fq.netrt.test"), link.diagnostics());
        const ping = link.exec(link.peerNs, ["ping", "-c", "1", "-W", "2", "sensor-fq"], true);
        assert.match(ping, new RegExp(`\\(${addr.replace(/\./g, "\\.")}\\).*1 received`, "s"));
      } finally {
        await fw.stop();
      }
    });
  });
});
