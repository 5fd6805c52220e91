// What a host bundle reads at start when it has no process environment to
// read (Espruino never does; a NodeMCU board does not): the settings the
// Node and Lua host builds take from the environment go in front of the
// code as NETRT_ENV. Also the espruino-host bundle, as a script for
// Espruino's interpreter for Linux.
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./paths";

export function espruinoHostBundle(): string {
  return fs.readFileSync(path.join(ROOT, "dist", "espruino-host", "firmware.js"), "utf8");
}

/**
 * A program for Espruino for Linux with its board's netrt module: the
 * module registered as the IDE uploads one (Modules.addCached, so the
 * program's require("netrt") finds it), then the program, unchanged.
 */
export function espruinoProgram(env: Record<string, string>, board: string, program: string): string {
  const netrt = fs.readFileSync(path.join(ROOT, "dist", board, "netrt.js"), "utf8");
  return withNetrtEnv(
    env,
    `Modules.addCached("netrt", function () {\n${netrt}\n});\n${fs.readFileSync(program, "utf8")}`,
  );
}

/** JavaScript `code` preceded by the settings it reads at start. */
export function withNetrtEnv(env: Record<string, string>, code: string): string {
  return `var NETRT_ENV=${JSON.stringify(env)};\n${code}\n`;
}

/** A Lua string literal for any bytes: printable ASCII as is, the rest as three-digit decimal escapes (so a digit after one cannot join it). */
export function luaString(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, "utf8"))
    out +=
      b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${String(b).padStart(3, "0")}`;
  return `${out}"`;
}

/** Lua `code` preceded by the settings it reads at start (hal/lua/host.ts env()). */
export function withLuaNetrtEnv(env: Record<string, string>, code: string): string {
  const fields = Object.entries(env).map(([k, v]) => `[${luaString(k)}]=${luaString(v)}`);
  return `NETRT_ENV={${fields.join(",")}}\n${code}\n`;
}
