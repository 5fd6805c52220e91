// IPv4 interface addresses with the semantics of FreeBSD's netinet/in.c:
// - several addresses per interface; adding an address that exists on the
//   interface replaces it;
// - no netmask: the classful one; /31 (RFC 3021) broadcasts to
//   255.255.255.255; otherwise the broadcast is derived unless given;
// - a point-to-point interface needs a destination; loopback and
//   point-to-point addresses get a host route to the destination;
// - the first address owning a prefix owns its connected route; when it
//   goes, the route passes to another address of the same prefix on an up
//   interface, and only when none is left are the route and the prefix's
//   ARP entries removed (static ones only when asked);
// - in_broadcast: which destinations are broadcasts on an interface.
// Lifetimes (valid, preferred) let DHCP attach its lease to an address.
import { band, bor, bxor } from "@hal/u32";
import type { Clock } from "../../hal/types";
import type { NetEvents } from "./events";
import { EADDRNOTAVAIL, EDESTADDRREQ, EINVAL, ENOSPC } from "./errno";
import { IFF_BROADCAST, IFF_LOOPBACK, IFF_NOARP, IFF_POINTOPOINT, IFF_UP, type Ifnet, type Interfaces } from "./ifnet";
import { maskOf, prefixLenOf, type RouteTable, RT_SCOPE_HOST, RT_SCOPE_LINK, RTPROT_KERNEL } from "./route";

export const INADDR_ANY = 0;
export const INADDR_BROADCAST = 0xffffffff;
export const RFC3021_MASK = 0xfffffffe;
/** A lifetime that never runs out (Linux INFINITY_LIFE_TIME). */
export const LIFETIME_INFINITE = 0xffffffff;

// Linux IFA_F_* values, as the control channel reports them.
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_PERMANENT = 0x80;

export const ADDR_NEW = 1;
export const ADDR_DEL = 2;
/** Lifetimes or the deprecated flag changed. */
export const ADDR_CHANGE = 3;

export class InAddr {
  /** Owns the connected route of its prefix (FreeBSD IFA_ROUTE); the others are secondaries. */
  ownsRoute = false;
  deprecated = false;
  /** Absolute clock times (ms); -1 when the lifetime is infinite. */
  validUntil = -1;
  preferredUntil = -1;
  created = 0;
  updated = 0;

  constructor(
    readonly ifp: Ifnet,
    readonly addr: number,
    readonly mask: number,
    readonly prefixLen: number,
    readonly broadcast: number,
    /** Peer (point-to-point) or the address itself (loopback); 0 otherwise. */
    readonly dst: number,
    readonly label: string,
  ) {}

  subnet(): number {
    return band(this.addr, this.mask);
  }

  /** Linux IFA_F_* flags. */
  flags(): number {
    let f = 0;
    if (!this.ownsRoute) f += IFA_F_SECONDARY;
    if (this.deprecated) f += IFA_F_DEPRECATED;
    if (this.validUntil < 0) f += IFA_F_PERMANENT;
    return f;
  }
}

export interface AddrRequest {
  addr: number;
  /** -1: none given, derive from the class. */
  mask: number;
  /** -1: none given, derive. */
  broadcast: number;
  /** Destination of a point-to-point link, 0 when none. */
  dst: number;
  /** Seconds, LIFETIME_INFINITE for none. */
  valid: number;
  preferred: number;
  label: string;
}

export function addrRequest(addr: number, prefixLen: number): AddrRequest {
  return {
    addr: addr,
    mask: prefixLen < 0 ? -1 : maskOf(prefixLen),
    broadcast: -1,
    dst: 0,
    valid: LIFETIME_INFINITE,
    preferred: LIFETIME_INFINITE,
    label: "",
  };
}

/** The classful netmask in.c falls back to when none is given. */
export function classfulMask(addr: number): number {
  if (addr < 0x80000000) return 0xff000000;
  if (addr < 0xc0000000) return 0xffff0000;
  return 0xffffff00;
}

export class AddrTable {
  /** Every address of every interface, in the order they were added. */
  readonly list: InAddr[] = [];
  private timer = 0;
  private armed = false;
  private readonly onTimer: () => void;

  constructor(
    readonly capacity: number,
    private readonly ifs: Interfaces,
    private readonly routes: RouteTable,
    private readonly clock: Clock,
    private readonly events: NetEvents,
  ) {
    this.onTimer = () => {
      this.armed = false;
      this.expire();
    };
  }

