// `npm run bench`: the bytes and lltable benchmarks on every runtime present,
// the artifact sizes, the control channel's timing, memory budgets on the
// real interpreters, the DHCP bring-up comparison against real clients, and
// the year-long soak on the sim clock;
// prints tables, writes dist/bench*.json.
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { runDhcpBench } from "../bench/dhcp-report";
import { controlBench } from "../bench/control-bench";
import { memoryBench, serviceCostBench } from "../bench/memory-bench";
import { soak, type SoakDay, soakProblems } from "../bench/soak";
import { tcpBench } from "../bench/tcp-bench";
import { BenchTable, writeBenchSection } from "./lib/bench-doc";
import { buildAll } from "./lib/build";
import { DIST } from "./lib/paths";
import { buildProgram, runProgram } from "./lib/program";
import { probeRuntimes } from "./lib/runtimes";

const SPEC = {
  name: "bench-bytes",
  jsEntry: "bench/entry-js.ts",
  luaEntry: "bench/entry-lua.ts",
  extraLuaGlobals: ["os"],
};

async function benchRuntimes(): Promise<void> {
  const results: Record<string, Record<string, { value: number; unit: string }>> = {};
  const names = new Set<string>();
  const absent: string[] = [];
  for (const p of probeRuntimes()) {
    if (p.absent !== undefined) {
      absent.push(`${p.runtime}: ${p.absent}`);
      continue;
    }
    const run = runProgram(p, await buildProgram(SPEC, p.runtime));
    const row: Record<string, { value: number; unit: string }> = {};
    for (const m of run.stdout.matchAll(/^BENCH (\S+) (\S+) (\S+)/gm)) {
      if (m[1] === "done") continue;
      row[m[1]] = { value: Number(m[2]), unit: m[3] };
      names.add(m[1]);
    }
    if (Object.keys(row).length === 0)
      throw new Error(`${p.runtime}: benchmark printed nothing: ${run.stderr.trim().slice(-300)}`);
    results[p.label] = row;
  }
  const table = new BenchTable(["measure", ...Object.keys(results)]);
  for (const n of names)
    table.push([
      n,
      ...Object.keys(results).map((r) => (results[r][n] ? `${results[r][n].value} ${results[r][n].unit}` : "-")),
    ]);
  console.log(table.toString());
  for (const a of absent) console.log(`absent ${a}`);

  const artifacts = await buildAll();
  const sizes = new BenchTable(["board", "runtime", "bytes", "gzip"]);
  for (const a of artifacts) sizes.push([a.board, a.runtime, a.bytes, a.gzipBytes]);
  console.log(sizes.toString());
  writeBenchSection("runtimes", "Bytes and lltable on every runtime, and the artifacts", [
    table,
    ...absent.map((a) => `Absent: ${a}.`),
    "Board bundles (`npm run build`):",
    sizes,
  ]);

  const out = path.join(DIST, "bench.json");
  fs.writeFileSync(
    out,
    `${JSON.stringify({ bytes: results, artifacts: artifacts.map(({ driverNote: _n, ...a }) => a) }, null, 2)}\n`,
  );
  console.log(`written: ${path.relative(process.cwd(), out)}`);
}

async function benchControl(): Promise<void> {
  await buildAll(["host"]);
  const rows = await controlBench(20);
  const t = new BenchTable([
    "control channel at 115200 baud (host board, pty)",
    "runs",
    "min ms",
    "median ms",
    "max ms",
    "bytes on the line",
    "their wire time ms",
    "median / wire",
  ]);
  for (const r of rows)
    t.push([r.what, r.runs, r.minMs, r.medianMs, r.maxMs, r.bytes, r.wireMs, (r.medianMs / r.wireMs).toFixed(2)]);
  console.log(t.toString());
  writeBenchSection("control", "The control channel at 115200 baud", [
    "The host board on its pty, both directions crossing at the line rate, the CLI's transport as the host.",
    t,
  ]);
  const out = path.join(DIST, "bench-control.json");
  fs.writeFileSync(out, `${JSON.stringify({ baud: 115200, rows }, null, 2)}\n`);
  console.log(`written: ${path.relative(process.cwd(), out)}`);
}

