// Runs a host build of the firmware as a child process (by default the Node
// host board, dist/host/firmware.js; or e.g. lua5.3 with a Lua host bundle)
// and watches its log lines (the integration tests, the bench, npm start).
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./paths";

export class FirmwareProcess {
  readonly lines: string[] = [];
  private proc: ChildProcess;
  private waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly stateDir: string;

  /** Called with every log line as it arrives. */
  onLine: ((line: string) => void) | undefined;

  constructor(
    env: Record<string, string>,
    stateDir?: string,
    command: string[] = [process.execPath, path.join(ROOT, "dist", "host", "firmware.js")],
  ) {
    this.stateDir = stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "netrt-fw-"));
    fs.mkdirSync(this.stateDir, { recursive: true });
    // Run inside the state directory: Espruino's interpreter keeps its Storage (espruino.flash) in the working directory.
    this.proc = spawn(command[0], command.slice(1), {
      cwd: this.stateDir,
      env: { ...process.env, NETRT_STATE: this.stateDir, ...env },
      // stdin a pipe that stays open and silent: at end of file (/dev/null) Espruino for Linux
      // reads 0xFF bytes into its REPL line without end, a leak the board never has.
      stdio: ["pipe", "pipe", "pipe"],
    });
    let buf = "";
    const onData = (d: Buffer): void => {
      buf += d.toString();
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.lines.push(line);
        this.onLine?.(line);
        this.waiters = this.waiters.filter((w) => {
          const m = line.match(w.re);
          if (m) w.resolve(m);
          return !m;
        });
        nl = buf.indexOf("\n");
      }
    };
    this.proc.stdout?.on("data", onData);
    this.proc.stderr?.on("data", onData);
  }

  /** A position in the log: waitFor(…, mark()) only looks at lines after it. */
  mark(): number {
    return this.lines.length;
  }

  /** Resolves with the first log line (from line `from` on, past or future) matching `re`. */
  waitFor(re: RegExp, ms: number, from = 0): Promise<RegExpMatchArray> {
    for (let i = from; i < this.lines.length; i++) {
      const m = this.lines[i].match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`firmware never logged ${re}; its log:\n${this.lines.join("\n")}`)),
        ms,
      );
      this.waiters.push({ re, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  }

  /** Resolves with the exit code (or the signal's name) once the process has ended, or undefined after `ms`. */
  exited(ms: number): Promise<number | string | undefined> {
    if (!this.running) return Promise.resolve(this.proc.exitCode ?? this.proc.signalCode ?? undefined);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(undefined), ms);
      this.proc.once("exit", (code, sig) => (clearTimeout(t), resolve(code ?? sig ?? undefined)));
    });
  }

  /** Types `text` on the process's stdin (Espruino's REPL runs it). */
  send(text: string): void {
    this.proc.stdin?.write(text);
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Stops the firmware: SIGTERM (it releases its lease) or SIGKILL (a crash: nothing sent). */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM", keepState = false): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const done = new Promise((r) => this.proc.once("exit", r));
      this.proc.kill(signal);
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
      if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
    }
    if (!keepState) fs.rmSync(this.stateDir, { recursive: true, force: true });
  }
}
