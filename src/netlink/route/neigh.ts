// RTM_{GET,NEW,DEL}NEIGH: the ARP entries of each interface's lltable
// (FreeBSD's netlink/route/neigh.c).
import { alloc, get8, set8 } from "@hal/bytes";
import { band } from "@hal/u32";
import { EEXIST, EINVAL, ENODEV, ENOENT, ENOSPC, EOPNOTSUPP, EPERM } from "../../net/errno";
import type { Ifnet } from "../../net/ifnet";
import { LLE_PUB, LLE_STATIC } from "../../net/lltable";
import * as C from "../constants";
import { bothFamilies, type DumpCursor, Handler } from "../handler";
import { isOwnEntry, isProxyEntry, putNeigh, readMac } from "../messages";
import { NDM_FAMILY, NDM_FLAGS, NDM_IFINDEX, NDM_STATE } from "../schemas";
import type { Rtnl } from "../rtnl";
import { type NlMsg } from "../parse";
import { type NlWriter } from "../writer";

/** The interface of ndm_ifindex: undefined with ENODEV set when it names none, or EINVAL when it is 0. */
function neighIf(r: Rtnl, m: NlMsg, noIndex: string): Ifnet | undefined {
  const index = m.field(NDM_IFINDEX);
  const ifp = index > 0 ? r.stack.ifs.byIndex(index) : undefined;
  if (ifp === undefined) r.err.set(index > 0 ? ENODEV : EINVAL, index > 0 ? "" : noIndex, -1);
  return ifp;
}

/** NDA_DST as an IPv4 address, or -1 with EINVAL set when absent or not 4 bytes. */
function neighDst(r: Rtnl, m: NlMsg): number {
  const i = m.attrs.find(C.NDA_DST);
  if (i < 0) r.err.set(EINVAL, "Network address not specified", -1);
  else if (m.attrs.lens[i] !== 4) r.err.set(EINVAL, "Invalid network address in neighbor request", -1);
  return i < 0 || m.attrs.lens[i] !== 4 ? -1 : m.attrs.inAddr(C.NDA_DST, -1);
}

/** An AF_INET6 request goes to IPv6's part, when the build has one. */
function toInet6(r: Rtnl, m: NlMsg): boolean {
  return m.field(NDM_FAMILY) === C.AF_INET6 && r.inet6 !== undefined;
}

function getNeigh(r: Rtnl, m: NlMsg): number {
  const fam = m.field(NDM_FAMILY);
  const proxy = band(m.field(NDM_FLAGS), C.NTF_PROXY) !== 0;
  if (toInet6(r, m) && !proxy) return r.inet6!.request(r, m);
  if (band(m.flags, C.NLM_F_DUMP) === C.NLM_F_DUMP) {
    // Linux filters a dump by NDA_IFINDEX (ndm_ifindex only for strict sockets), and says it filtered.
    const index = m.attrs.num(C.NDA_IFINDEX, 0);
    // Proxy entries are listed apart, as Linux keeps them apart (ip neigh show proxy); IPv6 has none here.
    const only6 = fam === C.AF_INET6;
    const step = fam === C.AF_UNSPEC && !proxy ? dumpAllNeighs : dumpNeighs;
    return r.startDump(step, m.seq, m.pid, only6 ? -1 : index > 0 ? index : 0, proxy);
  }
  const dst = neighDst(r, m);
  if (dst < 0) return -r.err.code;
  const ifp = neighIf(r, m, "get neigh: ifindex is required");
  if (ifp === undefined)
    return r.err.fail(r.err.code, r.err.code === ENODEV ? "Network device not found" : r.err.msg, -1);
  const t = ifp.lltable;
  const slot = t !== undefined ? t.lookup(dst) : -1;
  if (t === undefined || slot < 0 || isOwnEntry(t, slot)) return r.err.fail(ENOENT, "Neighbour entry not found", -1);
  return r.replyOne((w) => putNeigh(w, ifp, t, slot, C.RTM_NEWNEIGH, 0, m.seq, m.pid));
}

const NEIGH_MAC = alloc(6);