async function benchMemory(): Promise<void> {
  const artifacts = await buildAll([
    "lua51-host",
    "lua53-host",
    "lua51-host-lean",
    "lua53-host-lean",
    "espruino-host",
    "espruino-host-lean",
    "espruino-pico-w5500",
    "espruino-wifi-enc28j60",
    "espruino-esp32-w5500",
    "nodemcu-esp32-w5500",
    "nodemcu-esp8266-enc28j60",
  ]);
  const { rows, absent } = await memoryBench();
  const t = new BenchTable([
    "runtime",
    "board",
    "code loaded",
    "unit",
    "boot + lease",
    `+ 32 ARP entries`,
    "growth",
    "of total",
    "the code itself",
    "the interpreter's own",
    "ours besides code (RAM with code in flash)",
  ]);
  for (const r of rows) {
    const fits = r.bound >= 0;
    t.push([
      r.runtime,
      r.board,
      r.loaded,
      r.unit,
      fits ? r.bound : (r.note ?? "did not bind"),
      fits ? r.with32 : "",
      fits ? r.growth : "",
      r.total < 0 ? "" : r.total,
      r.code < 0 ? "" : r.code,
      r.interpreter > 0 ? r.interpreter : "",
      r.code < 0 || !fits ? "" : r.with32 - r.code - r.interpreter,
    ]);
  }
  console.log(t.toString());
  for (const a of absent) console.log(`  absent: ${a}`);
  // Where the variables go, for the Espruino rows that could walk their device.
  const parts = new BenchTable(["board", "code loaded", "part", "vars"]);
  for (const r of rows.filter((x) => x.parts !== undefined && x.parts.length > 0)) {
    const inParts = r.parts!.reduce((n, p) => n + p.vars, 0);
    parts.push([r.board, r.loaded, "the code (functions, classes, module tables)", r.code]);
    for (const p of [...r.parts!].sort((a, b) => b.vars - a.vars)) if (p.vars > 0) parts.push(["", "", p.name, p.vars]);
    parts.push(["", "", "the rest (timers, the interpreter's own, the runner)", r.with32 - r.code - inParts]);
  }
  if (parts.length > 0) console.log(parts.toString());
  const sizes = new BenchTable(["board", "runtime", "bytes", "gzip"]);
  for (const a of artifacts) sizes.push([a.board, a.runtime, a.bytes, a.gzipBytes]);
  console.log(sizes.toString());
  // The program's services on and off: each a build of the base board with that feature.
  const services = await serviceCostBench();
  const costs = new BenchTable([
    "runtime",
    "board built",
    "features",
    "unit",
    "held (what the budget limits)",
    "+",
    "the code itself",
    "+",
    "bundle bytes",
    "+",
  ]);
  for (const r of services.rows) {
    const first = services.rows.find((x) => x.group === r.group)!;
    const plus = (a: number, b: number): string | number => (r === first || a < 0 || b < 0 ? "" : a - b);
    costs.push([
      r.runtime,
      r.board,
      r.note !== undefined && r.held >= 0 ? `${r.features} (${r.note})` : r.features,
      r.unit,
      r.held >= 0 ? r.held : (r.note ?? "did not bind"),
      plus(r.held, first.held),
      r.code >= 0 ? r.code : "",
      plus(r.code, first.code),
      r.bundleBytes,
      plus(r.bundleBytes, first.bundleBytes),
    ]);
  }
  console.log(costs.toString());
  for (const a of services.absent) console.log(`  absent: ${a}`);
  writeBenchSection("memory", "Memory on the real interpreters", [
    "After boot, a DHCP lease from dnsmasq on the host link and 32 more ARP entries. For Lua, *the code itself* is the heap the chunk takes once loaded and before it runs (what NodeMCU's Lua Flash Store keeps in flash); *the interpreter's own* is the bare interpreter with the libraries the host build loads (the standard ones, luasocket, and lua-bitop on 5.1), which NodeMCU keeps in ROM or does without; *ours besides code* is what a board holds in RAM for us whatever it does with its code (what the Lua budgets limit). Espruino counts variables; from Storage, *the code itself* is what the loaded bundle holds before start() runs (its functions, classes and module tables: the code stays in flash, each function still costs variables). Rows on a 32-bit interpreter with a board's variable count (ESPRUINO_BOARDS) are what an STM32 board sees; a build that does not fit says so.",
    t,
    ...absent.map((a) => `Absent: ${a}.`),
    ...(parts.length > 0
      ? [
          "Where the variables go on Espruino, after the figures above: the loaded code, then each part of the device (the stack's fields, then the device's own; an object counted once, with its fields, buffers and the scopes of the closures it holds). A board-sized interpreter too full to walk itself has no rows here.",
          parts,
        ]
      : []),
    "The bundles measured:",
    sizes,
    "The program's services and the embedding API on and off (`services` and `program` in a board file). Each row is a build of its own, measured as above: Lua as stripped bytecode, Espruino from Storage. *Held* is what the budgets limit: Lua's heap besides the code and the interpreter's own, Espruino's variables in use. Each *+* column is over the first row of the same board. *dns* is the resolver alone; *sntp* alone takes its servers from DHCP option 42; *mdns* carries the DNS wire code; *all* is 2 sockets, DNS, SNTP and mDNS. The `*-app` rows compare a program board built as firmware with the same board built as the program's module (`require(\"netrt\")`) that a program of one line starts; those boards have no control channel.",
    costs,
    ...services.absent.map((a) => `Absent: ${a}.`),
  ]);
  const out = path.join(DIST, "bench-memory.json");
  fs.writeFileSync(
    out,
    `${JSON.stringify({ rows, absent, services, artifacts: artifacts.map(({ driverNote: _n, ...a }) => a) }, null, 2)}\n`,
  );
  console.log(`written: ${path.relative(process.cwd(), out)}`);
}

