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

/** @noSelf */
interface LuaStringLib {
  byte(s: string, i: number): number;
  char(c: number): string;
  len(s: string): number;
}

interface NodeMcuTimer {
  alarm(this: NodeMcuTimer, ms: number, mode: number, cb: (this: void, t: NodeMcuTimer) => void): boolean;
  unregister(this: NodeMcuTimer): void;
}

/** @noSelf */
interface NodeMcuTmr {
  now(): number;
  create(): NodeMcuTimer;
  ALARM_SINGLE: number;
  ALARM_AUTO: number;
}

interface NodeMcuFile {
  read(this: NodeMcuFile, n: number): string | undefined;
  write(this: NodeMcuFile, s: string): boolean;
  close(this: NodeMcuFile): void;
}

/** @noSelf */
interface NodeMcuFileLib {
  open(name: string, mode: string): NodeMcuFile | undefined;
  remove(name: string): void;
  rename(from: string, to: string): boolean;
}

/** @noSelf */
interface NodeMcuUart {
  setup(id: number, baud: number, databits: number, parity: number, stopbits: number, echo: number): number;
  on(event: string, n: number, cb: (this: void, data: string) => void, runInput: number): void;
  write(id: number, data: string): void;
}

/** @noSelf */
interface NodeMcuNode {
  random(lo: number, hi: number): number;
}

/** @noSelf */
interface NodeMcuRtctime {
  /** Seconds and microseconds since 1970; 0 until the clock is set (SNTP, rtctime.set). */
  get(): LuaMultiReturn<[number, number]>;
}

/** @noSelf */
interface NodeMcuGlobals {
  /** Only in firmware built with the rtctime module. */
  rtctime: NodeMcuRtctime | undefined;
  tmr: NodeMcuTmr;
  file: NodeMcuFileLib;
  uart: NodeMcuUart;
  node: NodeMcuNode;
  string: LuaStringLib;
  print(...args: unknown[]): void;
}
