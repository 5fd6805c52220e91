// RTM_{GET,NEW,DEL}ROUTE: the routing table; only the default route may be
// changed from outside (FreeBSD's netlink/route/rt.c).
import { band } from "@hal/u32";
import { EEXIST, EINVAL, ENETUNREACH, ENOENT, EOPNOTSUPP } from "../../net/errno";
import { type Route, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTPROT_STATIC } from "../../net/route";
import * as C from "../constants";
import { type DumpCursor, Handler } from "../handler";
import { putRoute } from "../messages";
import { RTM_DST_LEN, RTM_FAMILY, RTM_PROTOCOL } from "../schemas";
import type { Rtnl } from "../rtnl";
import { type NlMsg } from "../parse";
import { type NlWriter } from "../writer";

function getRoute(r: Rtnl, m: NlMsg): number {
  return r.startDump(dumpRoutes, m.seq, m.pid, 0);
}

/** The one route a request may change: a static default route, or undefined with the error set. */
function defaultRouteOf(r: Rtnl, m: NlMsg): Route | undefined {
  if (m.field(RTM_FAMILY) !== C.AF_INET) {
    r.err.set(EOPNOTSUPP, "only IPv4 routes (AF_INET)", C.NLMSG_HDRLEN + RTM_FAMILY.off);
    return undefined;
  }
  if (m.field(RTM_DST_LEN) !== 0 || (m.attrs.has(C.RTA_DST) && m.attrs.inAddr(C.RTA_DST, 0) !== 0)) {
    r.err.set(EOPNOTSUPP, "only the default route can be changed here", C.NLMSG_HDRLEN + RTM_DST_LEN.off);
    return undefined;
  }
  const proto = m.field(RTM_PROTOCOL);
  return {
    dst: 0,
    prefixLen: 0,
    gateway: m.attrs.inAddr(C.RTA_GATEWAY, 0),
    ifindex: m.attrs.num(C.RTA_OIF, 0),
    protocol: proto === 0 || proto === RTPROT_BOOT ? RTPROT_STATIC : proto,
    scope: RT_SCOPE_UNIVERSE,
    metric: m.attrs.num(C.RTA_PRIORITY, 0),
    prefsrc: m.attrs.inAddr(C.RTA_PREFSRC, 0),
  };
}

function newRoute(r: Rtnl, m: NlMsg): number {
  const route = defaultRouteOf(r, m);
  if (route === undefined) return -r.err.code;
  if (route.gateway === 0) return r.err.fail(EINVAL, "RTA_GATEWAY is required", -1);
  if (route.ifindex === 0) {
    // Like Linux: the interface whose connected prefix holds the gateway.
    const via = r.stack.routes.lookup(route.gateway);
    if (via === undefined || via.gateway !== 0) return r.err.fail(ENETUNREACH, "Nexthop has invalid gateway", -1);
    route.ifindex = via.ifindex;
  }
  const replace = band(m.flags, C.NLM_F_REPLACE) !== 0;
  if (!replace && band(m.flags, C.NLM_F_CREATE) === 0)
    return r.err.fail(ENOENT, "no such route (NLM_F_CREATE to add one)", -1);
  const res = r.stack.routes.add(route, replace);
  if (res < 0) r.err.set(-res, res === -EEXIST ? "File exists" : "Nexthop has invalid gateway", -1);
  return res;
}

function delRoute(r: Rtnl, m: NlMsg): number {
  const route = defaultRouteOf(r, m);
  if (route === undefined) return -r.err.code;
  const res = r.stack.routes.remove(0, 0, route.gateway, route.ifindex, route.metric);
  if (res < 0) r.err.set(-res, "No such process", -1);
  return res;
}

/** Dump step: the next route. */
function dumpRoutes(r: Rtnl, w: NlWriter, c: DumpCursor): boolean {
  const list = r.stack.routes.routes;
  if (c.pos >= list.length) return false;
  if (putRoute(w, list[c.pos], C.RTM_NEWROUTE, C.NLM_F_MULTI, c.seq, c.pid)) c.pos++;
  return true;
}

export function addRouteHandlers(r: Rtnl): void {
  r.register(new Handler<Rtnl>(C.RTM_GETROUTE, "get route", false, getRoute));
  r.register(new Handler<Rtnl>(C.RTM_NEWROUTE, "new route", true, newRoute));
  r.register(new Handler<Rtnl>(C.RTM_DELROUTE, "del route", true, delRoute));
}