  /** Adds (or replaces) an address on `ifp`: 0 or -errno. */
  add(ifp: Ifnet, req: AddrRequest): number {
    const a = req.addr;
    if (a === INADDR_BROADCAST || (a >= 0xe0000000 && a < 0xf0000000)) return -EINVAL;
    const mask = req.mask < 0 ? classfulMask(a) : req.mask;
    const plen = prefixLenOf(mask);
    if (plen < 0) return -EINVAL;
    const p2p = ifp.has(IFF_POINTOPOINT);
    if (p2p && req.dst === INADDR_ANY) return -EDESTADDRREQ;
    if (req.preferred !== LIFETIME_INFINITE && (req.valid === LIFETIME_INFINITE ? false : req.preferred > req.valid))
      return -EINVAL;

    const existing = this.findOn(ifp, a);
    if (existing === undefined && this.list.length >= this.capacity) return -ENOSPC;

    let brd = 0;
    if (ifp.has(IFF_BROADCAST)) {
      if (req.broadcast >= 0) brd = req.broadcast;
      else if (mask === RFC3021_MASK) brd = INADDR_BROADCAST;
      else brd = bor(band(a, mask), bxor(mask, 0xffffffff));
    }
    let dst = 0;
    if (p2p) dst = req.dst;
    if (ifp.has(IFF_LOOPBACK)) dst = a;

    const ia = new InAddr(ifp, a, mask, plen, brd, dst, req.label !== "" ? req.label : ifp.name);
    // Checked before anything changes: a replace refused for want of a route slot keeps the old address.
    if (!this.prefixFits(ia, existing)) return -ENOSPC;
    if (existing !== undefined) this.unlink(existing, true);
    ia.created = this.clock.now();
    this.applyLifetimes(ia, req.valid, req.preferred);
    this.list.push(ia);

    const err = this.addPrefix(ia);
    if (err < 0) {
      this.list.splice(this.list.length - 1, 1);
      return err;
    }
    this.events.emit("addr", ADDR_NEW, ia, undefined);
    this.rearm();
    return 0;
  }

  /**
   * Deletes `addr` from `ifp` (INADDR_ANY: its first address): 0 or
   * -EADDRNOTAVAIL. `scrubStatic` also removes static ARP entries of the
   * prefix and the address's own entry, as an administrator's delete does.
   */
  remove(ifp: Ifnet, addr: number, scrubStatic: boolean): number {
    let ia = this.findOn(ifp, addr);
    if (ia === undefined && addr === INADDR_ANY) ia = this.firstOn(ifp);
    if (ia === undefined) return -EADDRNOTAVAIL;
    this.unlink(ia, scrubStatic);
    this.rearm();
    return 0;
  }

  /** Removes every address of an interface (detach, flush). */
  flush(ifp: Ifnet): number {
    let n = 0;
    let ia = this.firstOn(ifp);
    while (ia !== undefined) {
      this.unlink(ia, true);
      n++;
      ia = this.firstOn(ifp);
    }
    this.rearm();
    return n;
  }

  /** New lifetimes for an existing address (a DHCP renewal): 0 or -errno. */
  setLifetimes(ia: InAddr, valid: number, preferred: number): number {
    if (preferred !== LIFETIME_INFINITE && valid !== LIFETIME_INFINITE && preferred > valid) return -EINVAL;
    this.applyLifetimes(ia, valid, preferred);
    this.events.emit("addr", ADDR_CHANGE, ia, undefined);
    this.rearm();
    return 0;
  }

  private applyLifetimes(ia: InAddr, valid: number, preferred: number): void {
    const now = this.clock.now();
    ia.updated = now;
    ia.validUntil = valid === LIFETIME_INFINITE ? -1 : now + valid * 1000;
    ia.preferredUntil = preferred === LIFETIME_INFINITE ? -1 : now + preferred * 1000;
    ia.deprecated = preferred === 0;
  }

  /** Seconds of lifetime left (LIFETIME_INFINITE when unbounded), as IFA_CACHEINFO reports them. */
  remaining(until: number): number {
    if (until < 0) return LIFETIME_INFINITE;
    const left = Math.floor((until - this.clock.now()) / 1000);
    return left > 0 ? left : 0;
  }

