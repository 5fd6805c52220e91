// Key-value storage in memory: what a board's flash holds, for tests that
// reboot a device and look at what it kept.
import { len, slice } from "@hal/bytes";
import type { Bytes, Storage } from "../types";

export class MemoryStorage implements Storage {
  private keys: string[] = [];
  private values: Bytes[] = [];
  /** Refuse writes beyond this many bytes in all, like a full flash. */
  constructor(private readonly capacity: number) {}

  private indexOf(key: string): number {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) return i;
    return -1;
  }

  used(): number {
    let n = 0;
    for (let i = 0; i < this.values.length; i++) n += len(this.values[i]);
    return n;
  }

  read(key: string): Bytes | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : slice(this.values[i], 0, len(this.values[i]));
  }

  write(key: string, value: Bytes): boolean {
    const i = this.indexOf(key);
    const old = i < 0 ? 0 : len(this.values[i]);
    if (this.used() - old + len(value) > this.capacity) return false;
    const copy = slice(value, 0, len(value));
    if (i < 0) {
      this.keys.push(key);
      this.values.push(copy);
    } else {
      this.values[i] = copy;
    }
    return true;
  }

  remove(key: string): void {
    const i = this.indexOf(key);
    if (i >= 0) {
      this.keys.splice(i, 1);
      this.values.splice(i, 1);
    }
  }
}
