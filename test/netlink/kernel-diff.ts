// The differential harness: the same request bytes to the Linux kernel (a
// fresh namespace per case, set up like the device: kernel_oracle.py) and
// to the device's control channel (the host board's code, in-process on a
// simulated clock), the answers reduced to what must agree.
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { alloc, copy, len } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { ip, macOf } from "../net/helpers";
import { RT_SCOPE_UNIVERSE, RTPROT_BOOT } from "../../src/net/route";
import * as C from "../../src/netlink/constants";
import { encodedMax, encodeFrame, PROTO_GENERIC, PROTO_ROUTE } from "../../src/netlink/frame";
import { GENL_CMD, GENLMSGHDR, NETRT_A_GROUPS, NETRT_CMD_SUBSCRIBE, NETRT_GENL_TYPE } from "../../src/netlink/family";
import { NlWriter } from "../../src/netlink/writer";
import { fromHex, toHex } from "../../src/util/hex";
import { nudState } from "../../src/netlink/messages";
import { LLE_PUB } from "../../src/net/lltable";
import { getLe16 } from "../../src/wire/endian";
import { Rig } from "./rig";
import { withIpv6 } from "../net/ipv6-node";
import { Inet6Rtnl } from "../../src/netlink/route/inet6";
import { formatIPv6 } from "../../src/net/addr6";

export const PY = "/usr/bin/python3";
const ORACLE = path.join(__dirname, "kernel_oracle.py");

/** The port both sides answer to: the kernel socket binds it, every request carries it. */
export const PORT = 4242;
/** RTNLGRP_LINK, _NEIGH, _IPV4_IFADDR, _IPV4_ROUTE, _IPV6_IFADDR, _IPV6_ROUTE as a bind() mask. */
export const GROUPS =
  (1 << (C.RTNLGRP_LINK - 1)) +
  (1 << (C.RTNLGRP_NEIGH - 1)) +
  (1 << (C.RTNLGRP_IPV4_IFADDR - 1)) +
  (1 << (C.RTNLGRP_IPV4_ROUTE - 1)) +
  (1 << (C.RTNLGRP_IPV6_IFADDR - 1)) +
  (1 << (C.RTNLGRP_IPV6_ROUTE - 1));

/** The state both start from: the rtnetlink vectors' namespace, plus a default route. */
const SETUP = [
  "link set lo up",
  "link set eth0 address 02:00:00:00:00:0a up",
  "addr add 192.0.2.10/24 brd + dev eth0",
  "neigh add 192.0.2.1 lladdr 02:00:00:00:00:01 nud permanent dev eth0",
  "route add default via 192.0.2.1",
];

export interface DiffCase {
  name: string;
  /** One datagram (frame) each; sent in order. */
  requests: Bytes[];
  /** Extra `ip -batch` lines for the kernel, and the same change on the device. */
  extra?: { kernel: string[]; device: (r: Rig) => void };
  /** Why the device answers otherwise on purpose, and where (the case checks it still does, there only). */
  deliberate?: Difference;
  /**
   * IPv6 on: the kernel keeps it (without DAD, router solicitations or ::1 on lo);
   * the device gets its IPv6 host and the channel's IPv6 part.
   */
  ipv6?: boolean;
}

/** The parts of a case's outcome that are compared. */
export type Part = "replies" | "notifications" | "state";
export const ALL: Part[] = ["replies", "notifications", "state"];

export interface Difference {
  parts: Part[];
  why: string;
}

export function diff(parts: Part[], why: string): Difference {
  return { parts, why };
}

export interface KernelResult {
  error?: string;
  replies: string[][];
  notifications: string[];
  state: State;
}

export interface State {
  links: unknown[];
  addrs: unknown[];
  routes: unknown[];
  neigh: unknown[];
}

export function oracleMissing(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (a network namespace per case)";
  const r = spawnSync(PY, [ORACLE], { input: "", encoding: "utf8" });
  if (r.status !== 0) return "the kernel oracle does not run: " + r.stderr;
  return undefined;
}

/** Runs every case on the kernel; one python process, one namespace per case. */
export function askKernel(cases: DiffCase[]): Promise<KernelResult[]> {
  const input = cases
    .map((c) =>
      JSON.stringify({
        taps: ["eth0"],
        ipv6: c.ipv6 === true,
        // The device has no IPv6 on its loopback: neither has the kernel's namespace then.
        setup: [...SETUP, ...(c.ipv6 === true ? ["addr del ::1/128 dev lo"] : []), ...(c.extra?.kernel ?? [])],
        pid: PORT,
        groups: GROUPS,
        requests: c.requests.map((b) => toHex(b, 0, len(b))),
      }),
    )
    .join("\n");
  return new Promise((resolve, reject) => {
    const p = spawn(PY, [ORACLE], { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      if (code !== 0) return reject(new Error(`kernel oracle exited ${code}`));
      resolve(
        out
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as KernelResult),
      );
    });
    p.stdin.end(input + "\n");
  });
}

