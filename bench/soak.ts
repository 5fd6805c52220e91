// The year-long soak: a device on the sim clock with a 60 s lease from a
// simulated server, 10 % of frames lost each way, a peer talking to it
// every minute, and a control channel subscribed to every group, run for
// N virtual days. Each day it records what must stay flat (armed timers,
// lltable entries, heap after a collection) and what must never happen (an
// expired lease, a moment without the address).
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { alloc, len } from "../hal/js/bytes";
import { MemoryStorage } from "../hal/sim/storage";
import { SimRandom } from "../hal/sim/random";
import { DhcpClient } from "../src/dhcp/client";
import * as C from "../src/netlink/constants";
import { ControlChannel } from "../src/netlink/channel";
import { encodedMax, encodeFrame, FrameDecoder, PROTO_GENERIC } from "../src/netlink/frame";
import { SimDhcpServer } from "../test/dhcp/sim-server";
import { Net, sendUdp } from "../test/net/helpers";
import {
  groupBit,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_GROUPS,
  NETRT_CMD_SUBSCRIBE,
  NETRT_GENL_TYPE,
  NETRT_GROUP_DHCP,
} from "../src/netlink/family";
import { DHCP_EV_EXPIRED, DHCP_EV_REBOUND, DHCP_EV_RENEWED } from "../src/dhcp/states";
import { PROBE_QUICK, rfc2131Profile } from "../src/dhcp/config";
import { NlWriter } from "../src/netlink/writer";

export interface SoakDay {
  day: number;
  renewals: number;
  rebinds: number;
  expiries: number;
  framesLost: number;
  timersArmed: number;
  lltableEntries: number;
  heapBytes: number;
  notifications: number;
  secondsWithoutAddress: number;
}

export interface SoakResult {
  days: SoakDay[];
  leaseSecs: number;
  lossPercent: number;
  wallSeconds: number;
}

v8.setFlagsFromString("--expose-gc");
const collect = vm.runInNewContext("gc") as () => void;

function heapAfterCollection(): number {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

/** Runs the soak for `days` virtual days; `onDay` sees each day's figures as they come. */
export function soak(days: number, onDay?: (d: SoakDay) => void, leaseSecs = 60, lossPercent = 10): SoakResult {
  const t0 = Date.now();
  const net = new Net();
  const server = net.node(1, "192.0.2.1/24");
  const srv = new SimDhcpServer(server, { leaseSecs });
  const peer = net.node(3, "192.0.2.3/24");
  const dev = net.node(2, undefined, { capacity: 16 });
  const storage = new MemoryStorage(4096);
  const cfg = { ...rfc2131Profile(), probe: PROBE_QUICK, hostname: "soak" };
  const client = new DhcpClient(dev.stack, dev.eth, cfg, net.clock, dev.stack.random, storage, dev.log, () => -1);
  let notifications = 0;
  const host = new FrameDecoder(4096, () => notifications++);
  const ch = new ControlChannel(
    dev.stack,
    net.clock,
    { write: (d) => host.push(d, 0, len(d)), driverName: () => "sim" },
    { baud: 115200, maxMessage: 512 },
    storage,
    new SimRandom(5),
  );
  ch.dhcp.push(client);
  const counts = { renewed: 0, rebound: 0, expired: 0 };
  dev.stack.events.add({
    dhcp: (k) => {
      if (k === DHCP_EV_RENEWED) counts.renewed++;
      if (k === DHCP_EV_REBOUND) counts.rebound++;
      if (k === DHCP_EV_EXPIRED) counts.expired++;
    },
  });
  // Subscribe to every group: links, neighbours, addresses, routes, DHCP events.
  const w = new NlWriter(alloc(256));
  w.begin(NETRT_GENL_TYPE, C.NLM_F_REQUEST, 1, 0, GENLMSGHDR.hdrLen);
  w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
  w.int(
    NETRT_A_GROUPS,
    4,
    groupBit(C.RTNLGRP_LINK) +
      groupBit(C.RTNLGRP_NEIGH) +
      groupBit(C.RTNLGRP_IPV4_IFADDR) +
      groupBit(C.RTNLGRP_IPV4_ROUTE) +
      groupBit(NETRT_GROUP_DHCP),
  );
  const n = w.end();
  const framed = alloc(encodedMax(n + 3));
  ch.input(framed, 0, encodeFrame(PROTO_GENERIC, w.buf, 0, n, framed, alloc(n + 3)));
  // Loss each way, from a fixed seed.
  let seed = 20261201;
  net.segment.filter = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 < lossPercent / 100;
  };
  client.start();
  const out: SoakDay[] = [];
  const addr = () => (client.hasLease() ? dev.stack.addrs.findOn(dev.eth, client.lease.addr) : undefined);
  let lostBefore = 0;
  for (let day = 1; day <= days; day++) {
    const start = { ...counts };
    let without = 0;
    // A minute at a time: the peer sends a datagram, and the address is checked.
    for (let minute = 0; minute < 1440; minute++) {
      if (client.hasLease()) sendUdp(peer, "192.0.2.50", 9, 32);
      // The simulated server records every request; it is not under test, so it forgets them.
      srv.seen.splice(0, srv.seen.length);
      for (let s = 0; s < 60; s += 10) {
        net.clock.advance(10000);
        if (day > 1 || minute > 0) if (addr() === undefined) without += 10;
      }
    }
    const d: SoakDay = {
      day,
      renewals: counts.renewed - start.renewed,
      rebinds: counts.rebound - start.rebound,
      expiries: counts.expired - start.expired,
      framesLost: net.segment.dropped - lostBefore,
      timersArmed: net.clock.pending(),
      lltableEntries: dev.eth.lltable!.count(),
      heapBytes: day === 1 || day === days || day % 30 === 0 ? heapAfterCollection() : -1,
      notifications,
      secondsWithoutAddress: without,
    };
    lostBefore = net.segment.dropped;
    out.push(d);
    if (onDay !== undefined) onDay(d);
  }
  return { days: out, leaseSecs, lossPercent, wallSeconds: (Date.now() - t0) / 1000 };
}

/** What must hold for the soak to pass; empty when it did. */
export function soakProblems(r: SoakResult): string[] {
  const p: string[] = [];
  const d = r.days;
  const first = d[0];
  const last = d[d.length - 1];
  const expired = d.reduce((s, x) => s + x.expiries, 0);
  const without = d.reduce((s, x) => s + x.secondsWithoutAddress, 0);
  if (expired > 0) p.push(`${expired} leases expired`);
  if (without > 0) p.push(`${without} s without the address`);
  const timers = d.map((x) => x.timersArmed);
  if (Math.max(...timers) - Math.min(...timers) > 6)
    p.push(`armed timers ranged ${Math.min(...timers)}..${Math.max(...timers)}`);
  const ll = d.map((x) => x.lltableEntries);
  if (Math.max(...ll) > 16) p.push(`lltable reached ${Math.max(...ll)} entries`);
  if (d.length > 1 && last.heapBytes > first.heapBytes * 1.5 + 2_000_000)
    p.push(`heap grew from ${first.heapBytes} to ${last.heapBytes} bytes`);
  return p;
}
