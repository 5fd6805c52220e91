// `netrt addr`: show, add and delete addresses (ip addr).
import * as C from "../../src/netlink/constants";
import { findAttr } from "../describe";
import { PROTO_ROUTE } from "../../src/netlink/frame";
import { IFA_FAMILY_F, IFA_INDEX, IFA_PREFIXLEN, IFADDRMSG } from "../../src/netlink/schemas";
import { int, ipv4, prefix, UsageError } from "../args";
import { addrJson, addrText, linkJson, linkText } from "../format";
import { Channel, ChannelError } from "../transport";
import { type Globals, keywords, links, ifindexOf, print } from "../session";

export async function addrCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
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
      // As ip(8): no broadcast unless given; "+" sets the prefix's host bits.
      const brd = kv.brd ?? kv.broadcast;
      if (brd === "+") w.inAddr(C.IFA_BROADCAST, (a | (len >= 31 ? 0 : 0xffffffff >>> len)) >>> 0);
      else if (brd !== undefined) w.inAddr(C.IFA_BROADCAST, ipv4(brd, "broadcast"));
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
        w.inAddr(C.IFA_LOCAL, ipv4(local, "address"));
      });
    }
    return;
  }
  throw new UsageError(`addr: unknown command "${verb}" (show, add, del, replace, flush)`);
}
