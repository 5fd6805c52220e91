// The IPv6 neighbour cache with Neighbor Unreachability Detection (RFC
// 4861 7.2, 7.3): nd6's states INCOMPLETE, REACHABLE, STALE, DELAY and
// PROBE, one held packet per unresolved neighbour, multicast solicitations
// while resolving and unicast ones while probing, the router flag. Fixed
// capacity; one clock timer for the whole table, set to the next deadline.
// What goes on the wire is the owner's (Nd6Output): this is the state.
import { alloc, compare, copy, len } from "@hal/bytes";
import type { Bytes, Clock, Random, TimerId } from "../../hal/types";

// nd6's numbering (FreeBSD ND6_LLINFO_*), which rtnetlink maps to NUD_*.
export const ND6_INCOMPLETE = 0;
export const ND6_REACHABLE = 1;
export const ND6_STALE = 2;
export const ND6_DELAY = 3;
export const ND6_PROBE = 4;

/** An entry came, changed state or link-layer address, or went. */
export const ND6_EV_NEW = 1;
export const ND6_EV_CHANGE = 2;
export const ND6_EV_DELETE = 3;

/** RFC 4861 10's protocol constants (ms, counts). */
export interface Nd6Params {
  maxMulticastSolicit: number;
  maxUnicastSolicit: number;
  reachableTime: number;
  retransTimer: number;
  delayFirstProbeTime: number;
}

export function defaultNd6Params(): Nd6Params {
  return {
    maxMulticastSolicit: 3,
    maxUnicastSolicit: 3,
    reachableTime: 30000,
    retransTimer: 1000,
    delayFirstProbeTime: 5000,
  };
}

/** What the cache asks of its owner. */
export interface Nd6Output {
  /** Send a Neighbor Solicitation for `target`: to its solicited-node group, or unicast to `lladdr`. */
  solicit(target: Bytes, lladdr: Bytes | undefined): void;
  /** Send the held packet now that `lladdr` is known. */
  send(packet: Bytes, lladdr: Bytes): void;
  /** Resolution failed: the held packet's sender gets address unreachable (RFC 4861 7.2.2). */
  unreachable(packet: Bytes): void;
  event(kind: number, e: Nd6Entry): void;
}

const ADDR = 16;
const LLADDR = 6;

export class Nd6Entry {
  readonly addr: Bytes = alloc(ADDR);
  readonly lladdr: Bytes = alloc(LLADDR);
  /** No link-layer address yet (INCOMPLETE). */
  hasLladdr = false;
  state = ND6_INCOMPLETE;
  isRouter = false;
  /** When the state's timer runs out (ms on the clock); -1 when it has none (STALE). */
  deadline = -1;
  /** Solicitations sent in this state. */
  probes = 0;
  held: Bytes | undefined = undefined;
  /** Last use, for choosing which STALE entry to give up when the table is full. */
  used = 0;
}

function sameBytes(a: Bytes, ao: number, b: Bytes, bo: number, n: number): boolean {
  return compare(a, ao, b, bo, n) === 0;
}

export class Nd6Cache {
  /** Dense (Lua arrays keep no holes): entries in use. */
  private readonly entries: Nd6Entry[] = [];
  private timer: TimerId = -1;
  private timerAt = -1;
  private readonly tickFn: () => void;
  /** Packets dropped: the table was full of entries still in use. */
  full = 0;

  constructor(
    readonly capacity: number,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly out: Nd6Output,
    readonly params: Nd6Params,
  ) {
    this.tickFn = () => {
      this.timer = -1;
      this.timerAt = -1;
      this.tick();
    };
  }

  count(): number {
    return this.entries.length;
  }

  at(i: number): Nd6Entry | undefined {
    return i >= 0 && i < this.entries.length ? this.entries[i] : undefined;
  }

  lookup(addr: Bytes, off: number): Nd6Entry | undefined {
    for (let i = 0; i < this.entries.length; i++)
      if (sameBytes(this.entries[i].addr, 0, addr, off, ADDR)) return this.entries[i];
    return undefined;
  }

