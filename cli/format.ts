// iproute2-shaped text and JSON for what the device reports: the same words,
// order, spacing (trailing blanks included), colours and JSON field names as
// `ip` 6.x prints for the same objects, so that eyes and scripts trained on
// ip read it unchanged. test/integration/ip-grammar.test.ts holds it to that.
import * as C from "../src/netlink/constants";
import { parseIPv6 } from "./args";
import { findAttr, type MessageValue } from "./describe";

/** How to print: from the global options. */
export interface Style {
  color: boolean;
  details: boolean;
  stats: number;
  human: boolean;
  iec: boolean;
}

export const PLAIN: Style = { color: false, details: false, stats: 0, human: false, iec: false };

/** ip's colours on a light background (iproute2 lib/color.c). */
const PAINT = { ifname: 36, mac: 33, inet: 35, inet6: 34, up: 32, down: 31 };

function paint(st: Style, kind: keyof typeof PAINT, text: string): string {
  return st.color ? `\x1b[${PAINT[kind]}m${text}\x1b[0m` : text;
}

/** An address in its family's colour (ip: magenta for IPv4, blue for IPv6). */
function paintAddr(st: Style, text: string): string {
  return paint(st, text.includes(":") ? "inet6" : "inet", text);
}

function paintState(st: Style, state: string, text: string): string {
  if (state === "UP") return paint(st, "up", text);
  if (state === "DOWN" || state === "LOWERLAYERDOWN") return paint(st, "down", text);
  return text;
}

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
  linkmode?: string;
  group: string;
  txqlen?: number;
  link_type: string;
  address: string;
  broadcast: string;
  promiscuity?: number;
  allmulti?: number;
  min_mtu?: number;
  max_mtu?: number;
  ifalias?: string;
  stats64?: { rx: Record<string, number>; tx: Record<string, number> };
  [k: string]: unknown;
}

/** struct rtnl_link_stats64, by ip's JSON names: [name, u64 index]. */
const RX: [string, number][] = [
  ["bytes", 2],
  ["packets", 0],
  ["errors", 4],
  ["dropped", 6],
  ["over_errors", 11],
  ["multicast", 8],
];
const RX2: [string, number][] = [
  ["length_errors", 10],
  ["crc_errors", 12],
  ["frame_errors", 13],
  ["fifo_errors", 14],
  ["missed_errors", 15],
];
const TX: [string, number][] = [
  ["bytes", 3],
  ["packets", 1],
  ["errors", 5],
  ["dropped", 7],
  ["carrier_errors", 17],
  ["collisions", 9],
];
const TX2: [string, number][] = [
  ["aborted_errors", 16],
  ["fifo_errors", 18],
  ["window_errors", 20],
  ["heartbeat_errors", 19],
];

function u64(b: Buffer, i: number): number {
  return b.length >= (i + 1) * 8 ? Number(b.readBigUInt64LE(i * 8)) : 0;
}

