// `netrt neighbour`: show, get, add, change, replace, delete and flush ARP entries (ip neigh).
import * as C from "../../src/netlink/constants";
import { PROTO_ROUTE } from "../../src/netlink/frame";
import { NDM_FAMILY, NDM_FLAGS, NDM_IFINDEX, NDM_STATE, NDMSG } from "../../src/netlink/schemas";
import { ipv4, ipv6, looksIPv6, mac, UsageError } from "../args";
import type { Bytes } from "../../hal/types";
import type { NlWriter } from "../../src/netlink/writer";
import { familyOf } from "./addr";
import { findAttr } from "../describe";
import { neighBrief, neighJson, neighText } from "../format";
import { Channel, ChannelError } from "../transport";
import { changeFlags, type Globals, keywords, links, ifindexOf, namer, print, style } from "../session";
import type { ObjectDef } from "./object";

const USAGE = `Usage: netrt neigh { add | del | change | replace }
                { ADDR [ lladdr LLADDR ] [ nud STATE ] | proxy ADDR } dev DEV
       netrt neigh { show | flush } [ proxy ] [ dev DEV ]
       netrt neigh get ADDR dev DEV
STATE := { permanent | noarp | stale | reachable | delay | probe }
`;

const STATES: Record<string, number> = {
  permanent: C.NUD_PERMANENT,
  reachable: C.NUD_REACHABLE,
  stale: C.NUD_STALE,
  noarp: C.NUD_NOARP,
  delay: C.NUD_DELAY,
  probe: C.NUD_PROBE,
};

async function show(g: Globals, ch: Channel, args: string[]): Promise<void> {
  if (g.family === "link") return print(g, [], "");
  const { kv, set } = keywords(args, ["dev"], ["proxy"]);
  const index = kv.dev !== undefined ? await ifindexOf(ch, kv.dev) : 0;
  const st = style(g);
  const name = namer(await links(ch));
  // Both families unless one is asked for, as ip neigh.
  const ms = await ch.request(PROTO_ROUTE, C.RTM_GETNEIGH, C.NLM_F_DUMP, NDMSG.hdrLen, (w) => {
    w.field(NDM_FAMILY, familyOf(g));
    if (set.has("proxy")) w.field(NDM_FLAGS, C.NTF_PROXY);
    if (index !== 0) w.int(C.NDA_IFINDEX, 4, index);
  });
  const js = ms.map((m) => neighJson(m, name));
  print(g, js, js.map((n) => (g.brief ? neighBrief(n, st) : neighText(n, st, kv.dev === undefined))).join("\n"));
}

/** NDA_DST from an address of either family. */
function putDst(w: NlWriter, text: string): void {
  if (looksIPv6(text)) w.bytes(C.NDA_DST, ipv6(text) as unknown as Bytes, 0, 16);
  else w.inAddr(C.NDA_DST, ipv4(text));
}

async function get(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const { kv, rest } = keywords(args, ["dev", "to"], []);
  const dst = kv.to ?? rest.shift();
  if (dst === undefined || kv.dev === undefined) throw new UsageError("Device and destination are required arguments.");
  const index = await ifindexOf(ch, kv.dev);
  const name = namer(await links(ch));
  const ms = await ch.request(PROTO_ROUTE, C.RTM_GETNEIGH, 0, NDMSG.hdrLen, (w) => {
    w.field(NDM_FAMILY, looksIPv6(dst) ? C.AF_INET6 : C.AF_INET);
    w.field(NDM_IFINDEX, index);
    putDst(w, dst);
  });
  const js = ms.map((m) => neighJson(m, name));
  print(g, js, js.map((n) => neighText(n, style(g))).join("\n"));
}

async function modify(ch: Channel, cmd: string, args: string[]): Promise<void> {
  const { kv, rest } = keywords(args, ["dev", "lladdr", "nud", "to"], ["proxy"]);
  const dst = kv.to ?? rest.shift();
  if (dst === undefined) throw new UsageError(`neigh ${cmd}: which address?`);
  if (rest.length > 0) throw new UsageError(`neigh ${cmd}: unknown argument "${rest[0]}"`);
  if (kv.dev === undefined) throw new UsageError("Device and destination are required arguments.");
  const del = cmd === "delete";
  if (!del && kv.lladdr === undefined) throw new UsageError(`neigh ${cmd}: lladdr MAC is required`);
  const nud = (kv.nud ?? "permanent").toLowerCase();
  if (STATES[nud] === undefined) throw new UsageError(`nud state "${nud}" is unknown`, 1);
  // Checked before anything is sent (ip's exit 1 on a bad address).
  if (looksIPv6(dst)) ipv6(dst);
  else ipv4(dst);
  const m = del ? undefined : mac(kv.lladdr);
  const index = await ifindexOf(ch, kv.dev);
  const flags = changeFlags(cmd);
  try {
    await ch.request(PROTO_ROUTE, del ? C.RTM_DELNEIGH : C.RTM_NEWNEIGH, flags, NDMSG.hdrLen, (w) => {
      w.field(NDM_FAMILY, looksIPv6(dst) ? C.AF_INET6 : C.AF_INET);
      w.field(NDM_IFINDEX, index);
      w.field(NDM_STATE, del ? 0 : STATES[nud]);
      w.field(NDM_FLAGS, kv.proxy !== undefined ? C.NTF_PROXY : 0);
      putDst(w, dst);
      if (m !== undefined) w.bytes(C.NDA_LLADDR, m as unknown as Parameters<typeof w.bytes>[1], 0, 6);
    });
  } catch (e) {
    // ip's neigh exits at once when the kernel refuses, even in a batch: so does this.
    if (e instanceof ChannelError) e.fatal = true;
    throw e;
  }
}

async function flush(ch: Channel, args: string[]): Promise<void> {
  const { kv } = keywords(args, ["dev"], []);
  if (kv.dev === undefined) throw new UsageError("Flush requires arguments.");
  const index = await ifindexOf(ch, kv.dev);
  const ms = await ch.request(PROTO_ROUTE, C.RTM_GETNEIGH, C.NLM_F_DUMP, NDMSG.hdrLen, (w) =>
    w.int(C.NDA_IFINDEX, 4, index),
  );
  // Like `ip neigh flush`: dynamic entries only.
  for (const m of ms.filter((x) => (x.header.state & C.NUD_PERMANENT) === 0)) {
    await ch.request(PROTO_ROUTE, C.RTM_DELNEIGH, C.NLM_F_ACK, NDMSG.hdrLen, (w) => {
      w.field(NDM_FAMILY, m.header.family);
      w.field(NDM_IFINDEX, index);
      putDst(w, String(findAttr(m.attrs, "NDA_DST")?.value));
    });
  }
}

export const neighObject: ObjectDef = {
  commands: ["add", ["change", "chg"], "replace", "delete", "get", "show", "lst", "list", "flush", "help"],
  supported: ["add", "change", "replace", "delete", "get", "show", "lst", "list", "flush"],
  default: "show",
  usage: USAGE,
  run(g, ch, cmd, args) {
    if (cmd === "show" || cmd === "lst" || cmd === "list") return show(g, ch, args);
    if (cmd === "get") return get(g, ch, args);
    if (cmd === "flush") return flush(ch, args);
    return modify(ch, cmd, args);
  },
};
