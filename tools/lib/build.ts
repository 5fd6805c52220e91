// Builds one artifact per board file: dist/<board>/firmware.js (Espruino:
// ES5, minified; host: a Node CommonJS bundle) or dist/<board>/firmware.lua,
// and dist/sizes.json with the size of each.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { type Board, loadBoards, noServices } from "./boards";
import { bundleJs } from "./bundle-js";
import { bundleLua } from "./bundle-lua";
import { BUILD, DIST, ROOT, rel } from "./paths";
import { halAliases } from "./targets";

export interface Artifact {
  board: string;
  runtime: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  driverNote?: string;
}

const ENTRY: Record<string, string> = { node: "host", espruino: "espruino", lua51: "lua", lua53: "lua" };

/** SPI chip drivers: the module and factory a board's entry imports, so a bundle carries only its own chip. */
const CHIP_DRIVERS: Record<string, { module: string; factory: string }> = {
  w5500: { module: "hal/drivers/w5500", factory: "openW5500" },
  enc28j60: { module: "hal/drivers/enc28j60", factory: "openEnc28j60" },
};

/** A per-board entry module: the runtime's start() called with the board's config. */
function writeEntry(b: Board): string {
  const dir = path.join(BUILD, "gen", b.config.name);
  fs.mkdirSync(dir, { recursive: true });
  // Lua or Espruino with the UDP frame link is the development host's interpreter (luasocket, dgram), not a board.
  const hostEntry: Record<string, string> = { lua51: "lua-host", lua53: "lua-host", espruino: "espruino-host" };
  const entryName =
    b.config.mac.driver === "udp" && hostEntry[b.runtime] !== undefined ? hostEntry[b.runtime] : ENTRY[b.runtime];
  const target = path
    .relative(dir, path.join(ROOT, "firmware", entryName))
    .split(path.sep)
    .join("/");
  const file = path.join(dir, "main.ts");
  const chip = CHIP_DRIVERS[b.config.mac.driver];
  const from = (module: string): string => path.relative(dir, path.join(ROOT, module)).split(path.sep).join("/");
  const imports = [`import { start } from "${target}";`];
  const sv = b.config.services ?? noServices();
  // A W5500 with TCP in the chip opens with its TCP sockets set aside.
  const chipTcp = chip !== undefined && sv.tcp > 0 && sv.tcpChip;
  const factory = chipTcp
    ? `(s, c, h, m, o, g, p) => openW5500With(${sv.tcp}, s, c, h, m, o, g, p)`
    : chip !== undefined
      ? chip.factory
      : "undefined";
  const args = [JSON.stringify(b.config, null, 1), factory];
  if (chip !== undefined)
    imports.push(`import { ${chipTcp ? "openW5500With" : chip.factory} } from "${from(chip.module)}";`);
  // The control channel's code only in builds whose board has one (the Node host entry imports it itself).
  if (b.config.control.enabled && b.runtime !== "node") {
    imports.push(`import { serveControl } from "${from("firmware/control")}";`);
    // The channel's features (the probes, the stored settings): each a module only its boards import.
    const features: string[] = [];
    if (b.config.control.probes) {
      imports.push(`import { addProbes } from "${from("firmware/probes")}";`);
      features.push("addProbes(d, ch);");
    }
    if (b.config.control.settings) {
      imports.push(`import { addSettings } from "${from("firmware/settings")}";`);
      features.push("addSettings(d, ch);");
    }
    args.push(
      features.length === 0
        ? "serveControl"
        : `(d, o) => {\n  const ch = serveControl(d, o);\n  ${features.join("\n  ")}\n}`,
    );
  }
  // The services the board gives its program, each a module only its boards import.
  const calls: string[] = [];
  const svc = (module: string, fn: string, call: string): void => {
    imports.push(`import { ${fn} } from "${from(module)}";`);
    calls.push(call);
  };
  // IPv6 first: it is the stack's, not the program's (services is the one hook after start).
  if (b.config.ipv6 === true) svc("firmware/ipv6", "addIpv6", "addIpv6(d);");
  if (b.config.ipv6 === true && b.config.control.enabled)
    svc("firmware/ipv6-control", "addIpv6Control", "addIpv6Control(d);");
  // The servers are read from the device's board config: an entry may have changed them (NETRT_SNTP on the host).
  if (sv.dns) svc("firmware/app-dns", "addDns", "if (o.dns !== false) addDns(d, d.board.services!.dnsServers);");
  if (sv.sntp)
    svc("firmware/app-sntp", "addSntp", "if (o.sntp !== false) addSntp(d, d.board.services!.sntpServers, o.onTime);");
  if (sv.mdns) svc("firmware/app-mdns", "addMdns", "if (o.mdns !== false) addMdns(d, o.onName);");
  if (sv.sockets > 0) svc("firmware/app-udp", "addSockets", "addSockets(d);");
  if (sv.tcp > 0 && chipTcp) svc("firmware/app-tcp-chip", "addChipTcp", "addChipTcp(d);");
  else if (sv.tcp > 0) svc("firmware/app-tcp", "addTcp", "addTcp(d);");
  // Last: NetworkJS's sockets are the ones above. The entry may have turned it off (Espruino for Linux on dgram).
  if (sv.networkjs)
    svc(
      "firmware/app-networkjs",
      "addNetworkJs",
      "if (o.networkjs !== false && d.board.services!.networkjs) addNetworkJs(d);",
    );
  const services = calls.length === 0 ? "undefined" : `(d: Device, o: NetrtOptions) => {\n  ${calls.join("\n  ")}\n}`;
  if (calls.length > 0) {
    imports.push(`import type { Device, NetrtOptions } from "${from("firmware/device")}";`);
  }
  while (args.length < 3) args.push("undefined");
  args.push(services);
  while (args.length > 0 && args[args.length - 1] === "undefined") args.pop();
  let body: string;
  if (b.config.program) {
    // A module the program requires: the API object is what require("netrt") gives.
    imports[0] = `import { program } from "${target}-program";`;
    while (args.length < 4) args.push("undefined");
    if (b.runtime === "lua51" || b.runtime === "lua53") body = `export = program(${args.join(", ")});\n`;
    else if (b.runtime === "node")
      body = `declare const module: { exports: unknown };\nmodule.exports = program(${args.join(", ")});\n`;
    else
      body =
        `declare const exports: Record<string, unknown>;\nconst api = program(${args.join(", ")}) as unknown as Record<string, unknown>;\n` +
        `for (const k in api) exports[k] = api[k];\n`;
  } else body = `start(${args.join(", ")});\n`;
  fs.writeFileSync(
    file,
    `// Generated by tools/build.ts from ${b.file}. Do not edit.\n${imports.join("\n")}\n\n${body}`,
  );
  return file;
}