function newNeigh(r: Rtnl, m: NlMsg): number {
  if (toInet6(r, m)) return r.inet6!.request(r, m);
  const ifp = neighIf(r, m, "Device not specified");
  if (ifp === undefined) return -r.err.code;
  const dst = neighDst(r, m);
  if (dst < 0) return -r.err.code;
  const nflags = m.field(NDM_FLAGS);
  const proxy = band(nflags, C.NTF_PROXY) !== 0;
  const ll = m.attrs.find(C.NDA_LLADDR);
  if (ll >= 0 && m.attrs.lens[ll] !== 6) return r.err.fail(EINVAL, "Invalid link address", -1);
  if (ll < 0 && !proxy) return r.err.fail(EINVAL, "NDA_LLADDR not set", -1);
  const state = m.field(NDM_STATE);
  if (state !== C.NUD_PERMANENT) return r.err.fail(EOPNOTSUPP, "only permanent entries (NUD_PERMANENT)", -1);
  const supported = C.NTF_PROXY + C.NTF_STICKY;
  if (band(nflags, 0xff - supported) !== 0) return r.err.fail(EOPNOTSUPP, "", -1);
  const t = ifp.lltable;
  if (t === undefined) return r.err.fail(EOPNOTSUPP, "", -1);
  const slot = t.lookup(dst);
  // As Linux: EXCL refuses an existing entry, CREATE makes a missing one, REPLACE changes the address.
  if (slot >= 0) {
    if (isOwnEntry(t, slot)) return r.err.fail(EPERM, "that is one of our own addresses", -1);
    if (band(m.flags, C.NLM_F_EXCL) !== 0) return r.err.fail(EEXIST, "", -1);
    if (band(m.flags, C.NLM_F_REPLACE) === 0) return 0;
  } else if (band(m.flags, C.NLM_F_CREATE) === 0) return r.err.fail(ENOENT, "", -1);
  if (ll >= 0) readMac(m.buf!, m.attrs.offs[ll], NEIGH_MAC);
  else for (let i = 0; i < 6; i++) set8(NEIGH_MAC, i, get8(ifp.hwaddr, i));
  const s = t.addStatic(dst, NEIGH_MAC, 0, LLE_STATIC + (proxy ? LLE_PUB : 0));
  if (s < 0) return r.err.fail(ENOSPC, "the neighbour table is full of permanent entries", -1);
  return 0;
}

function delNeigh(r: Rtnl, m: NlMsg): number {
  if (toInet6(r, m)) return r.inet6!.request(r, m);
  const dst = neighDst(r, m);
  if (dst < 0) return -r.err.code;
  const ifp = neighIf(r, m, "");
  if (ifp === undefined) return -r.err.code;
  const t = ifp.lltable;
  const slot = t !== undefined ? t.lookup(dst) : -1;
  if (t === undefined || slot < 0) return r.err.fail(ENOENT, "", -1);
  if (isOwnEntry(t, slot)) return r.err.fail(EPERM, "that is one of our own addresses", -1);
  // Linux fails the entry first (NEWNEIGH, FAILED), then deletes it (DELNEIGH, FAILED).
  r.neighDeleting = true;
  r.neighFailed(ifp, t, slot);
  t.remove(dst, false);
  r.neighDeleting = false;
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
    if (!t.inUse(slot) || isOwnEntry(t, slot) || isProxyEntry(t, slot) !== c.proxy) {
      c.sub++;
      continue;
    }
    const flags = C.NLM_F_MULTI + (c.ifindex !== 0 ? C.NLM_F_DUMP_FILTERED : 0);
    if (putNeigh(w, ifp, t, slot, C.RTM_NEWNEIGH, flags, c.seq, c.pid)) c.sub++;
    return true;
  }
}

/** Both families' neighbours: IPv4's, then IPv6's. */
function dumpAllNeighs(r: Rtnl, w: NlWriter, c: DumpCursor): boolean {
  return bothFamilies(r, w, c, dumpNeighs, C.RTM_GETNEIGH);
}

export function addNeighHandlers(r: Rtnl): void {
  r.register(new Handler<Rtnl>(C.RTM_GETNEIGH, "get neighbour", false, getNeigh));
  r.register(new Handler<Rtnl>(C.RTM_NEWNEIGH, "new neighbour", true, newNeigh));
  r.register(new Handler<Rtnl>(C.RTM_DELNEIGH, "del neighbour", true, delNeigh));
}
