// RTM_{GET,NEW,DEL}ADDR: IPv4 addresses (FreeBSD's netlink/route/iface.c, in.c).
import { band } from "@hal/u32";
import { EADDRNOTAVAIL, EEXIST, EINVAL, ENODEV, EOPNOTSUPP } from "../../net/errno";
import type { Ifnet } from "../../net/ifnet";
import { addrRequest } from "../../net/inaddr";
import * as C from "../constants";
import { bothFamilies, type DumpCursor, Handler } from "../handler";
import { putAddr } from "../messages";
import { IFA_FAMILY_F, IFA_INDEX, IFA_PREFIXLEN } from "../schemas";
import type { Rtnl } from "../rtnl";
import { getLe32 } from "../../wire/endian";
import { type NlMsg } from "../parse";
import { type NlWriter } from "../writer";

function getAddr(r: Rtnl, m: NlMsg): number {
  if (band(m.flags, C.NLM_F_DUMP) !== C.NLM_F_DUMP) return r.err.fail(EOPNOTSUPP, "", -1);
  const fam = m.field(IFA_FAMILY_F);
  const six = r.inet6;
  if (fam === C.AF_INET6 && six !== undefined) return six.request(r, m);
  if (fam !== C.AF_UNSPEC && fam !== C.AF_INET) {
    // Nothing of another family: an empty dump, as Linux gives for AF_INET6 with IPv6 off.
    return r.startDump(dumpAddrs, m.seq, m.pid, -1);
  }
  // Linux filters a dump by ifa_index only for sockets that asked for strict checking; a serial host never can.
  return r.startDump(fam === C.AF_UNSPEC ? dumpAllAddrs : dumpAddrs, m.seq, m.pid, 0);
}

/** Both families' addresses: IPv4's, then IPv6's. */
function dumpAllAddrs(r: Rtnl, w: NlWriter, c: DumpCursor): boolean {
  return bothFamilies(r, w, c, dumpAddrs, C.RTM_GETADDR);
}

/** An AF_INET6 request goes to IPv6's part, when the build has one. */
function toInet6(r: Rtnl, m: NlMsg): boolean {
  return m.field(IFA_FAMILY_F) === C.AF_INET6 && r.inet6 !== undefined;
}

function addrTarget(r: Rtnl, m: NlMsg, what: string): Ifnet | undefined {
  const index = m.field(IFA_INDEX);
  const ifp = r.stack.ifs.byIndex(index);
  if (ifp === undefined) r.err.set(ENODEV, what + ": no interface with index " + index, -1);
  return ifp;
}

function newAddr(r: Rtnl, m: NlMsg): number {
  if (toInet6(r, m)) return r.inet6!.request(r, m);
  const ifp = addrTarget(r, m, "add address");
  if (ifp === undefined) return -ENODEV;
  if (m.field(IFA_FAMILY_F) !== C.AF_INET) return r.err.fail(EOPNOTSUPP, "", -1);
  if (m.field(IFA_PREFIXLEN) > 32) return r.err.fail(EINVAL, "ipv4: Invalid prefix length", -1);
  const local = m.attrs.inAddr(C.IFA_LOCAL, -1);
  if (local < 0) return r.err.fail(EINVAL, "ipv4: Local address is not supplied", -1);
  const plen = m.field(IFA_PREFIXLEN);
  // As Linux for IPv4: an address is created without NLM_F_CREATE; an existing one changes only with REPLACE.
  const existing = r.stack.addrs.findOn(ifp, local);
  if (existing !== undefined && (band(m.flags, C.NLM_F_EXCL) !== 0 || band(m.flags, C.NLM_F_REPLACE) === 0))
    return r.err.fail(EEXIST, "ipv4: Address already assigned", -1);
  const req = addrRequest(local, plen);
  const peer = m.attrs.inAddr(C.IFA_ADDRESS, -1);
  if (peer >= 0 && peer !== local) req.dst = peer;
  // No broadcast unless one is given, as `ip addr add` without `brd` leaves it.
  req.broadcast = m.attrs.inAddr(C.IFA_BROADCAST, 0);
  const label = m.attrs.str(C.IFA_LABEL);
  if (label !== undefined) req.label = label;
  const ci = m.attrs.find(C.IFA_CACHEINFO);
  if (ci >= 0) {
    req.preferred = getLe32At(m, ci, 0);
    req.valid = getLe32At(m, ci, 4);
  }
  // Linux changes an existing address in place: its lifetimes (the rest stays as it was).
  if (existing !== undefined && existing.prefixLen === plen)
    return r.stack.addrs.setLifetimes(existing, req.valid, req.preferred);
  const e = r.stack.addrs.add(ifp, req);
  if (e < 0) r.err.set(-e, "the address was refused (errno " + -e + ")", -1);
  return e;
}

function getLe32At(m: NlMsg, attr: number, k: number): number {
  return getLe32(m.buf!, m.attrs.offs[attr] + k);
}

/**
 * Deletes the first address of the interface that every given attribute
 * matches, as Linux does: IFA_LOCAL, IFA_LABEL, and IFA_ADDRESS with the
 * prefix length (its prefix must hold the address). With none given, the
 * first address goes: one, never all.
 */
function delAddr(r: Rtnl, m: NlMsg): number {
  if (toInet6(r, m)) return r.inet6!.request(r, m);
  const ifp = addrTarget(r, m, "delete address");
  if (ifp === undefined) return -ENODEV;
  const local = m.attrs.inAddr(C.IFA_LOCAL, -1);
  const peer = m.attrs.inAddr(C.IFA_ADDRESS, -1);
  const label = m.attrs.str(C.IFA_LABEL);
  const plen = m.field(IFA_PREFIXLEN);
  const list = r.stack.addrs.list;
  for (let i = 0; i < list.length; i++) {
    const ia = list[i];
    if (ia.ifp !== ifp) continue;
    if (local >= 0 && ia.addr !== local) continue;
    if (label !== undefined && ia.label !== label) continue;
    if (peer >= 0 && (plen !== ia.prefixLen || band(peer, ia.mask) !== ia.subnet())) continue;
    // An administrator's delete: the address's own neighbour entry and the static ones of its prefix go too.
    return r.stack.addrs.remove(ifp, ia.addr, true);
  }
  return r.err.fail(EADDRNOTAVAIL, "ipv4: Address not found", -1);
}

/** Dump step: the next address (all, or those of the cursor's ifindex; -1: none). */
function dumpAddrs(r: Rtnl, w: NlWriter, c: DumpCursor): boolean {
  const list = r.stack.addrs.list;
  while (c.pos < list.length && c.ifindex !== 0 && list[c.pos].ifp.index !== c.ifindex) c.pos++;
  if (c.pos >= list.length) return false;
  if (putAddr(w, r.stack.addrs, list[c.pos], C.RTM_NEWADDR, C.NLM_F_MULTI, c.seq, c.pid)) c.pos++;
  return true;
}

export function addAddrHandlers(r: Rtnl): void {
  r.register(new Handler<Rtnl>(C.RTM_GETADDR, "get address", false, getAddr));
  r.register(new Handler<Rtnl>(C.RTM_NEWADDR, "new address", true, newAddr));
  r.register(new Handler<Rtnl>(C.RTM_DELADDR, "del address", true, delAddr));
}
