// In-memory Ethernet: a segment (one broadcast domain, like a hub) with sim
// MACs attached. Frames cross after a latency on the sim clock, so a test
// steps a whole network deterministically. Carrier is per port.
import { len, slice } from "@hal/bytes";
import { MacBase } from "../mac-base";
import type { Bytes, Clock, Mac, MacOptions } from "../types";

const RX_QUEUE = 8;

export class SimSegment {
  private ports: SimMac[] = [];
  /** Frames dropped on the wire by the filter. */
  dropped = 0;
  /** Return true to drop a frame in transit (loss injection). */
  filter: ((frame: Bytes, from: SimMac) => boolean) | undefined = undefined;

  constructor(
    readonly clock: Clock,
    readonly latencyMs: number,
  ) {}

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

export class SimMac extends MacBase implements Mac {
  private up = true;
  private open = true;

  constructor(
    private readonly segment: SimSegment,
    readonly hwaddr: Bytes,
    o: MacOptions,
    mtu: number,
  ) {
    super(o, 68, 1500, mtu, RX_QUEUE);
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
    this.enqueue(frame);
  }

  write(frame: Bytes): boolean {
    if (!this.carrier() || !this.fits(len(frame), 0)) {
      this.counters.txDropped++;
      return false;
    }
    this.sent(len(frame));
    this.segment.transmit(this, frame);
    return true;
  }

  close(): void {
    this.open = false;
    this.segment.detach(this);
  }
}