/** `linkmode` appears in `link show`, not in `addr show`, as in ip. */
export function linkJson(m: MessageValue, st: Style = PLAIN, linkmode = true): LinkJson {
  const j: LinkJson = {
    ifindex: m.header.index,
    ifname: str(m, "IFLA_IFNAME") ?? "?",
    flags: linkFlags(m.header.flags),
    mtu: num(m, "IFLA_MTU") ?? 0,
    qdisc: str(m, "IFLA_QDISC") ?? "noqueue",
    operstate: OPER[num(m, "IFLA_OPERSTATE") ?? 0] ?? "UNKNOWN",
    ...(linkmode ? { linkmode: "DEFAULT" } : {}),
    group: "default",
    // As ip: a queue length of 0 is not shown.
    txqlen: num(m, "IFLA_TXQLEN") || undefined,
    link_type: m.header.type === C.ARPHRD_LOOPBACK ? "loopback" : "ether",
    address: macText(str(m, "IFLA_ADDRESS")),
    broadcast: macText(str(m, "IFLA_BROADCAST")),
  };
  if (st.details) {
    j.promiscuity = num(m, "IFLA_PROMISCUITY") ?? 0;
    j.allmulti = 0;
    j.min_mtu = num(m, "IFLA_MIN_MTU") ?? 0;
    j.max_mtu = num(m, "IFLA_MAX_MTU") ?? 0;
  }
  const alias = str(m, "IFLA_IFALIAS");
  if (alias !== undefined) j.ifalias = alias;
  const stats = str(m, "IFLA_STATS64");
  if (st.stats > 0 && stats !== undefined) {
    const b = Buffer.from(stats, "hex");
    const pick = (list: [string, number][]): Record<string, number> =>
      Object.fromEntries(list.map(([k, i]) => [k, u64(b, i)]));
    j.stats64 = { rx: pick(RX), tx: pick(TX) };
    if (st.stats > 1) {
      Object.assign(j.stats64.rx, pick(RX2));
      Object.assign(j.stats64.tx, pick(TX2), { carrier_changes: num(m, "IFLA_CARRIER_CHANGES") ?? 0 });
    }
    // The text's columns, which are not all in the JSON (not enumerable: JSON leaves it out).
    // Indexes into rtnl_link_stats64; BLANK is the errors rows' empty first column.
    const BLANK = 99;
    const CARRIER_CHANGES = 100;
    const at = (i: number): number =>
      i === CARRIER_CHANGES ? (num(m, "IFLA_CARRIER_CHANGES") ?? 0) : i === BLANK ? 0 : u64(b, i);
    const text = [
      [2, 0, 4, 6, 15, 8],
      [3, 1, 5, 7, 17, 9],
      [BLANK, 10, 12, 13, 14, 11],
      [BLANK, 16, 18, 20, 19, CARRIER_CHANGES],
    ].map((row) => row.map(at));
    Object.defineProperty(j, "statsRows", { value: text, enumerable: false });
  }
  return j;
}

/** ip's print_num: plain, or with -h three significant digits and a k/M/G… suffix (-iec: powers of 1024, "Ki"). */
export function statNum(st: Style, width: number, v: number): string {
  const base = st.iec ? 1024 : 1000;
  if (!st.human || v < base) return `${String(v).padStart(width)} `;
  const prefixes = "kMGTPE";
  let p = 0;
  let pow = base;
  while (v / base >= pow && p < prefixes.length - 1) {
    pow *= base;
    p++;
  }
  let precision = 2;
  for (let powj = 10; precision > 0; precision--, powj *= 10) if (v / pow < powj) break;
  const text = `${(v / pow).toFixed(precision)}${prefixes[p]}${st.iec ? "i" : ""}`;
  return `${text.padStart(width)} `;
}

function statsText(j: LinkJson, st: Style): string {
  const rows = (j as unknown as { statsRows: number[][] }).statsRows.slice(0, st.stats > 1 ? 4 : 2);
  // Column widths grow to the widest number, as ip's size_columns does.
  const cols = [10, 7, 6, 7, 7, 7];
  if (!st.human) for (const r of rows) r.forEach((v, i) => (cols[i] = Math.max(cols[i], String(v).length)));
  const values = (r: number[], from: number): string =>
    `    ${from > 0 ? `${"".padStart(cols[0])} ` : ""}${r
      .slice(from)
      .map((v, i) => statNum(st, cols[i + from], v))
      .join("")}`;
  const head = (label: string, words: string[]): string =>
    `    ${label} ${words.map((w, i) => w.padStart(cols[i + 1])).join(" ")}`;
  const main = (label: string, words: string[]): string =>
    `${head(`${label}: ${"bytes".padStart(cols[0] - 4)}`, words)} ${"".padStart(10)}`;
  let out = `\n${main("RX", ["packets", "errors", "dropped", "missed", "mcast"])}\n${values(rows[0], 0)}`;
  if (st.stats > 1)
    out += `\n${head("RX errors:", ["length", "crc", "frame", "fifo", "overrun"])}\n${values(rows[2], 1)}`;
  out += `\n${main("TX", ["packets", "errors", "dropped", "carrier", "collsns"])}\n${values(rows[1], 0)}`;
  if (st.stats > 1)
    out += `\n${head("TX errors:", ["aborted", "fifo", "window", "heartbt", "transns"])}\n${values(rows[3], 1)}`;
  return out;
}

