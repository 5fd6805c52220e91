// npm run flash: its failure modes (no port, a port that does not exist,
// nothing listening, a line where nothing answers, boards it cannot flash,
// a NodeMCU whose SPIFFS is too small); the NodeMCU path through
// nodemcu-tool against test/nodemcu/repl.lua (NodeMCU's console rules on
// the Lua the board runs, behind a pty): upload, node.restart(), the
// firmware runs from SPIFFS and gets its lease from dnsmasq, and again at the
// next power-up; and, with ESPRUINO set, the whole path on Espruino's
// interpreter for Linux started with --telnet: upload to Storage, restart,
// the firmware boots from Storage and gets its lease.
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { SerialPort } from "serialport";
import { dnsmasqLink } from "../../tools/lib/dhcp-servers";
import { hostLinkUnavailable } from "../../tools/lib/hostlink";
import { ROOT } from "../../tools/lib/paths";

const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

function flash(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [TSX, path.join(ROOT, "tools", "flash.ts"), ...args], {
    encoding: "utf8",
    timeout: 120000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The same, asynchronously: for when a process of the test's (socat, an interpreter) must keep running meanwhile. */
function flashAsync(...args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [TSX, path.join(ROOT, "tools", "flash.ts"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("exit", (status) => resolve({ status, out }));
  });
}

function needSocat(ctx: Mocha.Context): void {
  if (spawnSync("sh", ["-c", "command -v socat"]).status === 0) return;
  if (process.env.CI) throw new Error("socat is not installed");
  ctx.skip();
}

async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 100 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
}

/**
 * A NodeMCU console (test/nodemcu/repl.lua on `lua`) behind a pty at `tty`;
 * SPIFFS is `fsDir`, files the firmware writes go to `cwd`. Everything the
 * board sends is also copied to `sent` (socat -R), as a probe on its TX line
 * would: opening the pty discards what came before.
 */
async function nodeMcuConsole(
  lua: string,
  tty: string,
  fsDir: string,
  cwd: string,
  sent: string,
  extra: string[] = [],
): Promise<ChildProcess> {
  const repl = path.join(ROOT, "test", "nodemcu", "repl.lua");
  const p = spawn(
    "socat",
    ["-R", sent, `pty,raw,echo=0,link=${tty}`, `EXEC:${[lua, repl, fsDir, ...extra].join(" ")}`],
    { cwd, stdio: "ignore" },
  );
  await waitForFile(tty);
  return p;
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
    assert.match(unknown.out, /unknown board: pico \(did you mean .*\?\); boards: .*espruino-pico-w5500/);
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

  it("says when the board does not answer (a serial line with nothing on it), for either runtime", async function () {
    needSocat(this);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-test-"));
    const tty = path.join(dir, "tty");
    const socat = spawn("socat", [`pty,raw,echo=0,link=${tty}`, `pty,raw,echo=0,link=${tty}.other`], {
      stdio: "ignore",
    });
    try {
      await waitForFile(tty);
      const esp = await flashAsync("--board", "espruino-pico-w5500", "--port", tty);
      assert.equal(esp.status, 1, esp.out);
      assert.match(
        esp.out,
        /does not answer: no Espruino prompt within 5 s \(is the board running Espruino, at 115200 baud\?\)/,
      );
      const lua = await flashAsync("--board", "nodemcu-esp8266-enc28j60", "--port", tty, "--baud", "74880");
      assert.equal(lua.status, 1, lua.out);
      assert.match(
        lua.out,
        /does not answer: no NodeMCU Lua prompt within 5 s \(is the board running NodeMCU Lua, at 74880 baud\?\)/,
      );
    } finally {
      socat.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a NodeMCU board on a tcp port, and a NodeMCU whose SPIFFS cannot hold the firmware", async function () {
    const tcp = flash("--board", "nodemcu-esp32-w5500", "--port", "tcp://127.0.0.1:2323");
    assert.equal(tcp.status, 1);
    assert.match(tcp.out, /nodemcu-esp32-w5500 is a NodeMCU board: nodemcu-tool needs its serial port/);
    needSocat(this);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-test-"));
    fs.mkdirSync(path.join(dir, "spiffs"));
    const tty = path.join(dir, "tty");
    const console_ = await nodeMcuConsole("lua5.1", tty, path.join(dir, "spiffs"), dir, path.join(dir, "sent"), [
      "--fs-kb",
      "64",
    ]);
    try {
      const r = await flashAsync("--board", "nodemcu-esp8266-enc28j60", "--port", tty);
      assert.equal(r.status, 1, r.out);
      assert.match(
        r.out,
        /not enough room on .*tty: \d+ bytes to write, 64 KB free of 64 KB \(Arch: esp8266 \| Version: 3\.0\.0/,
      );
      assert.deepEqual(fs.readdirSync(path.join(dir, "spiffs")), [], "nothing was written");
    } finally {
      console_.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says which step a NodeMCU stopped answering in, when it hangs or goes away mid-upload, instead of waiting forever", async function () {
    needSocat(this);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-test-"));
    const spiffs = path.join(dir, "spiffs");
    fs.mkdirSync(spiffs);
    const tty = path.join(dir, "tty");
    let console_ = await nodeMcuConsole("lua5.1", tty, spiffs, dir, path.join(dir, "sent"));
    // The console is socat's child; signals go to it.
    const lua = (): number =>
      Number(
        spawnSync("pgrep", ["-P", String(console_.pid)], { encoding: "utf8" })
          .stdout.trim()
          .split("\n")[0],
      );
    const midUpload = async (act: () => void): Promise<void> => {
      const file = path.join(spiffs, "netrt.lua");
      while (!(fs.existsSync(file) && fs.statSync(file).size > 20000)) await new Promise((r) => setTimeout(r, 50));
      act();
    };
    try {
      const hung = flashAsync("--board", "lua51-host", "--port", tty);
      await midUpload(() => process.kill(lua(), "SIGSTOP"));
      const r1 = await hung;
      assert.equal(r1.status, 1, r1.out);
      assert.match(
        r1.out,
        /flash: .*tty stopped answering during the upload of netrt\.lua \(nothing for 10 s\): was the board unplugged or reset\?/,
      );
      process.kill(lua(), "SIGKILL");
      console_.kill();
      await new Promise((r) => setTimeout(r, 300));
      fs.rmSync(tty, { force: true });
      fs.rmSync(path.join(spiffs, "netrt.lua"), { force: true });
      console_ = await nodeMcuConsole("lua5.1", tty, spiffs, dir, path.join(dir, "sent-2"));
      const gone = flashAsync("--board", "lua51-host", "--port", tty);
      const socat = console_;
      await midUpload(() => socat.kill());
      const r2 = await gone;
      assert.equal(r2.status, 1, r2.out);
      // Whichever comes first: a failed write, or the silence.
      assert.match(
        r2.out,
        /flash: .*tty(: the upload of netrt\.lua failed: .* \(| stopped answering during the upload of netrt\.lua .*: )was the board unplugged or reset\?/,
      );
      assert.ok(
        !fs.existsSync(path.join(spiffs, "init.lua")),
        "no init.lua runs a half-written netrt.lua at the next power-up",
      );
    } finally {
      console_.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const NODEMCU_RUNS = [
    {
      lua: "lua5.1",
      board: "lua51-host",
      runtime: "lua51",
      extra: [] as string[],
      flags: [] as string[],
      what: "hex transfer, netrt.lua",
    },
    {
      lua: "lua5.3",
      board: "lua53-host",
      runtime: "lua53",
      extra: ["--encoder"],
      flags: ["--compile"],
      what: "base64 transfer, compiled to netrt.lc",
    },
  ];
  NODEMCU_RUNS.forEach((run, index) => {
    it(`uploads through nodemcu-tool to a NodeMCU console on ${run.lua} (${run.what}); after node.restart() and at the next power-up the firmware gets its lease`, async function () {
      needSocat(this);
      const needs = run.lua === "lua5.1" ? "require('bit'); require('socket')" : "require('socket')";
      const why =
        hostLinkUnavailable() ??
        (spawnSync(run.lua, ["-e", needs]).status === 0
          ? undefined
          : `${run.lua} with ${needs} is not installed (bash tools/setup.sh)`);
      if (why !== undefined) {
        if (process.env.CI) throw new Error(`required in CI: ${why}`);
        console.log(`      skipped: ${why}`);
        this.skip();
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-mcu-"));
      const spiffs = path.join(dir, "spiffs");
      fs.mkdirSync(spiffs);
      const tty = path.join(dir, "tty");
      const base = 47600 + (process.pid % 90) * 2 + index * 100;
      const { link, server } = await dnsmasqLink(`n${index}${process.pid % 10000}`, base);
      let console_: ChildProcess | undefined;
      let reader: SerialPort | undefined;
      try {
        const sent = [path.join(dir, "sent-1"), path.join(dir, "sent-2")];
        console_ = await nodeMcuConsole(run.lua, tty, spiffs, dir, sent[0], run.extra);
        const r = await flashAsync(
          "--board",
          run.board,
          "--port",
          tty,
          ...run.flags,
          "--env",
          `NETRT_RX_PORT=${base}`,
          "--env",
          `NETRT_TX_PORT=${base + 1}`,
        );
        assert.equal(r.status, 0, r.out);
        const file = run.flags.includes("--compile")
          ? "netrt\\.lc, debug info stripped"
          : "netrt\\.lua \\(\\d+ bytes\\)";
        assert.match(
          r.out,
          new RegExp(
            `${run.board}: ${file} and init\\.lua on ${tty}; it starts at every power-up\\. It said: .*netrt \\S+ on ${run.board} \\(${run.runtime}\\)`,
          ),
        );
        assert.deepEqual(
          fs.readdirSync(spiffs).sort(),
          run.flags.includes("--compile") ? ["init.lua", "netrt.lc"] : ["init.lua", "netrt.lua"],
        );
        if (run.flags.includes("--compile")) {
          // Stripped bytecode: no chunk name, no line numbers, no local names.
          const listing = spawnSync(`luac${run.lua.slice(3)}`, ["-l", "-l", "-p", path.join(spiffs, "netrt.lc")], {
            encoding: "utf8",
            maxBuffer: 1 << 28,
          });
          assert.equal(listing.status, 0, listing.stderr);
          assert.match(listing.stdout, /^main <\?:0,0>/m);
          assert.doesNotMatch(listing.stdout, /\t\[\d+\]\t/, "no instruction has a line number");
        }
        // A terminal on the port, as a user would have after flashing (it also keeps the pty drained).
        const terminal = (): Promise<SerialPort> =>
          new Promise((resolve, reject) => {
            const sp = new SerialPort({ path: tty, baudRate: 115200 }, (e) => (e ? reject(e) : resolve(sp)));
            sp.on("data", () => undefined);
          });
        const until = async (file: string, re: RegExp): Promise<void> => {
          const text = (): string => (fs.existsSync(file) ? fs.readFileSync(file, "latin1") : "");
          const end = Date.now() + 30000;
          while (!re.test(text()) && Date.now() < end) await new Promise((res) => setTimeout(res, 100));
          assert.match(text(), re, text().slice(-1500));
        };
        reader = await terminal();
        await until(
          sent[0],
          new RegExp(
            `node\\.restart\\(\\)[\\s\\S]*NodeMCU 3\\.0\\.0\\.0[\\s\\S]*netrt \\S+ on ${run.board}[\\s\\S]*bound to 192\\.0\\.2\\.\\d+\\/24 via 192\\.0\\.2\\.1`,
          ),
        );
        reader.close();
        // Power-up: a fresh console on the same SPIFFS runs init.lua by itself.
        console_.kill();
        await new Promise((res) => setTimeout(res, 300));
        fs.rmSync(tty, { force: true });
        console_ = await nodeMcuConsole(run.lua, tty, spiffs, dir, sent[1], run.extra);
        reader = await terminal();
        await until(
          sent[1],
          new RegExp(
            `NodeMCU 3\\.0\\.0\\.0[\\s\\S]*netrt \\S+ on ${run.board}[\\s\\S]*bound to 192\\.0\\.2\\.\\d+\\/24`,
          ),
        );
        assert.ok(
          server.leases().some((l) => l.active),
          `dnsmasq's leases: ${JSON.stringify(server.leases())}`,
        );
        server.stop();
      } finally {
        if (reader?.isOpen) reader.close();
        console_?.kill();
        link.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("an Espruino port that answers the prompt but is gone when the upload connects is an error, not 'uploaded' (the espruino CLI exited 0 there)", async function () {
    needSocat(this);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-test-"));
    const tty = path.join(dir, "tty");
    // A line that shows a prompt once, then goes away (a board unplugged mid-flash).
    const fake = path.join(dir, "fake.sh");
    fs.writeFileSync(fake, "head -c1 >/dev/null; printf '\\r\\n>'\n");
    const socat = spawn("socat", [`pty,raw,echo=0,link=${tty}`, `EXEC:sh ${fake}`], { stdio: "ignore" });
    try {
      await waitForFile(tty);
      const r = await flashAsync("--board", "espruino-pico-w5500", "--port", tty);
      assert.equal(r.status, 1, r.out);
      assert.match(
        r.out,
        /(cannot connect to .*tty|tty disconnected before the upload finished).*; nothing was uploaded/,
      );
      assert.doesNotMatch(r.out, /uploaded, but/);
    } finally {
      socat.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("uploads to Espruino for Linux over --telnet; after a restart the firmware boots from Storage and gets its lease (ESPRUINO)", async function () {
    const bin = process.env.ESPRUINO;
    if (!bin) {
      console.log("      skipped: ESPRUINO is not set (the Espruino interpreter for Linux; see CONTRIBUTING.md)");
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
      const r = await flashAsync(
        "--board",
        "espruino-host",
        "--port",
        "tcp://127.0.0.1:2323",
        "--env",
        `NETRT_RX_PORT=${base}`,
        "--env",
        `NETRT_TX_PORT=${base + 1}`,
      );
      assert.equal(r.status, 0, r.out);
      assert.match(
        r.out,
        /espruino-host: \d+ bytes in Storage on tcp:\/\/127\.0\.0\.1:2323; it starts at every power-up\. It said: I netrt \S+ on espruino-host \(espruino\)/,
      );
      interp.kill("SIGKILL");
      await new Promise((res) => setTimeout(res, 300));
      // Power-up: a fresh interpreter in the same directory (its flash file) runs what is in Storage.
      const boot = run([]);
      interp = boot.proc;
      const until = Date.now() + 30000;
      while (!/bound to 192\.0\.2\.\d+\/24/.test(boot.out()) && Date.now() < until)
        await new Promise((res) => setTimeout(res, 100));
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
