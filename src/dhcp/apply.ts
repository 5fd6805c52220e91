// Putting a lease on an interface and taking it off: the address with the
// lease's lifetimes, the default route through its first router, and the
// server's ARP entry pinned so renewals survive an ARP flood.
import { EEXIST } from "../net/errno";
import type { Ifnet } from "../net/ifnet";
import { type AddrTable, addrRequest } from "../net/inaddr";
import { prefixLenOf, RTPROT_DHCP, RT_SCOPE_UNIVERSE, type RouteTable } from "../net/route";
import type { DhcpLease } from "./lease";

/** The tables a lease is written to. */
export interface LeaseTables {
  readonly addrs: AddrTable;
  readonly routes: RouteTable;
}

/**
 * Configures `next` on `ifp` in place of `cur` (in force when `had`): 0, or
 * the -errno with which the address was refused (nothing else changed then,
 * except that a different old address is already gone).
 */
export function applyLease(t: LeaseTables, ifp: Ifnet, next: DhcpLease, cur: DhcpLease, had: boolean): number {
  if (had && cur.addr !== next.addr) removeLease(t, ifp, cur);
  const existing = t.addrs.findOn(ifp, next.addr);
  const life = next.leaseSecs;
  if (existing !== undefined && existing.mask === next.mask) t.addrs.setLifetimes(existing, life, life);
  else {
    const req = addrRequest(next.addr, prefixLenOf(next.mask));
    req.valid = life;
    req.preferred = life;
    const err = t.addrs.add(ifp, req);
    if (err < 0) return err;
  }
  const oldRouter = had && cur.routers.length > 0 ? cur.routers[0] : 0;
  const newRouter = next.routers.length > 0 ? next.routers[0] : 0;
  if (oldRouter !== 0 && oldRouter !== newRouter) removeRoute(t, ifp, oldRouter);
  if (newRouter !== 0) {
    const route = {
      dst: 0,
      prefixLen: 0,
      gateway: newRouter,
      ifindex: ifp.index,
      protocol: RTPROT_DHCP,
      scope: RT_SCOPE_UNIVERSE,
      metric: 0,
      prefsrc: next.addr,
    };
    const err = t.routes.add(route, false);
    if (err === -EEXIST) {
      const other = t.routes.lookup(0);
      // Replace only a default route DHCP made; an administrator's static one wins.
      if (other !== undefined && other.prefixLen === 0 && other.protocol === RTPROT_DHCP) t.routes.add(route, true);
    }
  }
  return 0;
}

/** Removes the lease's address and default route. */
export function removeLease(t: LeaseTables, ifp: Ifnet, l: DhcpLease): void {
  if (l.routers.length > 0) removeRoute(t, ifp, l.routers[0]);
  t.addrs.remove(ifp, l.addr, true);
}

// The default route a lease made: an administrator's through the same router is not the lease's to take.
function removeRoute(t: LeaseTables, ifp: Ifnet, router: number): void {
  t.routes.removeWhere(ifp.index, (r) => r.prefixLen === 0 && r.gateway === router && r.protocol === RTPROT_DHCP);
}

/** Keeps (or stops keeping) the lease server's ARP entry through evictions. */
export function pinServer(ifp: Ifnet, l: DhcpLease, on: boolean): void {
  const llt = ifp.lltable;
  if (llt !== undefined && l.server !== 0 && l.addr !== 0) llt.pin(l.server, on);
}