/** `ip link show` (mode shown) or the link part of `ip addr show`. */
export function linkText(j: LinkJson, st: Style): string {
  let s = `${j.ifindex}: ${paint(st, "ifname", `${j.ifname}: `)}<${j.flags.join(",")}> mtu ${j.mtu} qdisc ${j.qdisc} state ${paintState(st, j.operstate, `${j.operstate} `)}`;
  if (j.linkmode !== undefined) s += `mode ${j.linkmode} `;
  s += `group ${j.group} ${j.txqlen !== undefined ? `qlen ${j.txqlen}` : ""}`;
  s += `\n    link/${j.link_type} ${paint(st, "mac", j.address)} brd ${paint(st, "mac", j.broadcast)}`;
  if (st.details) s += ` promiscuity ${j.promiscuity ?? 0}  allmulti 0 minmtu ${j.min_mtu} maxmtu ${j.max_mtu} `;
  if (j.ifalias !== undefined) s += `\n    alias ${j.ifalias}`;
  return s;
}

/** The link's header line alone (ip -4/-6 addr leaves out the link layer). */
export function linkHead(j: LinkJson, st: Style): string {
  return linkText(j, st).split("\n")[0];
}

/** A link as the kernel's IPv6 link dump gives it (what ip -6 shows): no qdisc, group or link layer. */
export function link6(j: LinkJson): LinkJson {
  const keep = ["ifindex", "ifname", "flags", "mtu", "operstate", "txqlen"];
  const out = Object.fromEntries(Object.entries(j).filter(([k]) => keep.includes(k))) as LinkJson;
  // The counters' rows (-s) travel along, unlisted as in linkJson.
  Object.defineProperty(out, "statsRows", { value: (j as { statsRows?: unknown }).statsRows, enumerable: false });
  return out;
}

/** `ip -6 addr`'s link line. */
export function linkHead6(j: LinkJson, st: Style): string {
  return `${j.ifindex}: ${paint(st, "ifname", `${j.ifname}: `)}<${j.flags.join(",")}> mtu ${j.mtu} state ${paintState(st, j.operstate, `${j.operstate} `)}${j.txqlen !== undefined ? `qlen ${j.txqlen}` : ""}`;
}

/** The counters' table (-s), or "" without it. */
export function linkStats(j: LinkJson, st: Style): string {
  return j.stats64 !== undefined ? statsText(j, st) : "";
}

/** `ip -br link`. */
export function linkBrief(j: LinkJson, st: Style): string {
  return `${paint(st, "ifname", j.ifname.padEnd(16) + " ")}${paintState(st, j.operstate, j.operstate.padEnd(14) + " ")}${paint(st, "mac", `${j.address} `)}<${j.flags.join(",")}> `;
}

export interface AddrJson {
  family: string;
  local: string;
  prefixlen: number;
  broadcast?: string;
  scope: string;
  secondary?: boolean;
  dynamic?: boolean;
  deprecated?: boolean;
  label: string;
  valid_life_time: number;
  preferred_life_time: number;
}

