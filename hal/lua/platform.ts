// The NodeMCU binding (ESP8266 on Lua 5.1 + bit, ESP32 on Lua 5.3): tmr for
// time and timers, node.random, SPIFFS files for storage, uart for serial.
/// <reference path="./lua-api.ts" />
import { fromStr, luaMemory, toStr } from "./strings";
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

const nm = _G as unknown as NodeMcuGlobals;
// tmr.now() counts microseconds in 31 bits and wraps every ~35 minutes.
const NOW_WRAP = 2147483648;
// Poll well inside one wrap so no wrap goes unseen.
const POLL_MS = 600000;
/** tmr's alarm() raises an error for a longer interval. */
export const TMR_MAX_MS = 6870947;

export class NodeMcuClock extends ChainedClock {
  private last = nm.tmr.now();
  private us = 0;

  constructor() {
    super(TMR_MAX_MS);
    const poll = nm.tmr.create();
    poll.alarm(POLL_MS, nm.tmr.ALARM_AUTO, () => this.now());
  }

  now(): number {
    const raw = nm.tmr.now();
    // Lua's % is floored: the delta is right across a wrap.
    this.us += (raw - this.last) % NOW_WRAP;
    this.last = raw;
    return Math.floor(this.us / 1000);
  }

  protected rawSet(cb: () => void, ms: number): unknown {
    const t = nm.tmr.create();
    // tmr rejects a 0 ms interval.
    t.alarm(ms >= 1 ? ms : 1, nm.tmr.ALARM_SINGLE, () => cb());
    return t;
  }

  protected rawClear(handle: unknown): void {
    (handle as NodeMcuTimer).unregister();
  }
}

export class NodeMcuRandom implements Random {
  u32(): number {
    return nm.node.random(0, 65535) * 65536 + nm.node.random(0, 65535);
  }
}

const LEVELS = ["D", "I", "W", "E"];

export class PrintLog implements Log {
  constructor(private readonly minLevel: number) {}
  write(level: number, msg: string): void {
    if (level >= this.minLevel) nm.print(LEVELS[level] + " " + msg);
  }
}

/** SPIFFS files, one per key, written to a temporary name and renamed. */
export class NodeMcuStorage implements Storage {
  read(key: string): Bytes | undefined {
    const f = nm.file.open(key, "r");
    if (f === undefined) return undefined;
    let s = "";
    let chunk = f.read(256);
    while (chunk !== undefined) {
      s += chunk;
      chunk = f.read(256);
    }
    f.close();
    return fromStr(s);
  }
  write(key: string, value: Bytes): boolean {
    const tmp = key + ".t";
    const f = nm.file.open(tmp, "w");
    if (f === undefined) return false;
    const ok = f.write(toStr(value));
    f.close();
    if (!ok) return false;
    nm.file.remove(key);
    return nm.file.rename(tmp, key);
  }
  remove(key: string): void {
    nm.file.remove(key);
  }
}

/**
 * A NodeMCU UART. uart0 is the console: taken with run_input 0 so its bytes
 * are ours, not the Lua prompt's (the same call on both firmwares). uart1
 * and uart2 are the ESP32's others: set up with their pins, started, and
 * read with the id first, as NodeMCU-ESP32 has them (the ESP8266's uart1
 * cannot receive, so a board file may not choose it).
 */
export class NodeMcuSerial implements Serial {
  private pending = "";
  private readonly id: number;
  constructor(o: SerialOptions, pins: { tx: string | number; rx: string | number }) {
    const u = nm.uart;
    this.id = o.port === "uart1" ? 1 : o.port === "uart2" ? 2 : 0;
    const parity = u.PARITY_NONE !== undefined ? u.PARITY_NONE : 0;
    const stop = u.STOPBITS_1 !== undefined ? u.STOPBITS_1 : 1;
    const onData = (d: string): void => {
      this.pending += d;
      o.onReadable(nm.string.len(this.pending));
    };
    if (this.id === 0) {
      u.setup(0, o.baud, 8, parity, stop, 0);
      u.on("data", 0, onData, 0);
      return;
    }
    if (typeof pins.tx !== "number" || typeof pins.rx !== "number" || u.start === undefined) {
      if (o.onError !== undefined) o.onError(o.port + " needs NodeMCU-ESP32 and numeric control.pins tx and rx");
      return;
    }
    u.setup(this.id, o.baud, 8, parity, stop, { tx: pins.tx, rx: pins.rx });
    u.start(this.id);
    u.on(this.id, "data", 0, onData);
  }
  read(): Bytes | undefined {
    if (this.pending === "") return undefined;
    const b = fromStr(this.pending);
    this.pending = "";
    return b;
  }
  write(data: Bytes): void {
    nm.uart.write(this.id, toStr(data));
  }
  close(): void {
    // The console goes back to the Lua prompt; another UART stops.
    if (this.id === 0) nm.uart.on("data", 0, () => undefined, 1);
    else if (nm.uart.stop !== undefined) nm.uart.stop(this.id);
  }
}

/** The rtctime module's clock once it has been set (it reads 0 before); -1 otherwise. */
export function nodeMcuEpoch(): number {
  const rtc = nm.rtctime;
  if (rtc === undefined) return -1;
  const [sec] = rtc.get();
  return sec > 1600000000 ? sec : -1;
}

/**
 * Why this firmware cannot run netrt, or undefined. NodeMCU also comes as an
 * integer build (its numbers 32-bit integers): there IPv4 addresses, xids and
 * lease times above 2^31 would wrap without a word. Called with what
 * `7 / 2` and `2^32 + 1` give on the board (3.5 and 4294967297 with floats).
 */
export function integerFirmwareProblem(half: number, beyond32: number): string | undefined {
  if (half === 3.5 && beyond32 === 4294967297) return undefined;
  return "netrt needs a NodeMCU float build: this firmware's numbers are integers (7 / 2 = " + half + ")";
}

/** The chip's identity: the ESP8266's chip id, else the factory station MAC (ESP32); "" without either. */
export function nodeMcuIdentity(): string {
  if (nm.node.chipid !== undefined) return "chip " + nm.node.chipid();
  if (nm.wifi !== undefined) return "mac " + nm.wifi.sta.getmac();
  return "";
}

export function nodeMcuPlatform(runtime: string, logLevel: number): Platform {
  const clock = new NodeMcuClock();
  const log = new PrintLog(logLevel);
  clock.onFault = (msg) => log.write(LOG_ERROR, msg);
  return {
    runtime,
    clock,
    random: new NodeMcuRandom(),
    log,
    storage: new NodeMcuStorage(),
    epochSeconds: () => nodeMcuEpoch(),
    // The rtctime module's clock, which survives deep sleep; firmware without it has no wall clock to set.
    setEpochMs: (ms: number) => {
      const rtc = nm.rtctime;
      if (rtc !== undefined) rtc.set(Math.floor(ms / 1000), Math.floor(ms % 1000) * 1000);
    },
    memory: luaMemory,
    identity: nodeMcuIdentity,
  };
}
