// IPv6's part of the route family, in builds with IPv6 and a control
// channel: AF_INET6 addresses (RTM_{GET,NEW,DEL}ADDR, IFA_F_* flags and
// IFA_CACHEINFO lifetimes), neighbours (RTM_{GET,DEL}NEIGH with nd6's NUD
// states and the router flag), and the IPv6 main table (RTM_GETROUTE: the
// link-local and prefix routes, default routes from Router Advertisements),
// each message as the Linux kernel writes it for the same object (checked
// against the kernel in test/netlink/); and their notifications.
import { alloc, copy } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes, Clock } from "../../../hal/types";
import { isLinkLocal6, isMulticast6, maskPrefix6, samePrefix6 } from "../../net/addr6";
import { linkLocalPrefix } from "../../net/ifid6";
import { EADDRNOTAVAIL, EEXIST, EINVAL, ENETUNREACH, ENODEV, ENOENT, ENOSPC, EOPNOTSUPP } from "../../net/errno";
import type { NetListener } from "../../net/events";
import type { Ifnet } from "../../net/ifnet";
import { ADDR_DEL, ADDR_NEW } from "../../net/inaddr";
import { type Learned6, LEARNED_DNS, LEARNED_ROUTER } from "../../net/slaac6";
import { FOREVER, IN6_DEPRECATED, IN6_DUPLICATE, IN6_TENTATIVE, type In6Addr } from "../../net/in6addr";
import type { Ipv6 } from "../../net/ipv6";
import {
  ND6_DELAY,
  ND6_EV_DELETE,
  ND6_INCOMPLETE,
  ND6_PROBE,
  ND6_REACHABLE,
  ND6_STALE,
  type Nd6Entry,
} from "../../net/nd6-cache";
import { RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RTPROT_KERNEL } from "../../net/route";
import * as C from "../constants";
import { type DumpCursor, type Inet6Part } from "../handler";
import { type NlMsg } from "../parse";
import type { Rtnl } from "../rtnl";
import * as S from "../schemas";
import { ticks } from "../messages";
import { setLe32 } from "../../wire/endian";
import { IPV6_ALEN } from "../../wire/ipv6";
import {
  IFA_CI_CSTAMP,
  IFA_CI_PREFERED,
  IFA_CI_TSTAMP,
  IFA_CI_VALID,
  NDA_CI_CONFIRMED,
  NDA_CI_REFCNT,
  NDA_CI_UPDATED,
  NDA_CI_USED,
  RTA_CACHEINFO_LEN,
  RTA_CI_EXPIRES,
} from "../../wire/netlink";
import type { NlWriter } from "../writer";

/** Addresses an administrator may add beyond SLAAC's, per device (each costs its object and timers). */
const MAX_ADDRESSES = 8;
const LIFETIME_INFINITE = 0xffffffff;
/** The unspecified address, ::. */
const ANY6 = alloc(IPV6_ALEN);

/** Seconds left until a deadline, as IFA_CACHEINFO gives them (infinity: all ones). */
function secondsLeft(until: number, now: number): number {
  if (until === FOREVER) return LIFETIME_INFINITE;
  const left = Math.floor((until - now) / 1000);
  return left > 0 ? left : 0;
}

/** Linux's IFA_F_* for an address: permanent unless SLAAC made it or it has lifetimes, then its DAD state. */
export function addrFlags6(a: In6Addr): number {
  let f = a.autoconf ? C.IFA_F_MANAGETEMPADDR : a.validUntil === FOREVER ? C.IFA_F_PERMANENT : 0;
  if (a.noDad) f += C.IFA_F_NODAD;
  if (a.state === IN6_TENTATIVE) f += C.IFA_F_TENTATIVE;
  else if (a.state === IN6_DEPRECATED) f += C.IFA_F_DEPRECATED;
  else if (a.state === IN6_DUPLICATE) f += C.IFA_F_TENTATIVE + C.IFA_F_DADFAILED;
  return f;
}

