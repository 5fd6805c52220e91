// A pair of connected in-memory serial ends (a null-modem cable), bounded
// like a UART's buffer: bytes beyond it are lost and counted.
import { alloc, len, set8, get8 } from "@hal/bytes";
import type { Bytes, Clock, Serial, SerialOptions } from "../types";

export class SimSerialEnd implements Serial {
  peer: SimSerialEnd | undefined = undefined;
  overruns = 0;
  private buf: number[] = [];
  private notifyArmed = false;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly o: SerialOptions,
    private readonly capacity: number,
  ) {}

  deliver(data: Bytes): void {
    if (this.closed) return;
    const n = len(data);
    for (let i = 0; i < n; i++) {
      if (this.buf.length >= this.capacity) {
        this.overruns += n - i;
        break;
      }
      this.buf.push(get8(data, i));
    }
    if (!this.notifyArmed && this.buf.length > 0) {
      this.notifyArmed = true;
      this.clock.set(() => {
        this.notifyArmed = false;
        if (this.buf.length > 0) this.o.onReadable(this.buf.length);
      }, 0);
    }
  }

  read(): Bytes | undefined {
    if (this.buf.length === 0) return undefined;
    const b = alloc(this.buf.length);
    for (let i = 0; i < this.buf.length; i++) set8(b, i, this.buf[i]);
    this.buf = [];
    return b;
  }

  write(data: Bytes): void {
    if (!this.closed && this.peer !== undefined) this.peer.deliver(data);
  }

  close(): void {
    this.closed = true;
  }
}

export function simSerialPair(
  clock: Clock,
  a: SerialOptions,
  b: SerialOptions,
  capacity: number,
): [SimSerialEnd, SimSerialEnd] {
  const x = new SimSerialEnd(clock, a, capacity);
  const y = new SimSerialEnd(clock, b, capacity);
  x.peer = y;
  y.peer = x;
  return [x, y];
}
