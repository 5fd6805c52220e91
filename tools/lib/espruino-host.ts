// The espruino-host bundle as a script for Espruino's interpreter for Linux.
// Espruino cannot read the process environment, so the settings the Node and
// Lua host builds take from it go in front of the code as NETRT_ENV.
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./paths";

export function espruinoHostBundle(): string {
  return fs.readFileSync(path.join(ROOT, "dist", "espruino-host", "firmware.js"), "utf8");
}

/** `code` preceded by the settings it reads at start. */
export function withNetrtEnv(env: Record<string, string>, code: string): string {
  return `var NETRT_ENV=${JSON.stringify(env)};\n${code}\n`;
}