  findOn(ifp: Ifnet, addr: number): InAddr | undefined {
    for (let i = 0; i < this.list.length; i++) {
      const ia = this.list[i];
      if (ia.ifp === ifp && ia.addr === addr) return ia;
    }
    return undefined;
  }

  firstOn(ifp: Ifnet): InAddr | undefined {
    for (let i = 0; i < this.list.length; i++) if (this.list[i].ifp === ifp) return this.list[i];
    return undefined;
  }

  /** The address `addr` configured on any interface (in_localip), or undefined. */
  local(addr: number): InAddr | undefined {
    for (let i = 0; i < this.list.length; i++) if (this.list[i].addr === addr) return this.list[i];
    return undefined;
  }

  /** Is `addr` inside a prefix of any address (in_localaddr)? */
  onLocalSubnet(addr: number): boolean {
    for (let i = 0; i < this.list.length; i++) {
      const ia = this.list[i];
      if (band(addr, ia.mask) === ia.subnet()) return true;
    }
    return false;
  }

  /** in_broadcast: might `addr` be a broadcast address on `ifp`? */
  isBroadcast(addr: number, ifp: Ifnet): boolean {
    if (addr === INADDR_BROADCAST || addr === INADDR_ANY) return true;
    if (!ifp.has(IFF_BROADCAST)) return false;
    for (let i = 0; i < this.list.length; i++) {
      const ia = this.list[i];
      if (ia.ifp !== ifp || ia.mask === 0xffffffff) continue;
      // The old all-zeros-host broadcast counts too, except on /31 where RFC 3021 made it an address.
      if (addr === ia.broadcast || (ia.mask !== RFC3021_MASK && addr === ia.subnet())) return true;
    }
    return false;
  }

  /** The source address for a destination through `ifp`: one on the same prefix, else the first. */
  sourceFor(ifp: Ifnet, dst: number): number {
    let first = -1;
    for (let i = 0; i < this.list.length; i++) {
      const ia = this.list[i];
      if (ia.ifp !== ifp) continue;
      if (band(dst, ia.mask) === ia.subnet()) return ia.addr;
      if (first < 0) first = ia.addr;
    }
    return first < 0 ? INADDR_ANY : first;
  }

  // --- prefix routes (in_addprefix / in_scrubprefix) --------------------

  private isHostRoute(ia: InAddr): boolean {
    return ia.ifp.has(IFF_LOOPBACK) || ia.ifp.has(IFF_POINTOPOINT);
  }

  // Host routes are keyed by the destination alone; prefix routes by prefix and mask.
  private samePrefix(a: InAddr, b: InAddr): boolean {
    const ah = this.isHostRoute(a);
    if (ah !== this.isHostRoute(b)) return false;
    if (ah) return a.dst === b.dst;
    return a.mask === b.mask && a.subnet() === b.subnet();
  }

  /** Whether addPrefix(target) will find its route a slot once `leaving` (an address being replaced) is gone. */
  private prefixFits(target: InAddr, leaving: InAddr | undefined): boolean {
    let leavingShares = false;
    for (let i = 0; i < this.list.length; i++) {
      const ia = this.list[i];
      if (ia === leaving) continue;
      if (ia.ownsRoute && this.samePrefix(ia, target)) return true;
      if (leaving !== undefined && this.samePrefix(ia, leaving)) leavingShares = true;
    }
    const host = this.isHostRoute(target);
    if (this.routes.hasRoomFor(host ? target.dst : target.subnet(), host ? 32 : target.prefixLen, 0)) return true;
    // The replaced address's own prefix route goes with it, unless an alias inherits it.
    return leaving !== undefined && leaving.ownsRoute && !leavingShares;
  }

  private addPrefix(target: InAddr): number {
    for (let i = 0; i < this.list.length; i++) {
      const ia = this.list[i];
      if (ia !== target && ia.ownsRoute && this.samePrefix(ia, target)) return 0; // an alias: the route exists
    }
    const err = this.installRoute(target);
    if (err === 0) target.ownsRoute = true;
    return err;
  }

  /**
   * The interface was taken down: its prefix routes and the routes through
   * it go (the addresses stay, and keep their claim on their prefix).
   */
  ifDown(ifp: Ifnet): void {
    for (let i = 0; i < this.list.length; i++) {
      const ia = this.list[i];
      if (ia.ifp === ifp && ia.ownsRoute) this.uninstallRoute(ia);
    }
    this.routes.removeWhere(ifp.index, () => true);
  }

