// `npm run flash -- --board NAME --port PORT`: builds the board's firmware
// and uploads it. The port is checked for the board's prompt first, so a
// missing or silent board is a clear error, not a hang.
// - Espruino boards go through the espruino package's JavaScript API
//   (tools/lib/espruino-upload.ts) with SAVE_ON_SEND, so the code lands in
//   Storage and runs at every power-up; a port it cannot open is an error.
//   The firmware's first log line, echoed back after the upload, confirms it
//   runs.
// - NodeMCU boards go through nodemcu-tool's connector: netrt.lua (or, with
//   --compile, netrt.lc) and an init.lua that runs it at power-up, after a
//   check that SPIFFS has room; then node.restart(), and the firmware's first
//   log line on the console confirms it runs.
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import cliProgress from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import { SerialPort } from "serialport";
import { type Board, checkUnicastMac, loadBoards } from "./lib/boards";
import { buildAll } from "./lib/build";
import { EspruinoUploadError, uploadToEspruino } from "./lib/espruino-upload";
import { withLuaNetrtEnv, withNetrtEnv } from "./lib/espruino-host";
import { ROOT } from "./lib/paths";

class FlashError extends Error {}

interface FlashOptions {
  board: string;
  port: string;
  baud: number;
  timeout: number;
  env: string[];
  compile: boolean;
  mac?: string;
  hostname?: string;
}

function unicastMac(v: string): string {
  try {
    checkUnicastMac("--mac", "address", v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--mac: "address" /, ""));
  }
  return v;
}

function hostname(v: string): string {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(v))
    throw new InvalidArgumentError("letters, digits and dashes, up to 63 (RFC 1123)");
  return v;
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number above 0");
  return n;
}

function setting(v: string, prev: string[]): string[] {
  if (!/^NETRT_[A-Z0-9_]+=.*$/.test(v)) throw new InvalidArgumentError("NETRT_NAME=value");
  return [...prev, v];
}

interface Repl {
  /** What the board's REPL is called in errors. */
  name: string;
  /** Sent to make the REPL show its prompt. */
  hello: string;
}

// Ctrl-C clears a half-typed line; the REPL answers a line break with its prompt.
const ESPRUINO_REPL: Repl = { name: "Espruino", hello: "\x03\r\n" };
// NodeMCU takes Ctrl-C as part of a line; an empty line gets the prompt.
const NODEMCU_REPL: Repl = { name: "NodeMCU Lua", hello: "\r\n" };

/** Resolves once the REPL's prompt shows in what the port sends back, rejects after `ms`. */
function expectPrompt(repl: Repl, port: string, baud: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    let done = false;
    let close: () => void = () => undefined;
    const finish = (err?: FlashError): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      close();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () =>
        finish(
          new FlashError(
            `${port} does not answer: no ${repl.name} prompt within ${ms / 1000} s (is the board running ${repl.name}, at ${baud} baud?)`,
          ),
        ),
      ms,
    );
    const onData = (d: Buffer): void => {
      seen += d.toString("latin1");
      if (/>\s*$|>\x1b\[J/.test(seen)) finish();
    };
    const hello = Buffer.from(repl.hello, "latin1");
    const tcp = /^tcp:\/\/([^:/]+)(?::(\d+))?$/.exec(port);
    if (tcp) {
      const sock = net.connect({ host: tcp[1], port: tcp[2] ? Number(tcp[2]) : 23 });
      close = () => sock.destroy();
      sock.on("connect", () => sock.write(hello));
      sock.on("data", onData);
      sock.on("error", (e) => finish(new FlashError(`cannot connect to ${port}: ${e.message}`)));
      return;
    }
    const sp = new SerialPort({ path: port, baudRate: baud, autoOpen: false });
    close = () => {
      if (sp.isOpen) sp.close();
    };
    sp.on("data", onData);
    sp.open((e) => {
      if (e) finish(new FlashError(`cannot open ${port}: ${e.message}`));
      else sp.write(hello);
    });
  });
}

function checkPort(port: string): void {
  if (/^tcp:\/\//.test(port)) {
    if (!/^tcp:\/\/[^:/]+(:\d+)?$/.test(port)) throw new FlashError(`bad port ${port}: use tcp://host:port`);
    return;
  }
  if (!fs.existsSync(port)) {
    const ttys = fs.existsSync("/dev")
      ? fs
          .readdirSync("/dev")
          .filter((f) => /^tty(USB|ACM)\d+$/.test(f))
          .map((f) => `/dev/${f}`)
      : [];
    throw new FlashError(
      `no such port ${port}${ttys.length > 0 ? ` (serial ports here: ${ttys.join(", ")})` : " (no /dev/ttyUSB* or /dev/ttyACM* here: is the board plugged in?)"}`,
    );
  }
}