/** The device the kernel's namespace mirrors: lo, eth0 02:00:00:00:00:0a 192.0.2.10/24, 192.0.2.1 permanent, default via it. */
export function mirrorDevice(): Rig {
  const r = new Rig();
  r.node.stack.routes.add(
    {
      dst: 0,
      prefixLen: 0,
      gateway: ip("192.0.2.1"),
      ifindex: 2,
      protocol: RTPROT_BOOT,
      scope: RT_SCOPE_UNIVERSE,
      metric: 0,
      prefsrc: 0,
    },
    false,
  );
  return r;
}

function frame(proto: number, b: Bytes, n: number): Bytes {
  const out = alloc(encodedMax(n + 3));
  const k = encodeFrame(proto, b, 0, n, out, alloc(n + 3));
  const f = alloc(k);
  copy(f, 0, out, 0, k);
  return f;
}

/** Splits a frame's messages (hex in, hex out), as the oracle splits a datagram. */
export function splitMessages(hex: string): string[] {
  const b = Buffer.from(hex, "hex");
  const out: string[] = [];
  let off = 0;
  while (off + 16 <= b.length) {
    const n = b.readUInt32LE(off);
    if (n < 16 || off + n > b.length) {
      out.push(b.subarray(off).toString("hex"));
      break;
    }
    out.push(b.subarray(off, off + n).toString("hex"));
    off += (n + 3) & ~3;
  }
  return out;
}

export interface DeviceResult {
  replies: string[][];
  notifications: string[];
  state: State;
  /** Protocol bytes of every frame the device sent. */
  protos: number[];
}

/** Runs one case on a fresh mirror device; replies are told from notifications by seq (ours are never 0). */
export function askDevice(c: DiffCase): DeviceResult {
  const r = mirrorDevice();
  if (c.ipv6 === true) {
    const ip6 = withIpv6(r.node, { dadTransmits: 0 });
    const part = new Inet6Rtnl(ip6.ip6, r.net.clock);
    r.ch.rtnl.inet6 = part;
    r.node.stack.events.add(part.listener(r.ch.rtnl, (g, b) => r.ch.publish(g, b)));
  }
  c.extra?.device(r);
  const w = new NlWriter(alloc(64));
  w.begin(NETRT_GENL_TYPE, C.NLM_F_REQUEST, 1, PORT, GENLMSGHDR.hdrLen);
  w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
  w.int(NETRT_A_GROUPS, 4, GROUPS);
  const sub = frame(PROTO_GENERIC, w.buf, w.end());
  r.ch.input(sub, 0, len(sub));
  r.net.clock.advance(100);
  r.got.length = 0;
  const replies: string[][] = [];
  const notifications: string[] = [];
  const protos: number[] = [];
  for (const q of c.requests) {
    const f = frame(PROTO_ROUTE, q, len(q));
    r.got.length = 0;
    r.ch.input(f, 0, len(f));
    r.net.clock.advance(3000);
    const mine: string[] = [];
    for (const g of r.got) {
      protos.push(g.proto);
      for (const m of splitMessages(g.hex)) (isNotification(m, q) ? notifications : mine).push(m);
    }
    replies.push(mine);
  }
  return { replies, notifications, state: deviceState(r), protos };
}

/**
 * A notification is a message that is not an answer to the request: the
 * kernel's carry the requester's seq too, so answers are told by type
 * (errors, DONE, and the reply types of a GET).
 */
function isNotification(m: string, req: Bytes): boolean {
  const b = Buffer.from(m, "hex");
  const type = b.readUInt16LE(4);
  const flags = b.readUInt16LE(6);
  if (type === C.NLMSG_DONE) return false;
  if (type === C.NLMSG_ERROR) return b.readUInt32LE(8) === 0;
  if ((flags & C.NLM_F_MULTI) !== 0) return false;
  const reqType = getLe16(req, 4);
  // A GET is answered with the NEW message of its kind (GET = NEW + 2).
  return !(reqType % 4 === 2 && type === reqType - 2);
}

const IFF_NAMES: [number, string][] = [
  [0x1, "UP"],
  [0x2, "BROADCAST"],
  [0x8, "LOOPBACK"],
  [0x10, "POINTOPOINT"],
  [0x80, "NOARP"],
  [0x100, "PROMISC"],
  [0x200, "ALLMULTI"],
  [0x1000, "MULTICAST"],
  [0x10000, "LOWER_UP"],
];

