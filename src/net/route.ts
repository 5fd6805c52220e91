// A minimal IPv4 routing table: connected prefixes (owned by addresses, see
// inaddr.ts), host routes, and default routes, with longest-prefix match.
// Fixed capacity; protocols and scopes use the rtnetlink numbers.
import { band, shl } from "@hal/u32";
import { EEXIST, ENETUNREACH, ENOENT, ENOSPC, EINVAL } from "./errno";
import type { NetEvents } from "./events";
import type { Interfaces } from "./ifnet";

export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_DHCP = 16;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;

export const ROUTE_NEW = 1;
export const ROUTE_DEL = 2;

export interface Route {
  dst: number;
  prefixLen: number;
  /** 0 for a directly connected destination. */
  gateway: number;
  ifindex: number;
  protocol: number;
  scope: number;
  metric: number;
  /** Preferred source address, 0 when none. */
  prefsrc: number;
}

/** The netmask of a prefix length (0..32). */
export function maskOf(prefixLen: number): number {
  return prefixLen <= 0 ? 0 : shl(0xffffffff, 32 - prefixLen);
}

/** The prefix length of a contiguous netmask, or -1 when the mask has holes. */
export function prefixLenOf(mask: number): number {
  for (let n = 0; n <= 32; n++) if (maskOf(n) === mask) return n;
  return -1;
}

export class RouteTable {
  readonly routes: Route[] = [];

  constructor(
    readonly capacity: number,
    private readonly ifs: Interfaces,
    private readonly events: NetEvents,
  ) {}

  /** The slot of the route to dst/prefixLen at `metric`, or -1. */
  find(dst: number, prefixLen: number, metric: number): number {
    for (let i = 0; i < this.routes.length; i++) {
      const r = this.routes[i];
      if (r.dst === dst && r.prefixLen === prefixLen && r.metric === metric) return i;
    }
    return -1;
  }

  /** Whether adding `dst/prefixLen` at `metric` would need no new slot or find one. */
  hasRoomFor(dst: number, prefixLen: number, metric: number): boolean {
    return this.routes.length < this.capacity || this.find(band(dst, maskOf(prefixLen)), prefixLen, metric) >= 0;
  }

  /**
   * Adds a route (0 or -errno). The destination is masked to its prefix; a
   * gateway must be reachable directly through a connected route of the
   * route's interface; `replace` overwrites an existing route to the same
   * prefix and metric instead of failing with EEXIST.
   */
  add(r: Route, replace: boolean): number {
    if (r.prefixLen < 0 || r.prefixLen > 32 || this.ifs.byIndex(r.ifindex) === undefined) return -EINVAL;
    r.dst = band(r.dst, maskOf(r.prefixLen));
    if (r.gateway !== 0) {
      const via = this.lookupOn(r.gateway, r.ifindex);
      if (via === undefined || via.gateway !== 0) return -ENETUNREACH;
    }
    const at = this.find(r.dst, r.prefixLen, r.metric);
    if (at >= 0) {
      if (!replace) return -EEXIST;
      // A replacement is one change, announced once (as Linux's NLM_F_REPLACE notification).
      this.routes[at] = r;
      this.emit(ROUTE_NEW, r);
      return 0;
    }
    if (this.routes.length >= this.capacity) return -ENOSPC;
    this.routes.push(r);
    this.emit(ROUTE_NEW, r);
    return 0;
  }

  /** Removes the route to dst/prefixLen; a gateway or interface of 0 (or -1 metric) matches any. */
  remove(dst: number, prefixLen: number, gateway: number, ifindex: number, metric: number): number {
    for (let i = 0; i < this.routes.length; i++) {
      const r = this.routes[i];
      if (r.dst !== band(dst, maskOf(prefixLen)) || r.prefixLen !== prefixLen) continue;
      if (gateway !== 0 && r.gateway !== gateway) continue;
      if (ifindex !== 0 && r.ifindex !== ifindex) continue;
      if (metric >= 0 && r.metric !== metric) continue;
      this.routes.splice(i, 1);
      this.emit(ROUTE_DEL, r);
      return 0;
    }
    return -ENOENT;
  }

  /** Removes every route leaving through `ifindex` that `doomed` selects. */
  removeWhere(ifindex: number, doomed: (r: Route) => boolean): void {
    let i = 0;
    while (i < this.routes.length) {
      const r = this.routes[i];
      if (r.ifindex === ifindex && doomed(r)) {
        this.routes.splice(i, 1);
        this.emit(ROUTE_DEL, r);
      } else i++;
    }
  }

  /** Longest-prefix match among routes whose interface is up, lowest metric first on a tie. */
  lookup(dst: number): Route | undefined {
    return this.best(dst, 0, true);
  }

  /** The best route through one interface, whatever its state (on-link checks). */
  lookupOn(dst: number, ifindex: number): Route | undefined {
    return this.best(dst, ifindex, false);
  }

  private best(dst: number, ifindex: number, needRunning: boolean): Route | undefined {
    let best: Route | undefined = undefined;
    for (let i = 0; i < this.routes.length; i++) {
      const r = this.routes[i];
      if (ifindex !== 0 && r.ifindex !== ifindex) continue;
      if (band(dst, maskOf(r.prefixLen)) !== r.dst) continue;
      if (needRunning) {
        const ifp = this.ifs.byIndex(r.ifindex);
        if (ifp === undefined || !ifp.running()) continue;
      }
      if (
        best === undefined ||
        r.prefixLen > best.prefixLen ||
        (r.prefixLen === best.prefixLen && r.metric < best.metric)
      )
        best = r;
    }
    return best;
  }

  private emit(kind: number, r: Route): void {
    this.events.emit("route", kind, r, undefined);
  }
}
