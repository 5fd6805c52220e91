// The Espruino build's control channel on the real interpreter: the
// espruino-host bundle, loaded from Storage as a board boots, serves the
// control channel on Serial1, which Espruino for Linux opens at a
// pseudo-terminal (socat joins it to the one the CLI opens). After the
// build's compaction (shortened names, flattened classes, inlined helpers,
// dropped methods) the lease, ping and every `ip`-shaped read still work.
// Runs on ESPRUINO and on each ESPRUINO_BOARDS interpreter with room for a
// build with the control channel (the Espruino WiFi's 8,190 variables).
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { boardSizedEspruinos, type EspruinoBin, espruinoTarget } from "../../bench/memory-bench";
import { buildAll } from "../../tools/lib/build";
import { dnsmasqLink } from "../../tools/lib/dhcp-servers";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";
import { hostLinkUnavailable } from "../../tools/lib/hostlink";
import { CLI, compileCli, NODE } from "../../tools/lib/cli-under-test";

/** Variables the espruino-host build needs with a lease and its control channel, with room to answer. */
const CONTROL_BUILD_VARS = 8000;

async function ptyPair(dir: string): Promise<{ proc: ChildProcess; device: string; cli: string }> {
  const device = path.join(dir, "espruino-tty");
  const cli = path.join(dir, "cli-tty");
  const proc = spawn("socat", [`pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${cli}`], { stdio: "ignore" });
  for (let i = 0; i < 100 && !(fs.existsSync(device) && fs.existsSync(cli)); i++)
    await new Promise((r) => setTimeout(r, 50));
  if (!fs.existsSync(device)) throw new Error("socat made no pseudo-terminal pair");
  // Espruino opens the device file itself: give it the terminal, not the link.
  return { proc, device: fs.realpathSync(device), cli };
}

describe("integration: the Espruino build serves the control channel on the real interpreter", function () {
  this.timeout(180000);
  const bins: (EspruinoBin | undefined)[] = [];
  if (process.env.ESPRUINO) bins.push(undefined); // ESPRUINO itself, as built
  for (const b of boardSizedEspruinos().bins) if (b.vars >= CONTROL_BUILD_VARS) bins.push(b);

  before(async function () {
    const why =
      (bins.length === 0
        ? "ESPRUINO is not set (nor ESPRUINO_BOARDS with a build of 8,000 variables or more)"
        : undefined) ??
      hostLinkUnavailable() ??
      (spawnSync("sh", ["-c", "command -v dnsmasq && command -v socat"]).status !== 0
        ? "dnsmasq or socat is not installed"
        : undefined);
    if (why !== undefined) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    await compileCli();
    await buildAll(["espruino-host"]);
  });

  for (const [i, bin] of (bins.length > 0 ? bins : [undefined]).entries()) {
    it(`leases, answers ping and serves link, addr, route and neigh on ${bin === undefined ? "ESPRUINO" : bin.label}`, async function () {
      if (bins.length === 0) this.skip();
      const base = 41000 + (process.pid % 400) * 4 + i * 2;
      const { link, server } = await dnsmasqLink(`ec${i}${process.pid % 10000}`, base);
      const pty = await ptyPair(link.dir);
      let fw: FirmwareProcess | undefined;
      try {
        const env = { NETRT_RX_PORT: String(base), NETRT_TX_PORT: String(base + 1), NETRT_CONTROL_PATH: pty.device };
        const state = path.join(link.dir, "state");
        fs.mkdirSync(state, { recursive: true });
        fw = new FirmwareProcess(env, state, espruinoTarget(true, "espruino-host", bin).command(env, state));
        await fw.waitFor(/control channel on Serial1/, 20000);
        const addr = (await fw.waitFor(/bound to ([\d.]+)\/24/, 30000))[1];
        // Throws (with ping's output) when no reply comes.
        assert.match(link.exec(link.peerNs, ["ping", "-n", "-c", "2", "-W", "2", addr]), / 0% packet loss/);
        const ip = (...args: string[]): string => {
          const r = spawnSync(NODE, [CLI, "--port", pty.cli, ...args], { encoding: "utf8", timeout: 30000 });
          assert.equal(r.status, 0, `netrt ${args.join(" ")}: ${r.stderr}${r.stdout}`);
          return r.stdout;
        };
        assert.match(
          ip("link", "show"),
          /^2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 .*\n {4}link\/ether 02:00:00:00:00:e5/m,
        );
        assert.match(
          ip("addr", "show", "dev", "eth0"),
          new RegExp(`inet ${addr.replace(/\./g, "\\.")}/24 brd 192\\.0\\.2\\.255 scope global dynamic eth0`),
        );
        assert.match(ip("route", "show"), /^default via 192\.0\.2\.1 dev eth0 proto dhcp/m);
        assert.match(ip("neigh", "show"), /^192\.0\.2\.1 dev eth0 lladdr [0-9a-f:]{17} /m);
        // A change, then the read that shows it: the handlers that write work too.
        ip("neigh", "add", "192.0.2.201", "lladdr", "02:00:00:00:02:01", "dev", "eth0");
        assert.match(ip("neigh", "show"), /^192\.0\.2\.201 dev eth0 lladdr 02:00:00:00:02:01 PERMANENT $/m);
        assert.doesNotMatch(fw.lines.join("\n"), /Uncaught|OUT OF MEMORY|LOW_MEMORY/);
      } finally {
        await fw?.stop();
        pty.proc.kill();
        server.stop();
        link.dispose();
      }
    });
  }
});
