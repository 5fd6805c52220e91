// netrt: an `ip`-like command line for a device's network, over its serial
// control channel. `netrt --port /dev/ttyUSB0 addr show`, `-j` for JSON.
import * as crypto from "node:crypto";
import { Command, InvalidArgumentError } from "commander";
import type { Bytes } from "../hal/types";
import * as C from "../src/netlink/constants";
import { PROTO_GENERIC, PROTO_ROUTE } from "../src/netlink/frame";
import {
  IFA_FAMILY_F,
  IFA_INDEX,
  IFA_PREFIXLEN,
  IFADDRMSG,
  IFI_CHANGE,
  IFI_FLAGS,
  IFINFOMSG,
  NDM_FAMILY,
  NDM_FLAGS,
  NDM_IFINDEX,
  NDM_STATE,
  NDMSG,
  RTM_DST_LEN,
  RTM_FAMILY,
  RTM_PROTOCOL,
  RTM_SCOPE,
  RTM_TABLE,
  RTM_TYPE,
  RTMSG,
} from "../src/netlink/schemas";
import { int, ipv4, mac, prefix, UsageError } from "./args";
import { findAttr, type MessageValue } from "./describe";
import { addrJson, addrText, linkJson, linkText, neighJson, neighText, routeJson, routeText } from "./format";
import { Channel, ChannelError, PcapWriter } from "./transport";
import {
  groupBit,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_GROUPS,
  NETRT_A_KEY,
  NETRT_A_MAC,
  NETRT_CMD_AUTH_CHALLENGE,
  NETRT_CMD_AUTH_END,
  NETRT_CMD_AUTH_RESPONSE,
  NETRT_CMD_DHCP_GET,
  NETRT_CMD_DHCP_RELEASE,
  NETRT_CMD_DHCP_RENEW,
  NETRT_CMD_DHCP_RESTART,
  NETRT_CMD_SET_KEY,
  NETRT_CMD_SUBSCRIBE,
  NETRT_GENL_TYPE,
  NETRT_GROUP_DHCP,
} from "../src/netlink/family";
import { DHCP_EVENT_NAMES } from "../src/dhcp/states";

interface Globals {
  port?: string;
  baud: number;
  json: boolean;
  details: boolean;
  timeout: number;
  pcap?: string;
  key?: string;
}

/** iproute2-style keyword arguments: `dev eth0 mtu 1400 up`. */
function keywords(
  args: string[],
  valued: string[],
  flags: string[],
): { kv: Record<string, string>; set: Set<string>; rest: string[] } {
  const kv: Record<string, string> = {};
  const set = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (valued.includes(a)) {
      if (i + 1 >= args.length) throw new UsageError(`"${a}" needs a value`);
      kv[a] = args[++i];
    } else if (flags.includes(a)) set.add(a);
    else rest.push(a);
  }
  return { kv, set, rest };
}

function keyOf(g: Globals): Buffer | undefined {
  const text = g.key ?? process.env.NETRT_KEY;
  if (text === undefined || text === "") return undefined;
  if (!/^([0-9a-f]{2}){16,64}$/i.test(text))
    throw new UsageError("a device key is 16 to 64 bytes in hex (32 to 128 hex digits)");
  return Buffer.from(text, "hex");
}

/** Challenge-response: HMAC-SHA256(key, nonce). Returns whether the device has a key at all. */
async function authenticate(ch: Channel, key: Buffer | undefined): Promise<boolean> {
  const [c] = await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, 0, GENLMSGHDR.hdrLen, (w) =>
    w.field(GENL_CMD, NETRT_CMD_AUTH_CHALLENGE),
  );
  const keyed = findAttr(c.attrs, "NETRT_A_KEYED")?.value === 1;
  if (!keyed || key === undefined) return keyed;
  const nonce = Buffer.from(String(findAttr(c.attrs, "NETRT_A_NONCE")?.value ?? ""), "hex");
  const mac = crypto.createHmac("sha256", key).update(nonce).digest();
  await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
    w.field(GENL_CMD, NETRT_CMD_AUTH_RESPONSE);
    w.bytes(NETRT_A_MAC, mac as unknown as Bytes, 0, 32);
  });
  return true;
}

