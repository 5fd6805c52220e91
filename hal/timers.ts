// What every runtime's clock shares. Native timers have ceilings (NodeMCU's
// tmr refuses intervals above 6,870,947 ms, Node's setTimeout fires at once
// above 2^31-1 ms, Espruino refuses more than 100 years) while the core may
// ask for a lease's whole length (up to 2^32 s): a longer wait is a chain of
// native ones. And a timer callback is where a runtime's event loop enters
// our code, so an exception there is caught and counted here instead of
// ending the process (Node) or rebooting the board (NodeMCU).
import type { Clock, TimerCallback, TimerId } from "./types";

export abstract class ChainedClock implements Clock {
  /** Exceptions caught in timer callbacks. */
  faults = 0;
  /** Told about each caught exception (the platform logs it). */
  onFault: ((msg: string) => void) | undefined = undefined;
  private nextId = 1;
  private ids: number[] = [];
  private handles: unknown[] = [];

  /** `maxMs`: the longest wait the native timer takes. */
  constructor(private readonly maxMs: number) {}

  abstract now(): number;
  /** Arms one native timer of at most maxMs; returns what rawClear takes. */
  protected abstract rawSet(cb: () => void, ms: number): unknown;
  protected abstract rawClear(handle: unknown): void;

  set(cb: TimerCallback, ms: number): TimerId {
    const id = this.nextId++;
    const h = this.arm(id, cb, this.now() + (ms > 0 ? ms : 0));
    this.ids.push(id);
    this.handles.push(h);
    return id;
  }

  clear(id: TimerId): void {
    const i = this.indexOf(id);
    if (i < 0) return;
    const h = this.handles[i];
    this.ids.splice(i, 1);
    this.handles.splice(i, 1);
    this.rawClear(h);
  }

  /** Cancels everything (device shutdown). */
  clearAll(): void {
    while (this.ids.length > 0) this.clear(this.ids[0]);
  }

  /** How many timers are armed. */
  pending(): number {
    return this.ids.length;
  }

  // Against a deadline on now(), not by counting chunks: a native timer may
  // fire a millisecond before now() says its time is up (Node does), and a
  // chain adds those up.
  private arm(id: number, cb: TimerCallback, deadline: number): unknown {
    const left = deadline - this.now();
    const chunk = left > this.maxMs ? this.maxMs : left > 0 ? left : 0;
    return this.rawSet(() => this.fire(id, cb, deadline), chunk);
  }

  private fire(id: number, cb: TimerCallback, deadline: number): void {
    const i = this.indexOf(id);
    if (i < 0) return;
    if (deadline - this.now() > 0) {
      this.handles[i] = this.arm(id, cb, deadline);
      return;
    }
    this.ids.splice(i, 1);
    this.handles.splice(i, 1);
    try {
      cb();
    } catch (e) {
      this.faults++;
      if (this.onFault !== undefined) this.onFault("timer callback failed: " + e);
    }
  }

  private indexOf(id: number): number {
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] === id) return i;
    return -1;
  }
}