  /**
   * The link-layer address to send to addr[off…], or undefined: then
   * `packet` (if any) is held, replacing an older one, until resolution ends.
   * Using a STALE entry starts DELAY (RFC 4861 7.3.3).
   */
  resolve(addr: Bytes, off: number, packet: Bytes | undefined): Bytes | undefined {
    let e = this.lookup(addr, off);
    const now = this.clock.now();
    if (e === undefined) {
      e = this.create(addr, off);
      if (e === undefined) return undefined;
      e.held = packet;
      e.probes = 1;
      this.setDeadline(e, now + this.params.retransTimer);
      this.out.event(ND6_EV_NEW, e);
      this.out.solicit(e.addr, undefined);
      return undefined;
    }
    e.used = now;
    if (e.state === ND6_INCOMPLETE) {
      if (packet !== undefined) e.held = packet;
      return undefined;
    }
    if (e.state === ND6_STALE) {
      this.enter(e, ND6_DELAY, now + this.params.delayFirstProbeTime);
      this.out.event(ND6_EV_CHANGE, e);
    }
    return e.lladdr;
  }

  /** Upper-layer confirmation that the neighbour answers (RFC 4861 7.3.1): REACHABLE. */
  confirm(addr: Bytes, off: number): void {
    const e = this.lookup(addr, off);
    if (e === undefined || e.state === ND6_INCOMPLETE) return;
    const was = e.state;
    this.reachable(e);
    if (was !== ND6_REACHABLE) this.out.event(ND6_EV_CHANGE, e);
  }

  /**
   * A Neighbor Advertisement for target[toff…] (RFC 4861 7.2.5): `tlla` its
   * target link-layer address option's address (lladdr[loff…], undefined
   * when absent), and its R, S and O flags.
   */
  advertised(
    target: Bytes,
    toff: number,
    tlla: Bytes | undefined,
    loff: number,
    router: boolean,
    solicited: boolean,
    override: boolean,
  ): void {
    const e = this.lookup(target, toff);
    if (e === undefined) return;
    const now = this.clock.now();
    if (e.state === ND6_INCOMPLETE) {
      if (tlla === undefined) return;
      copy(e.lladdr, 0, tlla, loff, LLADDR);
      e.hasLladdr = true;
      e.isRouter = router;
      if (solicited) this.reachable(e);
      else this.enter(e, ND6_STALE, -1);
      this.out.event(ND6_EV_CHANGE, e);
      this.flush(e);
      return;
    }
    const differs = tlla !== undefined && !sameBytes(e.lladdr, 0, tlla, loff, LLADDR);
    if (!override && differs) {
      // Someone else claims the address without override: only doubt a REACHABLE entry.
      if (e.state === ND6_REACHABLE) {
        this.enter(e, ND6_STALE, -1);
        this.out.event(ND6_EV_CHANGE, e);
      }
      return;
    }
    const before = e.state;
    if (differs && tlla !== undefined) copy(e.lladdr, 0, tlla, loff, LLADDR);
    if (solicited) this.reachable(e);
    else if (differs) this.enter(e, ND6_STALE, -1);
    e.isRouter = router;
    e.used = now;
    if (differs || e.state !== before) this.out.event(ND6_EV_CHANGE, e);
  }

  /**
   * A solicitation or advertisement from src[soff…] carrying its source
   * link-layer address (lladdr[loff…]) (RFC 4861 7.2.3, 6.3.4): a new entry
   * or a changed address is STALE; an INCOMPLETE one sends its held packet.
   */
  heardFrom(src: Bytes, soff: number, lladdr: Bytes, loff: number, fromRouterAdvert: boolean): void {
    let e = this.lookup(src, soff);
    if (e === undefined) {
      e = this.create(src, soff);
      if (e === undefined) return;
      copy(e.lladdr, 0, lladdr, loff, LLADDR);
      e.hasLladdr = true;
      this.enter(e, ND6_STALE, -1);
      if (fromRouterAdvert) e.isRouter = true;
      this.out.event(ND6_EV_NEW, e);
      return;
    }
    if (fromRouterAdvert) e.isRouter = true;
    const differs = !e.hasLladdr || !sameBytes(e.lladdr, 0, lladdr, loff, LLADDR);
    if (!differs) return;
    copy(e.lladdr, 0, lladdr, loff, LLADDR);
    const wasIncomplete = e.state === ND6_INCOMPLETE;
    e.hasLladdr = true;
    this.enter(e, ND6_STALE, -1);
    this.out.event(ND6_EV_CHANGE, e);
    if (wasIncomplete) this.flush(e);
  }