export function putAddr6(
  w: NlWriter,
  a: In6Addr,
  now: number,
  type: number,
  flags: number,
  seq: number,
  pid: number,
): boolean {
  if (!w.begin(type, flags, seq, pid, S.IFADDRMSG.hdrLen)) return false;
  const f = addrFlags6(a);
  w.field(S.IFA_FAMILY_F, C.AF_INET6);
  w.field(S.IFA_PREFIXLEN, a.prefixLen);
  w.field(S.IFA_FLAGS_F, f % 256);
  w.field(S.IFA_SCOPE, isLinkLocal6(a.addr, 0) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  w.field(S.IFA_INDEX, a.ifp.index);
  w.bytes(C.IFA_ADDRESS, a.addr, 0, IPV6_ALEN);
  const ci = w.reserve(C.IFA_CACHEINFO, S.IFA_CACHEINFO_LEN);
  if (ci >= 0) {
    // A deprecated address's preferred lifetime is over: 0, as Linux reports it.
    const preferred = a.state === IN6_DEPRECATED ? 0 : secondsLeft(a.preferredUntil, now);
    setLe32(w.buf, ci + IFA_CI_PREFERED, preferred);
    setLe32(w.buf, ci + IFA_CI_VALID, secondsLeft(a.validUntil, now));
    setLe32(w.buf, ci + IFA_CI_CSTAMP, ticks(a.created));
    setLe32(w.buf, ci + IFA_CI_TSTAMP, ticks(a.updated));
  }
  w.int(C.IFA_FLAGS, 4, f);
  if (a.autoconf) w.int(C.IFA_PROTO, 1, C.IFAPROT_KERNEL_RA);
  else if (isLinkLocal6(a.addr, 0) && !a.noDad) w.int(C.IFA_PROTO, 1, C.IFAPROT_KERNEL_LL);
  return w.end() > 0;
}

/** Linux NUD_* for an nd6 state. */
export function nud6(state: number): number {
  if (state === ND6_INCOMPLETE) return C.NUD_INCOMPLETE;
  if (state === ND6_REACHABLE) return C.NUD_REACHABLE;
  if (state === ND6_STALE) return C.NUD_STALE;
  if (state === ND6_DELAY) return C.NUD_DELAY;
  if (state === ND6_PROBE) return C.NUD_PROBE;
  return C.NUD_NONE;
}

export function putNeigh6(
  w: NlWriter,
  ifp: Ifnet,
  e: Nd6Entry,
  now: number,
  type: number,
  flags: number,
  seq: number,
  pid: number,
  /** An administrator's delete: Linux reports the entry FAILED, without its address. */
  failed: boolean,
): boolean {
  if (!w.begin(type, flags, seq, pid, S.NDMSG.hdrLen)) return false;
  w.field(S.NDM_FAMILY, C.AF_INET6);
  w.field(S.NDM_IFINDEX, ifp.index);
  w.field(S.NDM_STATE, failed ? C.NUD_FAILED : nud6(e.state));
  w.field(S.NDM_FLAGS, e.isRouter ? C.NTF_ROUTER : 0);
  w.field(S.NDM_TYPE, C.RTN_UNICAST);
  w.bytes(C.NDA_DST, e.addr, 0, IPV6_ALEN);
  if (e.hasLladdr && !failed) w.bytes(C.NDA_LLADDR, e.lladdr, 0, 6);
  w.int(C.NDA_PROBES, 4, e.probes);
  const ci = w.reserve(C.NDA_CACHEINFO, S.NDA_CACHEINFO_LEN);
  if (ci >= 0) {
    const idle = ticks(now - e.used);
    setLe32(w.buf, ci + NDA_CI_CONFIRMED, idle);
    setLe32(w.buf, ci + NDA_CI_USED, idle);
    setLe32(w.buf, ci + NDA_CI_UPDATED, idle);
    setLe32(w.buf, ci + NDA_CI_REFCNT, 0);
  }
  return w.end() > 0;
}

/** The addresses in Linux's order: interface by interface, each one's by scope (global before link-local), newest first. */
export function addrOrder(ip6: Ipv6): In6Addr[] {
  const out: In6Addr[] = [];
  const ifs = ip6.interfaces();
  for (let k = 0; k < ifs.length; k++)
    for (let pass = 0; pass < 2; pass++)
      for (let i = ip6.addrs.length - 1; i >= 0; i--) {
        const a = ip6.addrs[i];
        if (a.ifp === ifs[k] && isLinkLocal6(a.addr, 0) === (pass === 1)) out.push(a);
      }
  return out;
}

/** One route of the IPv6 main table, as the dump shows it. */
export class Route6 {
  readonly dst: Bytes = alloc(IPV6_ALEN);
  len = 0;
  /** The next hop (a router), or undefined for an on-link prefix. */
  gateway: Bytes | undefined = undefined;
  ifindex = 0;
  protocol = RTPROT_KERNEL;
  metric = C.IP6_RT_PRIO_ADDRCONF;
  /** When it ends (ms on the clock), or FOREVER. */
  until = FOREVER;
}

/**
 * The IPv6 main table as Linux builds it from the same state: fe80::/64 on
 * each interface, a prefix route per configured address's prefix and per
 * on-link prefix from advertisements (these expire), and a default route
 * (proto ra) per router.
 */
export function routes6(ip6: Ipv6): Route6[] {
  const out: Route6[] = [];
  const ifs = ip6.interfaces();
  const sl = ip6.slaac;
  for (let k = 0; k < ifs.length; k++) {
    const ifp = ifs[k];
    if (hasLinkLocal(ip6, ifp)) out.push(linkLocalRoute(ifp));
    for (let i = 0; i < ip6.addrs.length; i++) {
      const a = ip6.addrs[i];
      if (a.ifp !== ifp || a.autoconf || isLinkLocal6(a.addr, 0)) continue;
      addPrefixRoute(out, a.addr, a.prefixLen, ifp, FOREVER);
    }
    for (let i = 0; i < sl.prefixes.length; i++) {
      const p = sl.prefixes[i];
      if (p.ifp === ifp) addPrefixRoute(out, p.addr, p.len, ifp, p.until);
    }
    for (let i = 0; i < sl.routers.length; i++) if (sl.routers[i].ifp === ifp) out.push(defaultVia(sl.routers[i]));
  }
  return out;
}

/** fe80::/64 on ifp: there while ifp has a link-local address, as Linux's. */
function linkLocalRoute(ifp: Ifnet): Route6 {
  const ll = new Route6();
  linkLocalPrefix(ll.dst, 0);
  ll.len = 64;
  ll.ifindex = ifp.index;
  return ll;
}

function countLinkLocal(ip6: Ipv6, ifp: Ifnet): number {
  let n = 0;
  for (let i = 0; i < ip6.addrs.length; i++) if (ip6.addrs[i].ifp === ifp && isLinkLocal6(ip6.addrs[i].addr, 0)) n++;
  return n;
}

function hasLinkLocal(ip6: Ipv6, ifp: Ifnet): boolean {
  return countLinkLocal(ip6, ifp) > 0;
}

/** The default route through a router from an advertisement (proto ra, metric 1024, its lifetime). */
function defaultVia(r: Learned6): Route6 {
  const d = new Route6();
  d.gateway = r.addr;
  d.ifindex = r.ifp.index;
  d.protocol = C.RTPROT_RA;
  d.metric = C.IP6_RT_PRIO_USER;
  d.until = r.until;
  return d;
}

/** A prefix route (proto kernel, metric 256). */
function prefixRoute(addr: Bytes, len: number, ifp: Ifnet, until: number): Route6 {
  const r = new Route6();
  copy(r.dst, 0, addr, 0, IPV6_ALEN);
  maskPrefix6(r.dst, 0, len);
  r.len = len;
  r.ifindex = ifp.index;
  r.until = until;
  return r;
}

/** A prefix route for addr/len on ifp, unless one is there already (its later deadline kept). */
function addPrefixRoute(out: Route6[], addr: Bytes, len: number, ifp: Ifnet, until: number): void {
  for (let i = 0; i < out.length; i++) {
    const r = out[i];
    if (r.gateway === undefined && r.len === len && r.ifindex === ifp.index && samePrefix6(r.dst, 0, addr, 0, len)) {
      if (r.until !== FOREVER && (until === FOREVER || until > r.until)) r.until = until;
      return;
    }
  }
  out.push(prefixRoute(addr, len, ifp, until));
}

/** `src`: a `route get` answer's source address (RTA_PREFSRC), undefined in dumps. */
export function putRoute6(
  w: NlWriter,
  r: Route6,
  ip6: Ipv6,
  now: number,
  type: number,
  flags: number,
  seq: number,
  pid: number,
  src: Bytes | undefined,
): boolean {
  if (!w.begin(type, flags, seq, pid, S.RTMSG.hdrLen)) return false;
  w.field(S.RTM_FAMILY, C.AF_INET6);
  w.field(S.RTM_DST_LEN, r.len);
  w.field(S.RTM_TABLE, C.RT_TABLE_MAIN);
  w.field(S.RTM_PROTOCOL, r.protocol);
  w.field(S.RTM_SCOPE, RT_SCOPE_UNIVERSE);
  w.field(S.RTM_TYPE, C.RTN_UNICAST);
  if (src !== undefined) w.field(S.RTM_FLAGS, C.RTM_F_CLONED);
  // In the kernel's order: table, destination, source, metrics, priority, next hop, cache info, preference.
  w.int(C.RTA_TABLE, 4, C.RT_TABLE_MAIN);
  if (r.len > 0) w.bytes(C.RTA_DST, r.dst, 0, IPV6_ALEN);
  if (src !== undefined) {
    // A `route get` answer names the source it was asked about (none: ::) and the one it would use.
    w.bytes(C.RTA_SRC, ANY6, 0, IPV6_ALEN);
    w.bytes(C.RTA_PREFSRC, src, 0, IPV6_ALEN);
  }
  const gw = r.gateway;
  if (gw !== undefined) {
    // What the advertisement set: the link MTU (when it said one) and the hop limit.
    const m = w.nest(C.RTA_METRICS);
    if (ip6.slaac.mtu > 0) w.int(C.RTAX_MTU, 4, ip6.slaac.mtu);
    w.int(C.RTAX_HOPLIMIT, 4, ip6.slaac.hopLimit);
    w.endNest(m);
  }
  w.int(C.RTA_PRIORITY, 4, r.metric);
  if (gw !== undefined) w.bytes(C.RTA_GATEWAY, gw, 0, IPV6_ALEN);
  w.int(C.RTA_OIF, 4, r.ifindex);
  const ci = w.reserve(C.RTA_CACHEINFO, RTA_CACHEINFO_LEN);
  if (ci >= 0 && r.until !== FOREVER) setLe32(w.buf, ci + RTA_CI_EXPIRES, ticks(r.until > now ? r.until - now : 0));
  w.int(C.RTA_PREF, 1, 0);
  return w.end() > 0;
}

/** The interface of a request's index, or undefined with ENODEV set. */
function ifOf(r: Rtnl, index: number): Ifnet | undefined {
  const ifp = index > 0 ? r.stack.ifs.byIndex(index) : undefined;
  if (ifp === undefined) r.err.set(ENODEV, "", -1);
  return ifp;
}

/** A 16-byte address attribute of the request: its offset in m.buf, or -1 (with `why` set as EINVAL when given). */
function addr6Attr(r: Rtnl, m: NlMsg, type: number, why: string): number {
  const i = m.attrs.find(type);
  if (i >= 0 && m.attrs.lens[i] >= IPV6_ALEN) return m.attrs.offs[i];
  if (why !== "") r.err.set(EINVAL, why, -1);
  return -1;
}

/** The channel's notification sender: a group, and what builds the message. */
export type Publish = (this: void, group: number, build: (w: NlWriter) => boolean) => void;

export class Inet6Rtnl implements Inet6Part {
  /** An administrator's neighbour delete is under way (its DELNEIGH says FAILED). */
  private deleting = false;
  /** The channel's notification sender (set by listener()). */
  private publish: Publish = () => undefined;

  constructor(
    readonly ip6: Ipv6,
    private readonly clock: Clock,
  ) {}

  request(r: Rtnl, m: NlMsg): number {
    const t = m.type;
    const dump = band(m.flags, C.NLM_F_DUMP) === C.NLM_F_DUMP;
    if (t === C.RTM_GETADDR) return r.startDump((rr, w, c) => this.dump(rr, w, c, C.RTM_GETADDR), m.seq, m.pid, 0);
    if (t === C.RTM_NEWADDR) return this.newAddr(r, m);
    if (t === C.RTM_DELADDR) return this.delAddr(r, m);
    if (t === C.RTM_GETNEIGH) {
      if (dump) {
        const index = m.attrs.num(C.NDA_IFINDEX, 0);
        return r.startDump((rr, w, c) => this.dump(rr, w, c, C.RTM_GETNEIGH), m.seq, m.pid, index > 0 ? index : 0);
      }
      return this.getNeigh(r, m);
    }
    if (t === C.RTM_DELNEIGH) return this.delNeigh(r, m);
    if (t === C.RTM_GETROUTE) {
      if (dump || !m.attrs.has(C.RTA_DST))
        return r.startDump((rr, w, c) => this.dump(rr, w, c, C.RTM_GETROUTE), m.seq, m.pid, 0);
      return this.getRoute(r, m);
    }
    // Neighbours are learned by Neighbor Discovery here; routes come from advertisements.
    return r.err.fail(EOPNOTSUPP, "IPv6 neighbours and routes are learned here, not set", -1);
  }

  dump(r: Rtnl, w: NlWriter, c: DumpCursor, type: number): boolean {
    const now = this.clock.now();
    const multi = C.NLM_F_MULTI;
    if (type === C.RTM_GETADDR) {
      const list = addrOrder(this.ip6);
      if (c.pos >= list.length) return false;
      if (putAddr6(w, list[c.pos], now, C.RTM_NEWADDR, multi, c.seq, c.pid)) c.pos++;
      return true;
    }
    if (type === C.RTM_GETROUTE) {
      const list = routes6(this.ip6);
      if (c.pos >= list.length) return false;
      if (putRoute6(w, list[c.pos], this.ip6, now, C.RTM_NEWROUTE, multi, c.seq, c.pid, undefined)) c.pos++;
      return true;
    }
    // Neighbours: interface by interface (pos), entry by entry (sub).
    const ifs = this.ip6.interfaces();
    for (;;) {
      if (c.pos >= ifs.length) return false;
      const ifp = ifs[c.pos];
      const cache = this.ip6.cacheOf(ifp);
      if (cache === undefined || (c.ifindex !== 0 && ifp.index !== c.ifindex) || c.sub >= cache.count()) {
        c.pos++;
        c.sub = 0;
        continue;
      }
      const e = cache.at(c.sub);
      if (e === undefined) {
        c.sub++;
        continue;
      }
      const flags = multi + (c.ifindex !== 0 ? C.NLM_F_DUMP_FILTERED : 0);
      if (putNeigh6(w, ifp, e, now, C.RTM_NEWNEIGH, flags, c.seq, c.pid, false)) c.sub++;
      return true;
    }
  }

  private newAddr(r: Rtnl, m: NlMsg): number {
    const ifp = ifOf(r, m.field(S.IFA_INDEX));
    if (ifp === undefined) return -ENODEV;
    const plen = m.field(S.IFA_PREFIXLEN);
    if (plen > 128) return r.err.fail(EINVAL, "ipv6: Invalid prefix length", -1);
    let at = addr6Attr(r, m, C.IFA_LOCAL, "");
    if (at < 0) at = addr6Attr(r, m, C.IFA_ADDRESS, "");
    if (at < 0) return r.err.fail(EINVAL, "", -1);
    const b = m.buf!;
    if (isMulticast6(b, at)) return r.err.fail(EINVAL, "ipv6: Multicast address for unicast", -1);
    const ip6 = this.ip6;
    const existing = ip6.findAddress(ifp, b, at);
    if (existing !== undefined) {
      if (band(m.flags, C.NLM_F_EXCL) !== 0 || band(m.flags, C.NLM_F_REPLACE) === 0)
        return r.err.fail(EEXIST, "ipv6: address already assigned", -1);
      return 0;
    }
    if (ip6.addrs.length >= MAX_ADDRESSES + ip6.slaac.params.prefixes)
      return r.err.fail(ENOSPC, "no room for another IPv6 address", -1);
    const flags = m.attrs.has(C.IFA_FLAGS) ? m.attrs.num(C.IFA_FLAGS, 0) : m.field(S.IFA_FLAGS_F);
    const a = ip6.addAddress(ifp, b, at, plen, band(flags, C.IFA_F_NODAD) !== 0);
    return a !== undefined ? 0 : -ENOSPC;
  }

  private delAddr(r: Rtnl, m: NlMsg): number {
    const ifp = ifOf(r, m.field(S.IFA_INDEX));
    if (ifp === undefined) return -ENODEV;
    let at = addr6Attr(r, m, C.IFA_LOCAL, "");
    if (at < 0) at = addr6Attr(r, m, C.IFA_ADDRESS, "");
    if (at < 0) return r.err.fail(EINVAL, "", -1);
    const a = this.ip6.findAddress(ifp, m.buf!, at);
    if (a === undefined || a.prefixLen !== m.field(S.IFA_PREFIXLEN))
      return r.err.fail(EADDRNOTAVAIL, "ipv6: address not found", -1);
    this.ip6.removeAddress(a);
    return 0;
  }

  /** The entry a GET or DELETE names; only a GET's miss is explained, as Linux's. */
  private entryOf(r: Rtnl, m: NlMsg, get: boolean): Nd6Entry | undefined {
    const at = addr6Attr(r, m, C.NDA_DST, "Invalid network address in neighbor request");
    if (at < 0) return undefined;
    const ifp = ifOf(r, m.field(S.NDM_IFINDEX));
    if (ifp === undefined) return undefined;
    const cache = this.ip6.cacheOf(ifp);
    const e = cache !== undefined ? cache.lookup(m.buf!, at) : undefined;
    if (e === undefined) r.err.set(ENOENT, get ? "Neighbour entry not found" : "", -1);
    return e;
  }

  private getNeigh(r: Rtnl, m: NlMsg): number {
    const e = this.entryOf(r, m, true);
    if (e === undefined) return -r.err.code;
    const ifp = r.stack.ifs.byIndex(m.field(S.NDM_IFINDEX))!;
    return r.replyOne((w) => putNeigh6(w, ifp, e, this.clock.now(), C.RTM_NEWNEIGH, 0, m.seq, m.pid, false));
  }

  private delNeigh(r: Rtnl, m: NlMsg): number {
    const e = this.entryOf(r, m, false);
    if (e === undefined) return -r.err.code;
    const ifp = r.stack.ifs.byIndex(m.field(S.NDM_IFINDEX))!;
    // As Linux: the entry fails first (NEWNEIGH, FAILED, to the requester's port), then goes (DELNEIGH, FAILED).
    const pid = r.reqPid;
    const now = this.clock.now();
    this.publish(C.RTNLGRP_NEIGH, (w) => putNeigh6(w, ifp, e, now, C.RTM_NEWNEIGH, 0, 0, pid, true));
    this.deleting = true;
    this.ip6.cacheOf(ifp)!.remove(e.addr, 0);
    this.deleting = false;
    return 0;
  }

  /** `ip -6 route get`: the route the device would take to RTA_DST, and its source address. */
  private getRoute(r: Rtnl, m: NlMsg): number {
    const at = addr6Attr(r, m, C.RTA_DST, "Invalid address");
    if (at < 0) return -EINVAL;
    const b = m.buf!;
    const ip6 = this.ip6;
    const ifp = ip6.outInterface(b, at);
    // The table's longest match on that interface: its next hop, protocol and metric.
    let best: Route6 | undefined = undefined;
    const table = routes6(ip6);
    for (let i = 0; ifp !== undefined && i < table.length; i++) {
      const x = table[i];
      if (x.ifindex !== ifp.index || !samePrefix6(x.dst, 0, b, at, x.len)) continue;
      if (best === undefined || x.len > best.len) best = x;
    }
    if (ifp === undefined || best === undefined) return r.err.fail(ENETUNREACH, "", -1);
    const one = new Route6();
    copy(one.dst, 0, b, at, IPV6_ALEN);
    one.len = 128;
    one.ifindex = ifp.index;
    one.gateway = best.gateway;
    one.protocol = best.protocol;
    one.metric = best.metric;
    const src = ip6.sourceFor(ifp, b, at);
    const from = src !== undefined ? src.addr : alloc(IPV6_ALEN);
    const now = this.clock.now();
    return r.replyOne((w) => putRoute6(w, one, ip6, now, C.RTM_NEWROUTE, 0, m.seq, m.pid, from));
  }

  /** RTM_NEWROUTE or RTM_DELROUTE to RTNLGRP_IPV6_ROUTE (no request's seq or port, as Linux's). */
  private routeEvent(kind: number, route: Route6): void {
    const gone = kind === ADDR_DEL;
    const type = gone ? C.RTM_DELROUTE : C.RTM_NEWROUTE;
    // A new route is announced as created, as Linux announces its own (CREATE|EXCL).
    const flags = gone ? 0 : C.NLM_F_CREATE + C.NLM_F_EXCL;
    const now = this.clock.now();
    const ip6 = this.ip6;
    this.publish(C.RTNLGRP_IPV6_ROUTE, (w) => putRoute6(w, route, ip6, now, type, flags, 0, 0, undefined));
  }

  /** The channel's listener for IPv6's events: addresses to RTNLGRP_IPV6_IFADDR, neighbours to RTNLGRP_NEIGH. */
  listener(r: Rtnl, publish: Publish): NetListener {
    this.publish = publish;
    return {
      addr6: (kind, a) => {
        // Linux's IPv6 address notifications carry no request's seq or port, even for an administrator's change.
        const type = kind === ADDR_DEL ? C.RTM_DELADDR : C.RTM_NEWADDR;
        publish(C.RTNLGRP_IPV6_IFADDR, (w) => putAddr6(w, a, this.clock.now(), type, 0, 0, 0));
        // A configured address brings its prefix route, and takes it along when it goes;
        // fe80::/64 stays while any link-local address does.
        if (kind !== ADDR_NEW && kind !== ADDR_DEL) return;
        if (!isLinkLocal6(a.addr, 0)) {
          if (!a.autoconf) this.routeEvent(kind, prefixRoute(a.addr, a.prefixLen, a.ifp, FOREVER));
        } else if (!hasLinkLocal(this.ip6, a.ifp) || (kind === ADDR_NEW && countLinkLocal(this.ip6, a.ifp) === 1))
          this.routeEvent(kind, linkLocalRoute(a.ifp));
      },
      learned6: (kind, e, what) => {
        if (what === LEARNED_DNS) return;
        const route = what === LEARNED_ROUTER ? defaultVia(e) : prefixRoute(e.addr, e.len, e.ifp, e.until);
        this.routeEvent(kind, route);
      },
      neigh6: (kind, ifp, e) => {
        const gone = kind === ND6_EV_DELETE;
        const failed = gone && this.deleting;
        const pid = gone ? 0 : r.reqPid;
        const type = gone ? C.RTM_DELNEIGH : C.RTM_NEWNEIGH;
        publish(C.RTNLGRP_NEIGH, (w) => putNeigh6(w, ifp, e, this.clock.now(), type, 0, 0, pid, failed));
      },
    };
  }
}