/** The --env settings as an object. */
function envSettings(o: FlashOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of o.env) env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
  return env;
}

/** A progress bar over the stages of a flash, with a line of detail for the current one. */
function stageBar(total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {stage}", hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { stage: "build" });
  return bar;
}

async function flashEspruino(o: FlashOptions, bar: cliProgress.SingleBar): Promise<void> {
  const [artifact] = await buildAll([o.board], { hwaddr: o.mac, hostname: o.hostname });
  let file = path.join(ROOT, artifact.file);
  if (o.env.length > 0) {
    // Settings a host bundle reads at start (espruino-host's NETRT_ENV), in front of the code.
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-")), "firmware.js");
    fs.writeFileSync(file, withNetrtEnv(envSettings(o), fs.readFileSync(path.join(ROOT, artifact.file), "utf8")));
  }
  bar.update(1, { stage: `connect ${o.port}` });
  await expectPrompt(ESPRUINO_REPL, o.port, o.baud, 5000);
  bar.update(2, { stage: `upload ${artifact.bytes} bytes to Storage` });
  const t0 = Date.now();
  let output: string;
  try {
    output = await uploadToEspruino({
      port: o.port,
      baud: o.baud,
      board: o.board,
      code: fs.readFileSync(file, "utf8"),
      timeoutMs: o.timeout * 1000,
      until: new RegExp(`netrt \\S+ on ${o.board}[^\\n]*\\n`),
      onProgress: (sent, total) => {
        const secs = (Date.now() - t0) / 1000;
        const left = sent > 0 && sent < total ? Math.ceil((secs * (total - sent)) / sent) : 0;
        bar.update(2 + (total > 0 ? sent / total : 0), {
          stage: `upload: ${sent} of ${total} bytes${left > 0 ? `, about ${left} s left` : ""}`,
        });
      },
    });
  } catch (e) {
    if (e instanceof EspruinoUploadError) throw new FlashError(`${e.message}; nothing was uploaded`);
    throw e;
  }
  bar.update(3, { stage: "check it runs" });
  const lines = output.split(/\r?\n/);
  const booted = lines.find((l) => new RegExp(`netrt \\S+ on ${o.board}`).test(l));
  if (booted === undefined)
    throw new FlashError(`uploaded, but the firmware did not report itself:\n${lines.slice(-15).join("\n")}`);
  bar.update(4, { stage: "done" });
  bar.stop();
  console.log(
    `${o.board}: ${artifact.bytes} bytes in Storage on ${o.port}; it starts at every power-up. It said: ${booted
      .replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")
      .replace(/^>+/, "")
      .trim()}`,
  );
}

// nodemcu-tool's connector (its programmatic API): one connection per process.
interface NodeMcuConnector {
  onError(handler: (e: Error) => void): void;
  connect(port: string, baud: number, check: boolean, delay: number): Promise<string>;
  fsinfo(): Promise<{
    metadata: { remaining: number; used: number; total: number };
    files: { name: string; size: number }[];
  }>;
  remove(name: string): Promise<string | null>;
  upload(
    local: string,
    remote: string,
    options: { minify: boolean },
    progress: (done: number, total: number) => void,
  ): Promise<void>;
  compile(name: string): Promise<string | null>;
  execute(lua: string): Promise<{ echo: string; response: string }>;
  disconnect(): Promise<void>;
}

// Runs netrt at power-up; a compiled netrt.lc (--compile) is preferred.
const NODEMCU_INIT = 'if file.exists("netrt.lc") then dofile("netrt.lc") else dofile("netrt.lua") end\n';

/**
 * Restarts the board with node.restart() and reads its console until the
 * firmware names itself, or `ms` pass. The port is opened before the restart:
 * opening it discards what the board sent before.
 */
function restartAndWatch(o: FlashOptions, ms: number): Promise<{ line?: string; seen: string }> {
  return new Promise((resolve) => {
    let seen = "";
    const sp = new SerialPort({ path: o.port, baudRate: o.baud, autoOpen: false });
    const done = (line?: string): void => {
      clearTimeout(timer);
      if (sp.isOpen) sp.close();
      resolve({ line, seen });
    };
    const timer = setTimeout(() => done(), ms);
    const want = new RegExp(`[^\\r\\n]*netrt \\S+ on ${o.board}[^\\r\\n]*`);
    sp.on("data", (d: Buffer) => {
      seen += d.toString("latin1");
      const m = want.exec(seen);
      if (m) done(m[0].trim());
    });
    sp.open((e) => {
      if (e) done();
      else sp.write("node.restart()\r\n");
    });
  });
}

