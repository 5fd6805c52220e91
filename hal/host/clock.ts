import { ChainedClock } from "../timers";

/** Node's setTimeout fires at once when asked for more than 2^31-1 ms. */
export const NODE_TIMER_MAX_MS = 2147483647;

/** Node's monotonic clock and timers (long waits chained, callbacks guarded). */
export class HostClock extends ChainedClock {
  private readonly origin = performance.now();

  constructor(maxMs = NODE_TIMER_MAX_MS) {
    super(maxMs);
  }

  now(): number {
    return Math.floor(performance.now() - this.origin);
  }

  protected rawSet(cb: () => void, ms: number): unknown {
    return setTimeout(cb, ms);
  }

  protected rawClear(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}
