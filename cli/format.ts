// iproute2-shaped text and JSON for what the device reports. Field names in
// JSON follow `ip -j` where it has them.
import * as C from "../src/netlink/constants";
import { findAttr, type MessageValue } from "./describe";

const FLAG_ORDER: [number, string][] = [
  [0x8, "LOOPBACK"],
  [0x2, "BROADCAST"],
  [0x10, "POINTOPOINT"],
  [0x1000, "MULTICAST"],
  [0x80, "NOARP"],
  [0x200, "ALLMULTI"],
  [0x100, "PROMISC"],
  [0x1, "UP"],
  [0x10000, "LOWER_UP"],
  [0x20000, "DORMANT"],
];

export function linkFlags(flags: number): string[] {
  const out: string[] = [];
  if ((flags & 0x1) !== 0 && (flags & 0x10000) === 0) out.push("NO-CARRIER");
  for (const [bit, name] of FLAG_ORDER) if ((flags & bit) !== 0) out.push(name);
  return out;
}

const OPER = ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"];

const str = (m: MessageValue, name: string): string | undefined => {
  const v = findAttr(m.attrs, name)?.value;
  return typeof v === "string" ? v : undefined;
};
const num = (m: MessageValue, name: string): number | undefined => {
  const v = findAttr(m.attrs, name)?.value;
  return typeof v === "number" ? v : undefined;
};
const macText = (hex: string | undefined): string => (hex ?? "").replace(/(..)(?!$)/g, "$1:");

export interface LinkJson {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  qdisc: string;
  operstate: string;
  linkmode: string;
  group: string;
  txqlen: number;
  link_type: string;
  address: string;
  broadcast: string;
  ifalias?: string;
  min_mtu?: number;
  max_mtu?: number;
  carrier_changes?: number;
  stats64?: { rx: Record<string, number>; tx: Record<string, number> };
  [k: string]: unknown;
}

function u64(hex: string, i: number): number {
  const b = Buffer.from(hex, "hex");
  return b.length >= (i + 1) * 8 ? Number(b.readBigUInt64LE(i * 8)) : 0;
}

export function linkJson(m: MessageValue): LinkJson {
  const stats = str(m, "IFLA_STATS64");
  const j: LinkJson = {
    ifindex: m.header.index,
    ifname: str(m, "IFLA_IFNAME") ?? "?",
    flags: linkFlags(m.header.flags),
    mtu: num(m, "IFLA_MTU") ?? 0,
    qdisc: str(m, "IFLA_QDISC") ?? "noqueue",
    operstate: OPER[num(m, "IFLA_OPERSTATE") ?? 0] ?? "UNKNOWN",
    linkmode: "DEFAULT",
    group: "default",
    txqlen: num(m, "IFLA_TXQLEN") ?? 0,
    link_type: m.header.type === C.ARPHRD_LOOPBACK ? "loopback" : "ether",
    address: macText(str(m, "IFLA_ADDRESS")),
    broadcast: macText(str(m, "IFLA_BROADCAST")),
  };
  const alias = str(m, "IFLA_IFALIAS");
  if (alias !== undefined) j.ifalias = alias;
  j.min_mtu = num(m, "IFLA_MIN_MTU");
  j.max_mtu = num(m, "IFLA_MAX_MTU");
  j.carrier_changes = num(m, "IFLA_CARRIER_CHANGES");
  if (stats !== undefined) {
    j.stats64 = {
      rx: {
        bytes: u64(stats, 2),
        packets: u64(stats, 0),
        errors: u64(stats, 4),
        dropped: u64(stats, 6),
        multicast: u64(stats, 8),
        nohandler: u64(stats, 24),
      },
      tx: { bytes: u64(stats, 3), packets: u64(stats, 1), errors: u64(stats, 5), dropped: u64(stats, 7) },
    };
  }
  const kind = str(m, "IFLA_INFO_KIND");
  if (kind !== undefined) j.linkinfo = { info_kind: kind };
  return j;
}

export function linkText(j: LinkJson, details: boolean): string {
  let s = `${j.ifindex}: ${j.ifname}: <${j.flags.join(",")}> mtu ${j.mtu} qdisc ${j.qdisc} state ${j.operstate} mode ${j.linkmode} group ${j.group} qlen ${j.txqlen}\n`;
  s += `    link/${j.link_type} ${j.address} brd ${j.broadcast}`;
  if (details) s += ` minmtu ${j.min_mtu} maxmtu ${j.max_mtu} carrier_changes ${j.carrier_changes}`;
  if (j.ifalias !== undefined) s += `\n    alias ${j.ifalias}`;
  if (details && j.stats64 !== undefined) {
    const r = j.stats64.rx;
    const t = j.stats64.tx;
    s += `\n    RX:  bytes packets errors dropped  missed   mcast\n    ${[r.bytes, r.packets, r.errors, r.dropped, 0, r.multicast].map((v) => String(v).padStart(7)).join(" ")}`;
    s += `\n    TX:  bytes packets errors dropped carrier collsns\n    ${[t.bytes, t.packets, t.errors, t.dropped, 0, 0].map((v) => String(v).padStart(7)).join(" ")}`;
  }
  return s;
}