  /** Forgets addr[off…] (an administrator, or the interface going down). */
  remove(addr: Bytes, off: number): boolean {
    const e = this.lookup(addr, off);
    if (e === undefined) return false;
    this.drop(e);
    return true;
  }

  /** Forgets every entry (the interface left the wire: what it learned may not hold on the next). */
  clear(): void {
    while (this.entries.length > 0) this.drop(this.entries[this.entries.length - 1]);
  }

  // --- internals --------------------------------------------------------------

  private create(addr: Bytes, off: number): Nd6Entry | undefined {
    if (this.entries.length >= this.capacity && !this.evictStale()) {
      this.full++;
      return undefined;
    }
    const e = new Nd6Entry();
    copy(e.addr, 0, addr, off, ADDR);
    e.used = this.clock.now();
    this.entries.push(e);
    return e;
  }

  /** Gives up the least recently used STALE entry; false when there is none. */
  private evictStale(): boolean {
    let victim: Nd6Entry | undefined = undefined;
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (e.state === ND6_STALE && (victim === undefined || e.used < victim.used)) victim = e;
    }
    if (victim === undefined) return false;
    this.drop(victim);
    return true;
  }

  private reachable(e: Nd6Entry): void {
    // RFC 4861 6.3.2: a random value between 0.5 and 1.5 times the base.
    const base = this.params.reachableTime;
    const t = Math.floor(base / 2 + ((this.random.u32() % 1000000) / 1000000) * base);
    this.enter(e, ND6_REACHABLE, this.clock.now() + t);
  }

  private enter(e: Nd6Entry, state: number, deadline: number): void {
    e.state = state;
    e.probes = 0;
    this.setDeadline(e, deadline);
  }

  private setDeadline(e: Nd6Entry, at: number): void {
    e.deadline = at;
    if (at >= 0) this.arm(at);
  }

  private flush(e: Nd6Entry): void {
    const p = e.held;
    e.held = undefined;
    if (p !== undefined && len(p) > 0) this.out.send(p, e.lladdr);
  }

  private drop(e: Nd6Entry): void {
    for (let i = 0; i < this.entries.length; i++)
      if (this.entries[i] === e) {
        this.entries.splice(i, 1);
        break;
      }
    this.out.event(ND6_EV_DELETE, e);
  }

  private tick(): void {
    const now = this.clock.now();
    const p = this.params;
    // Backwards: an entry may leave the table as we go.
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (e.deadline < 0 || e.deadline > now) continue;
      if (e.state === ND6_INCOMPLETE) {
        if (e.probes >= p.maxMulticastSolicit) {
          const held = e.held;
          e.held = undefined;
          this.drop(e);
          if (held !== undefined) this.out.unreachable(held);
          continue;
        }
        e.probes++;
        e.deadline = now + p.retransTimer;
        this.out.solicit(e.addr, undefined);
      } else if (e.state === ND6_REACHABLE) {
        this.enter(e, ND6_STALE, -1);
        this.out.event(ND6_EV_CHANGE, e);
      } else if (e.state === ND6_DELAY) {
        this.enter(e, ND6_PROBE, now + p.retransTimer);
        e.probes = 1;
        this.out.event(ND6_EV_CHANGE, e);
        this.out.solicit(e.addr, e.lladdr);
      } else if (e.state === ND6_PROBE) {
        if (e.probes >= p.maxUnicastSolicit) {
          this.drop(e);
          continue;
        }
        e.probes++;
        e.deadline = now + p.retransTimer;
        this.out.solicit(e.addr, e.lladdr);
      }
    }
    // The next deadline, if any.
    let next = -1;
    for (let i = 0; i < this.entries.length; i++) {
      const d = this.entries[i].deadline;
      if (d >= 0 && (next < 0 || d < next)) next = d;
    }
    if (next >= 0) this.arm(next);
  }

  /** The table's one timer, at `at` unless it already fires sooner. */
  private arm(at: number): void {
    if (this.timer !== -1 && this.timerAt <= at) return;
    if (this.timer !== -1) this.clock.clear(this.timer);
    this.timerAt = at;
    this.timer = this.clock.set(this.tickFn, Math.max(0, at - this.clock.now()));
  }
}