async function connect(g: Globals): Promise<Channel> {
  const port = g.port ?? process.env.NETRT_PORT;
  if (port === undefined || port === "")
    throw new UsageError("no device: give --port /dev/ttyX (or tcp://host:port), or set NETRT_PORT");
  const key = keyOf(g);
  const ch = new Channel(g.timeout);
  if (g.pcap !== undefined) ch.pcap = new PcapWriter(g.pcap);
  await ch.open(port, g.baud);
  if (key !== undefined) {
    try {
      await authenticate(ch, key);
    } catch (e) {
      ch.close();
      throw e;
    }
  }
  return ch;
}

async function authCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const verb = args[0] ?? "status";
  if (verb === "status") {
    const keyed = await authenticate(ch, undefined);
    print(
      g,
      { keyed },
      keyed
        ? "this device has a key: changes need --key (or NETRT_KEY)"
        : "this device has no key: anyone on the line may change it (netrt auth set-key HEX)",
    );
    return;
  }
  if (verb === "set-key" || verb === "clear-key") {
    let key = Buffer.alloc(0);
    if (verb === "set-key") {
      const text = args[1];
      if (text === undefined || !/^([0-9a-f]{2}){16,64}$/i.test(text))
        throw new UsageError("auth set-key HEX: 16 to 64 bytes in hex");
      key = Buffer.from(text, "hex");
    }
    await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
      w.field(GENL_CMD, NETRT_CMD_SET_KEY);
      w.bytes(NETRT_A_KEY, key as unknown as Bytes, 0, key.length);
    });
    return;
  }
  if (verb === "logout") {
    await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) =>
      w.field(GENL_CMD, NETRT_CMD_AUTH_END),
    );
    return;
  }
  throw new UsageError(`auth: unknown command "${verb}" (status, set-key HEX, clear-key, logout)`);
}

async function links(ch: Channel): Promise<MessageValue[]> {
  return ch.request(PROTO_ROUTE, C.RTM_GETLINK, C.NLM_F_DUMP, IFINFOMSG.hdrLen, () => undefined);
}

async function ifindexOf(ch: Channel, name: string): Promise<number> {
  const r = await ch.request(PROTO_ROUTE, C.RTM_GETLINK, 0, IFINFOMSG.hdrLen, (w) => w.str(C.IFLA_IFNAME, name));
  return r[0].header.index;
}

function namer(ls: MessageValue[]): (i: number) => string {
  const names = new Map(ls.map((m) => [m.header.index, String(findAttr(m.attrs, "IFLA_IFNAME")?.value ?? "?")]));
  return (i) => names.get(i) ?? `if${i}`;
}

function print(g: Globals, json: unknown, text: string): void {
  console.log(g.json ? JSON.stringify(json) : text);
}

// --- commands ---------------------------------------------------------------------

async function linkCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const verb = args[0] ?? "show";
  if (verb === "show" || verb === "list") {
    const { kv, rest } = keywords(args.slice(1), ["dev"], []);
    const dev = kv.dev ?? rest[0];
    const ms =
      dev !== undefined
        ? await ch.request(PROTO_ROUTE, C.RTM_GETLINK, 0, IFINFOMSG.hdrLen, (w) => w.str(C.IFLA_IFNAME, dev))
        : await links(ch);
    const js = ms.map(linkJson);
    print(g, js, js.map((j) => linkText(j, g.details)).join("\n"));
    return;
  }
  if (verb === "set") {
    const { kv, set, rest } = keywords(args.slice(1), ["dev", "mtu", "alias"], ["up", "down"]);
    const dev = kv.dev ?? rest.shift();
    if (dev === undefined) throw new UsageError("link set: which device? (dev NAME)");
    if (rest.length > 0) throw new UsageError(`link set: unknown argument "${rest[0]}"`);
    if (set.has("up") && set.has("down")) throw new UsageError("link set: up or down, not both");
    const mtu = kv.mtu !== undefined ? int(kv.mtu, "mtu", 0, 65535) : undefined;
    if (mtu === undefined && kv.alias === undefined && set.size === 0)
      throw new UsageError("link set: nothing to change (up, down, mtu N, alias TEXT)");
    await ch.request(PROTO_ROUTE, C.RTM_NEWLINK, C.NLM_F_ACK, IFINFOMSG.hdrLen, (w) => {
      w.field(IFI_FLAGS, set.has("up") ? 1 : 0);
      w.field(IFI_CHANGE, set.size > 0 ? 1 : 0);
      w.str(C.IFLA_IFNAME, dev);
      if (mtu !== undefined) w.int(C.IFLA_MTU, 4, mtu);
      if (kv.alias !== undefined) w.str(C.IFLA_IFALIAS, kv.alias);
    });
    return;
  }
  throw new UsageError(`link: unknown command "${verb}" (show, set)`);
}

