// Memory budgets on the real interpreters: the Lua host bundles on lua5.1 +
// bit and lua5.3 (collectgarbage("count") after a full collection) and the
// Espruino bundle on Espruino's interpreter for Linux (process.memory(),
// in variables), each on the host link with dnsmasq: after boot + a DHCP
// lease, and again once 32 more neighbours are in its ARP table (32 source
// addresses on the peer ping it). Espruino runs its code the way a board
// does: stored in Storage (flash) and evaluated from there, and for
// comparison as a script held in RAM; and without the control channel
// (espruino-host-lean), as a board short of memory (the Pico) is built. Lua
// rows also say how much of the heap is the code itself (the chunk loaded,
// not run): the part NodeMCU's Lua Flash Store would keep in flash.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { dnsmasqLink } from "../tools/lib/dhcp-servers";
import { namesFile } from "../tools/lib/bundle-js";
import { withNetrtEnv } from "../tools/lib/espruino-host";
import { FirmwareProcess } from "../tools/lib/firmware-proc";
import { hostLinkUnavailable } from "../tools/lib/hostlink";
import { ROOT } from "../tools/lib/paths";
import { type Board, loadBoards, parseBoard } from "../tools/lib/boards";
import { buildBoard } from "../tools/lib/build";

export interface MemoryRow {
  runtime: string;
  /** The board built: its feature set. */
  board: string;
  /** How the code was loaded. */
  loaded: string;
  unit: string;
  /** Memory in use after boot and a bound lease. */
  bound: number;
  /** With 32 more ARP entries. */
  with32: number;
  /** with32 - bound: the lltable is preallocated at its capacity, so this stays near 0. */
  growth: number;
  lltableEntries: number;
  /** The interpreter's total, where it has one (Espruino's variables). */
  total: number;
  /**
   * Lua: heap the loaded code itself takes (the chunk loaded, not run), and
   * so what a board with its code in flash (NodeMCU's LFS) would not hold
   * in RAM; -1 where not measured (Espruino from Storage keeps code in flash).
   */
  code: number;
  /**
   * Lua: the heap of the bare interpreter with the libraries the host build
   * loads (luasocket; lua-bitop on 5.1), which NodeMCU keeps in ROM (or has
   * no need of); 0 for Espruino,
   * whose rows count every variable in use.
   */
  interpreter: number;
  /**
   * Espruino from Storage: the variables each part of the device holds
   * (its own fields, buffers and the closures it keeps, each counted once,
   * in this order), measured after the rest by walking the device.
   */
  parts?: { name: string; vars: number }[];
  note?: string;
}

/** The part of a row a budget limits: Lua's heap besides its code and the interpreter's own, Espruino's variables in use. */
export function budgeted(r: MemoryRow): number {
  return r.unit === "bytes" ? r.with32 - r.code - r.interpreter : r.with32;
}

const NEIGHBOURS = 32;
const MEMORY_LINE = /memory: used (\d+) (bytes|vars)(?: of (\d+))?; lltable (\d+) entries/;

export interface Target {
  runtime: string;
  board: string;
  loaded: string;
  absent(): string | undefined;
  /** Prepares the state directory and returns the command. */
  command(env: Record<string, string>, dir: string): string[];
  /** Heap the code takes once loaded and before it runs, in the row's unit; -1: not measured. */
  codeSize(dir: string): number;
  /** Heap the interpreter holds before any of our code (MemoryRow.interpreter). */
  interpreterSize(): number;
  /** Where the firmware logs that itself (Espruino from Storage). */
  codeLine?: RegExp;
}

/** Bytes of the bundle per Storage.write: a board-sized interpreter cannot hold the whole text in RAM. */
const STORE_CHUNK = 2048;

/**
 * Writes `code` to the interpreter's Storage (espruino.flash in `dir`) a
 * chunk per run, as an upload to a board's flash does: the text never has
 * to fit in the interpreter's RAM.
 */
