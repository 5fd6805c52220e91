// Settings that survive a reboot, on the host board: a device that booted on
// DHCP is given a static address, a gateway and a neighbour from the console,
// saved, and restarted: it comes back with them (the address answers ping
// with no DHCP exchange). A damaged record is reported at boot and the
// board's defaults apply; `config reset` removes it.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildAll } from "../../tools/lib/build";
import { type DhcpServer, dnsmasqLink } from "../../tools/lib/dhcp-servers";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";
import { type HostLink, hostLinkUnavailable } from "../../tools/lib/hostlink";
import { CLI, compileCli, NODE } from "../../tools/lib/cli-under-test";

describe("integration: settings kept across a reboot (netrt save, config show, config reset)", function () {
  this.timeout(180000);
  let link: HostLink;
  let server: DhcpServer;
  let fw: FirmwareProcess | undefined;
  let state = "";
  let port = "";
  let base = 0;

  const netrt = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(NODE, [CLI, "-port", port, ...args], { encoding: "utf8", timeout: 20000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (...args: string[]): string => {
    const r = netrt(...args);
    assert.equal(r.status, 0, `netrt ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  const boot = async (): Promise<FirmwareProcess> => {
    const f = new FirmwareProcess(
      {
        NETRT_RX_PORT: String(base),
        NETRT_TX_PORT: String(base + 1),
        NETRT_DHCP_PROBE: "off",
        NETRT_DHCP_PROFILE: "fast",
        NETRT_CONTROL: port,
      },
      state,
    );
    await f.waitFor(/control port/, 10000);
    return f;
  };
  const restart = async (): Promise<FirmwareProcess> => {
    await fw?.stop("SIGTERM", true);
    fw = await boot();
    return fw;
  };

  before(async function () {
    const why = hostLinkUnavailable();
    if (why !== undefined) {
      if (process.env.CI) throw new Error(`prerequisites missing in CI: ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    await compileCli();
    await buildAll(["host"]);
    base = 47000 + (process.pid % 500) * 2;
    ({ link, server } = await dnsmasqLink(`st${process.pid % 100000}`, base));
    port = path.join(link.dir, "tty");
    state = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-settings-"));
    fw = await boot();
    await fw.waitFor(/bound to ([\d.]+)\/24/, 30000);
  });

  after(async function () {
    await fw?.stop("SIGTERM");
    server?.stop();
    link?.dispose();
    if (state !== "") fs.rmSync(state, { recursive: true, force: true });
  });

  it("nothing stored at first: config show says so", function () {
    assert.match(ok("config", "show"), /^no stored settings: the board's defaults apply at boot$/m);
    assert.equal(JSON.parse(ok("-j", "config")).status, "none stored");
  });

  it("a static address, gateway and neighbour, saved, come back after a restart without DHCP", async function () {
    ok("dhcp", "release");
    // The release is done when the client has stopped and taken its lease (address and route) off.
    for (let i = 0; i < 100; i++) {
      const d = JSON.parse(ok("-j", "dhcp", "show")) as { state: string };
      if (d.state === "STOPPED" && !/^default/m.test(ok("route")) && !/inet /.test(ok("addr", "show", "dev", "eth0")))
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    ok("addr", "add", "192.0.2.10/24", "dev", "eth0");
    ok("route", "add", "default", "via", "192.0.2.1");
    ok("save");
    // -save: a change and the save in one command.
    ok("-save", "neigh", "add", "192.0.2.77", "lladdr", "02:00:00:00:00:77", "dev", "eth0");
    const shown = ok("config", "show");
    assert.match(shown, /^ {4}dhcp off$/m);
    assert.match(shown, /^ {4}address 192\.0\.2\.10\/24 dev eth0$/m);
    assert.match(shown, /^ {4}route default via 192\.0\.2\.1$/m);
    assert.match(shown, /^ {4}neigh 192\.0\.2\.77 lladdr 02:00:00:00:00:77 dev eth0$/m);
    assert.match(shown, /^ {4}dhcp profile fast$/m);

    const f = await restart();
    await f.waitFor(/settings: applying the stored settings \(DHCP off, 1 addresses, 1 neighbours\)/, 10000);
    await f.waitFor(/eth0: added 192\.0\.2\.10\/24/, 10000);
    const ping = link.exec(link.peerNs, ["ping", "-c", "2", "-W", "2", "192.0.2.10"], true);
    assert.match(ping, /2 received/, `the saved address answers: ${ping}`);
    assert.doesNotMatch(f.lines.join("\n"), /send DISCOVER/, "no DHCP exchange");
    assert.match(ok("addr", "show", "dev", "eth0"), /inet 192\.0\.2\.10\/24 brd 192\.0\.2\.255 scope global eth0$/m);
    assert.match(ok("route"), /^default via 192\.0\.2\.1 dev eth0 proto static $/m);
    assert.match(ok("neigh"), /^192\.0\.2\.77 dev eth0 lladdr 02:00:00:00:00:77 PERMANENT $/m);
    // DHCP back on from the console: a static device keeps a client, stopped, for `dhcp restart`.
    assert.match(ok("dhcp", "show"), /^eth0: state STOPPED$/m);
    ok("dhcp", "restart");
    await f.waitFor(/bound to ([\d.]+)\/24/, 30000);
    assert.match(ok("dhcp", "show"), /^eth0: state BOUND$/m);
  });

  it("a damaged record is reported at boot, the board's defaults apply, and config reset removes it", async function () {
    const file = path.join(state, "netrt.settings");
    const b = fs.readFileSync(file);
    b[b.length - 1] ^= 0x40;
    fs.writeFileSync(file, b);
    const f = await restart();
    await f.waitFor(
      /settings: the stored settings are damaged \(its CRC does not match\): the board's defaults apply/,
      10000,
    );
    await f.waitFor(/bound to ([\d.]+)\/24/, 30000);
    assert.match(ok("config", "show"), /^the stored settings are damaged \(its CRC does not match\)/m);
    // Truncated, too: named, never a crash.
    fs.writeFileSync(file, b.subarray(0, 5));
    const g = await restart();
    await g.waitFor(/settings: the stored settings are truncated/, 10000);
    await g.waitFor(/bound to ([\d.]+)\/24/, 30000);
    ok("config", "reset");
    assert.equal(fs.existsSync(file), false, "the record is gone");
    assert.match(ok("config", "show"), /^no stored settings/m);
  });

  it("a MAC and a DHCP hostname set from the console apply at once, and after a save and a restart the server sees both", async function () {
    ok("link", "set", "dev", "eth0", "address", "02:00:00:00:00:99");
    assert.match(ok("link", "show", "eth0"), /link\/ether 02:00:00:00:00:99 brd ff:ff:ff:ff:ff:ff/);
    // The board's own name (derived from the MAC it came up with) is not stored as if it were set.
    ok("save");
    assert.doesNotMatch(ok("config", "show"), /hostname/);
    ok("dhcp", "set", "hostname", "sensor-9", "profile", "fast");
    assert.match(ok("dhcp", "show"), /^ {4}hostname sensor-9 profile fast probe off$/m);
    // Live: the next renewal goes out from the new MAC with the new name.
    ok("dhcp", "renew");
    const leased = async (mac: string, name: string): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        const text = fs.existsSync(server.leaseFile) ? fs.readFileSync(server.leaseFile, "utf8") : "";
        if (new RegExp(` ${mac} [\\d.]+ ${name} `).test(text)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.fail(`dnsmasq has no lease for ${mac} named ${name}: ${fs.readFileSync(server.leaseFile, "utf8")}`);
    };
    await leased("02:00:00:00:00:99", "sensor-9");
    ok("save");
    const shown = ok("config", "show");
    assert.match(shown, /^ {4}link eth0 address 02:00:00:00:00:99$/m);
    assert.match(shown, /^ {4}hostname sensor-9$/m);
    assert.match(shown, /^ {4}dhcp on$/m);

    // A fresh server (no memory of the name), then the restart: the DISCOVER/REQUEST carry both.
    server.stop();
    fs.rmSync(server.leaseFile, { force: true });
    server.start();
    await server.ready();
    const f = await restart();
    await f.waitFor(
      /settings: applying the stored settings \(DHCP on, 0 addresses, 0 neighbours, MAC 02:00:00:00:00:99\)/,
      10000,
    );
    await f.waitFor(/eth0 02:00:00:00:00:99 mtu 1500/, 10000);
    await f.waitFor(/bound to ([\d.]+)\/24/, 30000);
    await leased("02:00:00:00:00:99", "sensor-9");
    assert.match(ok("dhcp", "show"), /^ {4}hostname sensor-9 profile fast probe off$/m);
    const j = JSON.parse(ok("-j", "dhcp", "show")) as { hostname: string; profile: string; probe: string };
    assert.deepEqual([j.hostname, j.profile, j.probe], ["sensor-9", "fast", "off"]);
    // Refusals: ip's words for a bad MAC; ours for a bad name.
    const bad = netrt("link", "set", "eth0", "address", "01:00:5e:00:00:01");
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, "RTNETLINK answers: Cannot assign requested address\n");
    const name = netrt("dhcp", "set", "hostname", "two words");
    assert.equal(name.status, 255);
    ok("config", "reset");
  });
});
