// What each target is compiled against: which HAL modules the `@hal/*`
// aliases name, and the TypeScript options every program is checked with.
import * as path from "node:path";
import ts from "typescript";
import { ROOT } from "./paths";

export type Runtime = "node" | "espruino" | "lua51" | "lua53";
export const RUNTIMES: Runtime[] = ["node", "espruino", "lua51", "lua53"];

export function halAliases(runtime: Runtime): Record<string, string> {
  const js = runtime === "node" || runtime === "espruino";
  return {
    "@hal/bytes": path.join(ROOT, "hal", js ? "js" : "lua", "bytes.ts"),
    "@hal/u32": path.join(ROOT, "hal", js ? "js/u32.ts" : runtime === "lua51" ? "lua/u32_51.ts" : "lua/u32_53.ts"),
    "@hal/strings": path.join(ROOT, "hal", js ? "js" : "lua", "strings.ts"),
  };
}

/** typescript-to-lua's language extensions (LuaMultiReturn…), a type package. */
export const LUA_EXTENSIONS = "@typescript-to-lua/language-extensions";

export function compilerOptions(runtime: Runtime, aliases: Record<string, string>): ts.CompilerOptions {
  const paths: ts.MapLike<string[]> = {};
  for (const k of Object.keys(aliases)) paths[k] = [aliases[k]];
  return {
    strict: true,
    target: ts.ScriptTarget.ES2017,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    ignoreDeprecations: "6.0",
    lib: ["lib.es2017.d.ts"],
    // Lua builds: typescript-to-lua's LuaMultiReturn and friends, so a call returning several values is compiled as one.
    types: runtime === "node" ? ["node"] : runtime === "espruino" ? [] : [LUA_EXTENSIONS],
    typeRoots: [path.join(ROOT, "node_modules", "@types"), path.join(ROOT, "node_modules")],
    paths,
    noEmit: true,
    skipLibCheck: true,
    resolveJsonModule: false,
  };
}
