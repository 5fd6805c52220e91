// In-memory Ethernet: a segment (one broadcast domain, like a hub) with sim
// MACs attached. Frames cross after a latency on the sim clock, so a test
// steps a whole network deterministically. Carrier is per port.
import { len, slice } from "@hal/bytes";
import { type Bytes, type Clock, type Mac, type MacCounters, type MacOptions, zeroCounters } from "../types";

const RX_QUEUE = 8;

export class SimSegment {
  private ports: SimMac[] = [];
  /** Frames dropped on the wire; a test may raise it to simulate loss. */
  dropped = 0;
  /** Return true to drop a frame in transit (loss injection). */
  filter: ((frame: Bytes, from: SimMac) => boolean) | undefined = undefined;

  constructor(readonly clock: Clock, readonly latencyMs: number) {}

  attach(hwaddr: Bytes, o: MacOptions, mtu: number): SimMac {
    const m = new SimMac(this, hwaddr, o, mtu);
    this.ports.push(m);
    return m;
  }

  detach(m: SimMac): void {
    for (let i = 0; i < this.ports.length; i++) if (this.ports[i] === m) this.ports.splice(i, 1);
  }

  transmit(from: SimMac, frame: Bytes): void {
    if (this.filter !== undefined && this.filter(frame, from)) {
      this.dropped++;
      return;
    }
    const copy = slice(frame, 0, len(frame));
    this.clock.set(() => {
      for (let i = 0; i < this.ports.length; i++) {
        const p = this.ports[i];
        if (p !== from && p.carrier()) p.receive(copy);
      }
    }, this.latencyMs);
  }
}

export class SimMac implements Mac {
  readonly minMtu = 68;
  readonly maxMtu = 1500;
  readonly counters: MacCounters = zeroCounters();
  private queue: Bytes[] = [];
  private up = true;
  private open = true;
  private curMtu: number;

  constructor(private readonly segment: SimSegment, readonly hwaddr: Bytes, private readonly o: MacOptions, mtu: number) {
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

  carrier(): boolean {
    return this.up && this.open;
  }

  /** Plug or unplug the cable. */
  setCarrier(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    this.o.onLinkChange(up);
  }

  receive(frame: Bytes): void {
    if (this.queue.length >= RX_QUEUE) {
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

  write(frame: Bytes): boolean {
    // Ethernet header (14) + MTU is the largest frame the port carries.
    if (!this.carrier() || len(frame) > this.curMtu + 14 || len(frame) < 14) {
      this.counters.txDropped++;
      return false;
    }
    this.counters.txPackets++;
    this.counters.txBytes += len(frame);
    this.segment.transmit(this, frame);
    return true;
  }

  close(): void {
    this.open = false;
    this.segment.detach(this);
  }
}