/** nodemcu-tool's log lines, kept for error reports instead of printed over the progress bar. */
function quietNodeMcuTool(): string[] {
  const kept: string[] = [];
  const facility = require(
    require.resolve("logging-facility", { paths: [path.dirname(require.resolve("nodemcu-tool"))] }),
  ) as { addBackend(b: (instance: string, level: number, args: unknown[]) => void): void };
  facility.addBackend((instance, _level, args) => kept.push(`${instance}: ${args.map(String).join(" ")}`));
  return kept;
}

/**
 * Fails the flash when the board goes quiet: nodemcu-tool waits for every
 * reply without a limit, so a board unplugged or reset mid-upload would
 * otherwise hang the command.
 */
class Watchdog {
  readonly tripped: Promise<never>;
  private trip: (e: Error) => void = () => undefined;
  private last = Date.now();
  private stage = "";
  private quietMs = 10000;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly port: string) {
    this.tripped = new Promise<never>((_, reject) => (this.trip = reject));
    this.tripped.catch(() => undefined); // raced by step(); nobody else waits on it
    this.timer = setInterval(() => {
      if (Date.now() - this.last > this.quietMs)
        this.fail(
          new FlashError(
            `${this.port} stopped answering during ${this.stage} (nothing for ${this.quietMs / 1000} s): was the board unplugged or reset?`,
          ),
        );
    }, 250);
  }

  /** The board just answered. */
  alive(): void {
    this.last = Date.now();
  }

  fail(e: Error): void {
    this.trip(e);
  }

  /** Runs one exchange with the board; it fails once the board has said nothing for `quietMs`. */
  async step<T>(stage: string, p: Promise<T>, quietMs = 10000): Promise<T> {
    this.stage = stage;
    this.quietMs = quietMs;
    this.alive();
    try {
      return await Promise.race([p, this.tripped]);
    } catch (e) {
      if (e instanceof FlashError) throw e;
      throw new FlashError(
        `${this.port}: ${stage} failed: ${e instanceof Error ? e.message : String(e)} (was the board unplugged or reset?)`,
      );
    } finally {
      this.alive();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function flashNodeMcu(o: FlashOptions, bar: cliProgress.SingleBar): Promise<void> {
  if (/^tcp:\/\//.test(o.port))
    throw new FlashError(
      `${o.board} is a NodeMCU board: nodemcu-tool needs its serial port (/dev/ttyUSB0), not ${o.port}`,
    );
  const [artifact] = await buildAll([o.board], { hwaddr: o.mac, hostname: o.hostname });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-"));
  const nmt = require("nodemcu-tool") as NodeMcuConnector;
  const toolLog = quietNodeMcuTool();
  const dog = new Watchdog(o.port);
  nmt.onError((e) => dog.fail(new FlashError(`${o.port}: ${e.message}`)));
  let connected = false;
  try {
    const code = fs.readFileSync(path.join(ROOT, artifact.file), "utf8");
    const bundle = path.join(dir, "netrt.lua");
    fs.writeFileSync(bundle, o.env.length > 0 ? withLuaNetrtEnv(envSettings(o), code) : code);
    const init = path.join(dir, "init.lua");
    fs.writeFileSync(init, NODEMCU_INIT);
    const bytes = fs.statSync(bundle).size + NODEMCU_INIT.length;

    bar.update(1, { stage: `connect ${o.port}` });
    await expectPrompt(NODEMCU_REPL, o.port, o.baud, 5000);
    let info: string;
    try {
      connected = true;
      info = await dog.step("the connection check", nmt.connect(o.port, o.baud, true, 0));
    } catch (e) {
      throw new FlashError(
        `${o.port} answers, but not as NodeMCU does: ${e instanceof Error ? e.message : String(e)}${toolLog.length > 0 ? `\n${toolLog.slice(-5).join("\n")}` : ""}`,
      );
    }
    const { metadata, files } = await dog.step("file.fsinfo()", nmt.fsinfo());
    const replaced = files
      .filter((f) => ["netrt.lua", "netrt.lc", "init.lua"].includes(f.name))
      .reduce((n, f) => n + f.size, 0);
    if (metadata.remaining * 1024 + replaced < bytes)
      throw new FlashError(
        `not enough room on ${o.port}: ${bytes} bytes to write, ${metadata.remaining} KB free of ${metadata.total} KB (${info})`,
      );

    // Off first: a half-written netrt.lua must not run at the next power-up, nor a stale netrt.lc.
    for (const name of ["init.lua", "netrt.lc", "netrt.lua"])
      await dog.step(`file.remove("${name}")`, nmt.remove(name));
    bar.setTotal(3 + bytes);
    bar.update(2, { stage: `upload ${bytes} bytes (${info})` });
    const size = fs.statSync(bundle).size;
    await dog.step(
      "the upload of netrt.lua",
      nmt.upload(bundle, "netrt.lua", { minify: false }, (done, total) => {
        dog.alive();
        bar.update(2 + Math.floor((size * done) / Math.max(total, 1)), { stage: `upload netrt.lua (${info})` });
      }),
    );
    let debugInfo = "";
    if (o.compile) {
      // Bytecode without locals, upvalue names and line numbers takes a fifth less heap (README, memory table).
      const strip = await dog.step(
        "node.stripdebug(3)",
        nmt.execute('if node.stripdebug then node.stripdebug(3) print("stripped") else print("kept") end'),
      );
      debugInfo = /stripped/.test(strip.response)
        ? ", debug info stripped"
        : ", debug info kept (this firmware has no node.stripdebug)";
      bar.update({ stage: "compile netrt.lua on the board" });
      // Compiling a big file takes the board a while; it says nothing meanwhile.
      const err = await dog.step('node.compile("netrt.lua")', nmt.compile("netrt.lua"), 120000);
      if (err !== null && err !== "") throw new FlashError(`node.compile("netrt.lua") failed on the board: ${err}`);
      await dog.step('file.remove("netrt.lua")', nmt.remove("netrt.lua"));
    }
    await dog.step(
      "the upload of init.lua",
      nmt.upload(init, "init.lua", { minify: false }, () => dog.alive()),
    );
    await dog.step("closing the port", nmt.disconnect());
    connected = false;
    bar.update(2 + bytes, { stage: "restart (node.restart())" });
    const boot = await restartAndWatch(o, 15000);
    if (boot.line === undefined)
      throw new FlashError(
        `uploaded, but after node.restart() the firmware did not report itself within 15 s:\n${boot.seen.split(/\r?\n/).slice(-15).join("\n")}`,
      );
    bar.update(3 + bytes, { stage: "done" });
    bar.stop();
    console.log(
      `${o.board}: ${o.compile ? `netrt.lc${debugInfo}` : `netrt.lua (${bytes - NODEMCU_INIT.length} bytes)`} and init.lua on ${o.port}; it starts at every power-up. It said: ${boot.line}`,
    );
  } finally {
    dog.stop();
    // An open port would keep this process alive after an error (a dead one may never close: 2 s at most).
    if (connected)
      await Promise.race([nmt.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function flash(o: FlashOptions): Promise<void> {
  let board: Board;
  try {
    board = loadBoards(undefined, [o.board])[0];
  } catch (e) {
    throw new FlashError((e as Error).message);
  }
  if (board.runtime === "node")
    throw new FlashError(`${o.board} is the Node host board: run it with npm start, there is nothing to flash`);
  checkPort(o.port);
  const bar = stageBar(4);
  try {
    if (board.runtime === "espruino") await flashEspruino(o, bar);
    else await flashNodeMcu(o, bar);
  } catch (e) {
    bar.stop();
    throw e;
  }
}

new Command()
  .name("flash")
  .description(
    "build a board's firmware and upload it so it runs at power-up (Espruino: to Storage; NodeMCU: netrt.lua + init.lua on SPIFFS)",
  )
  .requiredOption("--board <name>", "a board in boards/")
  .requiredOption("--port <port>", "the board's serial port (/dev/ttyACM0) or tcp://host:port")
  .option("--baud <n>", "serial baud rate", positive, 115200)
  .option("--timeout <s>", "give up on the upload after this long", positive, 120)
  .option(
    "--mac <address>",
    "this unit's MAC address (default: the board file's, else derived from the chip's identity)",
    unicastMac,
  )
  .option(
    "--hostname <name>",
    "this unit's DHCP hostname (default: the board file's, else the board's name and the MAC's last bytes)",
    hostname,
  )
  .option(
    "--compile",
    "NodeMCU: compile netrt.lua to bytecode on the board without debug info (faster start, less RAM; errors lose line numbers)",
    false,
  )
  .addOption(
    new Option(
      "--env <NETRT_NAME=value>",
      "a setting for host bundles (espruino-host, lua51-host, lua53-host), repeatable",
    )
      .argParser(setting)
      .default([])
      .hideHelp(),
  )
  .action(async (o: FlashOptions) => {
    try {
      await flash(o);
    } catch (e) {
      if (!(e instanceof FlashError)) throw e;
      console.error(`flash: ${e.message}`);
      // A serial port that died mid-upload can leave a handle that never closes.
      process.exit(1);
    }
  })
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    console.error(`flash failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
