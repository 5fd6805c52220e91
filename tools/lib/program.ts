// Builds a portable test program (conformance, benchmarks) for a runtime
// exactly as firmware is built, and runs it on that runtime's interpreter.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { bundleJs } from "./bundle-js";
import { bundleLua } from "./bundle-lua";
import { BUILD, ROOT } from "./paths";
import type { RuntimeProbe } from "./runtimes";
import { halAliases, type Runtime } from "./targets";

export interface ProgramSpec {
  name: string;
  /** Entry for Node and Espruino, relative to the project root. */
  jsEntry: string;
  /** Entry for Lua, relative to the project root. */
  luaEntry: string;
  aliases?: Record<string, string>;
  /** Lua globals the program may use beyond the firmware's set (host-only tools). */
  extraLuaGlobals?: string[];
}

export async function buildProgram(spec: ProgramSpec, runtime: Runtime): Promise<string> {
  const aliases = { ...halAliases(runtime), ...(spec.aliases ?? {}) };
  const dir = path.join(BUILD, spec.name, runtime);
  if (runtime === "node" || runtime === "espruino") {
    const outFile = path.join(dir, `${spec.name}.js`);
    await bundleJs({ entry: path.join(ROOT, spec.jsEntry), runtime, aliases, outFile });
    return outFile;
  }
  const outFile = path.join(dir, `${spec.name}.lua`);
  await bundleLua({
    entry: path.join(ROOT, spec.luaEntry),
    runtime,
    aliases,
    outFile,
    workDir: path.join(dir, "work"),
    extraGlobals: spec.extraLuaGlobals,
  });
  return outFile;
}

export interface ProgramRun {
  stdout: string;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

export function runProgram(probe: RuntimeProbe, artifact: string, timeoutMs = 120_000): ProgramRun {
  if (probe.command === undefined) throw new Error(`${probe.runtime} is absent: ${probe.absent}`);
  const args = probe.runtime === "node" ? ["--expose-gc", artifact] : [artifact];
  const t0 = Date.now();
  const r = spawnSync(probe.command, args, {
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    cwd: path.dirname(artifact),
  });
  return { stdout: r.stdout ?? "", stderr: r.stderr ?? "", status: r.status, signal: r.signal, ms: Date.now() - t0 };
}
