// Router discovery and stateless address autoconfiguration for the IPv6
// host: Router Solicitations once the link-local address is ours (RFC 4861
// 6.3.7); Router Advertisements into the default router list, the on-link
// prefixes, the link MTU, the hop limit and NUD's timers (6.3.4); addresses
// from prefixes with the A flag, with their lifetimes (RFC 4862 5.5.3); DNS
// servers from RDNSS options (RFC 8106). Lists are fixed in length (what
// does not fit is counted); one timer ends every lifetime.
import { alloc, copy, get8, get16, get32 } from "@hal/bytes";
import type { Bytes, Clock, Log, Random, TimerId } from "../../hal/types";
import { LOG_INFO, LOG_WARN } from "../../hal/types";
import { formatIPv6, isLinkLocal6, samePrefix6 } from "./addr6";
import { FOREVER, IN6_DEPRECATED, IN6_PREFERRED, type In6Addr } from "./in6addr";
import type { Ifnet } from "./ifnet";
import type { Nd6Cache } from "./nd6-cache";
import type { NdOptions } from "./nd-parse";
import {
  ND_OPT_LEN,
  ND_OPT_MTU_VALUE,
  ND_OPT_PI_FLAG_AUTO,
  ND_OPT_PI_FLAG_ONLINK,
  ND_OPT_PI_FLAGS,
  ND_OPT_PI_PREFERRED,
  ND_OPT_PI_PREFIX,
  ND_OPT_PI_PREFIXLEN,
  ND_OPT_PI_VALID,
  ND_OPT_RDNSS_ADDRS,
  ND_OPT_RDNSS_LIFETIME,
  ND_RA_CURHOPLIMIT,
  ND_RA_REACHABLE,
  ND_RA_RETRANSMIT,
  ND_RA_ROUTER_LIFETIME,
} from "../wire/icmp6";
import { IPV6_ALEN } from "../wire/ipv6";

/** A lifetime of all ones is infinity (RFC 4861 4.6.2). */
const INFINITE = 0xffffffff;
/** RFC 4862 5.5.3 (e): a valid lifetime is never cut below two hours by an advertisement. */
const TWO_HOURS = 7200000;
/** SLAAC's identifiers are 64 bits, so only /64 prefixes form addresses (RFC 4862 5.5.3 (d), RFC 4291 2.5.1). */
const IID_PREFIX = 64;
/** The IPv6 minimum link MTU (RFC 8200 5). */
const MIN_MTU = 1280;
/** RFC 4861 10: MAX_RTR_SOLICITATION_DELAY, RTR_SOLICITATION_INTERVAL, MAX_RTR_SOLICITATIONS. */
const RS_DELAY = 1000;
const RS_INTERVAL = 4000;
const RS_MAX = 3;
/** RFC 7217 6: IDGEN_RETRIES, new identifiers tried after DAD conflicts. */
const IDGEN_RETRIES = 3;
/** A timer longer than this is set in steps: some boards' timers end sooner (NodeMCU's near 1 h 54 min). */
const MAX_TIMER = 3600000;
const IID_AT = 8;

/** One entry of the default router list, the prefix list or the DNS server list. */
export class Learned6 {
  readonly addr: Bytes = alloc(IPV6_ALEN);
  /** A prefix's length (128 for routers and servers). */
  len = 128;
  /** When its lifetime ends (ms on the clock), or FOREVER. */
  until = FOREVER;
  constructor(readonly ifp: Ifnet) {}
}

export interface Slaac6Params {
  routers: number;
  prefixes: number;
  dnsServers: number;
}

export function defaultSlaac6Params(): Slaac6Params {
  return { routers: 2, prefixes: 4, dnsServers: 3 };
}

/** What SLAAC asks of the IPv6 host. */
export interface Slaac6Host {
  readonly addrs: In6Addr[];
  /** Adds a SLAAC address with its deadlines (tentative, DAD starts). */
  addAuto(
    ifp: Ifnet,
    addr: Bytes,
    prefixLen: number,
    validUntil: number,
    preferredUntil: number,
    dadCounter: number,
  ): In6Addr;
  removeAddress(a: In6Addr): void;
  /** Its state or lifetimes changed. */
  addressChanged(a: In6Addr): void;
  /** Writes the interface identifier for the /64 at prefix[p…] into out[at…] (after `dadCounter` conflicts). */
  formIid(ifp: Ifnet, prefix: Bytes, p: number, dadCounter: number, out: Bytes, at: number): void;
  routerSolicit(ifp: Ifnet): void;
  cacheOf(ifp: Ifnet): Nd6Cache | undefined;
  /** A router, prefix or server (LEARNED_*) was learned (ADDR_NEW) or went (ADDR_DEL). */
  learnedChanged(kind: number, e: Learned6, what: number): void;
}