async function addrCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const verb = args[0] ?? "show";
  if (verb === "show" || verb === "list") {
    const { kv, rest } = keywords(args.slice(1), ["dev"], []);
    const dev = kv.dev ?? rest[0];
    const ls = await links(ch);
    const as = await ch.request(PROTO_ROUTE, C.RTM_GETADDR, C.NLM_F_DUMP, IFADDRMSG.hdrLen, (w) =>
      w.field(IFA_FAMILY_F, C.AF_INET),
    );
    const out = ls
      .map((l) => ({ ...linkJson(l), addr_info: as.filter((a) => a.header.index === l.header.index).map(addrJson) }))
      .filter((l) => dev === undefined || l.ifname === dev);
    if (dev !== undefined && out.length === 0) throw new ChannelError(`Device "${dev}" does not exist.`, 19);
    print(g, out, out.map((l) => [linkText(l, g.details), ...l.addr_info.map(addrText)].join("\n")).join("\n"));
    return;
  }
  if (verb === "add" || verb === "del" || verb === "delete" || verb === "replace") {
    const { kv, rest } = keywords(
      args.slice(1),
      ["dev", "brd", "broadcast", "label", "valid_lft", "preferred_lft", "peer", "local"],
      [],
    );
    const where = kv.local ?? rest.shift();
    if (where === undefined) throw new UsageError(`addr ${verb}: which address? (A.B.C.D/LEN dev NAME)`);
    if (rest.length > 0) throw new UsageError(`addr ${verb}: unknown argument "${rest[0]}"`);
    if (kv.dev === undefined) throw new UsageError(`addr ${verb}: which device? (dev NAME)`);
    const [a, len] = prefix(where);
    const index = await ifindexOf(ch, kv.dev);
    const life = (s: string | undefined): number =>
      s === undefined || s === "forever" ? 4294967295 : int(s.replace(/sec$/, ""), "lifetime", 0, 4294967295);
    const del = verb === "del" || verb === "delete";
    const flags = del
      ? C.NLM_F_ACK
      : C.NLM_F_ACK + C.NLM_F_CREATE + (verb === "replace" ? C.NLM_F_REPLACE : C.NLM_F_EXCL);
    await ch.request(PROTO_ROUTE, del ? C.RTM_DELADDR : C.RTM_NEWADDR, flags, IFADDRMSG.hdrLen, (w) => {
      w.field(IFA_FAMILY_F, C.AF_INET);
      w.field(IFA_PREFIXLEN, len);
      w.field(IFA_INDEX, index);
      w.inAddr(C.IFA_LOCAL, a);
      w.inAddr(C.IFA_ADDRESS, kv.peer !== undefined ? ipv4(kv.peer, "peer") : a);
      const brd = kv.brd ?? kv.broadcast;
      if (brd !== undefined) w.inAddr(C.IFA_BROADCAST, ipv4(brd, "broadcast"));
      if (kv.label !== undefined) w.str(C.IFA_LABEL, kv.label);
      if (kv.valid_lft !== undefined || kv.preferred_lft !== undefined) {
        const at = w.reserve(C.IFA_CACHEINFO, 16);
        const b = w.buf as unknown as Uint8Array;
        const dv = new DataView(b.buffer, b.byteOffset);
        const valid = life(kv.valid_lft);
        dv.setUint32(at, kv.preferred_lft !== undefined ? life(kv.preferred_lft) : valid, true);
        dv.setUint32(at + 4, valid, true);
      }
    });
    return;
  }
  if (verb === "flush") {
    const { kv, rest } = keywords(args.slice(1), ["dev"], []);
    const dev = kv.dev ?? rest[0];
    if (dev === undefined) throw new UsageError("addr flush: which device? (dev NAME)");
    const index = await ifindexOf(ch, dev);
    await ch.request(PROTO_ROUTE, C.RTM_DELADDR, C.NLM_F_ACK, IFADDRMSG.hdrLen, (w) => {
      w.field(IFA_FAMILY_F, C.AF_INET);
      w.field(IFA_INDEX, index);
    });
    return;
  }
  throw new UsageError(`addr: unknown command "${verb}" (show, add, del, replace, flush)`);
}

