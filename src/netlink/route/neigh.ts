// RTM_{GET,NEW,DEL}NEIGH: the ARP entries of each interface's lltable
// (FreeBSD's netlink/route/neigh.c).
import { alloc } from "@hal/bytes";
import { band } from "@hal/u32";
import { EEXIST, EINVAL, ENOENT, ENOSPC, EOPNOTSUPP, EPERM } from "../../net/errno";
import type { Ifnet } from "../../net/ifnet";
import { LLE_PUB, LLE_STATIC } from "../../net/lltable";
import * as C from "../constants";
import { NLMSG_FLAGS_OFF } from "../../wire/netlink";
import { type DumpCursor, Handler } from "../handler";
import { isOwnEntry, putNeigh, readMac } from "../messages";
import { NDM_FLAGS, NDM_IFINDEX, NDM_STATE } from "../schemas";
import type { Rtnl } from "../rtnl";
import { type NlMsg } from "../parse";
import { type NlWriter } from "../writer";

function neighIf(r: Rtnl, m: NlMsg): Ifnet | undefined {
  const index = m.attrs.num(C.NDA_IFINDEX, m.field(NDM_IFINDEX));
  return index > 0 ? r.stack.ifs.byIndex(index) : undefined;
}

function getNeigh(r: Rtnl, m: NlMsg): number {
  const ifp = neighIf(r, m);
  const dst = m.attrs.inAddr(C.NDA_DST, -1);
  if (dst >= 0) {
    if (ifp === undefined) return r.err.fail(EINVAL, "has NDA_DST but no ifindex provided", -1);
    const t = ifp.lltable;
    const slot = t !== undefined ? t.lookup(dst) : -1;
    if (t === undefined || slot < 0 || isOwnEntry(t, slot)) return r.err.fail(ENOENT, "no neighbour entry", -1);
    return r.replyOne((w) => putNeigh(w, ifp, t, slot, C.RTM_NEWNEIGH, 0, m.seq, m.pid));
  }
  return r.startDump(dumpNeighs, m.seq, m.pid, ifp !== undefined ? ifp.index : 0);
}

const NEIGH_MAC = alloc(6);

function newNeigh(r: Rtnl, m: NlMsg): number {
  const ifp = neighIf(r, m);
  const dst = m.attrs.inAddr(C.NDA_DST, -1);
  const ll = m.attrs.find(C.NDA_LLADDR);
  if (ifp === undefined || dst < 0 || ll < 0) {
    let msg = "";
    if (ifp === undefined) msg = "NDA_IFINDEX / ndm_ifindex not set";
    else if (dst < 0) msg = "NDA_DST not set";
    else msg = "NDA_LLADDR not set";
    return r.err.fail(EINVAL, msg, -1);
  }
  if (m.attrs.lens[ll] !== 6)
    return r.err.fail(
      EINVAL,
      "NDA_LLADDR address length (" + m.attrs.lens[ll] + ") is different from expected (6)",
      m.attrs.offs[ll] - C.NLA_HDRLEN - m.off,
    );
  const state = m.field(NDM_STATE);
  if (state !== C.NUD_PERMANENT)
    return r.err.fail(EOPNOTSUPP, "ndm_state " + state + " not supported", C.NLMSG_HDRLEN + NDM_STATE.off);
  const nflags = m.field(NDM_FLAGS);
  const supported = C.NTF_PROXY + C.NTF_STICKY;
  if (band(nflags, 0xff - supported) !== 0)
    return r.err.fail(
      EOPNOTSUPP,
      "ndm_flags " + band(nflags, 0xff - supported) + " not supported",
      C.NLMSG_HDRLEN + NDM_FLAGS.off,
    );
  if (band(m.flags, C.NLM_F_CREATE + C.NLM_F_REPLACE) === 0)
    return r.err.fail(EOPNOTSUPP, "NLM_F_CREATE or NLM_F_REPLACE is required", NLMSG_FLAGS_OFF);
  const t = ifp.lltable;
  if (t === undefined) return r.err.fail(EOPNOTSUPP, ifp.name + " has no neighbour table", -1);
  const slot = t.lookup(dst);
  if (slot >= 0) {
    if (isOwnEntry(t, slot)) return r.err.fail(EPERM, "that is one of our own addresses", -1);
    if (band(m.flags, C.NLM_F_EXCL) !== 0 || band(m.flags, C.NLM_F_REPLACE) === 0)
      return r.err.fail(EEXIST, "neighbour entry exists (NLM_F_REPLACE to change it)", -1);
  } else if (band(m.flags, C.NLM_F_CREATE) === 0)
    return r.err.fail(ENOENT, "no such neighbour entry (NLM_F_CREATE to add one)", -1);
  readMac(m.buf!, m.attrs.offs[ll], NEIGH_MAC);
  const s = t.addStatic(dst, NEIGH_MAC, 0, LLE_STATIC + (band(nflags, C.NTF_PROXY) !== 0 ? LLE_PUB : 0));
  if (s < 0) return r.err.fail(ENOSPC, "the neighbour table is full of permanent entries", -1);
  return 0;
}

function delNeigh(r: Rtnl, m: NlMsg): number {
  const dst = m.attrs.inAddr(C.NDA_DST, -1);
  if (dst < 0) return r.err.fail(EINVAL, "NDA_DST not set", -1);
  const ifp = neighIf(r, m);
  if (ifp === undefined) return r.err.fail(EINVAL, "no ifindex provided", -1);
  const t = ifp.lltable;
  const slot = t !== undefined ? t.lookup(dst) : -1;
  if (t === undefined || slot < 0) return r.err.fail(ENOENT, "no such neighbour entry", -1);
  if (isOwnEntry(t, slot)) return r.err.fail(EPERM, "that is one of our own addresses", -1);
  t.remove(dst, false);
  return 0;
}

/** Dump step: interface by interface (pos), slot by slot (sub), the next entry that is not ours. */
function dumpNeighs(r: Rtnl, w: NlWriter, c: DumpCursor): boolean {
  const list = r.stack.ifs.list;
  for (;;) {
    if (c.pos >= list.length) return false;
    const ifp = list[c.pos];
    const t = ifp.lltable;
    if (t === undefined || (c.ifindex !== 0 && ifp.index !== c.ifindex) || c.sub >= t.capacity) {
      c.pos++;
      c.sub = 0;
      continue;
    }
    const slot = c.sub;
    if (!t.inUse(slot) || isOwnEntry(t, slot)) {
      c.sub++;
      continue;
    }
    if (putNeigh(w, ifp, t, slot, C.RTM_NEWNEIGH, C.NLM_F_MULTI, c.seq, c.pid)) c.sub++;
    return true;
  }
}

export function addNeighHandlers(r: Rtnl): void {
  r.register(new Handler<Rtnl>(C.RTM_GETNEIGH, "get neighbour", false, getNeigh));
  r.register(new Handler<Rtnl>(C.RTM_NEWNEIGH, "new neighbour", true, newNeigh));
  r.register(new Handler<Rtnl>(C.RTM_DELNEIGH, "del neighbour", true, delNeigh));
}
