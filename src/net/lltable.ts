// The IPv4 link-layer table (ARP cache) of one interface: a fixed number of
// 16-byte entries in one HAL buffer, found by open addressing on the
// address. Behaviour follows FreeBSD's in_lltable (entries only for on-link
// destinations unless static or our own, one held packet per unresolved
// entry) with Linux's neighbour states (INCOMPLETE, REACHABLE, STALE, DELAY,
// PROBE) so the control channel can report them as NUD_* values.
//
// Entry layout (16 bytes):
//   0..3   IPv4 address
//   4..9   hardware address (valid unless INCOMPLETE)
//   10     in-use bit (128) | state << 4 | flags (STATIC, IFADDR, PUB, ROUTER)
//   11     probes sent in the current INCOMPLETE/PROBE round
//   12..13 deadline, in 1/8 s ticks modulo 2^16 (about 2.3 h of horizon)
//   14..15 last use, same ticks; the least recently used entry is evicted
import { alloc, compare, copy, get8, get16, get32, set8, set16, set32 } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes, Clock } from "../../hal/types";
import { ETH_ALEN } from "../wire/ether";
import { EHOSTUNREACH, ENOSPC } from "./errno";

export const LLE_STATIC = 1;
export const LLE_IFADDR = 2;
export const LLE_PUB = 4;
export const LLE_ROUTER = 8;

export const LLS_INCOMPLETE = 0;
export const LLS_REACHABLE = 1;
export const LLS_STALE = 2;
export const LLS_DELAY = 3;
export const LLS_PROBE = 4;

export const LLE_EVENT_RESOLVED = 1;
export const LLE_EVENT_DELETED = 2;

/** resolve() outcomes besides a negative errno. */
export const RESOLVED = 0;
export const HELD = 1;

/** input() outcomes, for the ARP counters. */
export const MERGE_NONE = 0;
export const MERGE_UPDATED = 1;
export const MERGE_CREATED = 2;
export const MERGE_STATIC_REFUSED = 3;

export const LLE_BYTES = 16;
// Where each field of an entry sits (the layout above); only this file reads them.
const LLE_IP = 0;
const LLE_MAC = 4;
const LLE_META = 10;
const LLE_PROBES = 11;
const LLE_DEADLINE = 12;
const LLE_USED = 14;
const INUSE = 128;
const TICK_MS = 125;
const TICKS = 65536;
const HALF = 32768;
const NONE = -1;
const MAX_PINNED = 4;

export interface LltableParams {
  capacity: number;
  /** How long a confirmed entry stays REACHABLE. */
  reachableMs: number;
  /** How long an unused STALE entry is kept before it is collected. */
  staleMs: number;
  /** DELAY before the first unicast probe of a STALE entry in use. */
  delayMs: number;
  /** Interval between requests for one entry: at most one per this. */
  retransMs: number;
  /** Broadcast requests for an INCOMPLETE entry before giving up. */
  maxMulticastProbes: number;
  /** Unicast requests in PROBE before giving up. */
  maxUnicastProbes: number;
}

/** Linux's neighbour defaults; staleMs stays well inside the tick horizon. */
export function defaultLltableParams(capacity: number): LltableParams {
  return {
    capacity: capacity,
    reachableMs: 30000,
    staleMs: 600000,
    delayMs: 5000,
    retransMs: 1000,
    maxMulticastProbes: 3,
    maxUnicastProbes: 3,
  };
}

/** What the table needs from the interface it belongs to. */
export interface LltableHost {
  /** Sends an ARP request for `ip`: unicast to the entry's address in PROBE, else broadcast. */
  solicit(ip: number, unicastTo: Bytes | undefined, unicastOff: number): void;
  /** Transmits a held frame whose destination address has just been filled in. */
  transmit(frame: Bytes): void;
  /** May an entry be created for `ip` (covered by a connected route of this interface)? */
  onLink(ip: number): boolean;
  /** Resolution or deletion of the entry in `slot` (still readable during the call). */
  event(kind: number, slot: number): void;
}

export interface LltableStats {
  requests: number;
  resolved: number;
  failed: number;
  evicted: number;
  heldDropped: number;
  staticRefused: number;
  /** New entries not made because every candidate for eviction was protected, or unsolicited learning was over its rate. */
  evictRefused: number;
}

