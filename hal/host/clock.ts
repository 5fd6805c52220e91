import type { Clock, TimerCallback, TimerId } from "../types";

/** Node's monotonic clock and timers. */
export class HostClock implements Clock {
  private readonly origin = performance.now();
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Math.floor(performance.now() - this.origin);
  }

  set(cb: TimerCallback, ms: number): TimerId {
    const id = this.nextId++;
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        cb();
      }, ms),
    );
    return id;
  }

  clear(id: TimerId): void {
    const t = this.timers.get(id);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(id);
  }

  /** Cancels everything (device shutdown). */
  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
