// `npm run flash -- --board NAME --port PORT`: builds the board's firmware
// and uploads it. Espruino boards go through the espruino CLI (npm package
// `espruino`) with SAVE_ON_SEND, so the code lands in Storage and runs at
// every power-up; the port is checked for an Espruino prompt first, so a
// missing or silent board is a clear error, not a hang. The firmware's
// first log line, echoed back during the upload, confirms it runs.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import cliProgress from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import { SerialPort } from "serialport";
import { loadBoards } from "./lib/boards";
import { buildAll } from "./lib/build";
import { withNetrtEnv } from "./lib/espruino-host";
import { ROOT } from "./lib/paths";

class FlashError extends Error {}

interface FlashOptions {
  board: string;
  port: string;
  baud: number;
  timeout: number;
  env: string[];
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

/** Resolves once `re` shows in what the port sends back after a line break, rejects after `ms`. */
function expectPrompt(port: string, baud: number, ms: number): Promise<void> {
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
    const timer = setTimeout(() => finish(new FlashError(`${port} does not answer: no Espruino prompt within ${ms / 1000} s (is it an Espruino board, at ${baud} baud?)`)), ms);
    const onData = (d: Buffer): void => {
      seen += d.toString("latin1");
      if (/>\s*$|>\x1b\[J/.test(seen)) finish();
    };
    // Ctrl-C clears a half-typed line; the REPL answers a line break with its prompt.
    const hello = Buffer.from("\x03\r\n", "latin1");
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
    const ttys = fs.existsSync("/dev") ? fs.readdirSync("/dev").filter((f) => /^tty(USB|ACM)\d+$/.test(f)).map((f) => `/dev/${f}`) : [];
    throw new FlashError(`no such port ${port}${ttys.length > 0 ? ` (serial ports here: ${ttys.join(", ")})` : " (no /dev/ttyUSB* or /dev/ttyACM* here: is the board plugged in?)"}`);
  }
}

/** The espruino CLI, told which board it talks to so it never looks it up online. */
function espruinoUpload(o: FlashOptions, file: string, onLine: (l: string) => void): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-"));
  const boardJson = path.join(dir, "board.json");
  fs.writeFileSync(boardJson, JSON.stringify({ info: { name: o.board, builtin_modules: ["Storage", "dgram", "net", "fs"] } }));
  const cli = path.join(ROOT, "node_modules", "espruino", "bin", "espruino-cli.js");
  const args = [cli, "--no-ble", "--board", boardJson, "-p", o.port, "-b", String(o.baud), "--config", "SAVE_ON_SEND=1", "--config", "RESET_BEFORE_SEND=1", "--config", "MINIFICATION_LEVEL=", file];
  return new Promise((resolve) => {
    const p: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let buf = "";
    const onData = (d: Buffer): void => {
      buf += d.toString();
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        nl = buf.indexOf("\n");
      }
    };
    p.stdout?.on("data", onData);
    p.stderr?.on("data", onData);
    const timer = setTimeout(() => p.kill("SIGKILL"), o.timeout * 1000);
    p.on("exit", (code) => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve(code ?? 1);
    });
  });
}

async function flash(o: FlashOptions): Promise<void> {
  const boards = loadBoards();
  const board = boards.find((b) => b.config.name === o.board);
  if (board === undefined) throw new FlashError(`unknown board ${o.board} (boards: ${boards.map((b) => b.config.name).join(", ")})`);
  if (board.runtime === "node") throw new FlashError(`${o.board} is the Node host board: run it with npm start, there is nothing to flash`);
  if (board.runtime !== "espruino") throw new FlashError(`${o.board} is a NodeMCU (${board.runtime}) board: uploading through nodemcu-tool is not wired up yet; copy dist/${o.board}/firmware.lua with your NodeMCU uploader`);
  checkPort(o.port);
  const bar = new cliProgress.SingleBar({ format: "{bar} {stage}", hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
  const stages = ["build", "connect", "upload", "check it runs"];
  bar.start(stages.length, 0, { stage: stages[0] });
  try {
    const [artifact] = await buildAll([o.board]);
    let file = path.join(ROOT, artifact.file);
    if (o.env.length > 0) {
      // Settings a host bundle reads at start (espruino-host's NETRT_ENV), in front of the code.
      const env: Record<string, string> = {};
      for (const kv of o.env) env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
      file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netrt-flash-")), "firmware.js");
      fs.writeFileSync(file, withNetrtEnv(env, fs.readFileSync(path.join(ROOT, artifact.file), "utf8")));
    }
    bar.update(1, { stage: `${stages[1]} ${o.port}` });
    await expectPrompt(o.port, o.baud, 5000);
    bar.update(2, { stage: `${stages[2]} ${artifact.bytes} bytes to Storage` });
    const lines: string[] = [];
    const code = await espruinoUpload(o, file, (l) => lines.push(l));
    if (code !== 0) throw new FlashError(`the espruino CLI failed (exit ${code}):\n${lines.slice(-15).join("\n")}`);
    bar.update(3, { stage: stages[3] });
    const booted = lines.find((l) => new RegExp(`netrt \\S+ on ${o.board}`).test(l));
    if (booted === undefined) throw new FlashError(`uploaded, but the firmware did not report itself:\n${lines.slice(-15).join("\n")}`);
    bar.update(4, { stage: "done" });
    bar.stop();
    console.log(`${o.board}: ${artifact.bytes} bytes in Storage on ${o.port}; it starts at every power-up. It said: ${booted.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/^--\]\s*/, "").trim()}`);
  } catch (e) {
    bar.stop();
    throw e;
  }
}

new Command()
  .name("flash")
  .description("build a board's firmware and upload it (Espruino boards: saved to Storage, runs at power-up)")
  .requiredOption("--board <name>", "a board in boards/")
  .requiredOption("--port <port>", "the board's serial port (/dev/ttyACM0) or tcp://host:port")
  .option("--baud <n>", "serial baud rate", positive, 115200)
  .option("--timeout <s>", "give up on the upload after this long", positive, 120)
  .addOption(new Option("--env <NETRT_NAME=value>", "a setting for host bundles (espruino-host), repeatable").argParser(setting).default([]).hideHelp())
  .action(async (o: FlashOptions) => {
    try {
      await flash(o);
    } catch (e) {
      if (!(e instanceof FlashError)) throw e;
      console.error(`flash: ${e.message}`);
      process.exitCode = 1;
    }
  })
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    console.error(`flash failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
