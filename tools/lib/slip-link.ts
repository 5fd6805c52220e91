// The host link's frames over a serial line, SLIP-framed (RFC 1055): a
// pseudo-terminal (socat) whose other end we read and write here, joined to
// the UDP frame ports the host link serves (one datagram per frame). Espruino
// for Linux uses it once its own sockets belong to NetworkJS
// (hal/espruino/host.ts EspruinoSerialMac is the device's end).
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { ChildProcess } from "node:child_process";
import { spawnTied } from "../../hal/host/tied";

const END = 0xc0;
const ESC = 0xdb;
const ESC_END = 0xdc;
const ESC_ESC = 0xdd;

/** A frame as END, the frame with END and ESC escaped, END. */
export function slipEncode(frame: Uint8Array): Buffer {
  const out: number[] = [END];
  for (const b of frame) {
    if (b === END) out.push(ESC, ESC_END);
    else if (b === ESC) out.push(ESC, ESC_ESC);
    else out.push(b);
  }
  out.push(END);
  return Buffer.from(out);
}

/** Cuts a byte stream into frames; a frame with a bad escape, or longer than `max`, is dropped and counted. */
export class SlipDecoder {
  private buf: number[] = [];
  private escaped = false;
  private broken = false;
  errors = 0;

  constructor(
    private readonly onFrame: (frame: Buffer) => void,
    private readonly max = 9018,
  ) {}

  push(data: Uint8Array): void {
    for (const b of data) {
      if (b === END) {
        if (this.broken || this.escaped) this.errors++;
        else if (this.buf.length > 0) this.onFrame(Buffer.from(this.buf));
        this.buf = [];
        this.escaped = false;
        this.broken = false;
      } else if (this.broken) {
        continue;
      } else if (this.escaped) {
        this.escaped = false;
        if (b === ESC_END) this.buf.push(END);
        else if (b === ESC_ESC) this.buf.push(ESC);
        else this.broken = true;
      } else if (b === ESC) this.escaped = true;
      else this.buf.push(b);
      if (this.buf.length > this.max) {
        this.buf = [];
        this.broken = true;
      }
    }
  }
}

export interface SlipLink {
  /** The pseudo-terminal the device opens. */
  readonly ptyPath: string;
  /** Frames dropped for bad SLIP. */
  errors(): number;
  close(): void;
}

/**
 * A pseudo-terminal at `ptyPath` whose frames go to UDP 127.0.0.1:`txPort`
 * (where the host link listens for the device's frames) and that gets the
 * frames sent to UDP `rxPort` (where the host link sends the device's).
 */
export async function startSlipLink(ptyPath: string, rxPort: number, txPort: number): Promise<SlipLink> {
  const sockPath = `${ptyPath}.sock`;
  fs.rmSync(sockPath, { force: true });
  const udp = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(rxPort, "127.0.0.1", () => resolve());
  });
  let conn: net.Socket | undefined;
  const trace = process.env.NETRT_SLIP_TRACE !== undefined;
  const decoder = new SlipDecoder((f) => {
    if (trace) console.error(`slip: device sent ${f.length} B`);
    udp.send(f, txPort, "127.0.0.1");
  });
  udp.on("message", (frame) => {
    if (trace) console.error(`slip: to device ${frame.length} B${conn === undefined ? " (not connected)" : ""}`);
    conn?.write(slipEncode(frame));
  });
  const server = net.createServer((c) => {
    conn = c;
    c.on("data", (d) => decoder.push(d));
    c.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(sockPath, resolve));
  const socat: ChildProcess = spawnTied(["socat", `pty,raw,echo=0,link=${ptyPath}`, `unix-connect:${sockPath}`]);
  const until = Date.now() + 5000;
  while (!(fs.existsSync(ptyPath) && conn !== undefined)) {
    if (Date.now() > until || socat.exitCode !== null) {
      socat.kill();
      server.close();
      udp.close();
      throw new Error(`socat made no pseudo-terminal at ${ptyPath}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    ptyPath,
    errors: () => decoder.errors,
    close: () => {
      socat.kill();
      conn?.destroy();
      server.close();
      udp.close();
      fs.rmSync(sockPath, { force: true });
    },
  };
}

/** Where a run in `dir` puts its pseudo-terminal. */
export function slipPtyPath(dir: string): string {
  return path.join(dir, "frames.pty");
}