/** What a Learned6 is: a default router, an on-link prefix, a DNS server. */
export const LEARNED_ROUTER = 0;
export const LEARNED_PREFIX = 1;
export const LEARNED_DNS = 2;
/** Event kinds, as addresses' (ADDR_NEW, ADDR_DEL in inaddr.ts). */
const LEARNED_NEW = 1;
const LEARNED_GONE = 2;

export interface Slaac6Stats {
  /** Router Advertisements taken in. */
  raIn: number;
  rsOut: number;
  /** Routers, prefixes or servers that found their list full. */
  listFull: number;
  /** Prefix options refused: lifetimes the wrong way round, not /64 for an address. */
  prefixIgnored: number;
}

export class Slaac6 {
  readonly routers: Learned6[] = [];
  readonly prefixes: Learned6[] = [];
  readonly dns: Learned6[] = [];
  readonly stats: Slaac6Stats = { raIn: 0, rsOut: 0, listFull: 0, prefixIgnored: 0 };
  /** The hop limit for our packets (an advertisement's Cur Hop Limit when nonzero). */
  hopLimit = 64;
  /** The link MTU for IPv6 (an advertisement's MTU option), 0 while none said. */
  mtu = 0;
  /** Interfaces still soliciting, and how many solicitations each has left. */
  private readonly soliciting: Ifnet[] = [];
  private readonly rsLeft: number[] = [];
  /** Each one's run (a run's pending steps end when the link went and another began). */
  private readonly rsRuns: number[] = [];
  private rsRun = 0;
  private timer: TimerId = -1;
  private timerAt = -1;

  constructor(
    private readonly host: Slaac6Host,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly log: Log,
    readonly params: Slaac6Params,
  ) {}

  // --- router solicitation -------------------------------------------------------

  /** `ifp`'s link-local address is ours: solicit routers, after a random delay. */
  linkReady(ifp: Ifnet): void {
    for (let i = 0; i < this.soliciting.length; i++) if (this.soliciting[i] === ifp) return;
    this.soliciting.push(ifp);
    this.rsLeft.push(RS_MAX);
    const run = ++this.rsRun;
    this.rsRuns.push(run);
    this.clock.set(() => this.solicitStep(ifp, run), this.random.u32() % (RS_DELAY + 1));
  }

  private solicitStep(ifp: Ifnet, run: number): void {
    const i = this.solicitIndex(ifp);
    if (i < 0 || this.rsRuns[i] !== run) return;
    if (this.rsLeft[i] <= 0) {
      this.stopSoliciting(i);
      this.log.write(LOG_INFO, ifp.name + ": no IPv6 router answered " + RS_MAX + " solicitations");
      return;
    }
    this.rsLeft[i]--;
    this.stats.rsOut++;
    this.host.routerSolicit(ifp);
    this.clock.set(() => this.solicitStep(ifp, run), RS_INTERVAL);
  }

  private solicitIndex(ifp: Ifnet): number {
    for (let i = 0; i < this.soliciting.length; i++) if (this.soliciting[i] === ifp) return i;
    return -1;
  }

  private stopSoliciting(i: number): void {
    this.soliciting.splice(i, 1);
    this.rsLeft.splice(i, 1);
    this.rsRuns.splice(i, 1);
  }

  // --- router advertisements -------------------------------------------------------

