// What every MAC binding shares: the MTU within its limits, a bounded receive
// queue with counted drops, and the frame-size rules. Portable, so chip
// drivers on every runtime build on it too.
import { len } from "@hal/bytes";
import { type Bytes, type MacCounters, type MacOptions, zeroCounters } from "./types";

/** Ethernet header without FCS; the MTU counts what follows it. */
export const ETH_HEADER = 14;

export abstract class MacBase {
  readonly counters: MacCounters = zeroCounters();
  private queue: Bytes[] = [];
  private curMtu: number;

  constructor(
    protected readonly o: MacOptions,
    readonly minMtu: number,
    readonly maxMtu: number,
    mtu: number,
    private readonly rxQueue: number,
  ) {
    this.curMtu = mtu;
  }

  mtu(): number {
    return this.curMtu;
  }

  setMtu(mtu: number): boolean {
    if (mtu < this.minMtu || mtu > this.maxMtu) return false;
    this.curMtu = mtu;
    return true;
  }

  /** Does a frame of `n` bytes fit on this link (header + MTU, optional VLAN tag on receive)? */
  protected fits(n: number, slack: number): boolean {
    return n >= ETH_HEADER && n <= this.curMtu + ETH_HEADER + slack;
  }

  /** Queues a received frame for read(), counting it, or counts the drop when the queue is full. */
  protected enqueue(frame: Bytes): void {
    if (this.queue.length >= this.rxQueue) {
      this.counters.rxDropped++;
      return;
    }
    this.queue.push(frame);
    this.counters.rxPackets++;
    this.counters.rxBytes += len(frame);
    this.o.onReadable(this.queue.length);
  }

  read(): Bytes | undefined {
    if (this.queue.length === 0) return undefined;
    const f = this.queue[0];
    this.queue.splice(0, 1);
    return f;
  }

  /** Counts a transmitted frame. */
  protected sent(n: number): void {
    this.counters.txPackets++;
    this.counters.txBytes += n;
  }
}
