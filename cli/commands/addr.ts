// `netrt address`: show, add, change, replace, delete and flush addresses (ip address).
import * as C from "../../src/netlink/constants";
import { findAttr } from "../describe";
import { PROTO_ROUTE } from "../../src/netlink/frame";
import { IFA_FAMILY_F, IFA_INDEX, IFA_PREFIXLEN, IFADDRMSG } from "../../src/netlink/schemas";
import { int, ipv4, looksIPv6, prefix, prefix6, UsageError } from "../args";
import type { Bytes } from "../../hal/types";
import {
  addrBrief,
  addrJson,
  addrText,
  link6,
  linkHead,
  linkHead6,
  type LinkJson,
  linkJson,
  linkStats,
  linkText,
} from "../format";
import { Channel, ChannelError } from "../transport";
import { changeFlags, type Globals, keywords, links, ifindexOf, print, style } from "../session";
import type { ObjectDef } from "./object";

const USAGE = `Usage: netrt address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]
       netrt address del IFADDR dev IFNAME
       netrt address flush dev IFNAME
       netrt address [ show [ [dev] IFNAME ] ]
IFADDR := PREFIX [ peer PREFIX ] [ broadcast ADDR|+ ] [ label IFNAME ] [ nodad ]
LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]
LFT := forever | SECONDS
`;

async function show(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const { kv, rest } = keywords(args, ["dev"], []);
  const dev = kv.dev ?? rest[0];
  const st = style(g);
  const ls = await links(ch);
  // Both families unless one is asked for, as ip (IPv4's first: the device dumps them first, as Linux).
  const as =
    g.family === "link"
      ? []
      : await ch.request(PROTO_ROUTE, C.RTM_GETADDR, C.NLM_F_DUMP, IFADDRMSG.hdrLen, (w) =>
          w.field(IFA_FAMILY_F, familyOf(g)),
        );
  // ip addr shows no alias, whatever the family.
  const view = (l: LinkJson): LinkJson => {
    if (g.family === "inet6") return link6(l);
    delete l.ifalias;
    return l;
  };
  const all = ls.map((l) => ({
    link: view(linkJson(l, st, false)),
    addrs: as.filter((a) => a.header.index === l.header.index).map(addrJson),
  }));
  const picked = all.filter((x) => dev === undefined || x.link.ifname === dev);
  if (dev !== undefined && picked.length === 0) throw new ChannelError(`Device "${dev}" does not exist.`, 0, 1);
  // With a family (-4, -6), ip lists only the interfaces that have an address of it.
  const out = g.family === "inet" || g.family === "inet6" ? picked.filter((x) => x.addrs.length > 0) : picked;
  // With -6, ip's links are what the kernel's IPv6 link dump holds: no qdisc, group or link layer.
  const json = out.map((x) => ({ ...x.link, addr_info: x.addrs }));
  let text: string[];
  if (g.brief) text = out.map((x) => addrBrief(x.link, x.addrs, st));
  else if (g.oneline)
    text = out.flatMap((x) =>
      x.addrs.length === 0 && g.family === "any"
        ? [linkText(x.link, st).replace(/\n/g, "\\")]
        : x.addrs.map((a) => `${x.link.ifindex}: ${x.link.ifname}    ${addrText(a, st).replace(/\n/g, "\\")}`),
    );
  else
    text = out.map((x) => {
      // With a family (-4, -6) ip leaves out the link layer; the counters (-s) come after the addresses.
      const head =
        g.family === "inet6"
          ? linkHead6(x.link, st)
          : g.family === "inet"
            ? linkHead(x.link, st)
            : linkText(x.link, st);
      return [head, ...x.addrs.map((a) => `    ${addrText(a, st)}`)].join("\n") + linkStats(x.link, st);
    });
  print(g, json, text.join("\n"));
}

