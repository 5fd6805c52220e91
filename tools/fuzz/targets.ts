// The fuzz targets: every parser of outside input, driven the way the
// device meets it, with the invariants each must keep. A target's run()
// throws (an Error with the invariant's name) when one breaks.
import { alloc, get8, len } from "@hal/bytes";
import { MemoryStorage } from "../../hal/sim/storage";
import { SimRandom } from "../../hal/sim/random";
import type { Bytes } from "../../hal/types";
import { describeFrame } from "../../cli/describe";
import { DhcpClient, MIN_LEASE_SECS } from "../../src/dhcp/client";
import { DHCP_OK, DhcpReply, parseDhcp } from "../../src/dhcp/message";
import { checksum } from "../../src/net/cksum";
import { LIFETIME_INFINITE } from "../../src/net/inaddr";
import { LLE_STATIC } from "../../src/net/lltable";
import { RTPROT_STATIC } from "../../src/net/route";
import * as C from "../../src/netlink/constants";
import { encodeFrame, encodedMax, FrameDecoder } from "../../src/netlink/frame";
import { Rtnl } from "../../src/netlink/rtnl";
import { ControlChannel } from "../../src/netlink/channel";
import * as F from "../../src/netlink/family";
import * as FS from "../../src/netlink/family-settings";
import { Prober } from "../../src/netlink/probe";
import { SettingsControl, snapshot } from "../../src/config/control";
import type { MessageValue } from "../../cli/describe";
import {
  decodeSettings,
  DeviceSettings,
  encodeSettings,
  SETTINGS_OK,
  SETTINGS_PROBLEMS,
} from "../../src/config/settings";
import {
  IFA_INDEX,
  IFA_PREFIXLEN,
  IFADDRMSG,
  IFI_CHANGE,
  IFI_FLAGS,
  IFI_INDEX,
  IFINFOMSG,
  NDM_IFINDEX,
  NDM_STATE,
  NDMSG,
  RTM_DST_LEN,
  RTM_FAMILY,
  RTM_PROTOCOL,
  RTM_TABLE,
  RTM_TYPE,
  RTMSG,
  schemaFor,
} from "../../src/netlink/schemas";
import { fromHex } from "../../src/util/hex";
import { ip, macOf, Net, type Node } from "../../test/net/helpers";
import { loadVectors } from "../../test/netlink/vectors";
import { concat, type Field, type Rng, type Seed } from "./mutate";
import { DHCP_BOUND, DHCP_STOPPED } from "../../src/dhcp/states";
import { PROBE_OFF, rfc2131Profile } from "../../src/dhcp/config";
import { decodeLease, DhcpLease, encodeLease, usableAddress } from "../../src/dhcp/lease";
import { NlWriter } from "../../src/netlink/writer";
import { appTargets } from "./app-targets";
import { tcpTarget } from "./tcp-target";
import { ipv6Target } from "./ipv6-target";
import { withIpv6 } from "../../test/net/ipv6-node";
import type { Ipv6 } from "../../src/net/ipv6";
import { Inet6Rtnl } from "../../src/netlink/route/inet6";

export interface Target {
  name: string;
  what: string;
  seeds(): Seed[];
  /** Runs one input; throws on a broken invariant. Targets with state keep it between calls until reset(). */
  run(input: Uint8Array, rng: Rng): void;
  /** Fresh state (the runner calls it every few inputs so a failure replays from a short history). */
  reset(): void;
}

export class Broken extends Error {}

function must(ok: boolean, what: string): void {
  if (!ok) throw new Broken(what);
}

const toBytes = (u: Uint8Array): Bytes => {
  const b = alloc(u.length);
  (b as unknown as Uint8Array).set(u);
  return b;
};
const u8 = (b: Bytes): Uint8Array => b as unknown as Uint8Array;
const be32 = (v: number): number[] => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

// --- DHCP -------------------------------------------------------------------

const SERVER = ip("192.0.2.1");
const CLIENT_MAC = [2, 0, 0, 0, 0, 2];

/** A BOOTREPLY with options; the option length bytes are its fields. */
function dhcpSeed(type: number, xid: number, yiaddr: number, opts: [number, number[]][]): Seed {
  const fields: Field[] = [];
  const b: number[] = new Array(240).fill(0);
  b[0] = 2;
  b[1] = 1;
  b[2] = 6;
  be32(xid).forEach((v, i) => (b[4 + i] = v));
  be32(yiaddr).forEach((v, i) => (b[16 + i] = v));
  CLIENT_MAC.forEach((v, i) => (b[28 + i] = v));
  be32(0x63825363).forEach((v, i) => (b[236 + i] = v));
  for (const [code, data] of [[53, [type]] as [number, number[]], ...opts]) {
    b.push(code);
    fields.push({ off: b.length, width: 1, little: false });
    b.push(data.length, ...data);
  }
  b.push(255);
  while (b.length < 300) b.push(0);
  return { bytes: Uint8Array.from(b), fields };
}

function leaseOptions(lease: number): [number, number[]][] {
  return [
    [54, be32(SERVER)],
    [51, be32(lease)],
    [58, be32(Math.floor(lease / 2))],
    [59, be32(Math.floor((lease * 7) / 8))],
    [1, be32(ip("255.255.255.0"))],
    [3, be32(SERVER)],
    [6, [...be32(ip("192.0.2.53")), ...be32(ip("192.0.2.54"))]],
    [15, [...Buffer.from("example.test")]],
    [26, [5, 220]],
    [56, [...Buffer.from("hello")]],
  ];
}

