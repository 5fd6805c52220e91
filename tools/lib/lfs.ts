// NodeMCU's Lua Flash Store: the image `luac.cross -f` builds from a board's
// bundle, which the board maps into flash so its code does not take RAM.
// luac.cross is not a Debian package: it is built from the public NodeMCU
// firmware sources (CONTRIBUTING.md) and named by LUAC_CROSS, a
// comma-separated list (one per Lua version: NodeMCU builds 5.1 and 5.3
// firmware with different ones).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface LuacCross {
  path: string;
  /** "5.1" or "5.3": the Lua its images are for. */
  lua: string;
}

/** The luac.cross binaries LUAC_CROSS names, by the Lua version each reports; or why there are none. */
export function luacCrossFromEnv(): { tools: LuacCross[]; absent?: string } {
  const list = (process.env.LUAC_CROSS ?? "").split(",").filter((p) => p !== "");
  if (list.length === 0)
    return { tools: [], absent: "LUAC_CROSS is not set (build luac.cross from the NodeMCU sources: CONTRIBUTING.md)" };
  const tools: LuacCross[] = [];
  for (const p of list) {
    if (!fs.existsSync(p)) return { tools, absent: `${p} (in LUAC_CROSS) does not exist` };
    const r = spawnSync(p, ["-v"], { encoding: "utf8" });
    const m = /Lua (5\.[13])/.exec(`${r.stdout}${r.stderr}`);
    if (m === null) return { tools, absent: `${p} (in LUAC_CROSS) is not a NodeMCU luac.cross` };
    tools.push({ path: p, lua: m[1] });
  }
  return { tools };
}

/**
 * Builds a stripped LFS image of `luaFile` (its module name is the file's
 * base name) at `out`. Throws with luac.cross's own message when it refuses
 * the bundle. Returns the image's size in bytes.
 */
export function buildLfsImage(tool: LuacCross, luaFile: string, out: string, maxBytes?: number): number {
  const args = ["-f", "-s", "-o", out];
  if (maxBytes !== undefined) args.push("-m", String(maxBytes));
  const r = spawnSync(tool.path, [...args, path.basename(luaFile)], { cwd: path.dirname(luaFile), encoding: "utf8" });
  if (r.status !== 0 || !fs.existsSync(out))
    throw new Error(`${tool.path} refused ${luaFile}: ${`${r.stderr}${r.stdout}`.trim()}`);
  return fs.statSync(out).size;
}