const SCOPES: Record<number, string> = { 0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere" };

/** IPv6's address flags in ip's order (iproute2's ifa_flag_data): [mask, name]; 0x80 is "dynamic" when clear. */
const IFA6_FLAGS: [number, string][] = [
  [0x01, "temporary"],
  [0x02, "nodad"],
  [0x04, "optimistic"],
  [0x08, "dadfailed"],
  [0x10, "home"],
  [0x20, "deprecated"],
  [0x40, "tentative"],
  [0x80, "dynamic"],
  [0x100, "mngtmpaddr"],
  [0x200, "noprefixroute"],
  [0x400, "autojoin"],
  [0x800, "stable-privacy"],
];

/** An IPv6 address as ip -j shows it: its flags (in ip's order) between the scope and the lifetimes. */
function addr6Json(m: MessageValue, flags: number, b: Buffer): AddrJson {
  const j: Record<string, unknown> = {
    family: "inet6",
    local: str(m, "IFA_LOCAL") ?? str(m, "IFA_ADDRESS") ?? "?",
    prefixlen: m.header.prefixlen,
    scope: SCOPES[m.header.scope] ?? String(m.header.scope),
  };
  for (const [bit, name] of IFA6_FLAGS) if (bit === 0x80 ? (flags & bit) === 0 : (flags & bit) !== 0) j[name] = true;
  j.valid_life_time = b.length >= 8 ? b.readUInt32LE(4) : 4294967295;
  j.preferred_life_time = b.length >= 4 ? b.readUInt32LE(0) : 4294967295;
  return j as unknown as AddrJson;
}

export function addrJson(m: MessageValue): AddrJson {
  const b = Buffer.from(str(m, "IFA_CACHEINFO") ?? "", "hex");
  const flags = num(m, "IFA_FLAGS") ?? m.header.flags;
  if (m.header.family === C.AF_INET6) return addr6Json(m, flags, b);
  const brd = str(m, "IFA_BROADCAST");
  const j: AddrJson = {
    family: "inet",
    local: str(m, "IFA_LOCAL") ?? str(m, "IFA_ADDRESS") ?? "?",
    prefixlen: m.header.prefixlen,
    ...(brd !== undefined ? { broadcast: brd } : {}),
    scope: SCOPES[m.header.scope] ?? String(m.header.scope),
    ...((flags & 0x01) !== 0 ? { secondary: true } : {}),
    ...((flags & 0x80) === 0 ? { dynamic: true } : {}),
    ...((flags & 0x20) !== 0 ? { deprecated: true } : {}),
    label: str(m, "IFA_LABEL") ?? "",
    valid_life_time: b.length >= 8 ? b.readUInt32LE(4) : 4294967295,
    preferred_life_time: b.length >= 4 ? b.readUInt32LE(0) : 4294967295,
  };
  return j;
}

const life = (v: number): string => (v === 4294967295 ? "forever" : `${v}sec`);

/** One address as `ip addr` prints it, without the indent (the caller puts "    " or "N: eth0    "). */
export function addrText(a: AddrJson, st: Style): string {
  if (a.family === "inet6") {
    let t = `inet6 ${paint(st, "inet6", a.local)}/${a.prefixlen} scope ${a.scope} `;
    const flags = a as unknown as Record<string, unknown>;
    for (const [, name] of IFA6_FLAGS) if (flags[name] === true) t += `${name} `;
    return `${t}\n       valid_lft ${life(a.valid_life_time)} preferred_lft ${life(a.preferred_life_time)}`;
  }
  let s = `inet ${paint(st, "inet", a.local)}/${a.prefixlen} `;
  if (a.broadcast !== undefined) s += `brd ${paint(st, "inet", `${a.broadcast} `)}`;
  s += `scope ${a.scope} `;
  if (a.secondary) s += "secondary ";
  if (a.dynamic) s += "dynamic ";
  if (a.deprecated) s += "deprecated ";
  s += `${a.label}\n       valid_lft ${life(a.valid_life_time)} preferred_lft ${life(a.preferred_life_time)}`;
  return s;
}

/** `ip -br addr`: name, state, then each address. */
export function addrBrief(j: LinkJson, as: AddrJson[], st: Style): string {
  return `${paint(st, "ifname", j.ifname.padEnd(16) + " ")}${paintState(st, j.operstate, j.operstate.padEnd(14) + " ")}${as.map((a) => `${paint(st, a.family === "inet6" ? "inet6" : "inet", a.local)}/${a.prefixlen} `).join("")}`;
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
  state?: string[];
}

export function neighJson(m: MessageValue, ifname: (index: number) => string): NeighJson {
  const ll = str(m, "NDA_LLADDR");
  const j: NeighJson = { dst: str(m, "NDA_DST") ?? "?", dev: ifname(m.header.ifindex) };
  if (ll !== undefined) j.lladdr = macText(ll);
  if ((m.header.flags & C.NTF_ROUTER) !== 0) j.router = null;
  if ((m.header.flags & C.NTF_PROXY) !== 0) j.proxy = null;
  j.state = NUD.filter(([b]) => (m.header.state & b) !== 0).map(([, n]) => n);
  return j;
}

/** `dev` false: `neigh show dev X` leaves the device out, as ip does. */
export function neighText(n: NeighJson, st: Style, dev = true): string {
  let s = `${paintAddr(st, `${n.dst} `)}`;
  if (dev) s += `dev ${paint(st, "ifname", `${n.dev} `)}`;
  if (n.lladdr !== undefined) s += `lladdr ${paint(st, "mac", `${n.lladdr} `)}`;
  if (n.router !== undefined) s += "router ";
  if (n.proxy !== undefined) s += "proxy ";
  return `${s}${(n.state ?? []).join(",")} `;
}

/** `ip -br neigh`. */
export function neighBrief(n: NeighJson, st: Style): string {
  return `${paint(st, "inet", n.dst.padEnd(39) + " ")}${paint(st, "ifname", n.dev.padEnd(16) + " ")}${n.lladdr !== undefined ? paint(st, "mac", n.lladdr) : ""}`;
}

const PROTOS: Record<number, string> = { 2: "kernel", 3: "boot", 4: "static", 9: "ra", 16: "dhcp" };
/** RTA_PREF, an IPv6 router's preference (RFC 4191). */
const PREFS: Record<number, string> = { 0: "medium", 1: "high", 3: "low" };
const TYPES: Record<number, string> = { 1: "unicast", 2: "local", 3: "broadcast" };

export interface RouteJson {
  type?: string;
  dst: string;
  from?: string;
  gateway?: string;
  dev: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  flags: string[];
  expires?: number;
  metrics?: Record<string, number>[];
  pref?: string;
  /** Not JSON: the route's table; `ip route` lists the main one. */
  table?: number;
  cache?: string[];
}

export function routeJson(m: MessageValue, ifname: (index: number) => string, st: Style = PLAIN): RouteJson {
  const dst = str(m, "RTA_DST");
  const t = m.header.type;
  const cloned = (m.header.flags & C.RTM_F_CLONED) !== 0;
  const gw = str(m, "RTA_GATEWAY");
  const src = str(m, "RTA_PREFSRC");
  const v6 = m.header.family === C.AF_INET6;
  const metric = num(m, "RTA_PRIORITY");
  // ip leaves out the type when unicast, "proto boot" and "scope global" unless -d, and all three from a `route get` answer.
  const j: RouteJson = {
    type: t !== C.RTN_UNICAST || st.details ? (TYPES[t] ?? String(t)) : undefined,
    // A host route prints without its length, as ip does.
    dst:
      m.header.dst_len === 0
        ? "default"
        : m.header.dst_len === (v6 ? 128 : 32)
          ? (dst ?? "?")
          : `${dst}/${m.header.dst_len}`,
    from: str(m, "RTA_SRC"),
    gateway: gw,
    dev: ifname(num(m, "RTA_OIF") ?? 0),
    // (IPv6's answers keep their protocol.)
    protocol:
      (!cloned || v6) && (m.header.protocol !== 3 || st.details)
        ? (PROTOS[m.header.protocol] ?? String(m.header.protocol))
        : undefined,
    scope:
      !cloned && (m.header.scope !== 0 || st.details) ? (SCOPES[m.header.scope] ?? String(m.header.scope)) : undefined,
    prefsrc: src,
    metric,
    flags: [],
  };
  if (v6) {
    const ci = Buffer.from(str(m, "RTA_CACHEINFO") ?? "", "hex");
    const expires = ci.length >= 12 ? ci.readInt32LE(8) : 0;
    if (expires > 0) j.expires = Math.floor(expires / 100);
    const mx = findAttr(m.attrs, "RTA_METRICS")?.value;
    if (Array.isArray(mx) && mx.length > 0) {
      const one: Record<string, number> = {};
      for (const x of mx) if (typeof x.value === "number") one[RTAX[x.type] ?? `metric_${x.type}`] = x.value;
      j.metrics = [one];
    }
    const pref = num(m, "RTA_PREF");
    if (pref !== undefined) j.pref = PREFS[pref] ?? String(pref);
  }
  for (const k of Object.keys(j) as (keyof RouteJson)[]) if (j[k] === undefined) delete j[k];
  Object.defineProperty(j, "table", { value: num(m, "RTA_TABLE") ?? m.header.table, enumerable: false });
  // IPv4's `route get` answers end in a cache line; IPv6's do not.
  if (cloned && !v6) j.cache = t === C.RTN_LOCAL ? ["local"] : [];
  return j;
}

/** RTA_METRICS members by number, as ip names them. */
const RTAX: Record<number, string> = { 2: "mtu", 10: "hoplimit" };

/** ip's order for a route list, which is the kernel's: by destination, then prefix length; IPv6's default last. */
export function routeOrder(a: RouteJson, b: RouteJson): number {
  if (a.dst.includes(":") || b.dst.includes(":") || a.gateway?.includes(":") || b.gateway?.includes(":")) {
    const key6 = (r: RouteJson): string => {
      if (r.dst === "default") return "~";
      const [addr, len] = r.dst.split("/");
      return `${parseIPv6(addr)?.toString("hex") ?? addr}/${(len ?? "128").padStart(3, "0")}`;
    };
    return key6(a) < key6(b) ? -1 : key6(a) > key6(b) ? 1 : 0;
  }
  const key = (r: RouteJson): number[] => {
    if (r.dst === "default") return [0, 0];
    const [ip, len] = r.dst.split("/");
    return [ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0), len === undefined ? 32 : Number(len)];
  };
  const [x, y] = [key(a), key(b)];
  return x[0] - y[0] || x[1] - y[1];
}

