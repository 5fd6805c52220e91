// The few Lua globals the Lua bindings reach directly. typescript-to-lua
// refuses some ambient names (`bit`), so modules are reached through _G.

/** @noSelf */
interface LuaBitOps {
  band(a: number, b: number): number;
  bor(a: number, b: number): number;
  bxor(a: number, b: number): number;
  bnot(a: number): number;
  lshift(a: number, n: number): number;
  rshift(a: number, n: number): number;
}

/** @noSelf */
interface LuaGlobals {
  bit?: LuaBitOps;
  require(name: string): unknown;
  print(...args: unknown[]): void;
  tostring(v: unknown): string;
  collectgarbage(opt?: string): number;
}

declare const _G: LuaGlobals;
