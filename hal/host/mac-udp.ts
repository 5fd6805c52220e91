// The host link: an Ethernet MAC whose wire is UDP on loopback, one frame per
// datagram. socat bridges the other end to a TAP device in a network
// namespace, or two of these talk to each other directly.
import * as dgram from "node:dgram";
import { MacBase } from "../mac-base";
import type { Bytes, Mac, MacOptions } from "../types";

export interface UdpMacOptions extends MacOptions {
  hwaddr: Bytes;
  /** Port we receive frames on (127.0.0.1). */
  localPort: number;
  /** Port frames are sent to (127.0.0.1). */
  remotePort: number;
  mtu?: number;
  rxQueue?: number;
}

// A received frame may carry a 4-byte 802.1Q tag beyond the MTU.
const VLAN_SLACK = 4;

export class UdpMac extends MacBase implements Mac {
  readonly hwaddr: Bytes;
  private readonly sock: dgram.Socket;
  private bound = false;

  constructor(private readonly u: UdpMacOptions) {
    super(u, 68, 9000, u.mtu ?? 1500, u.rxQueue ?? 32);
    this.hwaddr = u.hwaddr;
    this.sock = dgram.createSocket("udp4");
    this.sock.on("message", (msg) => this.receive(msg));
    this.sock.on("error", (e) => u.onError?.(e.message));
  }

  /** Binds the receive port; the link is up once it is bound. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sock.once("error", reject);
      this.sock.bind(this.u.localPort, "127.0.0.1", () => {
        this.sock.off("error", reject);
        this.bound = true;
        this.o.onLinkChange(true);
        resolve();
      });
    });
  }

  private receive(msg: Buffer): void {
    // A datagram too short for an Ethernet header, or larger than the MTU allows, is not a frame.
    if (!this.fits(msg.length, VLAN_SLACK)) {
      this.counters.rxErrors++;
      return;
    }
    this.enqueue(new Uint8Array(msg) as unknown as Bytes);
  }

  carrier(): boolean {
    return this.bound;
  }

  write(frame: Bytes): boolean {
    const f = frame as unknown as Uint8Array;
    if (!this.bound || !this.fits(f.length, 0)) {
      this.counters.txDropped++;
      return false;
    }
    this.sock.send(f, this.u.remotePort, "127.0.0.1", (err) => {
      if (err) this.counters.txErrors++;
    });
    this.sent(f.length);
    return true;
  }

  close(): void {
    if (this.bound) {
      this.bound = false;
      this.o.onLinkChange(false);
    }
    this.sock.close();
  }
}