async function neighCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const verb = args[0] ?? "show";
  const ls = await links(ch);
  const name = namer(ls);
  if (verb === "show" || verb === "list") {
    const { kv } = keywords(args.slice(1), ["dev"], []);
    const index = kv.dev !== undefined ? await ifindexOf(ch, kv.dev) : 0;
    const ms = await ch.request(PROTO_ROUTE, C.RTM_GETNEIGH, C.NLM_F_DUMP, NDMSG.hdrLen, (w) => {
      w.field(NDM_FAMILY, C.AF_INET);
      w.field(NDM_IFINDEX, index);
    });
    const js = ms.map((m) => neighJson(m, name));
    print(g, js, js.map(neighText).join("\n"));
    return;
  }
  if (verb === "add" || verb === "replace" || verb === "change" || verb === "del" || verb === "delete") {
    const { kv, rest } = keywords(args.slice(1), ["dev", "lladdr", "nud", "to"], ["proxy"]);
    const dst = kv.to ?? rest.shift();
    if (dst === undefined) throw new UsageError(`neigh ${verb}: which address?`);
    if (rest.length > 0) throw new UsageError(`neigh ${verb}: unknown argument "${rest[0]}"`);
    if (kv.dev === undefined) throw new UsageError(`neigh ${verb}: which device? (dev NAME)`);
    const del = verb === "del" || verb === "delete";
    if (!del && kv.lladdr === undefined) throw new UsageError(`neigh ${verb}: lladdr MAC is required`);
    const nud = (kv.nud ?? "permanent").toLowerCase();
    const states: Record<string, number> = {
      permanent: C.NUD_PERMANENT,
      reachable: C.NUD_REACHABLE,
      stale: C.NUD_STALE,
      noarp: C.NUD_NOARP,
      delay: C.NUD_DELAY,
      probe: C.NUD_PROBE,
    };
    if (states[nud] === undefined) throw new UsageError(`neigh: unknown nud state "${nud}"`);
    const index = await ifindexOf(ch, kv.dev);
    const a = ipv4(dst, "neighbour");
    const flags = del
      ? C.NLM_F_ACK
      : C.NLM_F_ACK +
        (verb === "add"
          ? C.NLM_F_CREATE + C.NLM_F_EXCL
          : verb === "replace"
            ? C.NLM_F_CREATE + C.NLM_F_REPLACE
            : C.NLM_F_REPLACE);
    await ch.request(PROTO_ROUTE, del ? C.RTM_DELNEIGH : C.RTM_NEWNEIGH, flags, NDMSG.hdrLen, (w) => {
      w.field(NDM_FAMILY, C.AF_INET);
      w.field(NDM_IFINDEX, index);
      w.field(NDM_STATE, del ? 0 : states[nud]);
      w.field(NDM_FLAGS, kv.proxy !== undefined ? C.NTF_PROXY : 0);
      w.inAddr(C.NDA_DST, a);
      if (!del) {
        const m = mac(kv.lladdr);
        w.bytes(C.NDA_LLADDR, m as unknown as Parameters<typeof w.bytes>[1], 0, 6);
      }
    });
    return;
  }
  if (verb === "flush") {
    const { kv } = keywords(args.slice(1), ["dev"], []);
    if (kv.dev === undefined) throw new UsageError("neigh flush: which device? (dev NAME)");
    const index = await ifindexOf(ch, kv.dev);
    const ms = await ch.request(PROTO_ROUTE, C.RTM_GETNEIGH, C.NLM_F_DUMP, NDMSG.hdrLen, (w) =>
      w.field(NDM_IFINDEX, index),
    );
    // Like `ip neigh flush`: dynamic entries only.
    for (const m of ms.filter((x) => (x.header.state & C.NUD_PERMANENT) === 0)) {
      await ch.request(PROTO_ROUTE, C.RTM_DELNEIGH, C.NLM_F_ACK, NDMSG.hdrLen, (w) => {
        w.field(NDM_FAMILY, C.AF_INET);
        w.field(NDM_IFINDEX, index);
        w.inAddr(C.NDA_DST, ipv4(String(findAttr(m.attrs, "NDA_DST")?.value), "neighbour"));
      });
    }
    return;
  }
  throw new UsageError(`neigh: unknown command "${verb}" (show, add, replace, change, del, flush)`);
}

