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
  /** Every byte of s[i..j], as separate results. */
  byte(s: string, i: number, j: number): LuaMultiReturn<number[]>;
  char(c: number): string;
  sub(s: string, i: number, j: number): string;
  rep(s: string, n: number): string;
  len(s: string): number;
}

/** @noSelf */
interface LuaTableLib {
  concat(t: string[]): string;
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

/**
 * The console (uart0) is set up with an echo flag and read without an id on
 * both firmwares; NodeMCU-ESP32's other UARTs take their pins in setup, must
 * be started, and are read with the id first. @noSelf
 */
interface NodeMcuUart {
  setup(
    id: number,
    baud: number,
    databits: number,
    parity: number,
    stopbits: number,
    echoOrPins: number | { tx: number; rx: number },
  ): number;
  on(event: string, n: number, cb: (this: void, data: string) => void, runInput: number): void;
  on(id: number, event: string, n: number, cb: (this: void, data: string) => void): void;
  write(id: number, data: string): void;
  /** NodeMCU-ESP32 only. */
  start?(id: number): boolean;
  /** NodeMCU-ESP32 only. */
  stop?(id: number): void;
  PARITY_NONE?: number;
  STOPBITS_1?: number;
}

/** @noSelf */
interface NodeMcuNode {
  random(lo: number, hi: number): number;
  /** ESP8266 firmware: the chip's id (absent on NodeMCU-ESP32). */
  chipid?: () => number;
}

/** @noSelf */
interface NodeMcuWifiSta {
  /** The station's factory MAC, "aa:bb:cc:dd:ee:ff". */
  getmac(): string;
}

/** @noSelf */
interface NodeMcuRtctime {
  /** Seconds and microseconds since 1970; 0 until the clock is set (SNTP, rtctime.set). */
  get(): LuaMultiReturn<[number, number]>;
  set(sec: number, usec: number): void;
}

/** @noSelf */
interface NodeMcuGlobals {
  /** Only in firmware built with the rtctime module. */
  rtctime: NodeMcuRtctime | undefined;
  tmr: NodeMcuTmr;
  file: NodeMcuFileLib;
  uart: NodeMcuUart;
  node: NodeMcuNode;
  /** Absent without the wifi module. */
  wifi: { sta: NodeMcuWifiSta } | undefined;
  /** Either shape, depending on the chip the firmware was built for; absent without the spi module. */
  spi: (NodeMcuSpi8266 & Partial<NodeMcuSpi32>) | undefined;
  gpio: NodeMcuGpio | undefined;
  table: LuaTableLib;
  string: LuaStringLib;
  print(...args: unknown[]): void;
}

/** ESP8266 NodeMCU: one SPI master (HSPI, id 1) on fixed pins, half duplex. @noSelf */
interface NodeMcuSpi8266 {
  setup(id: number, mode: number, cpol: number, cpha: number, databits: number, clockDiv: number): number;
  send(id: number, data: string): number;
  recv(id: number, size: number): string;
  MASTER: number;
  CPOL_LOW: number;
  CPHA_LOW: number;
}

/** ESP32 NodeMCU: spi.master(host, pins) gives a bus, bus:device(config) a device. */
interface NodeMcuSpiDevice {
  /** Full duplex: as many bytes come back as went out. */
  transfer(this: NodeMcuSpiDevice, data: string): string;
}
interface NodeMcuSpiBus {
  device(this: NodeMcuSpiBus, config: { cs: number; mode: number; freq: number }): NodeMcuSpiDevice;
}
/** @noSelf */
interface NodeMcuSpi32 {
  master(host: number, config: { sclk: number; mosi: number; miso: number }): NodeMcuSpiBus;
  HSPI: number;
  VSPI: number;
}

/** @noSelf */
interface NodeMcuGpio {
  mode(pin: number, mode: number): void;
  write(pin: number, level: number): void;
  /** ESP8266: trig(pin, "down", cb) or (pin, "none"); the pin must be in INT mode. */
  trig(pin: number, type: string, cb?: (this: void, level: number) => void): void;
  OUTPUT: number;
  INT: number;
  HIGH: number;
  LOW: number;
}

// --- Lua on a development host: the standard library and luasocket ---

interface LuaFileHandle {
  read(this: LuaFileHandle, what: string): string | undefined;
  write(this: LuaFileHandle, s: string): LuaFileHandle | undefined;
  close(this: LuaFileHandle): void;
  flush(this: LuaFileHandle): void;
}

/** @noSelf */
interface LuaHostOs {
  getenv(name: string): string | undefined;
  time(): number;
  rename(from: string, to: string): boolean | undefined;
  remove(name: string): boolean | undefined;
  exit(code: number): void;
}

/** @noSelf */
interface LuaHostIo {
  open(name: string, mode: string): LuaFileHandle | undefined;
  write(s: string): void;
  stdout: LuaFileHandle;
}

/** @noSelf */
interface LuaHostMath {
  random(): number;
  randomseed(seed: number): void;
}

interface LuaSocketUdp {
  setsockname(this: LuaSocketUdp, address: string, port: number): number | undefined;
  settimeout(this: LuaSocketUdp, seconds: number): void;
  /** A datagram, or undefined on timeout. */
  receive(this: LuaSocketUdp): string | undefined;
  sendto(this: LuaSocketUdp, data: string, address: string, port: number): number | undefined;
  close(this: LuaSocketUdp): void;
}

/** @noSelf */
interface LuaSocketLib {
  udp(): LuaSocketUdp;
  /** Seconds since 1970 with sub-millisecond resolution. */
  gettime(): number;
  sleep(seconds: number): void;
}

/** @noSelf */
interface LuaHostGlobals {
  /** Settings put in front of the bundle by `npm run flash -- --env`. */
  NETRT_ENV?: { [name: string]: string };
  os: LuaHostOs;
  io: LuaHostIo;
  math: LuaHostMath;
  string: LuaStringLib;
  require(name: string): unknown;
}