export class Lltable {
  readonly capacity: number;
  readonly store: Bytes;
  readonly stats: LltableStats = {
    requests: 0,
    resolved: 0,
    failed: 0,
    evicted: 0,
    heldDropped: 0,
    staticRefused: 0,
    evictRefused: 0,
  };
  private held: (Bytes | undefined)[] = [];
  /** Addresses whose entries no learning may evict (a DHCP server in use): a few, set by their users. */
  private pinned: number[] = [];
  /** When unsolicited learning last evicted an entry: it may do so once per retransMs, so a flood cannot churn the table. */
  private lastUnsolicitedEvict = -1;
  private timer = 0;
  private armedMs = -1;
  private readonly onTimer: () => void;

  constructor(
    readonly params: LltableParams,
    private readonly clock: Clock,
    private readonly host: LltableHost,
  ) {
    this.capacity = params.capacity;
    this.store = alloc(params.capacity * LLE_BYTES);
    this.onTimer = () => {
      this.armedMs = -1;
      this.expire();
    };
  }

  // --- entry fields -------------------------------------------------------

  inUse(slot: number): boolean {
    return get8(this.store, slot * LLE_BYTES + LLE_META) >= INUSE;
  }
  ipAt(slot: number): number {
    return get32(this.store, slot * LLE_BYTES + LLE_IP);
  }
  stateAt(slot: number): number {
    return Math.floor(get8(this.store, slot * LLE_BYTES + LLE_META) / 16) % 8;
  }
  flagsAt(slot: number): number {
    return get8(this.store, slot * LLE_BYTES + LLE_META) % 16;
  }
  probesAt(slot: number): number {
    return get8(this.store, slot * LLE_BYTES + LLE_PROBES);
  }
  /** The hardware address is meaningful (not INCOMPLETE). */
  validAt(slot: number): boolean {
    return this.stateAt(slot) !== LLS_INCOMPLETE;
  }
  /** Where the entry's hardware address is in `store` (for readers that take a buffer and an offset). */
  macOff(slot: number): number {
    return slot * LLE_BYTES + LLE_MAC;
  }
  macInto(slot: number, dst: Bytes, off: number): void {
    copy(dst, off, this.store, slot * LLE_BYTES + LLE_MAC, ETH_ALEN);
  }
  /** Milliseconds until the entry's timer fires, or -1 for a static entry. */
  expiresInMs(slot: number): number {
    if (this.flagsAt(slot) % 2 === LLE_STATIC) return -1;
    return this.ticksUntil(get16(this.store, slot * LLE_BYTES + LLE_DEADLINE)) * TICK_MS;
  }
  /** Milliseconds since the entry was last used to send. */
  idleMs(slot: number): number {
    return ((this.nowTicks() - get16(this.store, slot * LLE_BYTES + LLE_USED) + TICKS) % TICKS) * TICK_MS;
  }
  hasHeld(slot: number): boolean {
    return this.held[slot] !== undefined;
  }

  count(): number {
    let n = 0;
    for (let i = 0; i < this.capacity; i++) if (this.inUse(i)) n++;
    return n;
  }

  private setMeta(slot: number, state: number, flags: number): void {
    set8(this.store, slot * LLE_BYTES + LLE_META, INUSE + state * 16 + flags);
  }
  private setState(slot: number, state: number): void {
    this.setMeta(slot, state, this.flagsAt(slot));
  }
  private setProbes(slot: number, n: number): void {
    set8(this.store, slot * LLE_BYTES + LLE_PROBES, n > 255 ? 255 : n);
  }
  private isStatic(slot: number): boolean {
    return this.flagsAt(slot) % 2 === LLE_STATIC;
  }
  private sameMacAt(slot: number, mac: Bytes, off: number): boolean {
    return compare(this.store, slot * LLE_BYTES + LLE_MAC, mac, off, ETH_ALEN) === 0;
  }

  // --- time ---------------------------------------------------------------

  private nowTicks(): number {
    return Math.floor(this.clock.now() / TICK_MS) % TICKS;
  }
  /** Ticks from now to `t`; 0 when `t` is now or in the past. */
  private ticksUntil(t: number): number {
    const d = (t - this.nowTicks() + TICKS) % TICKS;
    return d >= HALF ? 0 : d;
  }
  /** Sets the deadline at least `ms` from now (one extra tick: floor rounding never shortens it). */
  private setDeadline(slot: number, ms: number): void {
    set16(this.store, slot * LLE_BYTES + LLE_DEADLINE, (this.nowTicks() + Math.ceil(ms / TICK_MS) + 1) % TICKS);
  }
  private touch(slot: number): void {
    set16(this.store, slot * LLE_BYTES + LLE_USED, this.nowTicks());
  }