export function storeInFlash(bin: string, dir: string, name: string, code: string): void {
  const script = path.join(dir, "store.js");
  // Offsets count bytes: each chunk goes as base64 (atob gives a byte string), whatever UTF-8 the bundle holds.
  const bytes = Buffer.from(code, "utf8");
  for (let off = 0; off < bytes.length; off += STORE_CHUNK) {
    const part = bytes.subarray(off, off + STORE_CHUNK).toString("base64");
    fs.writeFileSync(
      script,
      `require("Storage").write(${JSON.stringify(name)}, atob("${part}"), ${off}, ${bytes.length});\nquit();\n`,
    );
    const r = spawnSync(bin, [script], { cwd: dir, encoding: "utf8", timeout: 60000 });
    if (r.status !== 0 || /Uncaught|ERROR|OUT OF MEMORY/.test(r.stdout))
      throw new Error(`storing the bundle failed at byte ${off}: ${r.stdout.slice(-300)}${r.stderr}`);
  }
  fs.rmSync(script);
}

/**
 * The script that runs the stored bundle. Its first read of NETRT_IPV4 (the
 * first thing start() does) logs the variables the bundle holds once
 * loaded: its functions, classes and module tables, before any state.
 */
function espruinoRunner(env: Record<string, string>, body: string): string {
  return withNetrtEnv(
    env,
    `var NETRT_M0 = process.memory().usage, NETRT_V4 = NETRT_ENV.NETRT_IPV4;
Object.defineProperty(NETRT_ENV, "NETRT_IPV4", { get: function () {
  if (NETRT_M0 >= 0) { print("memory: code " + (process.memory().usage - NETRT_M0) + " vars"); NETRT_M0 = -1; }
  return NETRT_V4; } });
${body}`,
  );
}

const CODE_LINE = /memory: code (\d+) vars/;

/**
 * Typed into Espruino's REPL once the figures are taken: walks the device
 * the host entry exposes (NETRT_EXPOSE_DEVICE) and prints "part: <name>
 * <vars>" for each field of its stack and of the device. An object is
 * counted once, with its fields, buffers and the scopes of the functions it
 * holds, never its prototype; a function's code is not counted (that is the
 * code row).
 */
const deviceWalk = (stackKey: string): string => `(function(){var seen=[];
function own(v){if(v===null||(typeof v!="object"&&typeof v!="function"))return 0;if(seen.indexOf(v)>=0)return 0;seen.push(v);
if(typeof v=="function"){var sc;try{sc=v["\\xFFsco"];}catch(e){}return 1+(sc?own(sc):0);}
var l=E.getSizeOf(v,1);if(!Array.isArray(l))return E.getSizeOf(v);var t=1;
for(var i=0;i<l.length;i++){var n=l[i].name;if(n=="__proto__"){t++;continue;}var c;try{c=v[n];}catch(e){}
if(c!==null&&(typeof c=="object"||typeof c=="function"))t+=own(c)+1;else t+=l[i].size;}return t;}
var d=NETRT_ENV.NETRT_DEVICE,out=[];
function walk(o,skip){E.getSizeOf(o,1).forEach(function(c){if(c.name=="__proto__"||c.name==skip)return;var v=o[c.name];
out.push("part: "+c.name+" "+((v!==null&&(typeof v=="object"||typeof v=="function"))?own(v):c.size));});}
var s=d["${stackKey}"];seen.push(d);seen.push(s);walk(s,"");walk(d,"${stackKey}");
out.forEach(function(l){print(l);});print("part"+": end");})();
`;

class OutOfMemory extends Error {
  constructor(readonly codeLine: string | undefined) {
    super("the interpreter ran out of memory");
  }
}

/** An Espruino interpreter: ESPRUINO (as built, 64-bit) or one of ESPRUINO_BOARDS (32-bit, a board's variable count). */
export interface EspruinoBin {
  path: string;
  label: string;
  vars: number;
}

/** The interpreters ESPRUINO_BOARDS names (comma-separated), each labelled with its variable count. */
export function boardSizedEspruinos(): { bins: EspruinoBin[]; absent?: string } {
  const list = (process.env.ESPRUINO_BOARDS ?? "").split(",").filter((p) => p !== "");
  if (list.length === 0) return { bins: [], absent: "ESPRUINO_BOARDS is not set" };
  const bins: EspruinoBin[] = [];
  for (const p of list) {
    if (!fs.existsSync(p)) return { bins, absent: `${p} (in ESPRUINO_BOARDS) does not exist` };
    const r = spawnSync(
      p,
      ["-e", 'print("vars " + process.memory().total + " block " + process.memory().blocksize); quit();'],
      {
        encoding: "utf8",
        timeout: 10000,
      },
    );
    const m = /vars (\d+) block (\d+)/.exec(r.stdout);
    if (m === null) return { bins, absent: `${p} (in ESPRUINO_BOARDS) did not report its memory` };
    bins.push({ path: p, label: `${m[1]} vars of ${m[2]} bytes`, vars: Number(m[1]) });
  }
  return { bins: bins.sort((a, b) => a.vars - b.vars) };
}

