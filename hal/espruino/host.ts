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