  /** Makes sure the timer fires no later than slot `s`'s deadline: O(1), unlike rearm(). */
  private armFor(s: number): void {
    if (this.isStatic(s)) return;
    const now = this.clock.now();
    const at = (Math.floor(now / TICK_MS) + this.ticksUntil(get16(this.store, s * LLE_BYTES + LLE_DEADLINE))) * TICK_MS;
    if (this.armedMs >= 0 && this.armedMs <= at) return;
    if (this.armedMs >= 0) this.clock.clear(this.timer);
    this.armedMs = at;
    this.timer = this.clock.set(this.onTimer, at - now);
  }

  /** Arms the one HAL timer at the earliest deadline of a non-static entry (a full scan). */
  private rearm(): void {
    let best = -1;
    for (let i = 0; i < this.capacity; i++) {
      if (!this.inUse(i) || this.isStatic(i)) continue;
      const d = this.ticksUntil(get16(this.store, i * LLE_BYTES + LLE_DEADLINE));
      if (best < 0 || d < best) best = d;
    }
    if (best < 0) {
      if (this.armedMs >= 0) this.clock.clear(this.timer);
      this.armedMs = -1;
      return;
    }
    const now = this.clock.now();
    const at = (Math.floor(now / TICK_MS) + best) * TICK_MS;
    if (this.armedMs === at) return;
    if (this.armedMs >= 0) this.clock.clear(this.timer);
    this.armedMs = at;
    this.timer = this.clock.set(this.onTimer, at - now);
  }

  // --- hashing ------------------------------------------------------------

  private home(ip: number): number {
    return (Math.floor(ip / 65536) * 31 + (ip % 65536)) % this.capacity;
  }

  /** The slot holding `ip`, or -1. */
  lookup(ip: number): number {
    let s = this.home(ip);
    for (let n = 0; n < this.capacity; n++) {
      if (!this.inUse(s)) return NONE;
      if (this.ipAt(s) === ip) return s;
      s = (s + 1) % this.capacity;
    }
    return NONE;
  }

  /**
   * A fresh slot for `ip`, or -1. When the table is full the least recently
   * used dynamic entry goes, but never one holding a packet, a router's, or
   * a pinned one; for `unsolicited` learning (a request to us from a host we
   * never asked about) only once per retransMs.
   */
  private allocate(ip: number, unsolicited: boolean): number {
    let s = this.home(ip);
    for (let n = 0; n < this.capacity; n++) {
      if (!this.inUse(s)) break;
      s = (s + 1) % this.capacity;
    }
    if (this.inUse(s)) {
      const now = this.clock.now();
      if (unsolicited && this.lastUnsolicitedEvict >= 0 && now - this.lastUnsolicitedEvict < this.params.retransMs) {
        this.stats.evictRefused++;
        return NONE;
      }
      const victim = this.leastRecentlyUsed();
      if (victim < 0) {
        this.stats.evictRefused++;
        return NONE;
      }
      if (unsolicited) this.lastUnsolicitedEvict = now;
      this.stats.evicted++;
      this.removeSlot(victim);
      return this.allocate(ip, false);
    }
    set32(this.store, s * LLE_BYTES + LLE_IP, ip);
    for (let i = LLE_MAC; i < LLE_BYTES; i++) set8(this.store, s * LLE_BYTES + i, 0);
    this.touch(s);
    return s;
  }

  private leastRecentlyUsed(): number {
    let victim = NONE;
    let oldest = -1;
    const now = this.nowTicks();
    for (let i = 0; i < this.capacity; i++) {
      const meta = get8(this.store, i * LLE_BYTES + LLE_META);
      if (
        meta < INUSE ||
        meta % 2 === LLE_STATIC ||
        meta % 16 >= LLE_ROUTER ||
        this.held[i] !== undefined ||
        this.isPinned(this.ipAt(i))
      )
        continue;
      const age = (now - get16(this.store, i * LLE_BYTES + LLE_USED) + TICKS) % TICKS;
      if (age > oldest) {
        oldest = age;
        victim = i;
      }
    }
    return victim;
  }

  /** Frees a slot: event first (the entry is still readable), then backward-shift the probe run. */
  private removeSlot(slot: number): void {
    this.host.event(LLE_EVENT_DELETED, slot);
    if (this.held[slot] !== undefined) {
      this.stats.heldDropped++;
      this.held[slot] = undefined;
    }
    let hole = slot;
    let j = slot;
    set8(this.store, hole * LLE_BYTES + LLE_META, 0);
    for (let n = 1; n < this.capacity; n++) {
      j = (j + 1) % this.capacity;
      if (!this.inUse(j)) break;
      const k = this.home(this.ipAt(j));
      // The entry at j may fill the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < k && k <= j : hole < k || k <= j;
      if (stays) continue;
      copy(this.store, hole * LLE_BYTES, this.store, j * LLE_BYTES, LLE_BYTES);
      this.held[hole] = this.held[j];
      this.held[j] = undefined;
      set8(this.store, j * LLE_BYTES + LLE_META, 0);
      hole = j;
    }
  }