async function routeCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const verb = args[0] ?? "show";
  if (verb === "show" || verb === "list") {
    const name = namer(await links(ch));
    const ms = await ch.request(PROTO_ROUTE, C.RTM_GETROUTE, C.NLM_F_DUMP, RTMSG.hdrLen, (w) =>
      w.field(RTM_FAMILY, C.AF_INET),
    );
    const js = ms.map((m) => routeJson(m, name)).filter((r) => r.dev !== "lo");
    print(g, js, js.map(routeText).join("\n"));
    return;
  }
  if (verb === "add" || verb === "replace" || verb === "del" || verb === "delete") {
    const { kv, rest } = keywords(args.slice(1), ["via", "dev", "metric", "src", "proto"], []);
    const dst = rest.shift() ?? "default";
    if (dst !== "default" && dst !== "0.0.0.0/0")
      throw new UsageError("route: only the default route can be changed on this device");
    if (rest.length > 0) throw new UsageError(`route ${verb}: unknown argument "${rest[0]}"`);
    const del = verb === "del" || verb === "delete";
    if (!del && kv.via === undefined) throw new UsageError(`route ${verb}: via GATEWAY is required`);
    const index = kv.dev !== undefined ? await ifindexOf(ch, kv.dev) : 0;
    const flags = del
      ? C.NLM_F_ACK
      : C.NLM_F_ACK + C.NLM_F_CREATE + (verb === "replace" ? C.NLM_F_REPLACE : C.NLM_F_EXCL);
    await ch.request(PROTO_ROUTE, del ? C.RTM_DELROUTE : C.RTM_NEWROUTE, flags, RTMSG.hdrLen, (w) => {
      w.field(RTM_FAMILY, C.AF_INET);
      w.field(RTM_DST_LEN, 0);
      w.field(RTM_TABLE, C.RT_TABLE_MAIN);
      w.field(RTM_PROTOCOL, kv.proto === "dhcp" ? 16 : 4);
      w.field(RTM_SCOPE, 0);
      w.field(RTM_TYPE, C.RTN_UNICAST);
      if (kv.via !== undefined) w.inAddr(C.RTA_GATEWAY, ipv4(kv.via, "gateway"));
      if (index !== 0) w.int(C.RTA_OIF, 4, index);
      if (kv.metric !== undefined) w.int(C.RTA_PRIORITY, 4, int(kv.metric, "metric", 0, 4294967295));
      if (kv.src !== undefined) w.inAddr(C.RTA_PREFSRC, ipv4(kv.src, "src"));
    });
    return;
  }
  throw new UsageError(`route: unknown command "${verb}" (show, add, replace, del)`);
}