  /** A valid Router Advertisement (checked by checkNd) at f[off…] from f[src…], its options in `o`. */
  advertised(ifp: Ifnet, f: Bytes, src: number, off: number, o: NdOptions): void {
    this.stats.raIn++;
    const s = this.solicitIndex(ifp);
    if (s >= 0) this.stopSoliciting(s);
    const now = this.clock.now();
    const hop = get8(f, off + ND_RA_CURHOPLIMIT);
    if (hop !== 0) this.hopLimit = hop;
    const cache = this.host.cacheOf(ifp);
    if (cache !== undefined) {
      const reachable = get32(f, off + ND_RA_REACHABLE);
      const retrans = get32(f, off + ND_RA_RETRANSMIT);
      if (reachable !== 0) cache.params.reachableTime = reachable;
      if (retrans !== 0) cache.params.retransTimer = retrans;
    }
    this.learn(
      this.routers,
      this.params.routers,
      ifp,
      f,
      src,
      128,
      get16(f, off + ND_RA_ROUTER_LIFETIME),
      now,
      "default router",
    );
    if (o.mtu >= 0) {
      const mtu = get32(f, o.mtu + ND_OPT_MTU_VALUE);
      // Only within what the link can carry (RFC 4861 6.3.4).
      if (mtu >= MIN_MTU && mtu <= ifp.mtu) this.mtu = mtu;
    }
    for (let i = 0; i < o.prefixes; i++) this.prefixInfo(ifp, f, o.prefix[i], now);
    for (let i = 0; i < o.rdnsses; i++) {
      const at = o.rdnss[i];
      const life = get32(f, at + ND_OPT_RDNSS_LIFETIME);
      const servers = (get8(f, at + ND_OPT_LEN) - 1) / 2;
      for (let k = 0; k < servers; k++)
        this.learn(
          this.dns,
          this.params.dnsServers,
          ifp,
          f,
          at + ND_OPT_RDNSS_ADDRS + k * IPV6_ALEN,
          128,
          life,
          now,
          "DNS server",
        );
    }
    this.arm();
  }

  /** A Prefix Information option (RFC 4861 6.3.4 for on-link, RFC 4862 5.5.3 for addresses). */
  private prefixInfo(ifp: Ifnet, f: Bytes, at: number, now: number): void {
    const len = get8(f, at + ND_OPT_PI_PREFIXLEN);
    const flags = get8(f, at + ND_OPT_PI_FLAGS);
    const valid = get32(f, at + ND_OPT_PI_VALID);
    const preferred = get32(f, at + ND_OPT_PI_PREFERRED);
    const p = at + ND_OPT_PI_PREFIX;
    if (isLinkLocal6(f, p) || len > 128) return;
    if (preferred > valid) {
      this.stats.prefixIgnored++;
      return;
    }
    if (Math.floor(flags / ND_OPT_PI_FLAG_ONLINK) % 2 === 1)
      this.learn(this.prefixes, this.params.prefixes, ifp, f, p, len, valid, now, "on-link prefix");
    if (Math.floor(flags / ND_OPT_PI_FLAG_AUTO) % 2 === 1) this.autoconf(ifp, f, p, len, valid, preferred, now);
  }

  private autoconf(ifp: Ifnet, f: Bytes, p: number, len: number, valid: number, preferred: number, now: number): void {
    const a = this.autoAddress(ifp, f, p);
    if (a === undefined) {
      if (valid === 0) return;
      if (this.autoCount(ifp) >= this.params.prefixes) {
        this.stats.listFull++;
        return;
      }
      if (len !== IID_PREFIX) {
        this.stats.prefixIgnored++;
        this.log.write(LOG_WARN, ifp.name + ": SLAAC needs a /64, the router advertises a /" + len);
        return;
      }
      const addr = alloc(IPV6_ALEN);
      copy(addr, 0, f, p, IID_AT);
      this.host.formIid(ifp, addr, 0, 0, addr, IID_AT);
      this.host.addAuto(ifp, addr, len, deadline(now, valid), deadline(now, preferred), 0);
      return;
    }
    // RFC 4862 5.5.3 (e): the preferred lifetime as given; the valid one never cut below two hours.
    a.preferredUntil = deadline(now, preferred);
    const remaining = a.validUntil === FOREVER ? -1 : a.validUntil - now;
    const given = valid === INFINITE ? -1 : valid * 1000;
    if (given < 0 || given > TWO_HOURS || (remaining >= 0 && given > remaining)) a.validUntil = deadline(now, valid);
    else if (remaining < 0 || remaining > TWO_HOURS) a.validUntil = now + TWO_HOURS;
    a.updated = now;
    if (a.state === IN6_DEPRECATED && preferred !== 0) a.state = IN6_PREFERRED;
    this.host.addressChanged(a);
  }

