// The host link: an Ethernet MAC whose wire is UDP on loopback, one frame per
// datagram. socat bridges the other end to a TAP device in a network
// namespace, or two of these talk to each other directly.
import * as dgram from "node:dgram";
import { type Bytes, type Mac, type MacCounters, type MacOptions, zeroCounters } from "../types";

export interface UdpMacOptions extends MacOptions {
  hwaddr: Bytes;
  /** Port we receive frames on (127.0.0.1). */
  localPort: number;
  /** Port frames are sent to (127.0.0.1). */
  remotePort: number;
  mtu?: number;
  rxQueue?: number;
}

export class UdpMac implements Mac {
  readonly minMtu = 68;
  readonly maxMtu = 9000;
  readonly counters: MacCounters = zeroCounters();
  readonly hwaddr: Bytes;
  private readonly sock: dgram.Socket;
  private readonly queue: Uint8Array[] = [];
  private readonly rxQueue: number;
  private curMtu: number;
  private bound = false;

  constructor(private readonly o: UdpMacOptions) {
    this.hwaddr = o.hwaddr;
    this.curMtu = o.mtu ?? 1500;
    this.rxQueue = o.rxQueue ?? 32;
    this.sock = dgram.createSocket("udp4");
    this.sock.on("message", (msg) => this.receive(msg));
    this.sock.on("error", (e) => o.onError?.(e.message));
  }

  /** Binds the receive port; the link is up once it is bound. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sock.once("error", reject);
      this.sock.bind(this.o.localPort, "127.0.0.1", () => {
        this.sock.off("error", reject);
        this.bound = true;
        this.o.onLinkChange(true);
        resolve();
      });
    });
  }

  private receive(msg: Buffer): void {
    // A datagram too short for an Ethernet header, or larger than our MTU allows, is not a frame.
    if (msg.length < 14 || msg.length > this.curMtu + 18) {
      this.counters.rxErrors++;
      return;
    }
    if (this.queue.length >= this.rxQueue) {
      this.counters.rxDropped++;
      return;
    }
    this.queue.push(new Uint8Array(msg));
    this.counters.rxPackets++;
    this.counters.rxBytes += msg.length;
    this.o.onReadable(this.queue.length);
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
    return this.bound;
  }

  read(): Bytes | undefined {
    return this.queue.shift() as unknown as Bytes | undefined;
  }

  write(frame: Bytes): boolean {
    const f = frame as unknown as Uint8Array;
    if (!this.bound || f.length < 14 || f.length > this.curMtu + 14) {
      this.counters.txDropped++;
      return false;
    }
    this.sock.send(f, this.o.remotePort, "127.0.0.1", (err) => {
      if (err) this.counters.txErrors++;
    });
    this.counters.txPackets++;
    this.counters.txBytes += f.length;
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