function dhcpJson(m: MessageValue): Record<string, unknown> {
  const all = (n: string): string[] => m.attrs.filter((a) => a.name === n).map((a) => String(a.value));
  const v = (n: string): unknown => findAttr(m.attrs, n)?.value;
  const j: Record<string, unknown> = { ifindex: v("NETRT_A_IFINDEX"), state: v("NETRT_A_STATE_NAME") };
  const ev = v("NETRT_A_DHCP_EVENT");
  if (typeof ev === "number") j.event = DHCP_EVENT_NAMES[ev] ?? ev;
  if (v("NETRT_A_ADDRESS") !== undefined) {
    Object.assign(j, {
      address: v("NETRT_A_ADDRESS"),
      prefixlen: v("NETRT_A_PREFIXLEN"),
      server: v("NETRT_A_SERVER"),
      routers: all("NETRT_A_ROUTER"),
      dns: all("NETRT_A_DNS"),
      lease_time: v("NETRT_A_LEASE"),
      renew_time: v("NETRT_A_T1"),
      rebind_time: v("NETRT_A_T2"),
      remaining: v("NETRT_A_REMAINING"),
    });
    const d = v("NETRT_A_DOMAIN");
    if (d !== undefined) j.domain = d;
  }
  return j;
}

function dhcpText(j: Record<string, unknown>, ifname: string): string {
  let s = `${ifname}: ${j.event !== undefined ? `${j.event} ` : ""}state ${j.state}`;
  if (j.address !== undefined) {
    s += `\n    lease ${j.address}/${j.prefixlen} from ${j.server}, ${j.remaining} s left of ${j.lease_time} s (renew at ${j.renew_time} s, rebind at ${j.rebind_time} s)`;
    if ((j.routers as string[]).length > 0) s += `\n    routers ${(j.routers as string[]).join(" ")}`;
    if ((j.dns as string[]).length > 0) s += `\n    dns ${(j.dns as string[]).join(" ")}`;
    if (j.domain !== undefined) s += `\n    domain ${j.domain}`;
  }
  return s;
}

async function dhcpCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const verb = args[0] ?? "show";
  const cmds: Record<string, number> = {
    show: NETRT_CMD_DHCP_GET,
    renew: NETRT_CMD_DHCP_RENEW,
    release: NETRT_CMD_DHCP_RELEASE,
    restart: NETRT_CMD_DHCP_RESTART,
  };
  const cmd = cmds[verb];
  if (cmd === undefined) throw new UsageError(`dhcp: unknown command "${verb}" (show, renew, release, restart)`);
  const r = await ch.request(
    PROTO_GENERIC,
    NETRT_GENL_TYPE,
    cmd === NETRT_CMD_DHCP_GET ? 0 : C.NLM_F_ACK,
    GENLMSGHDR.hdrLen,
    (w) => w.field(GENL_CMD, cmd),
  );
  if (cmd !== NETRT_CMD_DHCP_GET) return;
  const name = namer(await links(ch));
  const j = dhcpJson(r[0]);
  print(g, j, dhcpText(j, name(Number(j.ifindex))));
}

const GROUPS: Record<string, number> = {
  link: C.RTNLGRP_LINK,
  address: C.RTNLGRP_IPV4_IFADDR,
  neigh: C.RTNLGRP_NEIGH,
  route: C.RTNLGRP_IPV4_ROUTE,
  dhcp: NETRT_GROUP_DHCP,
};

