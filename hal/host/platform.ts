// The Node binding: real time, the OS's randomness, files for storage.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Bytes, LOG_DEBUG, LOG_ERROR, type Log, type Platform, type Random, type Storage } from "../types";
import { HostClock } from "./clock";

export class HostRandom implements Random {
  u32(): number {
    return randomBytes(4).readUInt32BE(0);
  }
}

const LEVELS = ["debug", "info", "warn", "error"];

export class ConsoleLog implements Log {
  constructor(
    private readonly clock: { now(): number },
    private readonly minLevel: number,
    private readonly sink: (line: string) => void,
  ) {}
  write(level: number, msg: string): void {
    if (level < this.minLevel) return;
    this.sink(`${(this.clock.now() / 1000).toFixed(3).padStart(9)} ${LEVELS[level].padEnd(5)} ${msg}`);
  }
}

/** One file per key in a directory; keys are restricted to a safe alphabet. */
export class FileStorage implements Storage {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }
  private file(key: string): string {
    if (!/^[A-Za-z0-9._-]{1,28}$/.test(key) || key.startsWith("."))
      throw new Error(`bad storage key ${JSON.stringify(key)}`);
    return path.join(this.dir, key);
  }
  read(key: string): Bytes | undefined {
    try {
      return new Uint8Array(fs.readFileSync(this.file(key))) as unknown as Bytes;
    } catch {
      return undefined;
    }
  }
  write(key: string, value: Bytes): boolean {
    const tmp = `${this.file(key)}.tmp`;
    try {
      // Write then rename: a crash leaves the old value, never half a new one.
      fs.writeFileSync(tmp, value as unknown as Uint8Array);
      fs.renameSync(tmp, this.file(key));
      return true;
    } catch {
      return false;
    }
  }
  remove(key: string): void {
    fs.rmSync(this.file(key), { force: true });
  }
}

export interface HostPlatformOptions {
  storageDir: string;
  logLevel?: number;
  logSink?: (line: string) => void;
}

export interface HostPlatform extends Platform {
  clock: HostClock;
}

export function hostPlatform(o: HostPlatformOptions): HostPlatform {
  const clock = new HostClock();
  // The process may not set the machine's clock: SNTP's time is kept as an offset from it.
  let offset = 0;
  const log = new ConsoleLog(clock, o.logLevel ?? LOG_DEBUG + 1, o.logSink ?? ((l) => console.log(l)));
  clock.onFault = (msg) => log.write(LOG_ERROR, msg);
  return {
    runtime: "node",
    clock,
    random: new HostRandom(),
    log,
    storage: new FileStorage(o.storageDir),
    epochSeconds: () => Math.floor((Date.now() + offset) / 1000),
    setEpochMs: (ms) => {
      offset = ms - Date.now();
    },
    memory: () => [process.memoryUsage().heapUsed, -1, "bytes"],
  };
}
