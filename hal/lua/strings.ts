// Lua strings hold bytes; the runtime's I/O (uart, files, sockets, SPI) takes
// and gives them. Conversions to and from Bytes, through table.concat so a
// frame costs one string, not one per byte.
/// <reference path="./lua-api.ts" />
import { alloc, get8, len, set8 } from "@hal/bytes";
import type { Bytes } from "../types";

const g = _G as unknown as {
  string: LuaStringLib;
  table: LuaTableLib;
  collectgarbage(this: void, opt: string): number;
};

/** Bytes in use after a full collection (NodeMCU and the host interpreters alike). */
export function luaMemory(): (number | string)[] {
  g.collectgarbage("collect");
  return [Math.floor(g.collectgarbage("count") * 1024), -1, "bytes"];
}

/** b[off, off+n) as a string. */
export function bytesToStr(b: Bytes, off: number, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts[i] = g.string.char(get8(b, off + i));
  return g.table.concat(parts);
}

export function toStr(b: Bytes): string {
  return bytesToStr(b, 0, len(b));
}

export function fromStr(s: string): Bytes {
  const n = g.string.len(s);
  const b = alloc(n);
  for (let i = 0; i < n; i++) set8(b, i, g.string.byte(s, i + 1));
  return b;
}
