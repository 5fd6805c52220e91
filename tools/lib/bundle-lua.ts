// Lua artifacts: typescript-to-lua bundles the program (lualib imported
// minimally), then the real Lua compiler of the target version parses it and
// lists every global it touches. A parse failure (goto on 5.1) or a global
// the runtime lacks fails the build, mapped back to the TypeScript line
// through the bundle's source map.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SourceMapConsumer } from "source-map";
import * as tstl from "typescript-to-lua";
import { inlineConstsPlugin } from "./lua-inline-consts";
import ts from "typescript";
import { type Finding, PortabilityError } from "./findings";
import { ROOT, rel } from "./paths";
import { checkSources } from "./portability";
import { compilerOptions, LUA_EXTENSIONS, type Runtime } from "./targets";

export type LuaRuntime = Extract<Runtime, "lua51" | "lua53">;

const LUA51 =
  "assert collectgarbage dofile error getfenv getmetatable ipairs load loadfile loadstring next pairs pcall print rawequal rawget rawset require select setfenv setmetatable tonumber tostring type unpack xpcall _G _VERSION coroutine math string table debug bit";
const LUA53 =
  "assert collectgarbage dofile error getmetatable ipairs load loadfile next pairs pcall print rawequal rawget rawlen rawset require select setmetatable tonumber tostring type xpcall _G _VERSION coroutine math string table utf8 debug";
// Modules a NodeMCU firmware build exposes as globals.
const NODEMCU = "node tmr file uart gpio spi net wifi struct encoder crypto";

/** Globals each Lua runtime provides (standard library of that version, plus NodeMCU's modules). */
export function luaGlobals(runtime: LuaRuntime): Set<string> {
  return new Set(`${runtime === "lua51" ? LUA51 : LUA53} ${NODEMCU}`.split(" "));
}

export function luacFor(runtime: LuaRuntime): string {
  return runtime === "lua51" ? "luac5.1" : "luac5.3";
}

interface LuaRef {
  line: number;
  name: string;
  set: boolean;
}

/** Parses `luac -l -l` output into the globals read and written, with lines. */
export function parseLuacGlobals(listing: string): LuaRef[] {
  const refs: LuaRef[] = [];
  for (const l of listing.split("\n")) {
    let m = /\[(\d+)\]\s+(GETGLOBAL|SETGLOBAL)\s.*;\s*(\S+)\s*$/.exec(l);
    if (m) {
      refs.push({ line: Number(m[1]), name: m[3], set: m[2] === "SETGLOBAL" });
      continue;
    }
    m = /\[(\d+)\]\s+(GETTABUP|SETTABUP)\s.*;\s*_ENV\s+"([^"]+)"/.exec(l);
    if (m) refs.push({ line: Number(m[1]), name: m[3], set: m[2] === "SETTABUP" });
  }
  return refs;
}

/** NodeMCU's Lua 5.1 allows 50 active locals per function (LUAI_MAXVARS); stock Lua 5.1 allows 200. */
export const NODEMCU_51_MAX_LOCALS = 50;

/**
 * Functions of a `luac -l -l` listing with more locals active at once than
 * `max`: the line each begins on, and the count. Each local's debug entry
 * gives the instructions it lives over; the most alive at one instruction
 * is what the parser's limit counts.
 */
export function tooManyLocals(listing: string, max: number): { line: number; locals: number }[] {
  const out: { line: number; locals: number }[] = [];
  let line = 0;
  let ranges: [number, number][] | undefined;
  const finish = (): void => {
    if (ranges === undefined) return;
    const events: [number, number][] = [];
    for (const [a, b] of ranges) events.push([a, 1], [b, -1]);
    events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let alive = 0;
    let most = 0;
    for (const [, d] of events) most = Math.max(most, (alive += d));
    if (most > max) out.push({ line, locals: most });
    ranges = undefined;
  };
  for (const l of listing.split("\n")) {
    const f = /^(?:main|function) <[^:]*:(\d+),\d+>/.exec(l);
    if (f) {
      finish();
      line = Number(f[1]);
      continue;
    }
    if (/^locals \(\d+\) for /.test(l)) {
      ranges = [];
      continue;
    }
    const v = /^\t\d+\t\S+\t(\d+)\t(\d+)$/.exec(l);
    if (v && ranges !== undefined) ranges.push([Number(v[1]), Number(v[2])]);
    else if (ranges !== undefined && !/^\t/.test(l)) finish();
  }
  finish();
  return out;
}

