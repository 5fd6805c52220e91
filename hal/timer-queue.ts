// A clock that is a queue of timers whose time moves only when its owner
// advances it: the simulations' virtual clock (days of lease timers in
// milliseconds, the same every run) and the Lua host's run loop (advanced to
// the wall clock). Portable code (no Map), so it runs on every runtime.
import type { Clock, TimerCallback, TimerId } from "./types";

export class TimerQueue implements Clock {
  private t = 0;
  private nextId = 1;
  // Parallel arrays sorted by deadline; equal deadlines keep set order.
  private ids: number[] = [];
  private deadlines: number[] = [];
  private callbacks: TimerCallback[] = [];
  /** Catch exceptions in callbacks as the runtimes' clocks do (off: a test sees them thrown). */
  catchFaults = false;
  /** Exceptions caught with catchFaults on. */
  faults = 0;

  now(): number {
    return this.t;
  }

  set(cb: TimerCallback, ms: number): TimerId {
    const id = this.nextId++;
    const at = this.t + (ms > 0 ? ms : 0);
    let i = this.deadlines.length;
    while (i > 0 && this.deadlines[i - 1] > at) i--;
    this.ids.splice(i, 0, id);
    this.deadlines.splice(i, 0, at);
    this.callbacks.splice(i, 0, cb);
    return id;
  }

  clear(id: TimerId): void {
    for (let i = 0; i < this.ids.length; i++) {
      if (this.ids[i] === id) {
        this.ids.splice(i, 1);
        this.deadlines.splice(i, 1);
        this.callbacks.splice(i, 1);
        return;
      }
    }
  }

  /** How many timers are armed. */
  pending(): number {
    return this.ids.length;
  }

  /** Deadline of the next timer, or -1 when none is armed. */
  nextDeadline(): number {
    return this.deadlines.length > 0 ? this.deadlines[0] : -1;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.deadlines.length > 0 && this.deadlines[0] <= end) {
      this.t = this.deadlines[0];
      const cb = this.callbacks[0];
      this.ids.splice(0, 1);
      this.deadlines.splice(0, 1);
      this.callbacks.splice(0, 1);
      if (!this.catchFaults) cb();
      else {
        try {
          cb();
        } catch (_e) {
          this.faults++;
        }
      }
    }
    this.t = end;
  }

  /** Fires timers until none is left or `limitMs` of virtual time has passed; returns the time used. */
  runUntilIdle(limitMs: number): number {
    const start = this.t;
    while (this.deadlines.length > 0 && this.deadlines[0] - start <= limitMs) this.advance(this.deadlines[0] - this.t);
    return this.t - start;
  }
}