function dhcpSeeds(xid: number): Seed[] {
  const addr = ip("192.0.2.50");
  return [
    dhcpSeed(2, xid, addr, leaseOptions(3600)),
    dhcpSeed(5, xid, addr, leaseOptions(3600)),
    dhcpSeed(5, xid, addr, leaseOptions(60)),
    dhcpSeed(6, xid, 0, [
      [54, be32(SERVER)],
      [56, [...Buffer.from("wrong address")]],
    ]),
    // Option overload (52): options continue in the file field.
    dhcpSeed(5, xid, addr, [[52, [1]], ...leaseOptions(600)]),
    dhcpSeed(5, xid, addr, [
      [54, be32(SERVER)],
      [51, be32(0xffffffff)],
      [80, []],
    ]),
  ];
}

const parseTarget = (): Target => {
  const r = new DhcpReply(2, 3);
  return {
    name: "dhcp-parse",
    what: "DHCP reply parser (parseDhcp)",
    seeds: () => dhcpSeeds(0x11223344),
    reset: () => undefined,
    run(input) {
      const b = toBytes(input);
      const err = parseDhcp(b, 0, len(b), r);
      if (err !== DHCP_OK) return;
      must(r.routers.length <= 2 && r.dns.length <= 3, "lists stay within their limits");
      for (const v of [r.xid, r.yiaddr, r.serverId, ...r.routers, ...r.dns])
        must(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, "u32 fields are unsigned 32-bit");
      for (const v of [r.leaseTime, r.t1, r.t2, r.mask, r.mtu])
        must(Number.isInteger(v) && v >= -1 && v <= 0xffffffff, "optional numbers are -1 or u32");
      must(/^[\x20-\x7e]*$/.test(r.domain + r.message), "texts are printable ASCII");
    },
  };
};

/** A frame from the server to the client carrying `payload` (checksums right, UDP checksum left out). */
function dhcpFrame(payload: Uint8Array, to: Uint8Array): Bytes {
  const n = 42 + payload.length;
  const f = new Uint8Array(n);
  f.set(to, 0);
  f.set(u8(macOf(1)), 6);
  f[12] = 8;
  f[14] = 0x45;
  f[16] = ((n - 14) >> 8) & 255;
  f[17] = (n - 14) & 255;
  f[22] = 64;
  f[23] = 17;
  f.set(be32(SERVER), 26);
  f.set([255, 255, 255, 255], 30);
  f.set([0, 67, 0, 68], 34);
  f[38] = ((n - 34) >> 8) & 255;
  f[39] = (n - 34) & 255;
  f.set(payload, 42);
  const b = toBytes(f);
  const c = checksum(b, 14, 20);
  u8(b)[24] = c >> 8;
  u8(b)[25] = c & 255;
  return b;
}

interface ClientRig {
  net: Net;
  node: Node;
  client: DhcpClient;
  xid: number;
}

const CLIENT_STATES = ["SELECTING", "REQUESTING", "REBOOTING", "BOUND", "RENEWING", "REBINDING"] as const;

/** A client brought to `state` by hand-made replies (no server: quick, the same every time). */
function clientIn(state: (typeof CLIENT_STATES)[number]): ClientRig {
  const net = new Net();
  const node = net.node(2);
  const storage = new MemoryStorage(4096);
  let xid = 0;
  net.segment.filter = (f) => {
    const b = u8(f);
    if (b.length > 50 && b[23] === 17 && b[36] === 0 && b[37] === 67)
      xid = ((b[46] << 24) | (b[47] << 16) | (b[48] << 8) | b[49]) >>> 0;
    return true; // nothing leaves: replies are ours to make
  };
  const cfg = { ...rfc2131Profile(), probe: PROBE_OFF, initDelayMaxMs: 0 };
  const client = new DhcpClient(node.stack, node.eth, cfg, net.clock, new SimRandom(99), storage, node.log, () => -1);
  const deliver = (s: Seed) => node.stack.input(node.eth, dhcpFrame(s.bytes, u8(node.eth.hwaddr)));
  if (state === "REBOOTING") {
    // A remembered lease: the client starts in INIT-REBOOT.
    const l = new DhcpLease();
    l.addr = ip("192.0.2.50");
    l.mask = ip("255.255.255.0");
    l.server = SERVER;
    l.leaseSecs = 3600;
    storage.write("dhcp.eth0", encodeLease(l, -1));
  }
  client.start();
  net.clock.advance(10);
  if (state === "SELECTING" || state === "REBOOTING") return { net, node, client, xid };
  deliver(dhcpSeeds(xid)[0]);
  net.clock.advance(10);
  if (state === "REQUESTING") return { net, node, client, xid };
  deliver(dhcpSeeds(xid)[1]);
  net.clock.advance(10);
  if (state === "BOUND") return { net, node, client, xid };
  net.clock.advance(1800 * 1000);
  if (state === "RENEWING") return { net, node, client, xid };
  net.clock.advance(1350 * 1000);
  return { net, node, client, xid };
}

function clientSnapshot(r: ClientRig): string {
  const c = r.client;
  const st = r.node.stack;
  return JSON.stringify([
    c.state,
    c.lease,
    c.timersArmed(),
    st.addrs.list.map((a) => [a.addr, a.prefixLen]),
    st.routes.routes.map((x) => [x.dst, x.prefixLen, x.gateway]),
  ]);
}

