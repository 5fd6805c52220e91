// Espruino's interpreter for Linux on the development host: the board's
// bundle with its MAC on the host link's UDP frame port, through Espruino's
// own require("dgram"), so the Espruino build gets its lease from the same
// servers as the Node and Lua builds.
import { len } from "@hal/bytes";
import { MacBase } from "../mac-base";
import type { Bytes, Mac, MacOptions } from "../types";
import { fromStr, toStr } from "./platform";

declare interface EspruinoDgramSocket {
  on(event: "message", cb: (msg: string) => void): void;
  on(event: "error", cb: (e: unknown) => void): void;
  bind(port: number, cb: () => void): void;
  send(data: string, port: number, address: string): void;
  close(): void;
}
declare interface EspruinoDgram {
  createSocket(o: { type: string; recvBufferSize: number }): EspruinoDgramSocket;
}

/** Espruino for Linux truncates datagrams to 528 bytes unless told more: room for a jumbo frame. */
const RECV_BUFFER = 9018;

declare const require: (name: string) => unknown;

export class EspruinoUdpMac extends MacBase implements Mac {
  readonly hwaddr: Bytes;
  private readonly sock: EspruinoDgramSocket;
  private bound = false;

  constructor(
    o: MacOptions,
    hwaddr: Bytes,
    mtu: number,
    localPort: number,
    private readonly remotePort: number,
  ) {
    super(o, 68, 9000, mtu, 32);
    this.hwaddr = hwaddr;
    this.sock = (require("dgram") as EspruinoDgram).createSocket({ type: "udp4", recvBufferSize: RECV_BUFFER });
    this.sock.on("message", (msg: string) => {
      if (this.fits(msg.length, 4)) this.enqueue(fromStr(msg));
      else this.counters.rxErrors++;
    });
    this.sock.bind(localPort, () => {
      this.bound = true;
      this.o.onLinkChange(true);
    });
  }

  carrier(): boolean {
    return this.bound;
  }

  write(frame: Bytes): boolean {
    if (!this.bound) {
      this.counters.txDropped++;
      return false;
    }
    this.sock.send(toStr(frame), this.remotePort, "127.0.0.1");
    this.sent(len(frame));
    return true;
  }

  close(): void {
    this.sock.close();
  }
}

declare interface EspruinoUart {
  setup(baud: number, options: { path: string }): void;
  on(event: "data", cb: (data: string) => void): void;
  removeAllListeners(event: string): void;
  write(data: string): void;
}
declare const Serial2: EspruinoUart;

// SLIP (RFC 1055): frames between END bytes, END and ESC inside escaped.
const END = "\xc0";
const ESC = "\xdb";
const ESC_END = "\xdb\xdc";
const ESC_ESC = "\xdb\xdd";

/** How many escapes of `seq` `s` holds. */
function count(s: string, seq: string): number {
  return s.split(seq).length - 1;
}

/**
 * The host link's frames as SLIP on a serial line (Serial2 opened at a
 * pseudo-terminal): for a program that gives Espruino's own sockets to
 * NetworkJS, after which Espruino's dgram is no longer Linux's.
 */
export class EspruinoSerialMac extends MacBase implements Mac {
  readonly hwaddr: Bytes;
  private pending = "";

  constructor(o: MacOptions, hwaddr: Bytes, mtu: number, path: string) {
    super(o, 68, 9000, mtu, 32);
    this.hwaddr = hwaddr;
    Serial2.setup(115200, { path: path });
    Serial2.on("data", (d: string) => this.received(d));
  }

  private received(d: string): void {
    const parts = (this.pending + d).split(END);
    this.pending = parts[parts.length - 1];
    // Noise with no END in sight is not a frame: at most one escaped jumbo frame waits.
    if (this.pending.length > 2 * (this.maxMtu + 18)) {
      this.pending = "";
      this.counters.rxErrors++;
    }
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i];
      if (p.length === 0) continue;
      // Every ESC must start one of the two escapes; anything else is a broken frame.
      if (count(p, ESC) !== count(p, ESC_END) + count(p, ESC_ESC)) {
        this.counters.rxErrors++;
        continue;
      }
      const f = p.split(ESC_END).join(END).split(ESC_ESC).join(ESC);
      if (this.fits(f.length, 4)) this.enqueue(fromStr(f));
      else this.counters.rxErrors++;
    }
  }

  /** A pseudo-terminal is always there; the stack reads this when it attaches the MAC. */
  carrier(): boolean {
    return true;
  }

  write(frame: Bytes): boolean {
    Serial2.write(END + toStr(frame).split(ESC).join(ESC_ESC).split(END).join(ESC_END) + END);
    this.sent(len(frame));
    return true;
  }

  close(): void {
    Serial2.removeAllListeners("data");
  }
}
