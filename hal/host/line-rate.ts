// A pseudo-terminal moves bytes as fast as the kernel can copy them; a UART
// moves ten bit times per byte. The host board paces both directions of its
// control pty with this, so what the CLI and the bench see is what a real
// line at the board's baud rate would give them.

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

interface Chunk {
  data: Buffer;
  /** When its first byte started on the line. */
  start: number;
  delivered: number;
}

export class LineRate {
  private readonly msPerByte: number;
  private readonly queue: Chunk[] = [];
  private lineFreeAt = 0;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    baud: number,
    private readonly deliver: (b: Buffer) => void,
  ) {
    this.msPerByte = 10000 / baud; // 8N1
  }

  /** Bytes waiting to cross the line. */
  get queued(): number {
    let n = 0;
    for (const c of this.queue) n += c.data.length - c.delivered;
    return n;
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    const now = nowMs();
    const start = this.lineFreeAt > now ? this.lineFreeAt : now;
    this.lineFreeAt = start + data.length * this.msPerByte;
    this.queue.push({ data, start, delivered: 0 });
    if (this.timer === undefined) this.drain();
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private drain(): void {
    this.timer = undefined;
    const now = nowMs();
    while (this.queue.length > 0) {
      const c = this.queue[0];
      // Bytes whose last bit has arrived by now.
      const done = Math.min(c.data.length, Math.floor((now - c.start) / this.msPerByte));
      if (done > c.delivered) {
        this.deliver(c.data.subarray(c.delivered, done));
        c.delivered = done;
      }
      if (c.delivered < c.data.length) {
        const next = c.start + (c.delivered + 1) * this.msPerByte;
        this.timer = setTimeout(() => this.drain(), Math.max(1, Math.ceil(next - now)));
        return;
      }
      this.queue.shift();
    }
  }
}