const clientTarget = (): Target => {
  let k = 0;
  // A prepared client per state, made again once an input has changed it (or at reset).
  let rigs: (ClientRig | undefined)[] = [];
  let pristine: string[] = [];
  return {
    name: "dhcp-client",
    what: "DHCP client in every state, replies as frames",
    seeds: () => dhcpSeeds(0),
    reset: () => {
      rigs = [];
      pristine = [];
      k = 0;
    },
    run(input) {
      // Each input meets a client in one of the states, with the xid that client expects.
      const i = k++ % CLIENT_STATES.length;
      const state = CLIENT_STATES[i];
      let r = rigs[i];
      if (r === undefined || clientSnapshot(r) !== pristine[i]) {
        r = clientIn(state);
        rigs[i] = r;
        pristine[i] = clientSnapshot(r);
      }
      const payload = Uint8Array.from(input);
      if (payload.length >= 8 && payload[4] === 0 && payload[5] === 0 && payload[6] === 0 && payload[7] === 0)
        payload.set(be32(r.xid), 4);
      const before = clientSnapshot(r);
      const refusedBefore = r.client.stats.refused;
      const receivedBefore = r.client.stats.received;
      r.node.stack.input(r.node.eth, dhcpFrame(payload, u8(r.node.eth.hwaddr)));
      if (r.client.stats.received === receivedBefore || r.client.stats.refused > refusedBefore)
        must(clientSnapshot(r) === before, `a refused reply changes nothing (${state})`);
      r.net.clock.advance(50);
      const c = r.client;
      if (c.state !== DHCP_STOPPED && !(c.state === DHCP_BOUND && c.lease.leaseSecs === LIFETIME_INFINITE))
        must(c.timersArmed(), `a timer is armed outside STOPPED (${state} -> ${c.state})`);
      if (c.state === DHCP_BOUND) {
        const l = c.lease;
        must(usableAddress(l.addr), "a bound address is a host address");
        must(l.leaseSecs >= MIN_LEASE_SECS, "a lease is at least the floor");
        must(
          l.leaseSecs === LIFETIME_INFINITE ||
            (l.t1Secs < l.t2Secs && l.t2Secs < l.leaseSecs) ||
            (l.t1Secs <= l.t2Secs && l.t2Secs <= l.leaseSecs),
          "T1 <= T2 <= lease",
        );
        must(r.node.stack.addrs.findOn(r.node.eth, l.addr) !== undefined, "a bound address is configured");
      }
      must(r.net.clock.pending() < 20, "timers do not pile up");
    },
  };
};

// --- the frame input path -------------------------------------------------------

const US = ip("192.0.2.10");
const PEER = ip("192.0.2.2");

function ether(dst: number[], type: number, body: number[]): number[] {
  return [...dst, ...u8(macOf(2)), type >> 8, type & 255, ...body];
}

function ipv4Packet(proto: number, dst: number, payload: number[], ttl = 64): number[] {
  const h = [0x45, 0, 0, 0, 0, 1, 0, 0, ttl, proto, 0, 0, ...be32(PEER), ...be32(dst)];
  const total = 20 + payload.length;
  h[2] = total >> 8;
  h[3] = total & 255;
  const c = checksum(toBytes(Uint8Array.from(h)), 0, 20);
  h[10] = c >> 8;
  h[11] = c & 255;
  return [...h, ...payload];
}

function framesSeeds(us: number[]): Seed[] {
  const bcast = [255, 255, 255, 255, 255, 255];
  const ipFields = (): Field[] => [
    { off: 16, width: 2, little: false },
    { off: 14, width: 1, little: false },
  ];
  const arp = (op: number, tpa: number): Seed => ({
    bytes: Uint8Array.from(
      ether(op === 1 ? bcast : us, 0x0806, [
        0,
        1,
        8,
        0,
        6,
        4,
        0,
        op,
        ...u8(macOf(2)),
        ...be32(PEER),
        ...(op === 1 ? [0, 0, 0, 0, 0, 0] : us),
        ...be32(tpa),
      ]),
    ),
    fields: [
      { off: 18, width: 1, little: false },
      { off: 19, width: 1, little: false },
    ],
  });
  const echo = [8, 0, 0, 0, 0, 1, 0, 1, 0x61, 0x62, 0x63, 0x64];
  const ec = checksum(toBytes(Uint8Array.from(echo)), 0, echo.length);
  echo[2] = ec >> 8;
  echo[3] = ec & 255;
  const udp = (port: number, n: number) => [0x9c, 0x40, port >> 8, port & 255, 0, 8 + n, 0, 0, ...new Array(n).fill(7)];
  return [
    arp(1, US),
    arp(2, US),
    arp(1, ip("192.0.2.99")),
    {
      bytes: Uint8Array.from(ether(us, 0x0800, ipv4Packet(1, US, echo))),
      fields: [...ipFields(), { off: 38, width: 2, little: false }],
    },
    {
      bytes: Uint8Array.from(ether(us, 0x0800, ipv4Packet(17, US, udp(7, 12)))),
      fields: [...ipFields(), { off: 38, width: 2, little: false }],
    },
    {
      bytes: Uint8Array.from(ether(bcast, 0x0800, ipv4Packet(17, 0xffffffff, udp(68, 300)))),
      fields: [...ipFields(), { off: 38, width: 2, little: false }],
    },
    { bytes: Uint8Array.from(ether(us, 0x0800, ipv4Packet(17, US, udp(999, 4)))), fields: ipFields() },
    {
      bytes: Uint8Array.from(
        ether(us, 0x0800, [
          0x46,
          0,
          0,
          40,
          0,
          1,
          0x20,
          0,
          64,
          17,
          0,
          0,
          ...be32(PEER),
          ...be32(US),
          1,
          1,
          1,
          0,
          ...udp(7, 12),
        ]),
      ),
      fields: ipFields(),
    },
  ];
}

