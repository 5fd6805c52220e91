// RTM_{GET,NEW,DEL}ROUTE: the routing table; only the default route may be
// changed from outside (FreeBSD's netlink/route/rt.c).
import { band } from "@hal/u32";
import { EEXIST, EINVAL, ENETUNREACH, ENOENT, EOPNOTSUPP, ESRCH } from "../../net/errno";
import { type Route, RT_SCOPE_UNIVERSE } from "../../net/route";
import * as C from "../constants";
import { bothFamilies, type DumpCursor, Handler } from "../handler";
import { putRoute } from "../messages";
import { RTM_DST_LEN, RTM_FAMILY, RTM_PROTOCOL, RTM_SCOPE, RTM_TYPE } from "../schemas";

/** rtm_scope of a delete that matches any scope. */
const RT_SCOPE_NOWHERE = 255;
import type { Rtnl } from "../rtnl";
import { type NlMsg } from "../parse";
import { type NlWriter } from "../writer";

function getRoute(r: Rtnl, m: NlMsg): number {
  const fam = m.field(RTM_FAMILY);
  const six = r.inet6;
  if (fam === C.AF_INET6 && six !== undefined) return six.request(r, m);
  // Nothing of another family: an empty dump (IPv4's routes are not IPv6's).
  if (fam !== C.AF_UNSPEC && fam !== C.AF_INET) return r.startDump(noRoutes, m.seq, m.pid, 0);
  if (band(m.flags, C.NLM_F_DUMP) !== 0 || !m.attrs.has(C.RTA_DST))
    return r.startDump(fam === C.AF_UNSPEC ? dumpAllRoutes : dumpRoutes, m.seq, m.pid, 0);
  // `ip route get`: the device's own choice for one destination, and the source it would send from.
  const s = r.stack;
  const dst = m.attrs.inAddr(C.RTA_DST, 0);
  // Linux answers for 127/8 and the device's own addresses from the loopback: type local, dev lo.
  const loop = Math.floor(dst / 16777216) === 127;
  const own = loop || s.addrs.local(dst) !== undefined;
  const rt = s.routes.lookup(own ? 0x7f000001 : dst);
  const ifp = rt !== undefined ? s.ifs.byIndex(rt.ifindex) : undefined;
  if (rt === undefined || ifp === undefined) return r.err.fail(ENETUNREACH, "", -1);
  const gw = own ? 0 : rt.gateway;
  const src = own && !loop ? dst : rt.prefsrc !== 0 ? rt.prefsrc : s.addrs.sourceFor(ifp, gw !== 0 ? gw : dst);
  const one = { dst, prefixLen: 32, gateway: gw, ifindex: rt.ifindex, protocol: 0, scope: 0, metric: 0, prefsrc: src };
  return r.replyOne((w) => putRoute(w, one, C.RTM_NEWROUTE, 0, m.seq, m.pid, own ? 2 : 1));
}

/** The one route a request may change: a default route, or undefined with the error set. */
function defaultRouteOf(r: Rtnl, m: NlMsg): Route | undefined {
  if (m.field(RTM_FAMILY) !== C.AF_INET) {
    r.err.set(EOPNOTSUPP, "", -1);
    return undefined;
  }
  if (m.field(RTM_DST_LEN) > 32) {
    r.err.set(EINVAL, "Invalid prefix length", -1);
    return undefined;
  }
  if (m.field(RTM_DST_LEN) !== 0 || (m.attrs.has(C.RTA_DST) && m.attrs.inAddr(C.RTA_DST, 0) !== 0)) {
    r.err.set(EOPNOTSUPP, "only the default route can be changed here", C.NLMSG_HDRLEN + RTM_DST_LEN.off);
    return undefined;
  }
  return {
    dst: 0,
    prefixLen: 0,
    gateway: m.attrs.inAddr(C.RTA_GATEWAY, 0),
    ifindex: m.attrs.num(C.RTA_OIF, 0),
    protocol: m.field(RTM_PROTOCOL),
    scope: RT_SCOPE_UNIVERSE,
    metric: m.attrs.num(C.RTA_PRIORITY, 0),
    prefsrc: m.attrs.inAddr(C.RTA_PREFSRC, 0),
  };
}