  /** How many of ifp's addresses SLAAC formed (one per prefix, as many as the prefix list holds). */
  private autoCount(ifp: Ifnet): number {
    let n = 0;
    const list = this.host.addrs;
    for (let i = 0; i < list.length; i++) if (list[i].ifp === ifp && list[i].autoconf) n++;
    return n;
  }

  /** Our address formed from the /64 at f[p…] on ifp, if any. */
  private autoAddress(ifp: Ifnet, f: Bytes, p: number): In6Addr | undefined {
    const list = this.host.addrs;
    for (let i = 0; i < list.length; i++) {
      const a = list[i];
      if (a.ifp === ifp && a.autoconf && samePrefix6(a.addr, 0, f, p, IID_PREFIX)) return a;
    }
    return undefined;
  }

  /**
   * Adds, refreshes or (lifetime 0) removes f[at…]/len in `list`, which
   * holds at most `max` (beyond: counted and logged).
   */
  private learn(
    list: Learned6[],
    max: number,
    ifp: Ifnet,
    f: Bytes,
    at: number,
    len: number,
    life: number,
    now: number,
    what: string,
  ): void {
    let e: Learned6 | undefined = undefined;
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if (x.ifp === ifp && x.len === len && samePrefix6(x.addr, 0, f, at, len)) {
        if (life === 0) {
          list.splice(i, 1);
          this.log.write(LOG_INFO, ifp.name + ": " + what + " " + formatIPv6(x.addr, 0) + " withdrawn");
          this.host.learnedChanged(LEARNED_GONE, x, this.kindOf(list));
          return;
        }
        e = x;
      }
    }
    if (life === 0) return;
    if (e === undefined) {
      if (list.length >= max) {
        this.stats.listFull++;
        return;
      }
      e = new Learned6(ifp);
      copy(e.addr, 0, f, at, IPV6_ALEN);
      e.len = len;
      list.push(e);
      this.log.write(
        LOG_INFO,
        ifp.name + ": " + what + " " + formatIPv6(e.addr, 0) + (len < 128 ? "/" + len : "") + " learned",
      );
      e.until = deadline(now, life);
      this.host.learnedChanged(LEARNED_NEW, e, this.kindOf(list));
      return;
    }
    e.until = deadline(now, life);
  }

  private kindOf(list: Learned6[]): number {
    return list === this.routers ? LEARNED_ROUTER : list === this.prefixes ? LEARNED_PREFIX : LEARNED_DNS;
  }

  // --- what the host asks ----------------------------------------------------------

  /** Is dst[d…] on ifp's link: link-local, inside an on-link prefix, or the prefix of a configured address? */
  onLink(ifp: Ifnet, dst: Bytes, d: number): boolean {
    if (isLinkLocal6(dst, d)) return true;
    const list = this.prefixes;
    for (let i = 0; i < list.length; i++)
      if (list[i].ifp === ifp && samePrefix6(list[i].addr, 0, dst, d, list[i].len)) return true;
    // An administrator's address brings its prefix onto the link (Linux's prefix route); SLAAC's do not.
    const addrs = this.host.addrs;
    for (let i = 0; i < addrs.length; i++) {
      const a = addrs[i];
      if (a.ifp === ifp && !a.autoconf && a.prefixLen < 128 && samePrefix6(a.addr, 0, dst, d, a.prefixLen)) return true;
    }
    return false;
  }

  /** A default router on ifp (RFC 4861 6.3.6: one whose link-layer address is known first), or undefined. */
  router(ifp: Ifnet): Learned6 | undefined {
    const cache = this.host.cacheOf(ifp);
    let first: Learned6 | undefined = undefined;
    for (let i = 0; i < this.routers.length; i++) {
      const r = this.routers[i];
      if (r.ifp !== ifp) continue;
      if (first === undefined) first = r;
      const e = cache !== undefined ? cache.lookup(r.addr, 0) : undefined;
      if (e !== undefined && e.hasLladdr) return r;
    }
    return first;
  }

  /** DAD found `a` in use: with stable identifiers, a SLAAC address tries the next one (RFC 7217 6). */
  duplicate(a: In6Addr, stable: boolean): void {
    if (!a.autoconf || !stable || a.dadCounter >= IDGEN_RETRIES) return;
    const addr = alloc(IPV6_ALEN);
    copy(addr, 0, a.addr, 0, IID_AT);
    this.host.formIid(a.ifp, addr, 0, a.dadCounter + 1, addr, IID_AT);
    this.host.removeAddress(a);
    this.host.addAuto(a.ifp, addr, a.prefixLen, a.validUntil, a.preferredUntil, a.dadCounter + 1);
  }

  // --- lifetimes -------------------------------------------------------------------

  /** Sets the one timer for the earliest deadline of addresses, routers, prefixes and servers. */
  arm(): void {
    let at = -1;
    const now = this.clock.now();
    const addrs = this.host.addrs;
    for (let i = 0; i < addrs.length; i++) {
      const a = addrs[i];
      at = earliest(at, a.validUntil);
      if (a.state === IN6_PREFERRED) at = earliest(at, a.preferredUntil);
    }
    at = this.earliestIn(this.routers, at);
    at = this.earliestIn(this.prefixes, at);
    at = this.earliestIn(this.dns, at);
    if (at === this.timerAt) return;
    if (this.timer !== -1) this.clock.clear(this.timer);
    this.timer = -1;
    this.timerAt = at;
    if (at < 0) return;
    this.timer = this.clock.set(
      () => {
        this.timer = -1;
        this.timerAt = -1;
        this.expire();
      },
      Math.min(Math.max(0, at - now), MAX_TIMER),
    );
  }

  private earliestIn(list: Learned6[], at: number): number {
    for (let i = 0; i < list.length; i++) at = earliest(at, list[i].until);
    return at;
  }

  /** Ends what has run out: addresses deprecated, then gone; routers, prefixes and servers gone. */
  expire(): void {
    const now = this.clock.now();
    const addrs = this.host.addrs;
    for (let i = addrs.length - 1; i >= 0; i--) {
      const a = addrs[i];
      if (a.validUntil !== FOREVER && a.validUntil <= now) {
        this.log.write(LOG_INFO, a.ifp.name + ": " + formatIPv6(a.addr, 0) + " expired");
        this.host.removeAddress(a);
      } else if (a.state === IN6_PREFERRED && a.preferredUntil !== FOREVER && a.preferredUntil <= now) {
        a.state = IN6_DEPRECATED;
        this.log.write(LOG_INFO, a.ifp.name + ": " + formatIPv6(a.addr, 0) + " deprecated");
        this.host.addressChanged(a);
      }
    }
    this.expireIn(this.routers, now, "default router");
    this.expireIn(this.prefixes, now, "on-link prefix");
    this.expireIn(this.dns, now, "DNS server");
    this.arm();
  }

  private expireIn(list: Learned6[], now: number, what: string): void {
    for (let i = list.length - 1; i >= 0; i--)
      if (list[i].until !== FOREVER && list[i].until <= now) {
        const e = list[i];
        this.log.write(LOG_INFO, e.ifp.name + ": " + what + " " + formatIPv6(e.addr, 0) + " expired");
        list.splice(i, 1);
        this.host.learnedChanged(LEARNED_GONE, e, this.kindOf(list));
      }
  }

  /** Forgets what was learned on ifp (it went down or away). */
  forget(ifp: Ifnet): void {
    const lists = [this.routers, this.prefixes, this.dns];
    for (let k = 0; k < lists.length; k++) {
      const list = lists[k];
      for (let i = list.length - 1; i >= 0; i--)
        if (list[i].ifp === ifp) {
          const e = list[i];
          list.splice(i, 1);
          this.host.learnedChanged(LEARNED_GONE, e, k);
        }
    }
    const s = this.solicitIndex(ifp);
    if (s >= 0) this.stopSoliciting(s);
  }
}

/** A lifetime in seconds from `now` as a deadline on the clock. */
function deadline(now: number, seconds: number): number {
  return seconds === INFINITE ? FOREVER : now + seconds * 1000;
}

/** The earlier of two deadlines (-1: none). */
function earliest(a: number, b: number): number {
  if (b < 0) return a;
  return a < 0 || b < a ? b : a;
}