async function monitorCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const names =
    args.length === 0 || args.includes("all") ? Object.keys(GROUPS) : args.map((a) => (a === "addr" ? "address" : a));
  for (const n of names)
    if (GROUPS[n] === undefined)
      throw new UsageError(`monitor: unknown group "${n}" (link, address, neigh, route, dhcp, all)`);
  const mask = names.reduce((acc, n) => acc + groupBit(GROUPS[n]), 0);
  const name = namer(await links(ch));
  ch.onNotify = (m) => {
    const t = m.typeName;
    if (t === "RTM_NEWLINK" || t === "RTM_DELLINK") {
      const j = linkJson(m);
      print(
        g,
        { ...j, deleted: t === "RTM_DELLINK" || undefined },
        `${t === "RTM_DELLINK" ? "Deleted " : ""}${linkText(j, false)}`,
      );
    } else if (t === "RTM_NEWADDR" || t === "RTM_DELADDR") {
      const a = addrJson(m);
      print(
        g,
        { ifindex: m.header.index, deleted: t === "RTM_DELADDR" || undefined, addr_info: [a] },
        `${t === "RTM_DELADDR" ? "Deleted " : ""}${m.header.index}: ${name(m.header.index)}\n${addrText(a)}`,
      );
    } else if (t === "RTM_NEWNEIGH" || t === "RTM_DELNEIGH") {
      const n = neighJson(m, name);
      print(
        g,
        { ...n, deleted: t === "RTM_DELNEIGH" || undefined },
        `${t === "RTM_DELNEIGH" ? "Deleted " : ""}${neighText(n)}`,
      );
    } else if (t === "RTM_NEWROUTE" || t === "RTM_DELROUTE") {
      const r = routeJson(m, name);
      print(
        g,
        { ...r, deleted: t === "RTM_DELROUTE" || undefined },
        `${t === "RTM_DELROUTE" ? "Deleted " : ""}${routeText(r)}`,
      );
    } else if (t === "NLMSG_ERROR") {
      // ENOBUFS from the device: it could not send everything while the line was busy.
      console.error(`Warning: ${String(findAttr(m.attrs, "NLMSGERR_ATTR_MSG")?.value ?? `error ${m.header.error}`)}`);
    } else if (t === "NETRT") {
      const j = dhcpJson(m);
      print(g, { dhcp: j }, `dhcp ${dhcpText(j, name(Number(j.ifindex)))}`);
    }
  };
  await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
    w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
    w.int(NETRT_A_GROUPS, 4, mask);
  });
  if (!g.json) console.error(`monitoring ${names.join(", ")}; Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
}

const COMMANDS: Record<string, (g: Globals, ch: Channel, args: string[]) => Promise<void>> = {
  auth: authCmd,
  link: linkCmd,
  l: linkCmd,
  address: addrCmd,
  addr: addrCmd,
  a: addrCmd,
  neighbour: neighCmd,
  neighbor: neighCmd,
  neigh: neighCmd,
  n: neighCmd,
  route: routeCmd,
  r: routeCmd,
  dhcp: dhcpCmd,
  monitor: monitorCmd,
};

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number above 0");
  return n;
}

const program = new Command()
  .name("netrt")
  .description("an ip-like tool for a netrt device's network, over its serial control channel")
  .option("-p, --port <path>", "the device: a serial port, a pty, or tcp://host:port (default: $NETRT_PORT)")
  .option("-b, --baud <rate>", "baud rate of a serial port", positive, 115200)
  .option("-j, --json", "JSON output, with iproute2's field names", false)
  .option("-d, --details", "more detail (link counters and limits)", false)
  .option("-t, --timeout <ms>", "how long to wait for the device", positive, 3000)
  .option("--pcap <file>", "append the session's netlink messages to a pcap (Wireshark, tshark)")
  .option("-k, --key <hex>", "the device key, for changes once the device has one (default: $NETRT_KEY)")
  .argument("<object>", "link | addr | neigh | route | dhcp | monitor | auth")
  .argument("[args...]", "as for ip(8): show, add, del, set …")
  .showHelpAfterError()
  .action(async (object: string, args: string[], o: Globals) => {
    const run = COMMANDS[object];
    if (run === undefined)
      throw new UsageError(`unknown object "${object}" (link, addr, neigh, route, dhcp, monitor, auth)`);
    const ch = await connect(o);
    try {
      await run(o, ch, args);
    } finally {
      ch.close();
    }
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof ChannelError) console.error(`Error: ${e.message}${e.errno !== 0 ? ` (errno ${e.errno})` : ""}`);
  else if (e instanceof UsageError) console.error(`netrt: ${e.message}`);
  else console.error(`netrt: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