function newRoute(r: Rtnl, m: NlMsg): number {
  const route = defaultRouteOf(r, m);
  if (route === undefined) return -r.err.code;
  if (route.ifindex !== 0 && r.stack.ifs.byIndex(route.ifindex) === undefined)
    return r.err.fail(ENETUNREACH, "Nexthop device is not up", -1);
  if (route.gateway === 0) return r.err.fail(EINVAL, "RTA_GATEWAY is required", -1);
  if (route.ifindex === 0) {
    // Like Linux: the interface whose connected prefix holds the gateway.
    const via = r.stack.routes.lookup(route.gateway);
    if (via === undefined || via.gateway !== 0) return r.err.fail(ENETUNREACH, "Nexthop has invalid gateway", -1);
    route.ifindex = via.ifindex;
  }
  // Linux's order: EXCL refuses an existing route, REPLACE changes it, CREATE adds a missing one.
  const exists = r.stack.routes.find(0, 0, route.metric) >= 0;
  if (exists && band(m.flags, C.NLM_F_EXCL) !== 0) return r.err.fail(EEXIST, "", -1);
  const replace = exists && band(m.flags, C.NLM_F_REPLACE) !== 0;
  if (!exists && band(m.flags, C.NLM_F_CREATE) === 0) return r.err.fail(ENOENT, "", -1);
  if (exists && !replace && band(m.flags, C.NLM_F_CREATE) === 0) return r.err.fail(ENOENT, "", -1);
  r.routeReq = true;
  const res = r.stack.routes.add(route, replace);
  r.routeReq = false;
  if (res < 0) r.err.set(-res, res === -EEXIST ? "" : "Nexthop has invalid gateway", -1);
  return res;
}

function delRoute(r: Rtnl, m: NlMsg): number {
  const route = defaultRouteOf(r, m);
  if (route === undefined) return -r.err.code;
  // Linux matches the given scope (RT_SCOPE_NOWHERE: any), type and protocol too.
  const scope = m.field(RTM_SCOPE);
  const type = m.field(RTM_TYPE);
  const list = r.stack.routes.routes;
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (x.prefixLen !== 0 || (scope !== RT_SCOPE_NOWHERE && x.scope !== scope)) continue;
    if ((type !== 0 && type !== C.RTN_UNICAST) || (route.protocol !== 0 && x.protocol !== route.protocol)) continue;
    if (route.gateway !== 0 && x.gateway !== route.gateway) continue;
    if (route.ifindex !== 0 && x.ifindex !== route.ifindex) continue;
    if (m.attrs.has(C.RTA_PRIORITY) && x.metric !== route.metric) continue;
    r.routeReq = true;
    r.stack.routes.remove(0, 0, x.gateway, x.ifindex, x.metric);
    r.routeReq = false;
    return 0;
  }
  return r.err.fail(ESRCH, "", -1);
}

/** Dump step: the next route. */
function dumpRoutes(r: Rtnl, w: NlWriter, c: DumpCursor): boolean {
  const list = r.stack.routes.routes;
  if (c.pos >= list.length) return false;
  if (putRoute(w, list[c.pos], C.RTM_NEWROUTE, C.NLM_F_MULTI, c.seq, c.pid)) c.pos++;
  return true;
}

function noRoutes(): boolean {
  return false;
}

/** Both families' routes: IPv4's, then IPv6's. */
function dumpAllRoutes(r: Rtnl, w: NlWriter, c: DumpCursor): boolean {
  return bothFamilies(r, w, c, dumpRoutes, C.RTM_GETROUTE);
}

export function addRouteHandlers(r: Rtnl): void {
  r.register(new Handler<Rtnl>(C.RTM_GETROUTE, "get route", false, getRoute));
  r.register(new Handler<Rtnl>(C.RTM_NEWROUTE, "new route", true, newRoute));
  r.register(new Handler<Rtnl>(C.RTM_DELROUTE, "del route", true, delRoute));
}