const framesTarget = (): Target => {
  let net: Net;
  let node: Node;
  const fresh = () => {
    net = new Net();
    node = net.node(10, "192.0.2.10/24", { capacity: 8 });
    node.eth.lltable!.addStatic(ip("192.0.2.1"), macOf(1), 0, LLE_STATIC);
    node.stack.udp.bind(7, (d) => node.stack.udp.send(d.f, d.n, d.dst, 7, d.src, d.srcPort, undefined), undefined);
    node.stack.udp.bind(68, () => undefined, undefined);
  };
  fresh();
  return {
    name: "frames",
    what: "Ethernet/ARP/IPv4/UDP/ICMP input path",
    seeds: () => framesSeeds([...u8(macOf(10))]),
    reset: fresh,
    run(input) {
      const c = node.eth.counters;
      const before = c.rxDelivered + c.rxErrors + c.rxDropped + c.rxNoHandler;
      const packets = c.rxPackets;
      node.stack.input(node.eth, toBytes(input));
      must(c.rxPackets === packets + 1, "rxPackets counts the frame");
      must(
        c.rxDelivered + c.rxErrors + c.rxDropped + c.rxNoHandler === before + 1,
        "every frame ends in exactly one counter",
      );
      must(node.stack.stats.inputFaults === 0, "no handler threw");
      net.clock.advance(3);
      const t = node.eth.lltable!;
      must(t.count() <= t.capacity, "the lltable stays within capacity");
      for (let s = 0; s < t.capacity; s++) {
        if (!t.inUse(s) || t.flagsAt(s) % 2 === LLE_STATIC) continue;
        const r = node.stack.routes.lookupOn(t.ipAt(s), node.eth.index);
        must(r !== undefined && r.gateway === 0, "no off-link entry in the lltable");
      }
      must(net.clock.pending() < 40, "timers stay bounded");
    },
  };
};

// --- netlink requests -------------------------------------------------------------

function nlSeed(type: number, flags: number, hdrLen: number, build: (w: NlWriter) => void): Seed {
  const w = new NlWriter(alloc(1024));
  w.begin(type, C.NLM_F_REQUEST + flags, 77, 0, hdrLen);
  build(w);
  const n = w.end();
  const bytes = Uint8Array.from(u8(w.buf).subarray(0, n));
  return { bytes, fields: nlFields(bytes) };
}