/**
 * `program`: the board builds the program's module (netrt.js), registered
 * from Storage as the IDE's "save on send" leaves a module, and run as a
 * program that only calls require("netrt").start({}).
 */
export function espruinoTarget(
  fromFlash: boolean,
  board = "espruino-host",
  bin?: EspruinoBin,
  program = false,
): Target {
  const bundle = (): string =>
    fs.readFileSync(path.join(ROOT, "dist", board, program ? "netrt.js" : "firmware.js"), "utf8");
  const run = program
    ? `Modules.addCached("netrt", require("Storage").read("netrt.js"));\nrequire("netrt").start({});`
    : `eval(require("Storage").read("netrt.js"));`;
  const binPath = (): string => (bin !== undefined ? bin.path : process.env.ESPRUINO!);
  const where = bin !== undefined ? `, on a 32-bit interpreter with ${bin.label}` : "";
  return {
    runtime: "espruino",
    board,
    loaded:
      (fromFlash ? "from Storage (flash), as a board boots" : "as a script in RAM") +
      (program ? ', a program\'s require("netrt")' : "") +
      where,
    absent: () =>
      bin !== undefined || (process.env.ESPRUINO && fs.existsSync(process.env.ESPRUINO))
        ? undefined
        : "ESPRUINO is not set",
    command: (env, dir) => {
      const script = path.join(dir, "run.js");
      if (fromFlash) {
        storeInFlash(binPath(), dir, "netrt.js", bundle());
        fs.writeFileSync(script, espruinoRunner(env, run));
      } else if (program) throw new Error("a program's module is measured from Storage only");
      else fs.writeFileSync(script, withNetrtEnv(env, bundle()));
      return [binPath(), script];
    },
    codeSize: () => -1,
    interpreterSize: () => 0,
    codeLine: fromFlash ? CODE_LINE : undefined,
  };
}

/**
 * `stripped`: loaded as bytecode without debug information (luac -s), as
 * compiling on a board with its debug stripping leaves it. `board`: the host
 * board built (lua51-host, or lua51-host-lean without the control channel).
 * `program`: the board builds the program's module (netrt.lua), run as a
 * program that only calls require("netrt").start({}).
 */
export function luaTarget(v: "5.1" | "5.3", stripped: boolean, board: string, program = false): Target {
  // The file the interpreter loads: the bundle, or its stripped bytecode in the state directory.
  const chunk = (dir: string): string => {
    const source = path.join(ROOT, "dist", board, program ? "netrt.lua" : "firmware.lua");
    if (!stripped) return source;
    // A program's require finds the module as netrt.lua (bytecode loads under any name).
    const lc = path.join(dir, program ? "netrt.lua" : "netrt.lc");
    const r = spawnSync(`luac${v}`, ["-s", "-o", lc, source], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`luac${v} failed: ${r.stderr}`);
    return lc;
  };
  const command = (dir: string): string[] => {
    if (!program) return [`lua${v}`, chunk(dir)];
    // As tools/lib/lua-program.lua runs a program, but with the module's chunk kept (package.preload): a
    // firmware's main chunk never returns on the host, so its code stays counted, and so must the module's.
    const main = path.join(dir, "main.lua");
    fs.writeFileSync(
      main,
      `package.preload.netrt = assert(loadfile(${JSON.stringify(chunk(dir))}))\n` +
        `local netrt = require("netrt")\nnetrt.start({})\nnetrt.run()\n`,
    );
    return [`lua${v}`, main];
  };
  return {
    runtime: `lua${v.replace(".", "")}`,
    board,
    loaded:
      (stripped ? "bytecode, debug info stripped (luac -s)" : "the bundle as one chunk (dofile)") +
      (program ? ', a program\'s require("netrt")' : ""),
    absent: () =>
      spawnSync(`lua${v}`, ["-e", "require('socket')"]).status === 0
        ? undefined
        : `lua${v} with luasocket is not installed`,
    command: (_env, dir) => command(dir),
    codeSize: (dir) => {
      // Loading compiles (or undumps) every function of the bundle without running any.
      const probe = `collectgarbage("collect") local a = collectgarbage("count") local f = assert(loadfile(arg[1])) collectgarbage("collect") print(math.floor((collectgarbage("count") - a) * 1024))`;
      const r = spawnSync(`lua${v}`, ["-e", `arg = { ${JSON.stringify(chunk(dir))} }`, "-e", probe], {
        encoding: "utf8",
      });
      const n = Number(r.stdout.trim());
      if (r.status !== 0 || !Number.isFinite(n)) throw new Error(`measuring the code on lua${v} failed: ${r.stderr}`);
      return n;
    },
    interpreterSize: () => {
      // The host build's libraries: the standard ones, luasocket (its UDP link and clock) and on 5.1 lua-bitop (NodeMCU's built-in bit).
      const probe = `require("socket") ${v === "5.1" ? 'require("bit")' : ""} collectgarbage("collect") print(math.floor(collectgarbage("count") * 1024))`;
      const r = spawnSync(`lua${v}`, ["-e", probe], { encoding: "utf8" });
      const n = Number(r.stdout.trim());
      if (r.status !== 0 || !Number.isFinite(n)) throw new Error(`measuring lua${v} itself failed: ${r.stderr}`);
      return n;
    },
  };
}

