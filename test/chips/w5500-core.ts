// The W5500 model's hardwired TCP/IP core: what answers for sockets 1..7 in
// TCP mode. It is an IPv4 host of its own on the chip's side of the cable,
// addressed by SIPR/SUBR/GAR, with ARP (the chip answers ARP for SIPR
// whatever the sockets do) and, unless MR's ping block is set, echo replies.
// Its TCP engine is netrt's own src/net/tcp.ts: the silicon's TCP is not what
// these tests are about; the register protocol and the sharing of frames
// with MACRAW are.
import { alloc, set8 } from "../../hal/js/bytes";
import { MacBase } from "../../hal/mac-base";
import type { Bytes, Clock, Log, Mac, MacOptions, Random } from "../../hal/types";
import { addrRequest } from "../../src/net/inaddr";
import type { Ifnet } from "../../src/net/ifnet";
import { defaultLltableParams } from "../../src/net/lltable";
import { prefixLenOf, RTPROT_STATIC, RT_SCOPE_UNIVERSE } from "../../src/net/route";
import { defaultStackConfig, NetStack } from "../../src/net/stack";
import { defaultTcpParams, Tcp } from "../../src/net/tcp";

export interface CoreHost {
  clock: Clock;
  random: Random;
  log: Log;
}

/** The core's side of the chip's MAC: frames out go on the cable; frames in are the ones the model routes here. */
class CoreMac extends MacBase implements Mac {
  constructor(
    o: MacOptions,
    readonly hwaddr: Bytes,
    private readonly toWire: (f: Uint8Array) => void,
  ) {
    super(o, 68, 1500, 1500, 64);
  }
  carrier(): boolean {
    return true;
  }
  write(frame: Bytes): boolean {
    const f = frame as unknown as Uint8Array;
    const out = new Uint8Array(Math.max(60, f.length));
    out.set(f);
    this.toWire(out);
    this.sent(f.length);
    return true;
  }
  take(frame: Uint8Array): void {
    const b = alloc(frame.length);
    for (let i = 0; i < frame.length; i++) set8(b, i, frame[i]);
    this.enqueue(b);
  }
  close(): void {}
}

export class W5500Core {
  readonly stack: NetStack;
  readonly tcp: Tcp;
  private readonly mac: CoreMac;
  private readonly eth: Ifnet;
  private addr = 0;
  private mask = 0;
  private gateway = 0;

  constructor(host: CoreHost, shar: Uint8Array, toWire: (f: Uint8Array) => void, bufBytes: number) {
    this.stack = new NetStack(host.clock, host.random, host.log, defaultStackConfig());
    const hw = alloc(6);
    for (let i = 0; i < 6; i++) set8(hw, i, shar[i]);
    let mac: CoreMac | undefined;
    const eth = this.stack.attachEthernet("core", (o) => (mac = new CoreMac(o, hw, toWire)), defaultLltableParams(8));
    if (eth === undefined || mac === undefined) throw new Error("w5500 model: core did not attach");
    this.eth = eth;
    this.mac = mac;
    this.tcp = new Tcp(this.stack.ip, host.clock, host.random, host.log, {
      ...defaultTcpParams(),
      slots: 8,
      rcvBuf: bufBytes,
      sndBuf: bufBytes,
    });
    this.stack.ip.tcp = this.tcp;
  }

  /** SIPR, SUBR and GAR as the host wrote them; the core follows when they change. */
  configure(addr: number, mask: number, gateway: number): void {
    if (addr === this.addr && mask === this.mask && gateway === this.gateway) return;
    if (this.addr !== 0) this.stack.addrs.remove(this.eth, this.addr, true);
    this.addr = addr;
    this.mask = mask;
    this.gateway = gateway;
    if (addr === 0) return;
    this.stack.addrs.add(this.eth, addrRequest(addr, prefixLenOf(mask)));
    if (gateway !== 0)
      this.stack.routes.add(
        {
          dst: 0,
          prefixLen: 0,
          gateway,
          ifindex: this.eth.index,
          protocol: RTPROT_STATIC,
          scope: RT_SCOPE_UNIVERSE,
          metric: 0,
          prefsrc: 0,
        },
        true,
      );
  }

  address(): number {
    return this.addr;
  }

  fromWire(frame: Uint8Array): void {
    this.mac.take(frame);
  }
}