/** Checks a Lua artifact with the target's own compiler. Findings name artifact lines. */
export function checkLuaArtifact(
  file: string,
  runtime: LuaRuntime,
  extraGlobals: string[] = [],
): { line: number; message: string }[] {
  const luac = luacFor(runtime);
  const res = spawnSync(luac, ["-p", "-l", "-l", file], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (res.error !== undefined)
    throw new Error(
      `${luac} not found: the Lua check needs Debian's ${runtime === "lua51" ? "lua5.1" : "lua5.3"} package (${res.error.message})`,
    );
  if (res.status !== 0) {
    const msg = res.stderr.trim();
    const m = /:(\d+):\s*(.*)$/.exec(msg);
    const line = m ? Number(m[1]) : 0;
    const text = fs.readFileSync(file, "utf8").split("\n")[line - 1] ?? "";
    const why = /\bgoto\b|::\w+::/.test(text)
      ? "goto needs Lua 5.2 or later; Lua 5.1 (NodeMCU) cannot run it"
      : `${luac} rejects it`;
    return [{ line, message: `${why}: ${m ? m[2] : msg}` }];
  }
  const allowed = luaGlobals(runtime);
  for (const g of extraGlobals) allowed.add(g);
  const out: { line: number; message: string }[] = [];
  if (runtime === "lua51")
    for (const f of tooManyLocals(res.stdout, NODEMCU_51_MAX_LOCALS))
      out.push({
        line: f.line,
        message: `a function with ${f.locals} locals alive at once: NodeMCU's Lua 5.1 allows ${NODEMCU_51_MAX_LOCALS} (LUAI_MAXVARS) and cannot load it`,
      });
  const seen = new Set<string>();
  for (const r of parseLuacGlobals(res.stdout)) {
    const key = `${r.name}@${r.line}@${r.set}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (r.set) out.push({ line: r.line, message: `assigns the global '${r.name}' (bundles must not leak globals)` });
    else if (!allowed.has(r.name))
      out.push({
        line: r.line,
        message: `global '${r.name}' does not exist on ${runtime === "lua51" ? "Lua 5.1 (NodeMCU)" : "Lua 5.3 (NodeMCU)"}`,
      });
  }
  return out;
}

async function toSourceFindings(luaFile: string, issues: { line: number; message: string }[]): Promise<Finding[]> {
  const mapFile = `${luaFile}.map`;
  const raw = fs.existsSync(mapFile) ? JSON.parse(fs.readFileSync(mapFile, "utf8")) : undefined;
  const consumer = raw ? await new SourceMapConsumer(raw) : undefined;
  try {
    return issues.map((i) => {
      const base = { file: rel(luaFile), line: i.line, col: 1, message: i.message };
      if (consumer === undefined || i.line === 0) return base;
      const pos = consumer.originalPositionFor({ line: i.line, column: 0, bias: SourceMapConsumer.LEAST_UPPER_BOUND });
      if (pos.source === null || pos.line === null) return base;
      const src = path.resolve(path.dirname(mapFile), raw.sourceRoot ?? "", pos.source);
      return {
        file: rel(src),
        line: pos.line,
        col: (pos.column ?? 0) + 1,
        message: `${i.message} (${rel(luaFile)}:${i.line})`,
      };
    });
  } finally {
    consumer?.destroy();
  }
}

/**
 * Drops indentation and trailing blanks (a fifth of a bundle). Line breaks
 * stay, so luac line numbers and the source map still hold. Skipped when the
 * text has a long bracket, whose contents whitespace belongs to.
 */
export function compactLua(text: string): string {
  if (/\[=*\[/.test(text)) return text;
  return text.replace(/^[ \t]+/gm, "").replace(/[ \t]+$/gm, "");
}

export interface LuaBundleOptions {
  entry: string;
  runtime: LuaRuntime;
  aliases: Record<string, string>;
  outFile: string;
  /** Scratch directory for the generated tsconfig and the source map. */
  workDir: string;
  /** Globals allowed beyond the runtime's own (host-only programs such as benchmarks). */
  extraGlobals?: string[];
}

export async function bundleLua(o: LuaBundleOptions): Promise<number> {
  const options = compilerOptions(o.runtime, o.aliases);
  const check = checkSources([o.entry], options, o.runtime);
  if (check.errors.length > 0) throw new Error(`type errors:\n${check.errors.join("\n")}`);
  if (check.findings.length > 0) throw new PortabilityError(o.runtime, check.findings);

  fs.mkdirSync(o.workDir, { recursive: true });
  const paths: Record<string, string[]> = {};
  for (const k of Object.keys(o.aliases)) paths[k] = [path.relative(ROOT, o.aliases[k]).replace(/\.ts$/, "")];
  const config = {
    compilerOptions: {
      strict: true,
      target: "ES2017",
      lib: ["ES2017"],
      types: [LUA_EXTENSIONS],
      module: "commonjs",
      moduleResolution: "node10",
      ignoreDeprecations: "6.0",
      baseUrl: ROOT,
      paths,
      rootDir: ROOT,
      outDir: o.workDir,
      sourceMap: true,
      skipLibCheck: true,
    },
    tstl: {
      luaTarget: o.runtime === "lua51" ? "5.1" : "5.3",
      luaBundle: "bundle.lua",
      luaBundleEntry: o.entry,
      luaLibImport: "require-minimal",
      noImplicitSelf: true,
      noHeader: true,
    },
    files: [o.entry],
  };
  const configFile = path.join(o.workDir, "tsconfig.json");
  fs.writeFileSync(configFile, JSON.stringify(config, null, 1));
  const result = tstl.transpileProject(configFile, { luaPlugins: [{ plugin: inlineConstsPlugin }] });
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    const findings: Finding[] = errors.map((d) => {
      const msg = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (d.file === undefined || d.start === undefined) return { file: "?", line: 0, col: 0, message: msg };
      const p = d.file.getLineAndCharacterOfPosition(d.start);
      return { file: rel(d.file.fileName), line: p.line + 1, col: p.character + 1, message: msg };
    });
    throw new PortabilityError(o.runtime, findings);
  }
  const bundle = path.join(o.workDir, "bundle.lua");
  const issues = checkLuaArtifact(bundle, o.runtime, o.extraGlobals);
  if (issues.length > 0) throw new PortabilityError(`${o.runtime} (artifact)`, await toSourceFindings(bundle, issues));
  fs.mkdirSync(path.dirname(o.outFile), { recursive: true });
  fs.writeFileSync(
    o.outFile,
    dropLoaderAfterImports(leanModuleLoader(dropUnrequired(compactLua(fs.readFileSync(bundle, "utf8"))))),
  );
  return fs.statSync(o.outFile).size;
}

/**
 * The bundle without the modules nothing requires. TypeScriptToLua bundles
 * every file of the program, and a type-only import brings a file into the
 * program: an IPv4-only build named IPv6's types and carried all of IPv6
 * (its code, and the strings it interns: 8 KB of lua51-host-lean's heap).
 * Kept: what the entry requires, and what those require, by the literal
 * require("…") calls TypeScriptToLua writes.
 */
export function dropUnrequired(code: string): string {
  const entry = /^local ____entry = require\("([^"]+)", \.\.\.\)$/m.exec(code);
  const tableEnd = code.lastIndexOf("\n}\nlocal ____entry");
  if (entry === null || tableEnd < 0)
    throw new Error("the Lua bundle's module table is not as expected: revisit dropUnrequired");
  const heads = [...code.matchAll(/^\["([^"]+)"\] = function\(\.\.\.\) ?$/gm)];
  const spans = new Map<string, [number, number]>();
  heads.forEach((m, i) => spans.set(m[1], [m.index, i + 1 < heads.length ? heads[i + 1].index : tableEnd + 1]));
  const keep = new Set<string>();
  const todo = [entry[1]];
  while (todo.length > 0) {
    const name = todo.pop()!;
    const span = spans.get(name);
    if (keep.has(name) || span === undefined) continue;
    keep.add(name);
    for (const r of code.slice(span[0], span[1]).matchAll(/require\("([^"]+)"/g)) todo.push(r[1]);
  }
  if (heads.length === 0) return code;
  let out = code.slice(0, heads[0].index);
  for (const m of heads) if (keep.has(m[1])) out += code.slice(...spans.get(m[1])!);
  return out + code.slice(tableEnd + 1);
}

/** TypeScriptToLua's bundle loader, as compactLua leaves it. */
const TSTL_LOADER = `if ____moduleCache[file] then
return ____moduleCache[file].value
end
if ____modules[file] then
local module = ____modules[file]
local value = nil
if (select("#", ...) > 0) then value = module(...) else value = module(file) end
____moduleCache[file] = { value = value }
return value
else`;

/**
 * The bundle's loader without what it keeps for nothing: a module's
 * function once it has run (a closure each, referenced by ____modules) and
 * a `{ value = ... }` table around each cached module (our modules all
 * return their exports table). About 3 KB of a lean build's RAM on 32-bit
 * Lua, for the 40 modules.
 */
export function leanModuleLoader(code: string): string {
  if (!code.includes(TSTL_LOADER))
    throw new Error("the Lua bundle's module loader is not TypeScriptToLua's as expected: revisit leanModuleLoader");
  return code.replace(
    TSTL_LOADER,
    `local cached = ____moduleCache[file]
if cached ~= nil then
return cached
end
local module = ____modules[file]
if module then
____modules[file] = nil
local value = nil
if (select("#", ...) > 0) then value = module(...) else value = module(file) end
if value == nil then value = true end
____moduleCache[file] = value
return value
else`,
  );
}

/**
 * Once the entry module's imports are in, every module has been loaded
 * (TypeScriptToLua requires only at a module's top), and each holds what it
 * uses of the others in its own locals: the loader's two tables, hash parts
 * sized to the next power of two above the module count, are only dead
 * weight (about 10 KB of lua53-host's heap, and a step each time
 * a feature's modules cross a power of two). Fresh empty tables replace
 * them there; a later require of a bundled module would fall through to
 * the firmware's own require and say it is not found.
 */
export function dropLoaderAfterImports(code: string): string {
  const entry = /^local ____entry = require\("([^"]+)", \.\.\.\)$/m.exec(code);
  if (entry === null) throw new Error("the Lua bundle has no entry require: revisit dropLoaderAfterImports");
  const head = `["${entry[1]}"] = function(...)\n`;
  const at = code.indexOf(head);
  if (at < 0)
    throw new Error(`the Lua bundle's entry module ${entry[1]} is not where expected: revisit dropLoaderAfterImports`);
  let end = at + head.length;
  // The imports (a module's table, or a name taken from one), and the module's exports table where it has one.
  const imp =
    /local (?:[A-Za-z_][A-Za-z0-9_]* = (?:require\("[^"]+"\)|[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*)|____exports = \{\})\n/y;
  for (;;) {
    imp.lastIndex = end;
    const m = imp.exec(code);
    if (m === null) break;
    end += m[0].length;
  }
  return `${code.slice(0, end)}____modules = {}\n____moduleCache = {}\n${code.slice(end)}`;
}

export function hasLuaBit(): boolean {
  try {
    execFileSync("lua5.1", ["-e", "require('bit')"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