/** The device's state in the shape kernel_oracle.py reads from `ip -j`. */
export function deviceState(r: Rig): State {
  const st = r.node.stack;
  const dotted = (v: number): string => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
  const links = st.ifs.list.map((i) => {
    // As the device reports them (and Linux): a link that is down has no operational flags.
    const shown = (i.flags & 0x1) !== 0 ? i.flags : i.flags & ~(0x40 + 0x10000);
    const flags = IFF_NAMES.filter(([bit]) => (shown & bit) !== 0).map(([, n]) => n);
    // iproute2 shows NO-CARRIER for an interface that is up without a carrier.
    if ((i.flags & 0x1) !== 0 && (i.flags & 0x40) === 0) flags.push("NO-CARRIER");
    const mac = [...Array(6).keys()].map((k) =>
      ((i.hwaddr as unknown as Uint8Array)[k] ?? 0).toString(16).padStart(2, "0"),
    );
    return [i.index, i.name, flags.sort(), i.mtu, i.alias, mac.join(":")];
  });
  const addrs = st.addrs.list
    .map((a) => [
      a.ifp.index,
      dotted(a.addr),
      a.prefixLen,
      dotted(a.dst !== 0 ? a.dst : a.addr),
      a.broadcast !== 0 ? dotted(a.broadcast) : "",
      a.label !== "" ? a.label : a.ifp.name,
    ])
    .sort();
  const routes = st.routes.routes
    .filter((x) => x.ifindex !== 1)
    .map((x) => [
      x.prefixLen === 0 ? "default" : `${dotted(x.dst)}/${x.prefixLen}`,
      x.gateway !== 0 ? dotted(x.gateway) : "",
      st.ifs.byIndex(x.ifindex)?.name ?? "",
      x.metric,
    ])
    .sort();
  const neigh: unknown[] = [];
  for (const ifp of st.ifs.list) {
    const t = ifp.lltable;
    if (t === undefined) continue;
    for (let s = 0; s < t.capacity; s++) {
      // ip neigh show lists neither our own addresses nor proxy entries.
      if (!t.inUse(s) || st.addrs.findOn(ifp, t.ipAt(s)) !== undefined || (t.flagsAt(s) & LLE_PUB) !== 0) continue;
      const mac = alloc(6);
      t.macInto(s, mac, 0);
      const text = toHex(mac, 0, 6).replace(/(..)(?!$)/g, "$1:");
      neigh.push([ifp.name, dotted(t.ipAt(s)), text, [nudName(nudState(t, s))]]);
    }
  }
  return { links, addrs: addrs.sort(), routes, neigh: neigh.sort() };
}

function nudName(nud: number): string {
  const names: Record<number, string> = {
    0x1: "INCOMPLETE",
    0x2: "REACHABLE",
    0x4: "STALE",
    0x8: "DELAY",
    0x10: "PROBE",
    0x20: "FAILED",
    0x40: "NOARP",
    0x80: "PERMANENT",
  };
  return names[nud] ?? String(nud);
}

export { fromHex, macOf };

/** What must agree about one message: everything but texts and the attributes only the kernel has. */
export type Shape = Record<string, unknown>;

function attrsOf(b: Buffer, start: number, end: number): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  let p = start;
  while (p + 4 <= end) {
    const n = b.readUInt16LE(p);
    if (n < 4 || p + n > end) break;
    m.set(b.readUInt16LE(p + 2) & 0x3fff, b.subarray(p + 4, p + n));
    p += (n + 3) & ~3;
  }
  return m;
}

const inet = (v: Buffer | undefined): string | undefined =>
  v !== undefined && v.length === 4
    ? [...v].join(".")
    : v !== undefined && v.length === 16
      ? formatIPv6(Uint8Array.from(v) as unknown as Bytes, 0)
      : undefined;
const u32 = (v: Buffer | undefined): number | undefined =>
  v !== undefined && v.length >= 4 ? v.readUInt32LE(0) : undefined;
const text = (v: Buffer | undefined): string | undefined =>
  v !== undefined ? v.toString("latin1").replace(/\0.*$/s, "") : undefined;

/** Interface flags both sides model: UP, BROADCAST, LOOPBACK, RUNNING, MULTICAST, LOWER_UP. */
const LINK_FLAGS = 0x1 + 0x2 + 0x8 + 0x40 + 0x1000 + 0x10000;

