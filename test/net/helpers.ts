// Simulated hosts for network tests: a NetStack per node on a SimSegment,
// all on one virtual clock.
import { alloc, set8, set16 } from "../../hal/js/bytes";
import { checksum } from "../../src/net/cksum";
import { SimClock } from "../../hal/sim/clock";
import { SimMac, SimSegment } from "../../hal/sim/link";
import { MemoryLog } from "../../hal/sim/log";
import { SimRandom } from "../../hal/sim/random";
import type { Bytes } from "../../hal/types";
import { parseIPv4 } from "../../src/net/addr";
import type { Ifnet } from "../../src/net/ifnet";
import { addrRequest } from "../../src/net/inaddr";
import { defaultLltableParams, type LltableParams } from "../../src/net/lltable";
import { defaultStackConfig, NetStack, type StackConfig } from "../../src/net/stack";

export const ip = (s: string): number => {
  const v = parseIPv4(s);
  if (v < 0) throw new Error(`bad address ${s}`);
  return v;
};

export function macOf(last: number): Bytes {
  const m = alloc(6);
  set8(m, 0, 0x02);
  set8(m, 5, last);
  return m;
}

export interface Node {
  stack: NetStack;
  eth: Ifnet;
  mac: SimMac;
  log: MemoryLog;
}

export class Net {
  readonly clock = new SimClock();
  readonly segment: SimSegment;
  constructor(latencyMs = 1) {
    this.segment = new SimSegment(this.clock, latencyMs);
  }

  /** A host on the net's segment, or on `segment` (another LAN on the same clock). */
  node(
    last: number,
    cidr?: string,
    ll?: Partial<LltableParams>,
    cfg?: Partial<StackConfig>,
    segment: SimSegment = this.segment,
  ): Node {
    const log = new MemoryLog(this.clock, 200);
    const stack = new NetStack(this.clock, new SimRandom(last * 7919), log, { ...defaultStackConfig(), ...cfg });
    let mac: SimMac | undefined;
    const eth = stack.attachEthernet("eth0", (o) => (mac = segment.attach(macOf(last), o, 1500)), {
      ...defaultLltableParams(8),
      ...ll,
    });
    if (eth === undefined || mac === undefined) throw new Error("attach failed");
    if (cidr !== undefined) {
      const [a, l] = cidr.split("/");
      const err = stack.addrs.add(eth, addrRequest(ip(a), l === undefined ? -1 : Number(l)));
      if (err !== 0) throw new Error(`add ${cidr}: ${err}`);
    }
    return { stack, eth, mac, log };
  }
}

/** An ICMP echo request (id 0x1234) from `from` to `dst`, sent through its stack's output path. */
export function ping(from: Node, dst: string, seq: number): number {
  const f = from.stack.ip.allocPacket(16);
  set8(f, 34, 8);
  set16(f, 38, 0x1234);
  set16(f, 40, seq);
  set16(f, 36, checksum(f, 34, 16));
  const err = from.stack.ip.route(ip(dst), -1, undefined);
  return err < 0 ? err : from.stack.ip.send(f, 1, 16, 64);
}

/** Sends a UDP datagram of `n` bytes from `from` to dst:port. */
export function sendUdp(from: Node, dst: string, port: number, n: number, src = -1): number {
  const f = from.stack.udp.alloc(n);
  return from.stack.udp.send(f, n, src, 40000, ip(dst), port, undefined);
}