export interface AddrJson {
  family: string;
  local: string;
  prefixlen: number;
  broadcast?: string;
  scope: string;
  label: string;
  valid_life_time: number;
  preferred_life_time: number;
  dynamic?: boolean;
  secondary?: boolean;
  deprecated?: boolean;
}

const SCOPES: Record<number, string> = { 0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere" };

export function addrJson(m: MessageValue): AddrJson {
  const ci = str(m, "IFA_CACHEINFO") ?? "";
  const b = Buffer.from(ci, "hex");
  const flags = num(m, "IFA_FLAGS") ?? m.header.flags;
  const j: AddrJson = {
    family: "inet",
    local: str(m, "IFA_LOCAL") ?? str(m, "IFA_ADDRESS") ?? "?",
    prefixlen: m.header.prefixlen,
    scope: SCOPES[m.header.scope] ?? String(m.header.scope),
    label: str(m, "IFA_LABEL") ?? "",
    valid_life_time: b.length >= 8 ? b.readUInt32LE(4) : 4294967295,
    preferred_life_time: b.length >= 4 ? b.readUInt32LE(0) : 4294967295,
  };
  const brd = str(m, "IFA_BROADCAST");
  if (brd !== undefined) j.broadcast = brd;
  if ((flags & 0x80) === 0) j.dynamic = true;
  if ((flags & 0x01) !== 0) j.secondary = true;
  if ((flags & 0x20) !== 0) j.deprecated = true;
  return j;
}

const life = (v: number): string => (v === 4294967295 ? "forever" : `${v}sec`);

export function addrText(a: AddrJson): string {
  let s = `    inet ${a.local}/${a.prefixlen}`;
  if (a.broadcast !== undefined) s += ` brd ${a.broadcast}`;
  s += ` scope ${a.scope}`;
  if (a.dynamic) s += " dynamic";
  if (a.secondary) s += " secondary";
  if (a.deprecated) s += " deprecated";
  s += ` ${a.label}\n       valid_lft ${life(a.valid_life_time)} preferred_lft ${life(a.preferred_life_time)}`;
  return s;
}

const NUD: [number, string][] = [
  [0x01, "INCOMPLETE"],
  [0x02, "REACHABLE"],
  [0x04, "STALE"],
  [0x08, "DELAY"],
  [0x10, "PROBE"],
  [0x20, "FAILED"],
  [0x40, "NOARP"],
  [0x80, "PERMANENT"],
];

export interface NeighJson {
  dst: string;
  dev: string;
  lladdr?: string;
  router?: null;
  proxy?: null;
  state: string[];
}

export function neighJson(m: MessageValue, ifname: (index: number) => string): NeighJson {
  const j: NeighJson = {
    dst: str(m, "NDA_DST") ?? "?",
    dev: ifname(m.header.ifindex),
    state: NUD.filter(([b]) => (m.header.state & b) !== 0).map(([, n]) => n),
  };
  const ll = str(m, "NDA_LLADDR");
  if (ll !== undefined) j.lladdr = macText(ll);
  if ((m.header.flags & C.NTF_ROUTER) !== 0) j.router = null;
  if ((m.header.flags & C.NTF_PROXY) !== 0) j.proxy = null;
  return j;
}

export function neighText(n: NeighJson): string {
  return `${n.dst} dev ${n.dev}${n.lladdr !== undefined ? ` lladdr ${n.lladdr}` : ""}${n.router !== undefined ? " router" : ""}${n.proxy !== undefined ? " proxy" : ""} ${n.state.join(",") || "NONE"}`;
}

const PROTOS: Record<number, string> = { 2: "kernel", 3: "boot", 4: "static", 16: "dhcp" };

export interface RouteJson {
  dst: string;
  gateway?: string;
  dev: string;
  protocol: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  flags: string[];
}

export function routeJson(m: MessageValue, ifname: (index: number) => string): RouteJson {
  const dst = str(m, "RTA_DST");
  const j: RouteJson = {
    dst: m.header.dst_len === 0 ? "default" : `${dst}/${m.header.dst_len}`,
    dev: ifname(num(m, "RTA_OIF") ?? 0),
    protocol: PROTOS[m.header.protocol] ?? String(m.header.protocol),
    flags: [],
  };
  const gw = str(m, "RTA_GATEWAY");
  if (gw !== undefined) j.gateway = gw;
  if (m.header.scope !== 0) j.scope = SCOPES[m.header.scope] ?? String(m.header.scope);
  const src = str(m, "RTA_PREFSRC");
  if (src !== undefined) j.prefsrc = src;
  const metric = num(m, "RTA_PRIORITY");
  if (metric !== undefined) j.metric = metric;
  // The dst of a /32 host route prints without the length, as ip does.
  if (m.header.dst_len === 32) j.dst = dst ?? j.dst;
  return j;
}

export function routeText(r: RouteJson): string {
  return `${r.dst}${r.gateway !== undefined ? ` via ${r.gateway}` : ""} dev ${r.dev} proto ${r.protocol}${r.scope !== undefined ? ` scope ${r.scope}` : ""}${r.prefsrc !== undefined ? ` src ${r.prefsrc}` : ""}${r.metric !== undefined ? ` metric ${r.metric}` : ""}`;
}