/** nlmsg_len of each message and nla_len of each attribute (little-endian). */
function nlFields(b: Uint8Array): Field[] {
  const fields: Field[] = [];
  let off = 0;
  while (off + 16 <= b.length) {
    const n = (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
    fields.push({ off, width: 4, little: true });
    const schema = schemaFor(b[off + 4] | (b[off + 5] << 8));
    let a = off + 16 + (schema !== undefined ? (schema.hdrLen + 3) & ~3 : 0);
    while (a + 4 <= off + n && a + 4 <= b.length) {
      fields.push({ off: a, width: 2, little: true });
      const l = b[a] | (b[a + 1] << 8);
      if (l < 4) break;
      a += (l + 3) & ~3;
    }
    if (n < 16) break;
    off += Math.ceil(n / 4) * 4;
  }
  return fields;
}

function netlinkSeeds(): Seed[] {
  const seeds: Seed[] = [];
  for (const v of loadVectors())
    if (v.request !== undefined)
      seeds.push({ bytes: u8(fromHex(v.request)!), fields: nlFields(u8(fromHex(v.request)!)) });
  seeds.push(
    nlSeed(C.RTM_NEWLINK, C.NLM_F_ACK, IFINFOMSG.hdrLen, (w) => {
      w.field(IFI_INDEX, 2);
      w.field(IFI_FLAGS, 0);
      w.field(IFI_CHANGE, 1);
      w.int(C.IFLA_MTU, 4, 1400);
      w.str(C.IFLA_IFALIAS, "uplink");
    }),
    nlSeed(C.RTM_NEWLINK, C.NLM_F_ACK, IFINFOMSG.hdrLen, (w) => {
      w.field(IFI_INDEX, 1);
      w.field(IFI_CHANGE, 1);
      w.int(C.IFLA_MTU, 4, 1500);
    }),
    // A new MAC (ip link set dev eth0 address).
    nlSeed(C.RTM_NEWLINK, C.NLM_F_ACK, IFINFOMSG.hdrLen, (w) => {
      w.field(IFI_INDEX, 2);
      w.bytes(C.IFLA_ADDRESS, macOf(0x42), 0, 6);
    }),
    nlSeed(C.RTM_NEWADDR, C.NLM_F_ACK + C.NLM_F_CREATE + C.NLM_F_REPLACE, IFADDRMSG.hdrLen, (w) => {
      w.field(IFADDRMSG.fields[0], C.AF_INET);
      w.field(IFA_PREFIXLEN, 24);
      w.field(IFA_INDEX, 2);
      w.inAddr(C.IFA_LOCAL, ip("198.51.100.7"));
      w.str(C.IFA_LABEL, "eth0");
    }),
    nlSeed(C.RTM_DELADDR, C.NLM_F_ACK, IFADDRMSG.hdrLen, (w) => {
      w.field(IFADDRMSG.fields[0], C.AF_INET);
      w.field(IFA_PREFIXLEN, 24);
      w.field(IFA_INDEX, 2);
      w.inAddr(C.IFA_LOCAL, ip("192.0.2.10"));
    }),
    nlSeed(C.RTM_NEWNEIGH, C.NLM_F_ACK + C.NLM_F_CREATE + C.NLM_F_REPLACE, NDMSG.hdrLen, (w) => {
      w.field(NDMSG.fields[0], C.AF_INET);
      w.field(NDM_IFINDEX, 2);
      w.field(NDM_STATE, C.NUD_PERMANENT);
      w.inAddr(C.NDA_DST, ip("192.0.2.5"));
      w.bytes(C.NDA_LLADDR, macOf(6), 0, 6);
    }),
    nlSeed(C.RTM_NEWROUTE, C.NLM_F_ACK + C.NLM_F_CREATE, RTMSG.hdrLen, (w) => {
      w.field(RTM_FAMILY, C.AF_INET);
      w.field(RTM_DST_LEN, 0);
      w.field(RTM_TABLE, C.RT_TABLE_MAIN);
      w.field(RTM_PROTOCOL, RTPROT_STATIC);
      w.field(RTM_TYPE, C.RTN_UNICAST);
      w.inAddr(C.RTA_GATEWAY, ip("192.0.2.1"));
    }),
    nlSeed(C.RTM_GETNEIGH, C.NLM_F_DUMP, NDMSG.hdrLen, () => undefined),
    nlSeed(C.RTM_GETROUTE, C.NLM_F_DUMP, RTMSG.hdrLen, (w) => w.field(RTM_FAMILY, C.AF_INET)),
    // IPv6's part: addresses added (nodad) and deleted, neighbours asked for and deleted, the table and a lookup.
    nlSeed(C.RTM_NEWADDR, C.NLM_F_ACK + C.NLM_F_CREATE + C.NLM_F_EXCL, IFADDRMSG.hdrLen, (w) => {
      w.field(IFADDRMSG.fields[0], C.AF_INET6);
      w.field(IFA_PREFIXLEN, 64);
      w.field(IFA_INDEX, 2);
      w.bytes(C.IFA_LOCAL, V6_GLOBAL, 0, 16);
      w.int(C.IFA_FLAGS, 4, C.IFA_F_NODAD);
    }),
    nlSeed(C.RTM_DELADDR, C.NLM_F_ACK, IFADDRMSG.hdrLen, (w) => {
      w.field(IFADDRMSG.fields[0], C.AF_INET6);
      w.field(IFA_PREFIXLEN, 64);
      w.field(IFA_INDEX, 2);
      w.bytes(C.IFA_ADDRESS, V6_LL, 0, 16);
    }),
    nlSeed(C.RTM_GETADDR, C.NLM_F_DUMP, IFADDRMSG.hdrLen, (w) => w.field(IFADDRMSG.fields[0], C.AF_INET6)),
    nlSeed(C.RTM_GETNEIGH, 0, NDMSG.hdrLen, (w) => {
      w.field(NDMSG.fields[0], C.AF_INET6);
      w.field(NDM_IFINDEX, 2);
      w.bytes(C.NDA_DST, V6_ROUTER, 0, 16);
    }),
    nlSeed(C.RTM_DELNEIGH, C.NLM_F_ACK, NDMSG.hdrLen, (w) => {
      w.field(NDMSG.fields[0], C.AF_INET6);
      w.field(NDM_IFINDEX, 2);
      w.bytes(C.NDA_DST, V6_ROUTER, 0, 16);
    }),
    nlSeed(C.RTM_GETNEIGH, C.NLM_F_DUMP, NDMSG.hdrLen, (w) => w.field(NDMSG.fields[0], C.AF_INET6)),
    nlSeed(C.RTM_GETROUTE, C.NLM_F_DUMP, RTMSG.hdrLen, (w) => w.field(RTM_FAMILY, C.AF_INET6)),
    nlSeed(C.RTM_GETROUTE, 0, RTMSG.hdrLen, (w) => {
      w.field(RTM_FAMILY, C.AF_INET6);
      w.bytes(C.RTA_DST, V6_GLOBAL, 0, 16);
    }),
  );
  // Two requests in one frame.
  seeds.push({ bytes: concat(seeds[seeds.length - 1].bytes, seeds[seeds.length - 2].bytes), fields: [] });
  seeds[seeds.length - 1].fields = nlFields(seeds[seeds.length - 1].bytes);
  // A dump with a family header cut mid-field (legacy rtgenmsg; it once read past the message).
  const legacy = u8(fromHex("1700000012000103000000000000000000000000000000")!);
  seeds.push({ bytes: legacy, fields: nlFields(legacy) });
  return seeds;
}

const V6_GLOBAL = toBytes(Uint8Array.from(Buffer.from("20010db8000000000000000000000010", "hex")));
const V6_LL = toBytes(Uint8Array.from(Buffer.from("fe80000000000000000000fffe00000a", "hex")));
const V6_ROUTER = toBytes(Uint8Array.from(Buffer.from("fe800000000000000000000000000001", "hex")));

const netlinkTarget = (): Target => {
  let net: Net;
  let node: Node;
  let rtnl: Rtnl;
  let frames: Bytes[] = [];
  let big = false;
  const fresh = () => {
    net = new Net();
    node = net.node(10, "192.0.2.10/24", { capacity: 8 });
    node.eth.lltable!.addStatic(ip("192.0.2.1"), macOf(1), 0, LLE_STATIC);
    // IPv6 with its part of the channel, a global address and a router known.
    ip6 = withIpv6(node, { dadTransmits: 0 }).ip6;
    ip6.addAddress(node.eth, V6_GLOBAL, 0, 64, true);
    ip6.cacheOf(node.eth)!.heardFrom(V6_ROUTER, 0, macOf(1), 0, true);
    big = !big;
    rtnl = new Rtnl(
      node.stack,
      {
        driverName: () => "sim",
        mayMutate: () => true,
        send: (b, n) => {
          const f = alloc(n);
          (f as unknown as Uint8Array).set(u8(b).subarray(0, n));
          frames.push(f);
          return true;
        },
      },
      big ? 2048 : 512,
    );
    const part = new Inet6Rtnl(ip6, net.clock);
    rtnl.inet6 = part;
    node.stack.events.add(part.listener(rtnl, (g, b) => rtnl.notify(g, b)));
  };
  let ip6: Ipv6;
  fresh();
  const snapshot = () => {
    const st = node.stack;
    const t = node.eth.lltable!;
    const neigh: string[] = [];
    for (let i = 0; i < t.capacity; i++) if (t.inUse(i)) neigh.push(`${t.ipAt(i)}/${t.flagsAt(i)}/${t.stateAt(i)}`);
    return JSON.stringify([
      st.ifs.list.map((i) => [i.index, i.flags, i.mtu, i.alias]),
      st.addrs.list.map((a) => [a.ifp.index, a.addr, a.prefixLen, a.label]),
      neigh.sort(),
      st.routes.routes.map((r) => [r.dst, r.prefixLen, r.gateway, r.protocol]),
      ip6.addrs.map((a) => [Buffer.from(a.addr as unknown as Uint8Array).toString("hex"), a.prefixLen, a.state]),
      [...Array(ip6.cacheOf(node.eth)!.count()).keys()].map((i) => ip6.cacheOf(node.eth)!.at(i)?.state),
    ]);
  };
  return {
    name: "netlink",
    what: "rtnetlink request path (IPv4 and IPv6), state carried between requests",
    seeds: netlinkSeeds,
    reset: fresh,
    run(input) {
      // The request's messages: their seqs and whether each asked for an ACK.
      const seqs: number[] = [];
      let single = -1;
      let off = 0;
      while (off + 16 <= input.length) {
        const n = (input[off] | (input[off + 1] << 8) | (input[off + 2] << 16) | (input[off + 3] << 24)) >>> 0;
        seqs.push((input[off + 8] | (input[off + 9] << 8) | (input[off + 10] << 16) | (input[off + 11] << 24)) >>> 0);
        if (off === 0 && n === input.length) single = seqs[0];
        if (n < 16) break;
        off += Math.ceil(n / 4) * 4;
      }
      frames = [];
      const before = snapshot();
      rtnl.input(toBytes(input), input.length);
      rtnl.pump();
      const replies = frames.flatMap((f) => describeFrame(f));
      // A runt (shorter than a header) is answered with the seq it holds, if it reaches that far.
      const runtSeq =
        input.length >= 12 ? (input[8] | (input[9] << 8) | (input[10] << 16) | (input[11] << 24)) >>> 0 : 0;
      for (const m of replies)
        must(
          seqs.includes(m.seq) || (seqs.length === 0 && m.seq === runtSeq),
          "every reply carries the seq of a request in the frame",
        );
      const errors = replies.filter((m) => m.typeName === "NLMSG_ERROR");
      if (seqs.length === 0) must(errors.length === 1, "a runt frame gets one error");
      if (single >= 0) {
        const flags = input[6] | (input[7] << 8);
        const mine = replies.filter((m) => m.seq === single);
        const acked = (flags & C.NLM_F_ACK) !== 0;
        must(errors.filter((m) => m.seq === single).length <= 1, "at most one NLMSG_ERROR per request");
        if (acked) must(mine.length >= 1, "a request with NLM_F_ACK is answered");
        const failed = errors.some((m) => m.seq === single && (m.header.error as number) < 0);
        if (failed) must(snapshot() === before, "a failed request changes no state");
        const dumpish = mine.some((m) => (m.flags & C.NLM_F_MULTI) !== 0);
        if (dumpish)
          must(
            mine[mine.length - 1].typeName === "NLMSG_DONE" || mine[mine.length - 1].typeName === "NLMSG_ERROR",
            "a dump ends in DONE or an error",
          );
      }
      must(!rtnl.dumping(), "no dump is left half sent");
    },
  };
};

// --- our family (PROTO_GENERIC), with the probes ------------------------------------

function familySeed(cmd: number, flags: number, build: (w: NlWriter) => void): Seed {
  const w = new NlWriter(alloc(512));
  w.begin(F.NETRT_GENL_TYPE, C.NLM_F_REQUEST + flags, 77, 0, F.GENLMSGHDR.hdrLen);
  w.field(F.GENL_CMD, cmd);
  build(w);
  const n = w.end();
  const bytes = Uint8Array.from(u8(w.buf).subarray(0, n));
  const fields: Field[] = [{ off: 0, width: 4, little: true }];
  for (let a = 20; a + 4 <= n;) {
    fields.push({ off: a, width: 2, little: true });
    const l = bytes[a] | (bytes[a + 1] << 8);
    if (l < 4) break;
    a += (l + 3) & ~3;
  }
  return { bytes, fields };
}

const familyTarget = (): Target => {
  let net: Net;
  let node: Node;
  let ch: ControlChannel;
  let got: MessageValue[] = [];
  const fresh = () => {
    net = new Net();
    node = net.node(10, "192.0.2.10/24", { capacity: 8 });
    net.node(20, "192.0.2.20/24");
    node.eth.lltable!.addStatic(ip("192.0.2.1"), macOf(1), 0, LLE_STATIC);
    const host = new FrameDecoder(4096, (_proto, m, n) => {
      const b = alloc(n);
      (b as unknown as Uint8Array).set(u8(m).subarray(0, n));
      got.push(...describeFrame(b));
    });
    ch = new ControlChannel(
      node.stack,
      net.clock,
      { write: (d) => host.push(d, 0, len(d)), driverName: () => "sim" },
      { baud: 115200, maxMessage: 512 },
      (storage = new MemoryStorage(4096)),
      new SimRandom(5),
    );
    new Prober(ch, net.clock);
    new SettingsControl(ch, storage, (x) => snapshot(node.stack, 0, x));
    // A client for the DHCP commands to act on (dhcp set among them).
    client = new DhcpClient(
      node.stack,
      node.eth,
      rfc2131Profile(),
      net.clock,
      new SimRandom(3),
      undefined,
      node.log,
      () => -1,
    );
    client.cfg.hostname = "node-10";
    ch.dhcp.push(client);
  };
  let client: DhcpClient;
  let storage = new MemoryStorage(4096);
  fresh();
  const ACK = C.NLM_F_ACK;
  return {
    name: "family",
    what: "our family's commands (DHCP, auth, subscribe, ping, arping, settings) on the control channel",
    seeds: () => [
      familySeed(F.NETRT_CMD_PING, ACK, (w) => w.inAddr(F.NETRT_A_ADDRESS, ip("192.0.2.20"))),
      familySeed(F.NETRT_CMD_PING, ACK, (w) => {
        w.inAddr(F.NETRT_A_ADDRESS, ip("192.0.2.99"));
        w.put(F.GENL_ATTRS, F.NETRT_A_TIMEOUT, 300);
        w.put(F.GENL_ATTRS, F.NETRT_A_SIZE, 1000);
      }),
      familySeed(F.NETRT_CMD_ARPING, ACK, (w) => {
        w.inAddr(F.NETRT_A_ADDRESS, ip("192.0.2.20"));
        w.put(F.GENL_ATTRS, F.NETRT_A_IFINDEX, 2);
      }),
      familySeed(F.NETRT_CMD_SUBSCRIBE, ACK, (w) => w.put(F.GENL_ATTRS, F.NETRT_A_GROUPS, 0xffffffff)),
      familySeed(F.NETRT_CMD_DHCP_GET, 0, () => undefined),
      familySeed(F.NETRT_CMD_AUTH_CHALLENGE, 0, () => undefined),
      familySeed(F.NETRT_CMD_CONFIG_SAVE, ACK, () => undefined),
      familySeed(F.NETRT_CMD_CONFIG_GET, ACK, () => undefined),
      familySeed(F.NETRT_CMD_CONFIG_RESET, ACK, () => undefined),
      familySeed(FS.NETRT_CMD_DHCP_CONFIG, 0, () => undefined),
      familySeed(FS.NETRT_CMD_DHCP_CONFIG, ACK, (w) => {
        w.str(FS.NETRT_A_HOSTNAME, "sensor-9");
        w.put(F.GENL_ATTRS, FS.NETRT_A_DHCP_PROFILE, 1);
        w.put(F.GENL_ATTRS, FS.NETRT_A_DHCP_PROBE, 2);
      }),
    ],
    reset: fresh,
    run(input) {
      got = [];
      const seq = input.length >= 12 ? (input[8] | (input[9] << 8) | (input[10] << 16) | (input[11] << 24)) >>> 0 : 0;
      const flags = input.length >= 8 ? input[6] | (input[7] << 8) : 0;
      const n = Math.min(input.length, 512);
      const out = alloc(encodedMax(n + 3));
      const k = encodeFrame(16, toBytes(input.subarray(0, n)), 0, n, out, alloc(n + 3));
      ch.input(out, 0, k);
      // A probe answers within its longest timeout.
      net.clock.advance(10001);
      const mine = got.filter((m) => m.seq === seq);
      must(
        got.every((m) => m.seq === seq || m.seq === 0),
        "every answer carries the request's seq (or 0, a notification)",
      );
      must(mine.filter((m) => m.typeName === "NLMSG_ERROR").length <= 1, "at most one NLMSG_ERROR per request");
      if (input.length >= 20 && (flags & C.NLM_F_REQUEST) !== 0 && (flags & ACK) !== 0)
        must(
          mine.some((m) => m.typeName === "NLMSG_ERROR"),
          "a request with NLM_F_ACK is answered, a probe's too",
        );
      must(node.stack.stats.inputFaults === 0, "no handler threw");
      must(net.clock.pending() < 40, "timers stay bounded");
      const cfg = client.cfg;
      must(
        /^[!-~]{1,32}$/.test(cfg.hostname) && cfg.profile <= 1 && cfg.probe <= 2 && cfg.backoff.length > 0,
        "the DHCP client's configuration stays one it can run with",
      );
    },
  };
};

// --- the serial deframer ---------------------------------------------------------

const serialTarget = (): Target => {
  const sent = new Set<string>();
  let got: string[] = [];
  const dec = new FrameDecoder(512, (proto, m, n) =>
    got.push(`${proto}:${Buffer.from(u8(m).subarray(0, n)).toString("hex")}`),
  );
  const encode = (proto: number, msg: Uint8Array): Uint8Array => {
    const out = alloc(encodedMax(msg.length + 3));
    const k = encodeFrame(proto, toBytes(msg), 0, msg.length, out, alloc(msg.length + 3));
    return Uint8Array.from(u8(out).subarray(0, k));
  };
  return {
    name: "serial",
    what: "serial deframer (COBS + CRC) on chunked, corrupted streams",
    seeds: () => {
      const s: Seed[] = [];
      for (const v of netlinkSeeds().slice(0, 6)) s.push({ bytes: v.bytes, fields: [] });
      // Messages of exactly the receive buffer's size (512): they must pass too.
      s.push(
        { bytes: new Uint8Array(300).fill(0x41), fields: [] },
        { bytes: new Uint8Array(512).fill(0x41), fields: [] },
        { bytes: new Uint8Array(512), fields: [] },
        { bytes: Uint8Array.from([1, 2, 3]), fields: [] },
      );
      return s;
    },
    reset: () => undefined,
    run(input, rng) {
      // The input is a message; send it framed between two good ones, corrupt the stream, split it.
      const a = encode(0, input.subarray(0, 512));
      const b = encode(16, Uint8Array.from([1, 2, 3, 4]));
      sent.clear();
      sent.add(`0:${Buffer.from(input.subarray(0, 512)).toString("hex")}`);
      sent.add("16:01020304");
      let stream = concat(b, a, b);
      const corrupt = rng.below(3);
      let touched = false;
      for (let k = 0; k < corrupt; k++) {
        const at = rng.below(stream.length);
        const kind = rng.below(4);
        if (kind === 0) stream[at] ^= 1 << rng.below(8);
        else if (kind === 1) stream = concat(stream.slice(0, at), Uint8Array.of(rng.below(256)), stream.slice(at));
        else if (kind === 2) stream = concat(stream.slice(0, at), stream.slice(at + 1));
        else stream = concat(stream.slice(0, at), Uint8Array.of(1), stream.slice(at));
        touched = true;
      }
      got = [];
      let i = 0;
      while (i < stream.length) {
        const n = 1 + rng.below(64);
        dec.push(toBytes(stream.subarray(i, i + n)), 0, Math.min(n, stream.length - i));
        i += n;
      }
      dec.push(toBytes(Uint8Array.of(0)), 0, 1);
      for (const g of got) must(sent.has(g), "no corrupted frame is delivered");
      if (!touched && input.length <= 512) must(got.length === 3, "an intact stream delivers every frame");
    },
  };
};

/** A target with a planted over-read: the runner must catch it (its self-test). */
const plantedTarget = (): Target => ({
  name: "planted",
  what: "a parser with a planted over-read (the fuzzer's own check)",
  seeds: () => [{ bytes: Uint8Array.from([4, 1, 2, 3, 4]), fields: [{ off: 0, width: 1, little: false }] }],
  reset: () => undefined,
  run(input) {
    const b = toBytes(input);
    if (len(b) === 0) return;
    const n = u8(b)[0];
    let s = 0;
    // Trusts its length byte: reads past the end when it lies.
    for (let i = 0; i < n; i++) s += get8(b, 1 + i);
    void s;
  },
});

/** The stored lease a board reads at boot: flash can hold anything (a half-written record, another version). */
const leaseRecordTarget = (): Target => {
  const l = new DhcpLease();
  return {
    name: "lease-record",
    what: "stored DHCP lease reader (decodeLease)",
    seeds: () => {
      const a = new DhcpLease();
      a.addr = 0xc0000232;
      a.mask = 0xffffff00;
      a.server = 0xc0000201;
      a.leaseSecs = 3600;
      a.routers = [0xc0000201];
      a.dns = [0xc0000201, 0x08080808];
      a.domain = "lan";
      const b = u8(encodeLease(a, 1_800_000_000));
      const c = u8(encodeLease(new DhcpLease(), -1));
      return [
        { bytes: b, fields: [] },
        { bytes: c, fields: [] },
      ];
    },
    reset: () => undefined,
    run(input) {
      const granted = decodeLease(toBytes(input), l);
      if (granted < 0) return;
      must(granted <= 0xffffffff, "the granted time is a u32");
      must(l.routers.length <= 255 && l.dns.length <= 255, "lists are what their count bytes say");
      must(/^[\x20-\x7e]*$/.test(l.domain), "the domain is printable ASCII");
      // What was read whole writes back to the same bytes.
      must(
        Buffer.from(u8(encodeLease(l, granted === 0xffffffff ? -1 : granted))).equals(Buffer.from(input)),
        "read and written back, the record is unchanged",
      );
    },
  };
};

// --- the stored settings record -----------------------------------------------------

const settingsRecordTarget = (): Target => {
  const s = new DeviceSettings();
  const seed = (build: (x: DeviceSettings) => void): Seed => {
    const x = new DeviceSettings();
    build(x);
    const bytes = Uint8Array.from(u8(encodeSettings(x)!));
    const fields: Field[] = [{ off: 3, width: 2, little: false }];
    for (let a = 7; a + 2 <= bytes.length; a += 2 + bytes[a + 1]) fields.push({ off: a + 1, width: 1, little: true });
    return { bytes, fields };
  };
  return {
    name: "settings-record",
    what: "decodeSettings on stored records (truncated, flipped, foreign)",
    seeds: () => [
      seed(() => undefined),
      seed((x) => {
        x.dhcp = 0;
        x.addrs.push(ip("192.0.2.10"));
        x.prefixLens.push(24);
        x.gateway = ip("192.0.2.1");
        x.hostname = "sensor";
        x.profile = 1;
        x.probe = 2;
        x.neighIps.push(ip("192.0.2.99"));
      }),
    ],
    reset: () => undefined,
    run(input) {
      const r = decodeSettings(toBytes(input), s);
      must(r >= SETTINGS_OK && r < SETTINGS_PROBLEMS.length, "a known result");
      if (r !== SETTINGS_OK) {
        must(s.addrs.length === 0 && s.hostname === "" && s.dhcp === -1, "a refused record applies nothing");
        return;
      }
      const again = encodeSettings(s);
      must(
        again !== undefined && Buffer.from(u8(again)).equals(Buffer.from(input)),
        "what it reads whole writes back to the same bytes",
      );
    },
  };
};

export function allTargets(): Target[] {
  return [
    parseTarget(),
    clientTarget(),
    framesTarget(),
    netlinkTarget(),
    familyTarget(),
    serialTarget(),
    leaseRecordTarget(),
    settingsRecordTarget(),
    ...appTargets(),
    tcpTarget(),
    ipv6Target(),
  ];
}

export function plantedForSelfTest(): Target {
  return plantedTarget();
}