/** The device's parts and their variables, named as in the source (the build's firmware.names.json). */
async function deviceParts(fw: FirmwareProcess, board: string): Promise<{ name: string; vars: number }[] | undefined> {
  // A firmware's bundle, or a program's module.
  const dir = path.join(ROOT, "dist", board);
  const bundle = path.join(dir, fs.existsSync(path.join(dir, "firmware.js")) ? "firmware.js" : "netrt.js");
  const names = JSON.parse(fs.readFileSync(namesFile(bundle), "utf8")) as Record<string, string>;
  const stackKey = Object.keys(names).find((k) => names[k] === "stack") ?? "stack";
  const from = fw.mark();
  fw.send(`${deviceWalk(stackKey).replace(/\n/g, "")}\n`);
  try {
    await fw.waitFor(/part: end/, 20000, from); // the REPL echoes the walk as "part"+": end"
  } catch {
    return undefined; // a board too full to walk itself: the row says nothing of its parts
  }
  const parts: { name: string; vars: number }[] = [];
  for (const l of fw.lines.slice(from)) {
    const m = /part: (\S+) (\d+)\r?$/.exec(l);
    if (m) parts.push({ name: names[m[1]] ?? m[1], vars: Number(m[2]) });
  }
  return parts;
}

export async function measure(t: Target, index: number): Promise<MemoryRow> {
  const base = 48500 + (process.pid % 200) * 10 + index * 2;
  const { link } = await dnsmasqLink(`m${index}${process.pid % 10000}`, base);
  let fw: FirmwareProcess | undefined;
  try {
    const env = {
      NETRT_RX_PORT: String(base),
      NETRT_TX_PORT: String(base + 1),
      NETRT_MEMORY_REPORT_SECONDS: "1",
      NETRT_LLTABLE_CAPACITY: "40",
      NETRT_EXPOSE_DEVICE: "1",
    };
    const state = path.join(link.dir, "state");
    fs.mkdirSync(state, { recursive: true });
    fw = new FirmwareProcess(env, state, t.command(env, state));
    const started = fw;
    // A build that does not fit runs out of memory: a row that says so, not a failed bench.
    const outOfMemory = new Promise<never>((_resolve, reject) => {
      void started.waitFor(/OUT OF MEMORY|LOW_MEMORY/, 120000).then(
        () => reject(new OutOfMemory(started.lines.find((l) => CODE_LINE.test(l)))),
        () => undefined,
      );
    });
    outOfMemory.catch(() => undefined);
    const ip = (await Promise.race([fw.waitFor(/bound to (\d+\.\d+\.\d+\.\d+)\/24/, 30000), outOfMemory]))[1];
    const after = async (from: number): Promise<RegExpMatchArray> =>
      Promise.race([fw!.waitFor(MEMORY_LINE, 10000, from), outOfMemory]);
    // Two reports after binding: the second is the settled figure.
    await after(fw.mark());
    const bound = await after(fw.mark());
    for (let i = 0; i < NEIGHBOURS; i++)
      link.exec(link.peerNs, ["ip", "addr", "add", `192.0.2.${200 + i}/24`, "dev", link.peerIf]);
    // Up to 5 s for each answer: Espruino for Linux, running from Storage, has been seen to send nothing for
    // about 4 s a few seconds after binding.
    for (let i = 0; i < NEIGHBOURS; i++)
      link.exec(link.peerNs, ["ping", "-n", "-c", "1", "-W", "5", "-I", `192.0.2.${200 + i}`, ip], true);
    await after(fw.mark());
    const full = await after(fw.mark());
    const entries = Number(full[4]);
    const used0 = Number(bound[1]);
    const used1 = Number(full[1]);
    const added = entries - Number(bound[4]);
    return {
      runtime: t.runtime,
      board: t.board,
      loaded: t.loaded,
      unit: full[2],
      bound: used0,
      with32: used1,
      growth: used1 - used0,
      lltableEntries: entries,
      total: full[3] !== undefined ? Number(full[3]) : -1,
      code: t.codeLine !== undefined ? Number((await fw.waitFor(t.codeLine, 1000))[1]) : t.codeSize(state),
      interpreter: t.interpreterSize(),
      parts: t.codeLine !== undefined ? await deviceParts(fw, t.board) : undefined,
      note: added < NEIGHBOURS ? `only ${added} entries were added` : undefined,
    };
  } catch (e) {
    if (!(e instanceof OutOfMemory)) throw e;
    const code = e.codeLine !== undefined ? CODE_LINE.exec(e.codeLine) : null;
    return {
      runtime: t.runtime,
      board: t.board,
      loaded: t.loaded,
      unit: "vars",
      bound: -1,
      with32: -1,
      growth: 0,
      lltableEntries: 0,
      total: -1,
      code: code !== null ? Number(code[1]) : -1,
      interpreter: t.interpreterSize(),
      note: "out of memory: does not fit",
    };
  } finally {
    await fw?.stop();
    link.dispose();
  }
}

