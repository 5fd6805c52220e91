// Lua on the development host (lua5.1 + bit, lua5.3) with luasocket: the
// same bundle as a board's, with its MAC on the UDP frame link the Node host
// board uses, files for storage, and a run loop that waits on the socket
// until the next timer is due. Time is a TimerQueue moved to the wall clock
// each turn of the loop, so timers keep their order and equal deadlines.
/// <reference path="./lua-api.ts" />
import { MacBase } from "../mac-base";
import { TimerQueue } from "../timer-queue";
import type { Bytes, Log, Mac, MacOptions, Platform, Random, Storage } from "../types";
import { fromStr, luaMemory, toStr } from "./strings";

const g = _G as unknown as LuaHostGlobals;

/** A setting: from NETRT_ENV when the uploader put one in front of the code (a board has no environment), else the process environment. */
export function env(name: string): string {
  const given = g.NETRT_ENV;
  if (given !== undefined && given[name] !== undefined) return given[name];
  const v = g.os.getenv(name);
  return v === undefined ? "" : v;
}

/** A UDP socket bound to 127.0.0.1, or the reason it could not be. */
function bindUdp(port: number): LuaSocketUdp | string {
  const socket = g.require("socket") as LuaSocketLib;
  const s = socket.udp();
  if (s.setsockname("127.0.0.1", port) === undefined) return "cannot bind 127.0.0.1:" + port;
  return s;
}

export class LuaUdpMac extends MacBase implements Mac {
  readonly hwaddr: Bytes;
  private readonly sock: LuaSocketUdp;
  private arrived: string[] = [];

  /** Throws when the receive port cannot be bound. */
  constructor(
    o: MacOptions,
    hwaddr: Bytes,
    mtu: number,
    localPort: number,
    private readonly remotePort: number,
  ) {
    super(o, 68, 9000, mtu, 32);
    this.hwaddr = hwaddr;
    const s = bindUdp(localPort);
    if (typeof s === "string") throw new Error(s);
    this.sock = s;
  }

  carrier(): boolean {
    return true;
  }

  write(frame: Bytes): boolean {
    const sent = this.sock.sendto(toStr(frame), "127.0.0.1", this.remotePort);
    if (sent === undefined) {
      this.counters.txDropped++;
      return false;
    }
    this.sent(sent);
    return true;
  }

  /** Waits up to `seconds` for a datagram, then takes every one already there (delivered by deliver()). */
  wait(seconds: number): void {
    this.sock.settimeout(seconds);
    let d = this.sock.receive();
    this.sock.settimeout(0);
    while (d !== undefined) {
      this.arrived[this.arrived.length] = d;
      d = this.sock.receive();
    }
  }

  /** Hands what wait() took to the stack, once the clock has caught up. */
  deliver(): void {
    const all = this.arrived;
    this.arrived = [];
    for (let i = 0; i < all.length; i++) {
      if (this.fits(g.string.len(all[i]), 4)) this.enqueue(fromStr(all[i]));
      else this.counters.rxErrors++;
    }
  }

  close(): void {
    this.sock.close();
  }
}

/** One file per key in a directory (the directory must exist). */
export class LuaFileStorage implements Storage {
  constructor(private readonly dir: string) {}
  read(key: string): Bytes | undefined {
    const f = g.io.open(this.dir + "/" + key, "rb");
    if (f === undefined) return undefined;
    const s = f.read("*a");
    f.close();
    return s === undefined ? undefined : fromStr(s);
  }
  write(key: string, value: Bytes): boolean {
    const tmp = this.dir + "/" + key + ".tmp";
    const f = g.io.open(tmp, "wb");
    if (f === undefined) return false;
    const ok = f.write(toStr(value)) !== undefined;
    f.close();
    return ok && g.os.rename(tmp, this.dir + "/" + key) === true;
  }
  remove(key: string): void {
    g.os.remove(this.dir + "/" + key);
  }
}

export class LuaRandom implements Random {
  constructor() {
    const socket = g.require("socket") as LuaSocketLib;
    g.math.randomseed(Math.floor((socket.gettime() % 100000) * 1000));
  }
  u32(): number {
    return Math.floor(g.math.random() * 65536) * 65536 + Math.floor(g.math.random() * 65536);
  }
}

const LEVELS = ["debug", "info ", "warn ", "error"];

/** The Node host board's log format: seconds since start, level, message. */
export class LuaHostLog implements Log {
  constructor(
    private readonly clock: TimerQueue,
    private readonly minLevel: number,
  ) {}
  write(level: number, msg: string): void {
    if (level < this.minLevel) return;
    const ms = Math.floor(this.clock.now());
    const frac = ms % 1000;
    const secs = "" + Math.floor(ms / 1000) + "." + (frac < 10 ? "00" : frac < 100 ? "0" : "") + frac;
    let pad = "";
    for (let i = secs.length; i < 9; i++) pad += " ";
    g.io.write(pad + secs + " " + LEVELS[level] + " " + msg + "\n");
    // A pipe would otherwise hold the lines until a buffer fills: whoever watches the log sees them now.
    g.io.stdout.flush();
  }
}

export interface LuaHostPlatform extends Platform {
  clock: TimerQueue;
}

export function luaHostPlatform(runtime: string, stateDir: string, logLevel: number): LuaHostPlatform {
  const clock = new TimerQueue();

  return {
    runtime: runtime,
    clock: clock,
    random: new LuaRandom(),
    log: new LuaHostLog(clock, logLevel),
    storage: new LuaFileStorage(stateDir),
    // The machine's clock, already right: no setEpochMs (SNTP's time reaches the program through netrt.time()).
    epochSeconds: () => g.os.time(),
    memory: luaMemory,
  };
}

/**
 * Runs timers and the MAC until `stop()` says so: waits on the socket until
 * the next timer is due (at most 100 ms), then moves the clock to the wall clock.
 */
export function runLoop(clock: TimerQueue, mac: LuaUdpMac | undefined, stop: () => boolean): void {
  const socket = g.require("socket") as LuaSocketLib;
  const t0 = socket.gettime();
  while (!stop()) {
    const next = clock.nextDeadline();
    const nowMs = (socket.gettime() - t0) * 1000;
    let wait = next < 0 ? 100 : next - nowMs;
    if (wait > 100) wait = 100;
    if (wait < 0) wait = 0;
    if (mac !== undefined) mac.wait(wait / 1000);
    else socket.sleep(wait / 1000);
    const elapsed = Math.floor((socket.gettime() - t0) * 1000) - clock.now();
    clock.advance(elapsed > 0 ? elapsed : 0);
    if (mac !== undefined) mac.deliver();
  }
}