async function modify(g: Globals, ch: Channel, cmd: string, args: string[]): Promise<void> {
  const { kv, rest, set } = keywords(
    args,
    ["dev", "brd", "broadcast", "label", "valid_lft", "preferred_lft", "peer", "local"],
    ["nodad"],
  );
  const where = kv.local ?? rest.shift();
  if (where === undefined) throw new UsageError(`address ${cmd}: which address? (A.B.C.D/LEN dev NAME)`);
  if (rest.length > 0) throw new UsageError(`address ${cmd}: unknown argument "${rest[0]}"`);
  if (kv.dev === undefined) throw new UsageError(`Not enough information: "dev" argument is required.`);
  if (g.family === "inet6" || (g.family !== "inet" && looksIPv6(where)))
    return modify6(ch, cmd, where, kv, set.has("nodad"), g.family === "inet6");
  if (set.has("nodad")) throw new UsageError(`address ${cmd}: "nodad" is IPv6's`);
  const [a, len] = prefix(where);
  const index = await ifindexOf(ch, kv.dev);
  const life = (s: string | undefined): number =>
    s === undefined || s === "forever" ? 4294967295 : int(s.replace(/sec$/, ""), "lifetime", 0, 4294967295);
  const del = cmd === "delete";
  const flags = changeFlags(cmd);
  await ch.request(PROTO_ROUTE, del ? C.RTM_DELADDR : C.RTM_NEWADDR, flags, IFADDRMSG.hdrLen, (w) => {
    w.field(IFA_FAMILY_F, C.AF_INET);
    w.field(IFA_PREFIXLEN, len);
    w.field(IFA_INDEX, index);
    w.inAddr(C.IFA_LOCAL, a);
    w.inAddr(C.IFA_ADDRESS, kv.peer !== undefined ? ipv4(kv.peer) : a);
    // As ip(8): no broadcast unless given; "+" sets the prefix's host bits.
    const brd = kv.brd ?? kv.broadcast;
    if (brd === "+") w.inAddr(C.IFA_BROADCAST, (a | (len >= 31 ? 0 : 0xffffffff >>> len)) >>> 0);
    else if (brd !== undefined) w.inAddr(C.IFA_BROADCAST, ipv4(brd));
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
}

/** An IPv6 address: add (nodad as ip's flag word) or delete; IPv6's have no broadcast, label or peer here. */
async function modify6(
  ch: Channel,
  cmd: string,
  where: string,
  kv: Record<string, string | undefined>,
  nodad: boolean,
  asked: boolean,
): Promise<void> {
  for (const k of ["brd", "broadcast", "label", "peer"])
    if (kv[k] !== undefined) throw new UsageError(`address ${cmd}: "${k}" is IPv4's`);
  const [a, len] = prefix6(where, asked);
  const index = await ifindexOf(ch, kv.dev!);
  const del = cmd === "delete";
  await ch.request(PROTO_ROUTE, del ? C.RTM_DELADDR : C.RTM_NEWADDR, changeFlags(cmd), IFADDRMSG.hdrLen, (w) => {
    w.field(IFA_FAMILY_F, C.AF_INET6);
    w.field(IFA_PREFIXLEN, len);
    w.field(IFA_INDEX, index);
    w.bytes(C.IFA_LOCAL, a as unknown as Bytes, 0, 16);
    if (!del && nodad) w.int(C.IFA_FLAGS, 4, C.IFA_F_NODAD);
  });
}

/** The address family a dump asks for: the one given (-4, -6), else both. */
export function familyOf(g: Globals): number {
  return g.family === "inet" ? C.AF_INET : g.family === "inet6" ? C.AF_INET6 : C.AF_UNSPEC;
}

async function flush(ch: Channel, args: string[]): Promise<void> {
  const { kv, rest } = keywords(args, ["dev"], []);
  const dev = kv.dev ?? rest[0];
  if (dev === undefined) throw new UsageError("Flush requires arguments.");
  const index = await ifindexOf(ch, dev);
  // As ip(8): one delete per address (a delete without an address takes only the first, as in Linux).
  const as = await ch.request(PROTO_ROUTE, C.RTM_GETADDR, C.NLM_F_DUMP, IFADDRMSG.hdrLen, (w) =>
    w.field(IFA_FAMILY_F, C.AF_INET),
  );
  for (const m of as.filter((x) => x.header.index === index)) {
    const local = findAttr(m.attrs, "IFA_LOCAL")?.value;
    if (typeof local !== "string") continue;
    await ch.request(PROTO_ROUTE, C.RTM_DELADDR, C.NLM_F_ACK, IFADDRMSG.hdrLen, (w) => {
      w.field(IFA_FAMILY_F, C.AF_INET);
      w.field(IFA_PREFIXLEN, m.header.prefixlen);
      w.field(IFA_INDEX, index);
      w.inAddr(C.IFA_LOCAL, ipv4(local));
    });
  }
}

export const addrObject: ObjectDef = {
  commands: [
    "add",
    ["change", "chg"],
    "replace",
    "delete",
    "list",
    "show",
    "lst",
    "flush",
    "save",
    "showdump",
    "restore",
    "help",
  ],
  supported: ["add", "change", "replace", "delete", "list", "show", "lst", "flush"],
  default: "show",
  usage: USAGE,
  run(g, ch, cmd, args) {
    if (cmd === "list" || cmd === "show" || cmd === "lst") return show(g, ch, args);
    if (cmd === "flush") return flush(ch, args);
    return modify(g, ch, cmd, args);
  },
};