/** What every bundle is made from besides its board: the sources, the bundlers, the tools' versions. */
const INPUT_DIRS = ["src", "hal", "firmware", "tools/lib"];
const INPUT_FILES = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.core.json"];

/** One hash of every input file's path and content (a few milliseconds for the whole tree). */
export function inputsHash(): string {
  const h = createHash("sha256");
  const add = (file: string): void => {
    h.update(rel(file));
    h.update("\0");
    h.update(fs.readFileSync(file));
  };
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) add(p);
    }
  };
  for (const d of INPUT_DIRS) walk(path.join(ROOT, d));
  for (const f of INPUT_FILES) if (fs.existsSync(path.join(ROOT, f))) add(path.join(ROOT, f));
  return h.digest("hex");
}

const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/**
 * Builds one board. With `inputs` (inputsHash()), a bundle already made
 * from the same inputs, board and entry, and unchanged since, is kept: its
 * key file beside it says what it was made from and what it was.
 */
export async function buildBoard(b: Board, inputs?: string): Promise<Artifact> {
  const entry = writeEntry(b);
  const aliases = halAliases(b.runtime);
  const name = b.config.name;
  // A program's module is named for require("netrt"); a firmware starts at boot.
  const base = b.config.program ? "netrt" : "firmware";
  const js = b.runtime === "node" || b.runtime === "espruino";
  const outFile = path.join(DIST, name, base + (js ? ".js" : ".lua"));
  const keyFile = outFile + ".key";
  const key =
    inputs === undefined
      ? undefined
      : sha256(
          JSON.stringify([inputs, b.runtime, b.config, b.parametersFromArguments ?? false]) +
            fs.readFileSync(entry, "utf8"),
        );
  const kept =
    key !== undefined &&
    fs.existsSync(keyFile) &&
    fs.existsSync(outFile) &&
    fs.readFileSync(keyFile, "utf8") === `${key} ${sha256(fs.readFileSync(outFile))}\n`;
  if (!kept) {
    fs.rmSync(keyFile, { force: true });
    if (b.runtime === "node" || b.runtime === "espruino")
      await bundleJs({
        entry,
        runtime: b.runtime,
        aliases,
        outFile,
        parametersFromArguments: b.parametersFromArguments,
      });
    else await bundleLua({ entry, runtime: b.runtime, aliases, outFile, workDir: path.join(BUILD, "lua", name) });
    if (key !== undefined) fs.writeFileSync(keyFile, `${key} ${sha256(fs.readFileSync(outFile))}\n`);
  }
  const data = fs.readFileSync(outFile);
  return {
    board: name,
    runtime: b.runtime,
    file: rel(outFile),
    bytes: data.length,
    gzipBytes: gzipSync(data, { level: 9 }).length,
    driverNote: b.driverNote,
  };
}

/** Per-unit settings a build can take over its board file (npm run flash -- --mac). */
export interface BoardOverrides {
  hwaddr?: string;
  hostname?: string;
}

export async function buildAll(only?: string[], overrides: BoardOverrides = {}): Promise<Artifact[]> {
  // Only the boards being built are read: a broken file elsewhere does not stop this build.
  const boards = loadBoards(undefined, only);
  for (const b of boards) {
    if (overrides.hwaddr !== undefined) b.config.mac.hwaddr = overrides.hwaddr.toLowerCase();
    if (overrides.hostname !== undefined) b.config.hostname = overrides.hostname;
  }
  const out: Artifact[] = [];
  const inputs = inputsHash();
  for (const b of boards) out.push(await buildBoard(b, inputs));
  const sizesFile = path.join(DIST, "sizes.json");
  const previous = fs.existsSync(sizesFile)
    ? ((JSON.parse(fs.readFileSync(sizesFile, "utf8")) as { artifacts?: Record<string, Artifact> }).artifacts ?? {})
    : {};
  const artifacts: Record<string, Omit<Artifact, "board" | "driverNote">> = { ...previous };
  for (const a of out)
    artifacts[a.board] = { runtime: a.runtime, file: a.file, bytes: a.bytes, gzipBytes: a.gzipBytes };
  fs.mkdirSync(DIST, { recursive: true });
  fs.writeFileSync(sizesFile, `${JSON.stringify({ artifacts }, null, 2)}\n`);
  return out;
}