/** Every runtime present; absent ones are listed with the reason. */
export async function memoryBench(): Promise<{ rows: MemoryRow[]; absent: string[] }> {
  const why = hostLinkUnavailable();
  if (why !== undefined) return { rows: [], absent: [`all: ${why}`] };
  const targets: Target[] = [];
  for (const v of ["5.1", "5.3"] as const) {
    const board = `lua${v.replace(".", "")}-host`;
    targets.push(luaTarget(v, false, board), luaTarget(v, true, board), luaTarget(v, true, `${board}-lean`));
  }
  targets.push(espruinoTarget(true), espruinoTarget(true, "espruino-host-lean"), espruinoTarget(false));
  const sized = boardSizedEspruinos();
  for (const bin of sized.bins)
    targets.push(espruinoTarget(true, "espruino-host", bin), espruinoTarget(true, "espruino-host-lean", bin));
  const rows: MemoryRow[] = [];
  const absent: string[] = [];
  if (sized.absent !== undefined) absent.push(`espruino (32-bit, a board's variable count): ${sized.absent}`);
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    const a = t.absent();
    if (a !== undefined) absent.push(`${t.runtime} (${t.loaded}): ${a}`);
    else rows.push(await measure(t, i));
  }
  return { rows, absent };
}

/**
 * The program's services, each alone and all together, as board features
 * (the "services" of a board file); and IPv6 (the board's "ipv6"), with the
 * control channel's IPv6 part the board's channel brings.
 */
export const SERVICE_SETS: { label: string; services?: Record<string, unknown>; ipv6?: boolean }[] = [
  { label: "sockets", services: { sockets: 2 } },
  { label: "dns", services: { dns: true } },
  { label: "sntp", services: { sntp: true } },
  { label: "mdns", services: { mdns: true } },
  { label: "tcp", services: { tcp: true } },
  { label: "all", services: { sockets: 2, dns: true, sntp: true, mdns: true } },
  { label: "ipv6", ipv6: true },
];