async function benchTcp(): Promise<void> {
  const bytes = 4 * 1048576;
  await buildAll(["host-app"]);
  const r = await tcpBench(bytes);
  if (r.absent !== undefined) {
    console.log(`tcp: absent: ${r.absent}`);
    return;
  }
  const t = new BenchTable(["end of the link", "direction", "bytes", "seconds", "MB/s"]);
  for (const x of r.rows) t.push([x.end, x.direction, x.bytes, x.seconds.toFixed(2), x.mbPerSecond.toFixed(2)]);
  console.log(t.toString());
  writeBenchSection("tcp", "TCP throughput over the host link", [
    "A Linux peer (Python's sockets) sends to and receives from one end of the host link, each direction alone, no loss: the device's transfer program (`test/fixtures/tcp-transfer.js` on `host-app`: a sink that answers the SHA-256 of what it got, a source of a pattern), then Linux's own TCP in a namespace whose TAP takes the firmware's place on the same UDP frame link (the same socats, unix sockets, bridge and veth). The device's window is the board's 8 KB buffer; Linux's is its own.",
    t,
  ]);
  const out = path.join(DIST, "bench-tcp.json");
  fs.mkdirSync(DIST, { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(r, null, 1)}\n`);
  console.log(`written: ${path.relative(process.cwd(), out)}`);
}

function benchSoak(days: number): void {
  console.log(`soak: ${days} virtual days, 60 s lease, 10 % loss each way, control channel subscribed to every group`);
  const t = new BenchTable([
    "day",
    "renewals",
    "rebinds",
    "expiries",
    "frames lost",
    "timers armed",
    "lltable entries",
    "heap after GC",
    "notifications (total)",
    "s without address",
  ]);
  const r = soak(days, (d) => {
    if (d.day === 1 || d.day % 30 === 0 || d.day === days)
      t.push([
        d.day,
        d.renewals,
        d.rebinds,
        d.expiries,
        d.framesLost,
        d.timersArmed,
        d.lltableEntries,
        d.heapBytes >= 0 ? d.heapBytes : "",
        d.notifications,
        d.secondsWithoutAddress,
      ]);
  });
  console.log(t.toString());
  const sum = (f: (d: SoakDay) => number) => r.days.reduce((s, d) => s + f(d), 0);
  const problems = soakProblems(r);
  console.log(
    `${days} days in ${r.wallSeconds.toFixed(0)} s: ${sum((d) => d.renewals)} renewals, ${sum((d) => d.rebinds)} rebinds, ${sum((d) => d.expiries)} expiries, ${sum((d) => d.framesLost)} frames lost; ${problems.length === 0 ? "flat, never without the address" : `PROBLEMS: ${problems.join("; ")}`}`,
  );
  writeBenchSection("soak", "The soak", [
    `${days} virtual days of a 60 s lease, 10 % of frames lost each way, a peer talking every minute, the control channel subscribed to every group; ${r.wallSeconds.toFixed(0)} s of wall time.`,
    t,
    `Totals: ${sum((d) => d.renewals)} renewals, ${sum((d) => d.rebinds)} rebinds, ${sum((d) => d.expiries)} expiries, ${sum((d) => d.framesLost)} frames lost; ${problems.length === 0 ? "flat, never without the address" : `problems: ${problems.join("; ")}`}.`,
  ]);
  const out = path.join(DIST, "bench-soak.json");
  fs.mkdirSync(DIST, { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ ...r, problems }, null, 1)}\n`);
  console.log(`written: ${path.relative(process.cwd(), out)}`);
  if (problems.length > 0) process.exitCode = 1;
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError("1..1000");
  return n;
}

new Command()
  .name("bench")
  .description(
    "benchmarks: bytes/lltable per runtime with artifact sizes, control channel timing, memory, DHCP bring-up against udhcpc, dhcpcd and dhclient, and the year-long soak",
  )
  .addOption(
    new Option("--only <part>", "run one part").choices(["runtimes", "control", "memory", "dhcp", "soak", "tcp"]),
  )
  .option("--runs <n>", "DHCP runs per client and condition", count, 10)
  .option("--days <n>", "virtual days of the soak", count, 365)
  .action(async (o: { only?: string; runs: number; days: number }) => {
    if (o.only === undefined || o.only === "runtimes") await benchRuntimes();
    if (o.only === undefined || o.only === "control") await benchControl();
    if (o.only === undefined || o.only === "memory") await benchMemory();
    if (o.only === undefined || o.only === "dhcp") await runDhcpBench(o.runs, path.join(DIST, "bench-dhcp.json"));
    if (o.only === undefined || o.only === "soak") benchSoak(o.days);
    if (o.only === undefined || o.only === "tcp") await benchTcp();
  })
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
