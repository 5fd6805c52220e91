// Conformance for the IPv6 parsers, identifiers and SLAAC on every runtime:
// each case's verdict, offsets and ND options, each MAC's EUI-64 and RFC
// 7217 identifier, and a host's addresses, routers, prefixes and DNS servers
// through Router Advertisements and time, as Node computed them
// (tools/make-ipv6-vectors.ts from the packets the tests build after the
// RFCs), must come out the same on Espruino and both Luas.
import * as B from "@hal/bytes";
import { ipv6Cases, iidCases, slaacCases } from "@vectors";
import { SimClock } from "../../hal/sim/clock";
import { SimSegment } from "../../hal/sim/link";
import { SimRandom } from "../../hal/sim/random";
import type { Bytes, Log } from "../../hal/types";
import { eui64, stableIid } from "../../src/net/ifid6";
import { formatIPv6 } from "../../src/net/addr6";
import { defaultIp6Params, Ipv6 } from "../../src/net/ipv6";
import { FOREVER } from "../../src/net/in6addr";
import type { Learned6 } from "../../src/net/slaac6";
import { defaultLltableParams } from "../../src/net/lltable";
import { defaultStackConfig, NetStack } from "../../src/net/stack";
import { openUdp } from "../../src/apps/udp-socket";
import { addrRequest } from "../../src/net/inaddr";
import { Ip6Walk, walkIpv6, WALK_UPPER } from "../../src/net/ipv6-walk";
import { checkNd, NdOptions } from "../../src/net/nd-parse";
import { fromHex, toHex } from "../../src/util/hex";
import type { Checker } from "./net-suites";

/** One packet's reading: verdict proto off len code pointer | ND type slla tlla mtu prefixes rdnsses ignored. */
export function ipv6Reading(f: Bytes, multicast: boolean): string {
  const w = new Ip6Walk();
  const v = walkIpv6(f, 0, B.len(f), multicast, w);
  let s = v + " " + w.proto + " " + w.off + " " + w.len + " " + w.code + " " + w.pointer + " " + w.routerAlert;
  if (v === WALK_UPPER && w.proto === 58) {
    const o = new NdOptions();
    const t = checkNd(f, 0, w.off, w.len, o);
    s += " | " + t + " " + o.slla + " " + o.tlla + " " + o.mtu + " " + o.prefixes + " " + o.rdnsses + " " + o.ignored;
  }
  return s;
}

/**
 * Two hosts with IPv6 exchange UDP through the program's sockets: an IPv6
 * datagram to the server's link-local address and its answer, then an IPv4
 * one to the same port. Returns what each side read.
 */
export function udp6Exchange(): string {
  const clock = new SimClock();
  const seg = new SimSegment(clock, 1);
  const hosts: Ipv6[] = [];
  const stacks: NetStack[] = [];
  for (let k = 1; k <= 2; k++) {
    const stack = new NetStack(clock, new SimRandom(k), quiet, defaultStackConfig());
    const mac = B.alloc(6);
    B.set8(mac, 0, 2);
    B.set8(mac, 5, k);
    const eth = stack.attachEthernet("eth0", (o) => seg.attach(mac, o, 1500), defaultLltableParams(8));
    if (eth === undefined) return "attach failed";
    stack.addrs.add(eth, addrRequest(0x0a000000 + k, 24));
    const ip6 = new Ipv6(clock, stack.random, quiet, (ifp, f) => stack.sendFrame(ifp, f), defaultIp6Params());
    stack.ip6 = ip6;
    ip6.attach(eth);
    hosts.push(ip6);
    stacks.push(stack);
  }
  clock.advance(2500);
  const server = openUdp(stacks[1], { port: 7000 });
  const client = openUdp(stacks[0], {});
  if (typeof server === "number" || typeof client === "number") return "open failed";
  const msg = fromHex("736978") as Bytes;
  let out = "" + client.write6(msg, 0, 3, hosts[1].addrs[0].addr, 0, 7000);
  clock.advance(100);
  const d = server.read();
  if (d === undefined || d.address6 === undefined) return out + " nothing arrived";
  out +=
    " " +
    toHex(d.data, 0, B.len(d.data)) +
    " from " +
    formatIPv6(d.address6, 0) +
    (d.port === client.port ? " port ok" : " port?");
  out += " " + server.write6(d.data, 0, B.len(d.data), d.address6, 0, d.port);
  clock.advance(100);
  const r = client.read();
  out += r !== undefined && r.address6 !== undefined ? " back from " + formatIPv6(r.address6, 0) : " no answer";
  out += " " + client.write(msg, 0, 3, 0x0a000002, 7000);
  clock.advance(100);
  const d4 = server.read();
  out += d4 !== undefined && d4.address6 === undefined ? " ipv4 from " + d4.address : " no ipv4";
  return out;
}

