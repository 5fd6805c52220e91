// npm run flash: its failure modes (no port, a port that does not exist,
// nothing listening, a line where nothing answers, boards it cannot flash),
// and, with ESPRUINO set, the whole path on Espruino's interpreter for Linux
// started with --telnet: upload to Storage, restart, the firmware boots from
// Storage and gets its lease from dnsmasq.
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { dnsmasqLink } from "../../tools/lib/dhcp-servers";
import { hostLinkUnavailable } from "../../tools/lib/hostlink";
import { ROOT } from "../../tools/lib/paths";

const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

function flash(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [TSX, path.join(ROOT, "tools", "flash.ts"), ...args], { encoding: "utf8", timeout: 120000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("npm run flash", function () {
  this.timeout(180000);

  it("refuses to run without a port, or for a board it does not know or cannot flash", function () {
    const noPort = flash("--board", "espruino-pico-w5500");
    assert.notEqual(noPort.status, 0);
    assert.match(noPort.out, /required option '--port <port>' not specified/);
    const unknown = flash("--board", "pico", "--port", "/dev/ttyACM0");
    assert.equal(unknown.status, 1);
    assert.match(unknown.out, /unknown board pico \(boards: .*espruino-pico-w5500/);
    assert.match(flash("--board", "host", "--port", "/dev/ttyACM0").out, /Node host board: run it with npm start/);
  });

  it("says when the port does not exist, or nothing listens there", async function () {
    const missing = flash("--board", "espruino-pico-w5500", "--port", "/dev/ttyNETRT9");
    assert.equal(missing.status, 1);
    assert.match(missing.out, /flash: no such port \/dev\/ttyNETRT9/);
    const port = await closedPort();
    const refused = flash("--board", "espruino-pico-w5500", "--port", `tcp://127.0.0.1:${port}`);
    assert.equal(refused.status, 1);
    assert.match(refused.out, new RegExp(`cannot connect to tcp://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
  });

  it("says when the board does not answer (a serial line with nothing on it)", async function () {
    if (spawnSync("sh", ["-c", "command -v socat"]).status !== 0) {
      if (process.env.CI) throw new Error("socat is not installed");
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-test-"));
    const tty = path.join(dir, "tty");
    const socat = spawn("socat", [`pty,raw,echo=0,link=${tty}`, `pty,raw,echo=0,link=${tty}.other`], { stdio: "ignore" });
    try {
      for (let i = 0; i < 100 && !fs.existsSync(tty); i++) await new Promise((r) => setTimeout(r, 20));
      const r = await new Promise<{ status: number | null; out: string }>((resolve) => {
        // Asynchronously: socat must keep running while flash waits.
        const p = spawn(process.execPath, [TSX, path.join(ROOT, "tools", "flash.ts"), "--board", "espruino-pico-w5500", "--port", tty], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        p.on("exit", (status) => resolve({ status, out }));
      });
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /does not answer: no Espruino prompt within 5 s \(is it an Espruino board, at 115200 baud\?\)/);
    } finally {
      socat.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("uploads to Espruino for Linux over --telnet; after a restart the firmware boots from Storage and gets its lease (ESPRUINO)", async function () {
    const bin = process.env.ESPRUINO;
    if (!bin) {
      console.log("      skipped: ESPRUINO is not set (the Espruino interpreter for Linux; see README)");
      this.skip();
    }
    const why = hostLinkUnavailable();
    if (why !== undefined) {
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-esp-"));
    const base = 47800 + (process.pid % 90) * 2;
    const { link, server } = await dnsmasqLink(`f${process.pid % 10000}`, base);
    let interp: ChildProcess | undefined;
    const run = (args: string[]): { proc: ChildProcess; out: () => string } => {
      let out = "";
      const proc = spawn(bin!, args, { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
      proc.stdout?.on("data", (d) => (out += d));
      proc.stderr?.on("data", (d) => (out += d));
      return { proc, out: () => out };
    };
    try {
      const telnet = run(["--telnet"]);
      interp = telnet.proc;
      for (let i = 0; i < 100 && !/2323|Telnet|>/.test(telnet.out()); i++) await new Promise((r) => setTimeout(r, 50));
      const r = await new Promise<{ status: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, [TSX, path.join(ROOT, "tools", "flash.ts"), "--board", "espruino-host", "--port", "tcp://127.0.0.1:2323", "--env", `NETRT_RX_PORT=${base}`, "--env", `NETRT_TX_PORT=${base + 1}`], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.stderr.on("data", (d) => (out += d));
        p.on("exit", (status) => resolve({ status, out }));
      });
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /espruino-host: \d+ bytes in Storage on tcp:\/\/127\.0\.0\.1:2323; it starts at every power-up\. It said: I netrt \S+ on espruino-host \(espruino\)/);
      interp.kill("SIGKILL");
      await new Promise((res) => setTimeout(res, 300));
      // Power-up: a fresh interpreter in the same directory (its flash file) runs what is in Storage.
      const boot = run([]);
      interp = boot.proc;
      const until = Date.now() + 30000;
      while (!/bound to 192\.0\.2\.\d+\/24/.test(boot.out()) && Date.now() < until) await new Promise((res) => setTimeout(res, 100));
      assert.match(boot.out(), /I netrt \S+ on espruino-host \(espruino\)/);
      assert.match(boot.out(), /bound to 192\.0\.2\.\d+\/24 via 192\.0\.2\.1/, boot.out().slice(-1500));
      server.stop();
    } finally {
      interp?.kill("SIGKILL");
      link.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