/** A route as ip prints it (a `route get` answer gets its "cache" line). */
export function routeText(r: RouteJson, st: Style): string {
  let s = r.type !== undefined ? `${r.type} ` : "";
  if (r.dst === "default" || r.cache !== undefined) s += `${r.dst === "default" ? r.dst : paintAddr(st, r.dst)} `;
  else s += paintAddr(st, `${r.dst} `);
  if (r.from !== undefined) s += `from ${r.from} `;
  if (r.gateway !== undefined) s += `via ${paintAddr(st, `${r.gateway} `)}`;
  s += `dev ${paint(st, "ifname", `${r.dev} `)}`;
  if (r.protocol !== undefined) s += `proto ${r.protocol} `;
  if (r.scope !== undefined) s += `scope ${r.scope} `;
  if (r.prefsrc !== undefined) s += `src ${paintAddr(st, `${r.prefsrc} `)}`;
  if (r.metric !== undefined) s += `metric ${r.metric} `;
  if (r.expires !== undefined) s += `expires ${r.expires}sec `;
  for (const m of r.metrics ?? []) for (const [k, v] of Object.entries(m)) s += `${k} ${v} `;
  if (r.pref !== undefined) s += `pref ${r.pref}`;
  if (r.cache !== undefined) s += `\n    cache ${r.cache.map((c) => `<${c}> `).join("")}`;
  return s;
}

/** The JSON ip prints for a route (the table is ours, not enumerable). */
export function routeOut(r: RouteJson): Record<string, unknown> {
  return { ...r };
}
