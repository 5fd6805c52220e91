// Flashing a NodeMCU board: nodemcu-tool's connector uploads netrt.lua (or .lc) and init.lua, then a restart is watched.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import cliProgress from "cli-progress";
import { SerialPort } from "serialport";
import { buildAll } from "../lib/build";
import { withLuaNetrtEnv } from "../lib/espruino-host";
import { ROOT } from "../lib/paths";
import { FlashError, FlashOptions, NODEMCU_REPL, envSettings, expectPrompt } from "./common";

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

export async function flashNodeMcu(o: FlashOptions, bar: cliProgress.SingleBar): Promise<void> {
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
      // Bytecode without locals, upvalue names and line numbers takes a fifth less heap (docs/BENCHMARKS.md, memory).
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