  // --- operations ---------------------------------------------------------

  /**
   * Finds the link address for an outgoing frame to `ip`. RESOLVED: the
   * frame's destination is filled in, send it. HELD: the frame waits for the
   * reply (replacing an older held frame). Negative: an errno, frame dropped.
   */
  resolve(ip: number, frame: Bytes, router: boolean): number {
    let s = this.lookup(ip);
    if (s >= 0) {
      if (router && this.flagsAt(s) % 16 < LLE_ROUTER) this.setMeta(s, this.stateAt(s), this.flagsAt(s) + LLE_ROUTER);
      const st = this.stateAt(s);
      if (st === LLS_INCOMPLETE) {
        if (this.held[s] !== undefined) this.stats.heldDropped++;
        this.held[s] = frame;
        return HELD;
      }
      this.touch(s);
      this.macInto(s, frame, 0);
      if (st === LLS_STALE) {
        this.setState(s, LLS_DELAY);
        this.setDeadline(s, this.params.delayMs);
        this.armFor(s);
      }
      return RESOLVED;
    }
    if (!this.host.onLink(ip)) return -EHOSTUNREACH;
    s = this.allocate(ip, false);
    if (s < 0) return -ENOSPC;
    this.setMeta(s, LLS_INCOMPLETE, router ? LLE_ROUTER : 0);
    this.held[s] = frame;
    this.setProbes(s, 1);
    this.setDeadline(s, this.params.retransMs);
    this.stats.requests++;
    this.host.solicit(ip, undefined, 0);
    this.armFor(s);
    return HELD;
  }

  /**
   * Merges what an ARP packet says about `ip` (RFC 826): an existing entry
   * is updated; a new one is created only when the packet was for us.
   * `solicited`: a reply addressed to us, which confirms reachability.
   */
  input(ip: number, mac: Bytes, macOff: number, solicited: boolean, forUs: boolean): number {
    let s = this.lookup(ip);
    if (s < 0) {
      if (!forUs || !this.host.onLink(ip)) return MERGE_NONE;
      s = this.allocate(ip, !solicited);
      if (s < 0) return MERGE_NONE;
      this.setMeta(s, solicited ? LLS_REACHABLE : LLS_STALE, 0);
      this.learn(s, mac, macOff, solicited);
      return MERGE_CREATED;
    }
    if (this.isStatic(s)) {
      if (!this.sameMacAt(s, mac, macOff)) {
        this.stats.staticRefused++;
        return MERGE_STATIC_REFUSED;
      }
      return MERGE_NONE;
    }
    const st = this.stateAt(s);
    if (solicited || st === LLS_INCOMPLETE) {
      this.setState(s, solicited ? LLS_REACHABLE : LLS_STALE);
      this.learn(s, mac, macOff, solicited);
      return MERGE_UPDATED;
    }
    if (this.sameMacAt(s, mac, macOff)) return MERGE_NONE;
    // A new address in an unsolicited packet: believe it, but verify before trusting it as reachable.
    this.setState(s, LLS_STALE);
    this.learn(s, mac, macOff, false);
    return MERGE_UPDATED;
  }

  private learn(s: number, mac: Bytes, macOff: number, reachable: boolean): void {
    copy(this.store, s * LLE_BYTES + LLE_MAC, mac, macOff, ETH_ALEN);
    this.setProbes(s, 0);
    this.setDeadline(s, reachable ? this.params.reachableMs : this.params.staleMs);
    this.stats.resolved++;
    const f = this.held[s];
    if (f !== undefined) {
      this.held[s] = undefined;
      this.macInto(s, f, 0);
      this.host.transmit(f);
    }
    this.host.event(LLE_EVENT_RESOLVED, s);
    this.armFor(s);
  }

  /** Adds or replaces a static entry (flags: STATIC implied, plus IFADDR/PUB/ROUTER). Returns the slot or -ENOSPC. */
  addStatic(ip: number, mac: Bytes, macOff: number, flags: number): number {
    let s = this.lookup(ip);
    if (s < 0) s = this.allocate(ip, false);
    if (s < 0) return -ENOSPC;
    const f = flags % 16;
    this.setMeta(s, LLS_REACHABLE, f % 2 === LLE_STATIC ? f : f + LLE_STATIC);
    copy(this.store, s * LLE_BYTES + LLE_MAC, mac, macOff, ETH_ALEN);
    this.setProbes(s, 0);
    const h = this.held[s];
    if (h !== undefined) {
      this.held[s] = undefined;
      this.macInto(s, h, 0);
      this.host.transmit(h);
    }
    this.host.event(LLE_EVENT_RESOLVED, s);
    return s;
  }