/** What udp6Exchange reads on every runtime. */
export const UDP6_EXCHANGE = "0 736978 from fe80::ff:fe00:1 port ok 0 back from fe80::ff:fe00:2 0 ipv4 from 167772161";

export function runIpv6(s: Checker): void {
  const u = udp6Exchange();
  s.check(u === UDP6_EXCHANGE, "UDP over IPv6: " + u);
  for (let i = 0; i < slaacCases.length; i++) {
    const c = slaacCases[i];
    const got = slaacRun(c[0], c[1]);
    for (let k = 0; k < c[2].length; k++)
      s.check(got[k] === c[2][k], "SLAAC #" + i + " step " + k + ": " + got[k] + ", on Node " + c[2][k]);
  }
  for (let i = 0; i < ipv6Cases.length; i++) {
    const c = ipv6Cases[i];
    const f = fromHex(c[0]) as Bytes;
    const got = ipv6Reading(f, c[1]);
    s.check(got === c[2], "packet #" + i + ": " + got + ", on Node " + c[2]);
  }
  for (let i = 0; i < iidCases.length; i++) {
    const c = iidCases[i];
    const mac = fromHex(c[0]) as Bytes;
    const e = B.alloc(8);
    eui64(mac, 0, e, 0);
    s.check(toHex(e, 0, 8) === c[4], "EUI-64 #" + i + ": " + toHex(e, 0, 8));
    const out = B.alloc(8);
    const used = stableIid(fromHex(c[1]) as Bytes, 0, c[2], mac, 0, 0, fromHex(c[3]) as Bytes, out, 0);
    s.check(toHex(out, 0, 8) + " " + used === c[5], "RFC 7217 #" + i + ": " + toHex(out, 0, 8) + " " + used);
  }
}

const quiet: Log = { write: () => undefined };

function remaining(until: number, now: number): string {
  return until === FOREVER ? "forever" : "" + (until - now);
}

function learned(list: Learned6[], now: number): string {
  let r = "";
  for (let i = 0; i < list.length; i++)
    r += " " + formatIPv6(list[i].addr, 0) + "/" + list[i].len + ":" + remaining(list[i].until, now);
  return r;
}

/** A host's IPv6 state in one line: addresses (state, SLAAC, lifetimes left), routers, prefixes, DNS, MTU, hop limit, MLD's counters. */
export function slaacReading(ip6: Ipv6, now: number): string {
  let r = "";
  for (let i = 0; i < ip6.addrs.length; i++) {
    const a = ip6.addrs[i];
    r += formatIPv6(a.addr, 0) + "/" + a.prefixLen + " " + a.state + (a.autoconf ? " auto " : " ");
    r += remaining(a.validUntil, now) + " " + remaining(a.preferredUntil, now) + "; ";
  }
  const sl = ip6.slaac;
  return (
    r +
    "|" +
    learned(sl.routers, now) +
    " |" +
    learned(sl.prefixes, now) +
    " |" +
    learned(sl.dns, now) +
    " | " +
    sl.mtu +
    " " +
    sl.hopLimit +
    " | " +
    ip6.mld.stats.queriesIn +
    " " +
    ip6.mld.stats.queriesBad +
    " " +
    ip6.mld.stats.reportsOut
  );
}

/**
 * A fresh host (MAC 02:00:00:00:00:01, RFC 7217 identifiers when `secret`
 * is not empty) through `ops`: ["ra", an IPv6 packet in hex (an
 * advertisement, an MLD query), as a frame from 02:00:00:00:00:09] or
 * ["advance", ms]; its reading after each.
 */
export function slaacRun(secret: string, ops: string[][]): string[] {
  const clock = new SimClock();
  const seg = new SimSegment(clock, 1);
  const stack = new NetStack(clock, new SimRandom(7), quiet, defaultStackConfig());
  const mac = B.alloc(6);
  B.set8(mac, 0, 2);
  B.set8(mac, 5, 1);
  const eth = stack.attachEthernet("eth0", (o) => seg.attach(mac, o, 1500), defaultLltableParams(8));
  const out: string[] = [];
  if (eth === undefined) return out;
  const p = defaultIp6Params();
  if (secret !== "") p.secret = fromHex(secret) as Bytes;
  const ip6 = new Ipv6(clock, stack.random, quiet, (ifp, f) => stack.sendFrame(ifp, f), p);
  stack.ip6 = ip6;
  ip6.attach(eth);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op[0] === "ra") {
      const pkt = fromHex(op[1]) as Bytes;
      const f = B.alloc(14 + B.len(pkt));
      B.copy(f, 0, mac, 0, 6);
      B.set8(f, 6, 2);
      B.set8(f, 11, 9);
      B.set16(f, 12, 0x86dd);
      B.copy(f, 14, pkt, 0, B.len(pkt));
      stack.input(eth, f);
    } else clock.advance(Math.floor(Number(op[1])));
    out.push(slaacReading(ip6, clock.now()));
  }
  return out;
}
