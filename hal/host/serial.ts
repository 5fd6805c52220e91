// A real serial line on the host (a USB-UART, or a pseudo-terminal from socat).
import type { SerialPort } from "serialport";
import type { Bytes, Serial, SerialOptions } from "../types";

const MAX_BUFFERED = 64 * 1024;

export class HostSerial implements Serial {
  private readonly port: SerialPort;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes thrown away because the reader fell too far behind. */
  overruns = 0;

  constructor(o: SerialOptions) {
    // Loaded when a port is opened, not at start: a firmware without a control line never pays for it.
    const mod = require("serialport") as typeof import("serialport");
    this.port = new mod.SerialPort({ path: o.port, baudRate: o.baud, autoOpen: true });
    this.port.on("data", (d: Buffer) => {
      if (this.buffered + d.length > MAX_BUFFERED) {
        this.overruns += d.length;
        return;
      }
      this.chunks.push(d);
      this.buffered += d.length;
      o.onReadable(this.buffered);
    });
    this.port.on("error", (e: Error) => o.onError?.(e.message));
  }

  /** Resolves once the port is open, rejects with the OS's reason otherwise. */
  opened(): Promise<void> {
    if (this.port.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.port.once("open", () => resolve());
      this.port.once("error", (e: Error) => reject(e));
    });
  }

  read(): Bytes | undefined {
    if (this.buffered === 0) return undefined;
    const all = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    return new Uint8Array(all) as unknown as Bytes;
  }

  write(data: Bytes): void {
    this.port.write(Buffer.from(data as unknown as Uint8Array));
  }

  close(): void {
    if (this.port.isOpen) this.port.close();
  }
}
