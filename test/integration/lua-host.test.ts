// The Lua bundles on real Lua interpreters (lua5.1 + bit, lua5.3, with
// luasocket) get a lease from dnsmasq through the same UDP frame link as the
// Node build: DORA, a ping from the Linux peer, and the RELEASE when their
// run ends. Required in CI.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { buildAll } from "../../tools/lib/build";
import { DhcpServer } from "../../tools/lib/dhcp-servers";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";
import { HostLink, hostLinkUnavailable } from "../../tools/lib/hostlink";
import { ROOT } from "../../tools/lib/paths";

const RUNS = [
  { board: "lua51-host", lua: "lua5.1", mac: "02:00:00:00:00:51", needs: "require('bit'); require('socket')" },
  { board: "lua53-host", lua: "lua5.3", mac: "02:00:00:00:00:53", needs: "require('socket')" },
];

function missing(lua: string, needs: string): string | undefined {
  const why = hostLinkUnavailable();
  if (why !== undefined) return why;
  if (spawnSync("sh", ["-c", "command -v dnsmasq"]).status !== 0) return "dnsmasq is not installed (bash tools/setup.sh)";
  if (spawnSync(lua, ["-e", needs]).status !== 0) return `${lua} with ${needs} is not installed (bash tools/setup.sh: lua-bitop, lua-socket)`;
  return undefined;
}

describe("integration: the Lua bundles get a lease from dnsmasq on lua5.1 + bit and lua5.3", function () {
  this.timeout(90000);
  before(async function () {
    await buildAll(RUNS.map((r) => r.board));
  });

  RUNS.forEach((run, index) => {
    it(`${run.board} on ${run.lua}: bound, pingable, released at the end of its run`, async function () {
      const why = missing(run.lua, run.needs);
      if (why !== undefined) {
        if (process.env.CI) throw new Error(`required in CI: ${why}`);
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      const base = 47000 + (process.pid % 300) * 10 + index * 2;
      const link = new HostLink({ id: `u${index}${process.pid % 10000}`, firmwareRxPort: base, firmwareTxPort: base + 1, peerCidr: "192.0.2.1/24" });
      let fw: FirmwareProcess | undefined;
      try {
        await link.up();
        const server = new DhcpServer("dnsmasq", link, { serverIp: "192.0.2.1", rangeStart: "192.0.2.50", rangeEnd: "192.0.2.99", leaseSecs: 600, noPing: true });
        server.start();
        await server.ready();
        fw = new FirmwareProcess({ NETRT_RX_PORT: String(base), NETRT_TX_PORT: String(base + 1), NETRT_RUN_SECONDS: "12" }, path.join(link.dir, "state"), [run.lua, path.join(ROOT, "dist", run.board, "firmware.lua")]);
        const m = await fw.waitFor(/bound to (\d+\.\d+\.\d+\.\d+)\/24 via 192\.0\.2\.1/, 20000);
        assert.match(fw.lines.join("\n"), new RegExp(`netrt \\S+ on ${run.board} \\(${run.board.slice(0, 5)}\\)`));
        // dnsmasq writes its lease file a moment after the ACK.
        const seen = Date.now() + 5000;
        while (!server.leases().some((l) => l.mac === run.mac && l.active) && Date.now() < seen) await new Promise((r) => setTimeout(r, 100));
        const lease = server.leases().find((l) => l.mac === run.mac && l.active);
        assert.equal(lease?.ip, m[1], `dnsmasq's lease: ${JSON.stringify(server.leases())}`);
        const ping = link.exec(link.peerNs, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", m[1]], true);
        assert.match(ping, /3 received/, `${ping}\n${fw.lines.slice(-20).join("\n")}`);
        // NETRT_RUN_SECONDS: the firmware releases and exits by itself.
        const code = await fw.exited(20000);
        assert.equal(code, 0, `exit ${code}:\n${fw.lines.slice(-20).join("\n")}`);
        assert.ok(fw.lines.some((l) => /send RELEASE/.test(l)), fw.lines.slice(-10).join("\n"));
        const until = Date.now() + 5000;
        while (server.leases().some((l) => l.mac === run.mac && l.active) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
        assert.ok(!server.leases().some((l) => l.mac === run.mac && l.active), "dnsmasq saw the RELEASE");
        server.stop();
      } finally {
        await fw?.stop();
        link.dispose();
      }
    });
  });
});
