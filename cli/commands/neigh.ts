// `netrt neigh`: show, add, replace and delete ARP entries (ip neigh).
import * as C from "../../src/netlink/constants";
import { PROTO_ROUTE } from "../../src/netlink/frame";
import { NDM_FAMILY, NDM_FLAGS, NDM_IFINDEX, NDM_STATE, NDMSG } from "../../src/netlink/schemas";
import { ipv4, mac, UsageError } from "../args";
import { findAttr } from "../describe";
import { neighJson, neighText } from "../format";
import { Channel } from "../transport";
import { type Globals, keywords, links, ifindexOf, namer, print } from "../session";

export async function neighCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
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
