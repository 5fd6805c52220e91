// The Lua bundles on real Lua interpreters (lua5.1 + groupBit, lua5.3, with
// luasocket), and the Espruino bundle on Espruino's interpreter for Linux
// (when ESPRUINO names it), get a lease from dnsmasq through the same UDP
// frame link as the Node build: DORA, a ping from the Linux peer, and the
// RELEASE when their run ends. The Lua runs are required in CI.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildAll } from "../../tools/lib/build";
import { dnsmasqLink } from "../../tools/lib/dhcp-servers";
import { espruinoHostBundle, withNetrtEnv } from "../../tools/lib/espruino-host";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";
import { hostLinkUnavailable } from "../../tools/lib/hostlink";
import { ROOT } from "../../tools/lib/paths";

interface Run {
  board: string;
  runtime: string;
  mac: string;
  /** Why this interpreter cannot run here, or undefined. */
  absent(): string | undefined;
  /** The command that runs the bundle with these settings. */
  command(env: Record<string, string>, dir: string): string[];
  requiredInCi: boolean;
}

const luaRun = (v: "5.1" | "5.3"): Run => {
  const lua = `lua${v}`;
  const needs = v === "5.1" ? "require('bit'); require('socket')" : "require('socket')";
  const board = `lua${v.replace(".", "")}-host`;
  return {
    board,
    runtime: `lua${v.replace(".", "")}`,
    mac: `02:00:00:00:00:${v.replace(".", "")}`,
    absent: () =>
      spawnSync(lua, ["-e", needs]).status === 0
        ? undefined
        : `${lua} with ${needs} is not installed (bash tools/setup.sh: lua-bitop, lua-socket)`,
    // The Lua host reads its settings from the environment (FirmwareProcess passes env).
    command: () => [lua, path.join(ROOT, "dist", board, "firmware.lua")],
    requiredInCi: true,
  };
};

const espruinoRun: Run = {
  board: "espruino-host",
  runtime: "espruino",
  mac: "02:00:00:00:00:e5",
  absent: () => {
    const bin = process.env.ESPRUINO;
    if (!bin) return "ESPRUINO is not set (the Espruino interpreter for Linux; see CONTRIBUTING.md)";
    return fs.existsSync(bin) ? undefined : `ESPRUINO=${bin} does not exist`;
  },
  // Espruino cannot read the environment: the settings go in front of the bundle.
  command: (env, dir) => {
    const script = path.join(dir, "espruino-host.js");
    fs.writeFileSync(script, withNetrtEnv(env, espruinoHostBundle()));
    return [process.env.ESPRUINO!, script];
  },
  requiredInCi: false,
};

const RUNS: Run[] = [luaRun("5.1"), luaRun("5.3"), espruinoRun];

function missing(run: Run): string | undefined {
  const why = hostLinkUnavailable();
  if (why !== undefined) return why;
  if (spawnSync("sh", ["-c", "command -v dnsmasq"]).status !== 0)
    return "dnsmasq is not installed (bash tools/setup.sh)";
  return run.absent();
}

describe("integration: the Lua and Espruino bundles get a lease from dnsmasq on their real interpreters", function () {
  this.timeout(90000);
  before(async function () {
    await buildAll(RUNS.map((r) => r.board));
  });

  RUNS.forEach((run, index) => {
    it(`${run.board} on ${run.runtime}: bound, pingable, released at the end of its run`, async function () {
      const why = missing(run);
      if (why !== undefined) {
        if (process.env.CI && run.requiredInCi) throw new Error(`required in CI: ${why}`);
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      const base = 47000 + (process.pid % 300) * 10 + index * 2;
      const { link, server } = await dnsmasqLink(`u${index}${process.pid % 10000}`, base);
      let fw: FirmwareProcess | undefined;
      try {
        const env = { NETRT_RX_PORT: String(base), NETRT_TX_PORT: String(base + 1), NETRT_RUN_SECONDS: "12" };
        fw = new FirmwareProcess(env, path.join(link.dir, "state"), run.command(env, link.dir));
        const m = await fw.waitFor(/bound to (\d+\.\d+\.\d+\.\d+)\/24 via 192\.0\.2\.1/, 20000);
        assert.match(fw.lines.join("\n"), new RegExp(`netrt \\S+ on ${run.board} \\(${run.runtime}\\)`));
        // dnsmasq writes its lease file a moment after the ACK.
        const seen = Date.now() + 5000;
        while (!server.leases().some((l) => l.mac === run.mac && l.active) && Date.now() < seen)
          await new Promise((r) => setTimeout(r, 100));
        const lease = server.leases().find((l) => l.mac === run.mac && l.active);
        assert.equal(lease?.ip, m[1], `dnsmasq's lease: ${JSON.stringify(server.leases())}`);
        const ping = link.exec(link.peerNs, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", m[1]], true);
        assert.match(ping, /3 received/, `${ping}\n${fw.lines.slice(-20).join("\n")}`);
        // NETRT_RUN_SECONDS: the firmware releases and exits by itself.
        const code = await fw.exited(20000);
        assert.equal(code, 0, `exit ${code}:\n${fw.lines.slice(-20).join("\n")}`);
        assert.ok(
          fw.lines.some((l) => /send RELEASE/.test(l)),
          fw.lines.slice(-10).join("\n"),
        );
        const until = Date.now() + 5000;
        while (server.leases().some((l) => l.mac === run.mac && l.active) && Date.now() < until)
          await new Promise((r) => setTimeout(r, 100));
        assert.ok(!server.leases().some((l) => l.mac === run.mac && l.active), "dnsmasq saw the RELEASE");
        server.stop();
      } finally {
        await fw?.stop();
        link.dispose();
      }
    });
  });
});
