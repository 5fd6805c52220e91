// A log that keeps its lines (stamped with virtual time) for tests to read.
import type { Clock, Log } from "../types";

const LEVELS = ["debug", "info", "warn", "error"];

export class MemoryLog implements Log {
  readonly lines: string[] = [];
  constructor(
    private readonly clock: Clock,
    private readonly max: number,
  ) {}
  write(level: number, msg: string): void {
    if (this.lines.length >= this.max) this.lines.splice(0, 1);
    this.lines.push(this.clock.now() + " " + LEVELS[level] + " " + msg);
  }
}