/** A board file's config, changed and renamed: a board built for the bench and never written to boards/. */
function variant(base: string, name: string, change: (config: Record<string, unknown>) => void): Board {
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, "boards", `${base}.json`), "utf8")) as Record<
    string,
    unknown
  >;
  config.name = name;
  config.description = `${base}, changed for the memory bench`;
  // The base board's budget is for the base board; its other memory settings (Espruino's parameters) stay.
  const memory = config.memory as Record<string, unknown> | undefined;
  if (memory !== undefined) {
    delete memory.budget;
    if (Object.keys(memory).length === 0) delete config.memory;
  }
  change(config);
  return parseBoard(path.join("build", "bench-boards", `${name}.json`), JSON.stringify(config));
}

/** `base` (a board file without services) with each service set: boards named `<base>-with-<set>`. */
export function serviceBoards(base: string): Board[] {
  return SERVICE_SETS.map((set) =>
    variant(base, `${base}-with-${set.label}`, (c) => {
      if (c.services !== undefined) throw new Error(`${base} already has services`);
      if (set.services !== undefined) c.services = set.services;
      if (set.ipv6 === true) c.ipv6 = true;
    }),
  );
}

export interface ServiceCostRow {
  runtime: string;
  /** Rows of a group compare with the group's first row. */
  group: string;
  board: string;
  /** What the build has, in words. */
  features: string;
  loaded: string;
  unit: string;
  /** What the budgets limit: Lua's heap besides code and the interpreter's own; Espruino's variables in use. */
  held: number;
  /** The code's own (Lua heap of the loaded chunk; Espruino's variables of the loaded bundle). */
  code: number;
  bundleBytes: number;
  note?: string;
}

/**
 * Each service's cost on the boards the budgets hold (lua51-host and
 * lua53-host as stripped bytecode, espruino-host from Storage on the
 * largest board-sized interpreter given, else ESPRUINO's): the board, then
 * the board with each service set. And the embedding API's: a program
 * board (`*-app`) built as firmware with the same services, then as the
 * program's module started by a program. Every row is a build of its own,
 * measured as memoryBench measures.
 */
export async function serviceCostBench(): Promise<{ rows: ServiceCostRow[]; absent: string[] }> {
  const why = hostLinkUnavailable();
  if (why !== undefined) return { rows: [], absent: [`services: ${why}`] };
  const bins = boardSizedEspruinos().bins;
  const bin = bins.length > 0 ? bins[bins.length - 1] : undefined;
  const runtimes: { host: string; app: string; target: (board: string, program: boolean) => Target }[] = [
    { host: "lua51-host", app: "lua51-app", target: (b, p) => luaTarget("5.1", true, b, p) },
    { host: "lua53-host", app: "lua53-app", target: (b, p) => luaTarget("5.3", true, b, p) },
    { host: "espruino-host", app: "espruino-app", target: (b, p) => espruinoTarget(true, b, bin, p) },
  ];
  const rows: ServiceCostRow[] = [];
  const absent: string[] = [];
  let index = 60;
  for (const rt of runtimes) {
    const a = rt.target(rt.host, false).absent();
    if (a !== undefined) {
      absent.push(`services on ${rt.host}: ${a}`);
      continue;
    }
    const groups: { group: string; boards: Board[]; features: string[] }[] = [
      {
        group: rt.host,
        boards: [...loadBoards(undefined, [rt.host]), ...serviceBoards(rt.host)],
        features: ["none", ...SERVICE_SETS.map((x) => x.label)],
      },
      {
        group: rt.app,
        boards: [
          variant(rt.app, `${rt.app}-as-firmware`, (c) => {
            delete c.program;
          }),
          ...loadBoards(undefined, [rt.app]),
        ],
        features: ["all services, as firmware", "all services + the embedding API (a program)"],
      },
    ];
    for (const g of groups)
      for (let i = 0; i < g.boards.length; i++) {
        const b = g.boards[i];
        const art = await buildBoard(b);
        const r = await measure(rt.target(b.config.name, b.config.program === true), index++);
        rows.push({
          runtime: r.runtime,
          group: g.group,
          board: b.config.name,
          features: g.features[i],
          loaded: r.loaded,
          unit: r.unit,
          held: r.bound >= 0 ? budgeted(r) : -1,
          code: r.code,
          bundleBytes: art.bytes,
          note: r.note,
        });
      }
  }
  return { rows, absent };
}