  /** Keeps (or stops keeping) the entry for `ip` from eviction, whether it exists yet or not; false when all pin slots are taken. */
  pin(ip: number, on: boolean): boolean {
    for (let i = 0; i < this.pinned.length; i++) {
      if (this.pinned[i] !== ip) continue;
      if (!on) this.pinned.splice(i, 1);
      return true;
    }
    if (!on) return true;
    if (this.pinned.length >= MAX_PINNED) return false;
    this.pinned.push(ip);
    return true;
  }

  isPinned(ip: number): boolean {
    for (let i = 0; i < this.pinned.length; i++) if (this.pinned[i] === ip) return true;
    return false;
  }

  /** Deletes the entry for `ip`; our own (IFADDR) entries only when `ifaddrToo`. */
  remove(ip: number, ifaddrToo: boolean): boolean {
    const s = this.lookup(ip);
    if (s < 0) return false;
    if (!ifaddrToo && Math.floor(this.flagsAt(s) / LLE_IFADDR) % 2 === 1) return false;
    // An armed timer that now fires early finds nothing due and re-arms itself.
    this.removeSlot(s);
    return true;
  }

  /** Deletes every entry inside prefix/mask: dynamic ones always, static ones when `staticToo`. Returns the count. */
  prefixFree(prefix: number, mask: number, staticToo: boolean): number {
    return this.freeWhere((i) => band(this.ipAt(i), mask) === prefix && (staticToo || !this.isStatic(i)));
  }

  /** Deletes every entry but the interface's own addresses (the interface taken down, as Linux flushes it). */
  flushAllButOwn(): number {
    return this.freeWhere((i) => Math.floor(this.flagsAt(i) / LLE_IFADDR) % 2 === 0);
  }

  /** Deletes every entry `doomed` picks; how many went. */
  private freeWhere(doomed: (slot: number) => boolean): number {
    let n = 0;
    let i = 0;
    // Removal shifts later entries back into freed slots, so re-examine a slot after a removal.
    while (i < this.capacity) {
      if (this.inUse(i) && doomed(i)) {
        this.removeSlot(i);
        n++;
        continue;
      }
      i++;
    }
    if (n > 0) this.rearm();
    return n;
  }

  /** Deletes every dynamic entry (link down) and, when `staticToo`, the rest. */
  flush(staticToo: boolean): number {
    return this.prefixFree(0, 0, staticToo);
  }

  /** Runs every entry whose deadline has passed through its next state. */
  expire(): void {
    for (let i = 0; i < this.capacity; i++) {
      if (!this.inUse(i) || this.isStatic(i)) continue;
      if (this.ticksUntil(get16(this.store, i * LLE_BYTES + LLE_DEADLINE)) > 0) continue;
      if (this.step(i)) i--; // the slot now holds a shifted entry: look at it again
    }
    this.rearm();
  }

  /** One timer step for slot `s`; true when the entry was removed. */
  private step(s: number): boolean {
    const st = this.stateAt(s);
    const probes = this.probesAt(s);
    if (st === LLS_REACHABLE) {
      this.setState(s, LLS_STALE);
      this.setDeadline(s, this.params.staleMs);
      this.host.event(LLE_EVENT_RESOLVED, s);
      return false;
    }
    if (st === LLS_DELAY) {
      this.setState(s, LLS_PROBE);
      this.setProbes(s, 1);
      this.setDeadline(s, this.params.retransMs);
      this.stats.requests++;
      this.host.solicit(this.ipAt(s), this.store, s * LLE_BYTES + LLE_MAC);
      return false;
    }
    const limit =
      st === LLS_INCOMPLETE ? this.params.maxMulticastProbes : st === LLS_PROBE ? this.params.maxUnicastProbes : 0;
    if (probes < limit) {
      this.setProbes(s, probes + 1);
      this.setDeadline(s, this.params.retransMs);
      this.stats.requests++;
      if (st === LLS_INCOMPLETE) this.host.solicit(this.ipAt(s), undefined, 0);
      else this.host.solicit(this.ipAt(s), this.store, s * LLE_BYTES + LLE_MAC);
      return false;
    }
    if (st !== LLS_STALE) this.stats.failed++;
    this.removeSlot(s);
    return true;
  }
}
