// What both uploaders share: options, the port check, waiting for a REPL's prompt, the progress bar.
import * as fs from "node:fs";
import * as net from "node:net";
import cliProgress from "cli-progress";
import { SerialPort } from "serialport";

export class FlashError extends Error {}

export interface FlashOptions {
  board: string;
  port: string;
  baud: number;
  timeout: number;
  env: string[];
  compile: boolean;
  mac?: string;
  hostname?: string;
}

export interface Repl {
  /** What the board's REPL is called in errors. */
  name: string;
  /** Sent to make the REPL show its prompt. */
  hello: string;
}

// Ctrl-C clears a half-typed line; the REPL answers a line break with its prompt.
export const ESPRUINO_REPL: Repl = { name: "Espruino", hello: "\x03\r\n" };
// NodeMCU takes Ctrl-C as part of a line; an empty line gets the prompt.
export const NODEMCU_REPL: Repl = { name: "NodeMCU Lua", hello: "\r\n" };

/** Resolves once the REPL's prompt shows in what the port sends back, rejects after `ms`. */
export function expectPrompt(repl: Repl, port: string, baud: number, ms: number): Promise<void> {
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

export function checkPort(port: string): void {
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
export function envSettings(o: FlashOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of o.env) env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
  return env;
}

/** A progress bar over the stages of a flash, with a line of detail for the current one. */
export function stageBar(total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    { format: "{bar} {stage}", hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { stage: "build" });
  return bar;
}
