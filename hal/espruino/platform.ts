// The Espruino binding (ESP32 and STM32 boards, and the Linux interpreter).
// Espruino's globals are declared here, in module scope, so they neither
// clash with Node's typings nor leak into the portable core.
import { alloc, len, get8, set8 } from "@hal/bytes";
import { norm } from "@hal/u32";
import { ChainedClock } from "../timers";
import {
  type Bytes,
  type Log,
  LOG_ERROR,
  type Platform,
  type Random,
  type Serial,
  type SerialOptions,
  type Storage,
} from "../types";

declare interface EspruinoSerial {
  /** `path`: Espruino for Linux only, the device file (a pseudo-terminal) the UART opens. */
  setup(baud: number, options?: { rx?: unknown; tx?: unknown; path?: string }): void;
  on(event: "data", cb: (data: string) => void): void;
  removeAllListeners(event: string): void;
  write(data: string): void;
  /** USB only: keep the REPL console here even with no USB host attached. */
  setConsole?(force: boolean): void;
}
declare interface StorageModule {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
  erase(name: string): void;
}

declare const getTime: () => number;
declare const setTime: (seconds: number) => void;
declare const Date: { now(): number };
declare const setTimeout: (cb: () => void, ms: number) => number;
declare const clearTimeout: (id: number) => void;
declare const console: { log(msg: string): void };
declare const require: (name: string) => unknown;
declare const E: { hwRand(): number; toString(data: Uint8Array): string; getSerial?: () => string };
declare const Serial1: EspruinoSerial;
declare const Serial2: EspruinoSerial;
declare const Serial3: EspruinoSerial;
declare const USB: EspruinoSerial;

/** Espruino refuses timeouts over 100 years; leases reach 136. Chained in steps Node also takes. */
export const ESPRUINO_TIMER_MAX_MS = 2147483647;

export class EspruinoClock extends ChainedClock {
  private readonly origin = getTime();
  constructor(maxMs?: number) {
    super(maxMs !== undefined ? maxMs : ESPRUINO_TIMER_MAX_MS);
  }
  now(): number {
    return Math.floor((getTime() - this.origin) * 1000);
  }
  protected rawSet(cb: () => void, ms: number): unknown {
    return setTimeout(cb, ms);
  }
  protected rawClear(handle: unknown): void {
    clearTimeout(handle as number);
  }
}

export class EspruinoRandom implements Random {
  u32(): number {
    return norm(E.hwRand());
  }
}

const LEVELS = ["D", "I", "W", "E"];

export class EspruinoLog implements Log {
  constructor(private readonly minLevel: number) {}
  write(level: number, msg: string): void {
    if (level >= this.minLevel) console.log(LEVELS[level] + " " + msg);
  }
}

// Espruino strings hold bytes 0..255, one per character.
export function toStr(b: Bytes): string {
  let s = "";
  const n = len(b);
  for (let i = 0; i < n; i++) s += String.fromCharCode(get8(b, i));
  return s;
}

export function fromStr(s: string): Bytes {
  const b = alloc(s.length);
  for (let i = 0; i < s.length; i++) set8(b, i, s.charCodeAt(i));
  return b;
}

/** Espruino's flash Storage: names up to 28 characters. */
export class EspruinoStorage implements Storage {
  private readonly st = require("Storage") as StorageModule;
  read(key: string): Bytes | undefined {
    const s = this.st.read(key);
    return s === undefined ? undefined : fromStr(s);
  }
  write(key: string, value: Bytes): boolean {
    return this.st.write(key, toStr(value));
  }
  remove(key: string): void {
    this.st.erase(key);
  }
}

function serialByName(port: string): EspruinoSerial | undefined {
  if (port === "Serial1") return Serial1;
  if (port === "Serial2") return Serial2;
  if (port === "Serial3") return Serial3;
  if (port === "USB") return USB;
  return undefined;
}

export class EspruinoSerialPort implements Serial {
  private pending = "";
  private readonly dev: EspruinoSerial;
  constructor(o: SerialOptions, pins: { rx?: unknown; tx?: unknown; path?: string }) {
    const dev = serialByName(o.port);
    if (dev === undefined) throw new Error("no serial port " + o.port);
    this.dev = dev;
    if (o.port !== "USB") dev.setup(o.baud, pins);
    // Unplugged from USB, Espruino moves its REPL to Serial1 and would eat the control bytes: pin it to USB.
    if (o.port !== "USB" && typeof USB !== "undefined" && USB.setConsole !== undefined) USB.setConsole(true);
    dev.on("data", (d) => {
      this.pending += d;
      o.onReadable(this.pending.length);
    });
  }
  read(): Bytes | undefined {
    if (this.pending.length === 0) return undefined;
    const b = fromStr(this.pending);
    this.pending = "";
    return b;
  }
  write(data: Bytes): void {
    this.dev.write(toStr(data));
  }
  close(): void {
    this.dev.removeAllListeners("data");
  }
}

declare const process: { memory(gc?: boolean): { usage: number; total: number } };

/** Variables in use (process.memory() collects garbage first) of the interpreter's total. */
function espruinoMemory(): (number | string)[] {
  const m = process.memory();
  return [m.usage, m.total, "vars"];
}

/** Date.now() once the RTC has been set (a board starts at 1970); -1 before. */
function espruinoEpoch(): number {
  const s = Math.floor(Date.now() / 1000);
  return s > 1600000000 ? s : -1;
}

export function espruinoPlatform(logLevel: number): Platform {
  const clock = new EspruinoClock();
  const log = new EspruinoLog(logLevel);
  clock.onFault = (msg) => log.write(LOG_ERROR, msg);
  return {
    runtime: "espruino",
    clock,
    random: new EspruinoRandom(),
    log,
    storage: new EspruinoStorage(),
    epochSeconds: () => espruinoEpoch(),
    // The RTC: Date and the program's own clock follow.
    setEpochMs: (ms: number) => setTime(ms / 1000),
    memory: espruinoMemory,
    identity: () => (E.getSerial !== undefined ? E.getSerial() : ""),
  };
}
