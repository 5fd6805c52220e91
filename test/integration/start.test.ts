// `npm start`, the README's main job, run the way a user runs it: it must
// bind, show the exchange from both ends and the lease, answer pings, and on
// its way out release the lease and remove every namespace it made.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { hostLinkUnavailable } from "../../tools/lib/hostlink";
import { ROOT } from "../../tools/lib/paths";

const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const start = (args: string[], timeout = 120000) =>
  spawnSync(TSX, [path.join(ROOT, "tools", "start.ts"), ...args], { encoding: "utf8", timeout });

describe("npm start", function () {
  this.timeout(150000);

  it("refuses wrong arguments with a message and a non-zero exit", function () {
    for (const [args, msg] of [
      [["--server", "bind9"], /Allowed choices are dnsmasq, isc-dhcp-server, kea, udhcpd/],
      [["--lease", "0"], /whole number above 0/],
      [["--probe", "maybe"], /Allowed choices are strict, quick, off/],
      [["--rx-port", "70000"], /1\.\.65535/],
      [["--bogus"], /unknown option/],
    ] as const) {
      const r = start([...args], 30000);
      assert.notEqual(r.status, 0, args.join(" "));
      assert.match(r.stderr, msg);
    }
  });

  it("boots the host board against dnsmasq, shows the exchange and the lease, then releases and cleans up", function () {
    const why =
      hostLinkUnavailable() ??
      (spawnSync("sh", ["-c", "command -v dnsmasq"]).status !== 0 ? "dnsmasq is not installed" : undefined);
    if (why !== undefined) {
      if (process.env.CI) throw new Error(`npm start prerequisites missing in CI: ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    const id = `st${process.pid % 100000}`;
    const base = 45000 + (process.pid % 500) * 2;
    const r = start(["--id", id, "--for", "1", "--rx-port", String(base), "--tx-port", String(base + 1)]);
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, out);
    // Both ends of the exchange, in the order the device saw it.
    const device = ["send DISCOVER", "got OFFER", "send REQUEST", "got ACK", "PROBING", "BOUND"].map((s) =>
      out.indexOf(`dhcp eth0: ${s}`),
    );
    assert.ok(
      device.every((i, k) => i > 0 && (k === 0 || i > device[k - 1])),
      out,
    );
    for (const m of ["DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPACK"])
      assert.match(out, new RegExp(`dnsmasq +│ .*${m}\\(veth0\\) .*02:00:00:00:00:10`));
    const addr = /address +│ (192\.0\.2\.\d+)\/24/.exec(out)?.[1];
    assert.ok(addr !== undefined, out);
    assert.match(out, new RegExp(`dnsmasq's lease file +│ ${addr.replace(/\./g, "\\.")} 02:00:00:00:00:10`));
    assert.match(out, /renew \(T1\) \/ rebind \(T2\) +│ 300 s \/ 525 s/);
    assert.match(out, /ping from 192\.0\.2\.1 +│ 3\/3 answered/);
    // Where to reach the device, and the command to try.
    const ctl = /control port +│ (\S+)/.exec(out)?.[1];
    assert.ok(ctl !== undefined, out);
    assert.ok(out.includes(`bin/netrt -port ${ctl} addr show`), out);
    assert.match(out, /send RELEASE/);
    assert.match(out, new RegExp(`DHCPRELEASE\\(veth0\\) ${addr.replace(/\./g, "\\.")} 02:00:00:00:00:10`));
    assert.match(out, /dnsmasq holds 0 active lease\(s\)/);
    const ns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
    assert.doesNotMatch(ns, new RegExp(`-${id}\\b`));
  });
});