  /** Back up: the prefix routes of its addresses return (not routes through gateways: their owners re-add them). */
  ifUp(ifp: Ifnet): void {
    for (let i = 0; i < this.list.length; i++) {
      const ia = this.list[i];
      if (ia.ifp === ifp && ia.ownsRoute) this.installRoute(ia);
    }
  }

  private installRoute(ia: InAddr): number {
    const host = this.isHostRoute(ia);
    return this.routes.add(
      {
        dst: host ? ia.dst : ia.subnet(),
        prefixLen: host ? 32 : ia.prefixLen,
        gateway: 0,
        ifindex: ia.ifp.index,
        protocol: RTPROT_KERNEL,
        scope: ia.ifp.has(IFF_LOOPBACK) ? RT_SCOPE_HOST : RT_SCOPE_LINK,
        metric: 0,
        prefsrc: ia.addr,
      },
      true,
    );
  }

  private uninstallRoute(ia: InAddr): void {
    const host = this.isHostRoute(ia);
    this.routes.remove(host ? ia.dst : ia.subnet(), host ? 32 : ia.prefixLen, 0, ia.ifp.index, 0);
  }

  private unlink(ia: InAddr, scrubStatic: boolean): void {
    for (let i = 0; i < this.list.length; i++) {
      if (this.list[i] === ia) {
        this.list.splice(i, 1);
        break;
      }
    }
    this.scrubPrefix(ia, scrubStatic);
    // Routes through a gateway that is no longer on-link go with the prefix (in_ifadown).
    const ifindex = ia.ifp.index;
    this.routes.removeWhere(ifindex, (r) => {
      if (r.gateway === 0) return false;
      const via = this.routes.lookupOn(r.gateway, ifindex);
      return via === undefined || via.gateway !== 0;
    });
    this.events.emit("addr", ADDR_DEL, ia, undefined);
  }

  private scrubPrefix(target: InAddr, scrubStatic: boolean): void {
    const ifp = target.ifp;
    const llt = ifp.lltable;
    if (scrubStatic && target.addr !== INADDR_ANY && !ifp.has(IFF_LOOPBACK) && !ifp.has(IFF_NOARP) && llt !== undefined)
      llt.remove(target.addr, true);
    if (!target.ownsRoute) return;
    for (let i = 0; i < this.list.length; i++) {
      const ia = this.list[i];
      if (ia.ownsRoute || !ia.ifp.has(IFF_UP) || !this.samePrefix(ia, target)) continue;
      // Hand the route over to the surviving address of the prefix.
      this.uninstallRoute(target);
      target.ownsRoute = false;
      if (this.installRoute(ia) === 0) ia.ownsRoute = true;
      return;
    }
    const ifl = this.ifs.list;
    for (let i = 0; i < ifl.length; i++) {
      const t = ifl[i].lltable;
      if (t !== undefined) t.prefixFree(target.subnet(), target.mask, scrubStatic);
    }
    this.uninstallRoute(target);
    target.ownsRoute = false;
  }

  // --- lifetimes ---------------------------------------------------------

  /** Deprecates addresses past their preferred lifetime and removes those past their valid one. */
  expire(): void {
    const now = this.clock.now();
    let i = 0;
    while (i < this.list.length) {
      const ia = this.list[i];
      if (ia.validUntil >= 0 && ia.validUntil <= now) {
        this.unlink(ia, true);
        continue;
      }
      if (!ia.deprecated && ia.preferredUntil >= 0 && ia.preferredUntil <= now) {
        ia.deprecated = true;
        this.events.emit("addr", ADDR_CHANGE, ia, undefined);
      }
      i++;
    }
    this.rearm();
  }

  private rearm(): void {
    let next = -1;
    for (let i = 0; i < this.list.length; i++) {
      const ia = this.list[i];
      if (ia.validUntil >= 0 && (next < 0 || ia.validUntil < next)) next = ia.validUntil;
      if (!ia.deprecated && ia.preferredUntil >= 0 && (next < 0 || ia.preferredUntil < next)) next = ia.preferredUntil;
    }
    if (this.armed) this.clock.clear(this.timer);
    this.armed = next >= 0;
    if (this.armed) {
      const wait = next - this.clock.now();
      this.timer = this.clock.set(this.onTimer, wait > 0 ? wait : 0);
    }
  }
}
