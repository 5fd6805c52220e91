// RTM_{GET,NEW,DEL}ADDR: IPv4 addresses (FreeBSD's netlink/route/iface.c, in.c).
import { band } from "@hal/u32";
import { EEXIST, EINVAL, ENODEV, ENOENT, EOPNOTSUPP } from "../../net/errno";
import type { Ifnet } from "../../net/ifnet";
import { addrRequest } from "../../net/inaddr";
import * as C from "../constants";
import { type DumpCursor, Handler } from "../handler";
import { putAddr } from "../messages";
import { IFA_FAMILY_F, IFA_INDEX, IFA_PREFIXLEN } from "../schemas";
import type { Rtnl } from "../rtnl";
import { getLe32 } from "../../wire/endian";
import { type NlMsg } from "../parse";
import { type NlWriter } from "../writer";

function getAddr(r: Rtnl, m: NlMsg): number {
  const fam = m.field(IFA_FAMILY_F);
  if (fam !== C.AF_UNSPEC && fam !== C.AF_INET) {
    // Nothing of another family: an empty dump, as Linux gives for AF_INET6 with IPv6 off.
    return r.startDump(dumpAddrs, m.seq, m.pid, -1);
  }
  return r.startDump(dumpAddrs, m.seq, m.pid, m.field(IFA_INDEX));
}

function addrTarget(r: Rtnl, m: NlMsg, what: string): Ifnet | undefined {
  const index = m.field(IFA_INDEX);
  const ifp = r.stack.ifs.byIndex(index);
  if (ifp === undefined) r.err.set(ENODEV, what + ": no interface with index " + index, C.NLMSG_HDRLEN + IFA_INDEX.off);
  return ifp;
}

function newAddr(r: Rtnl, m: NlMsg): number {
  const ifp = addrTarget(r, m, "add address");
  if (ifp === undefined) return -ENODEV;
  if (m.field(IFA_FAMILY_F) !== C.AF_INET)
    return r.err.fail(EOPNOTSUPP, "only IPv4 addresses (AF_INET)", C.NLMSG_HDRLEN + IFA_FAMILY_F.off);
  const local = m.attrs.inAddr(C.IFA_LOCAL, m.attrs.inAddr(C.IFA_ADDRESS, -1));
  if (local < 0) return r.err.fail(EINVAL, "IFA_LOCAL (or IFA_ADDRESS) is required", -1);
  const plen = m.field(IFA_PREFIXLEN);
  if (plen > 32) return r.err.fail(EINVAL, "prefix length above 32", C.NLMSG_HDRLEN + IFA_PREFIXLEN.off);
  const existing = r.stack.addrs.findOn(ifp, local);
  if (existing !== undefined && band(m.flags, C.NLM_F_EXCL) !== 0)
    return r.err.fail(EEXIST, "address already assigned", -1);
  if (existing === undefined && band(m.flags, C.NLM_F_CREATE) === 0)
    return r.err.fail(ENOENT, "no such address (NLM_F_CREATE to add one)", -1);
  const req = addrRequest(local, plen);
  const peer = m.attrs.inAddr(C.IFA_ADDRESS, -1);
  if (peer >= 0 && peer !== local) req.dst = peer;
  const brd = m.attrs.inAddr(C.IFA_BROADCAST, -1);
  if (brd >= 0) req.broadcast = brd;
  const label = m.attrs.str(C.IFA_LABEL);
  if (label !== undefined) req.label = label;
  const ci = m.attrs.find(C.IFA_CACHEINFO);
  if (ci >= 0) {
    req.preferred = getLe32At(m, ci, 0);
    req.valid = getLe32At(m, ci, 4);
  }
  const e = r.stack.addrs.add(ifp, req);
  if (e < 0) r.err.set(-e, "the address was refused (errno " + -e + ")", -1);
  return e;
}

function getLe32At(m: NlMsg, attr: number, k: number): number {
  return getLe32(m.buf!, m.attrs.offs[attr] + k);
}

function delAddr(r: Rtnl, m: NlMsg): number {
  const ifp = addrTarget(r, m, "delete address");
  if (ifp === undefined) return -ENODEV;
  const local = m.attrs.inAddr(C.IFA_LOCAL, m.attrs.inAddr(C.IFA_ADDRESS, -1));
  if (local < 0) {
    // No address: delete every address of the interface (ip addr flush sends one per address; this is the bulk form).
    r.stack.addrs.flush(ifp);
    return 0;
  }
  const e = r.stack.addrs.remove(ifp, local, false);
  if (e < 0) r.err.set(-e, "no such address on " + ifp.name, -1);
  return e;
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