/** One message reduced to its shape; undefined for what only the kernel has (tables other than main). */
export function shape(hex: string): Shape | undefined {
  const b = Buffer.from(hex, "hex");
  if (b.length < 16) return { runt: hex };
  const type = b.readUInt16LE(4);
  const s: Shape = { type, flags: b.readUInt16LE(6), seq: b.readUInt32LE(8), pid: b.readUInt32LE(12) };
  const end = Math.min(b.length, b.readUInt32LE(0));
  if (type === C.NLMSG_ERROR) {
    s.error = b.readInt32LE(16);
    const echoLen = b.length >= 24 ? b.readUInt32LE(20) : 0;
    const capped = (s.flags as number) & C.NLM_F_CAPPED;
    const echoed = capped ? 16 : echoLen;
    s.echo = b.subarray(20, 20 + Math.min(echoed, 16)).toString("hex");
    s.echoLen = echoed;
    const tl = attrsOf(b, 20 + ((echoed + 3) & ~3), end);
    s.tlvs = [...tl.keys()].sort();
    if (tl.has(C.NLMSGERR_ATTR_OFFS)) s.offs = u32(tl.get(C.NLMSGERR_ATTR_OFFS));
    return s;
  }
  if (type === C.NLMSG_DONE) {
    s.error = b.length >= 20 ? b.readInt32LE(16) : undefined;
    return s;
  }
  if (type === C.RTM_NEWLINK || type === C.RTM_DELLINK) {
    const a = attrsOf(b, 32, end);
    return {
      ...s,
      index: b.readInt32LE(20),
      ifflags: b.readUInt32LE(24) & LINK_FLAGS,
      change: b.readUInt32LE(28),
      name: text(a.get(C.IFLA_IFNAME)),
      mtu: u32(a.get(C.IFLA_MTU)),
      alias: text(a.get(C.IFLA_IFALIAS)),
      address: a.get(C.IFLA_ADDRESS)?.toString("hex"),
    };
  }
  if (type === C.RTM_NEWADDR || type === C.RTM_DELADDR) {
    const a = attrsOf(b, 24, end);
    return {
      ...s,
      // IPv6's flags (permanent, nodad, tentative, deprecated, mngtmpaddr…) and who made the address.
      ...(b[16] === C.AF_INET6 ? { ifaFlags: u32(a.get(C.IFA_FLAGS)) ?? b[18], proto: a.get(C.IFA_PROTO)?.[0] } : {}),
      family: b[16],
      prefixlen: b[17],
      scope: b[19],
      index: b.readUInt32LE(20),
      local: inet(a.get(C.IFA_LOCAL)),
      address: inet(a.get(C.IFA_ADDRESS)),
      broadcast: inet(a.get(C.IFA_BROADCAST)),
      label: text(a.get(C.IFA_LABEL)),
    };
  }
  if (type === C.RTM_NEWROUTE || type === C.RTM_DELROUTE) {
    const a = attrsOf(b, 28, end);
    const table = u32(a.get(C.RTA_TABLE)) ?? b[20];
    if (table !== C.RT_TABLE_MAIN) return undefined;
    return {
      ...s,
      family: b[16],
      dstLen: b[17],
      protocol: b[21],
      scope: b[22],
      rtype: b[23],
      dst: inet(a.get(C.RTA_DST)),
      gateway: inet(a.get(C.RTA_GATEWAY)),
      oif: u32(a.get(C.RTA_OIF)),
      priority: u32(a.get(C.RTA_PRIORITY)) ?? 0,
      // A `route get` answer: marked cloned, with the source address chosen.
      ...((b.readUInt32LE(24) & C.RTM_F_CLONED) !== 0 ? { cloned: true, prefsrc: inet(a.get(C.RTA_PREFSRC)) } : {}),
    };
  }
  if (type === C.RTM_NEWNEIGH || type === C.RTM_DELNEIGH) {
    const a = attrsOf(b, 28, end);
    // Linux keeps entries for the IPv6 groups it sends to (NOARP); the device maps groups without any.
    if (b[16] === C.AF_INET6 && b.readUInt16LE(24) === C.NUD_NOARP) return undefined;
    return {
      ...s,
      family: b[16],
      index: b.readInt32LE(20),
      state: b.readUInt16LE(24),
      nflags: b[26],
      dst: inet(a.get(C.NDA_DST)),
      lladdr: a.get(C.NDA_LLADDR)?.toString("hex"),
    };
  }
  return { ...s, body: b.subarray(16, end).toString("hex") };
}

/** A dump's neighbours and routes come in the kernel's hash and trie order: compared as sets. */
export function shapes(list: string[]): Shape[] {
  const out = list.map(shape).filter((x): x is Shape => x !== undefined);
  const key = (x: Shape): string => JSON.stringify(x);
  const isNeigh = (x: Shape): boolean =>
    (x.type === C.RTM_NEWNEIGH || x.type === C.RTM_NEWROUTE) && ((x.flags as number) & C.NLM_F_MULTI) !== 0;
  const neigh = out.filter(isNeigh).sort((a, b) => (key(a) < key(b) ? -1 : 1));
  return out.map((x) => (isNeigh(x) ? neigh.shift()! : x));
}

/** Notifications of different objects may interleave differently: compared as a multiset. */
export function notificationShapes(list: string[]): string[] {
  return shapes(list)
    .map((x) => JSON.stringify(x))
    .sort();
}
