// A small IPv6 host (a board feature): the receive checks of ipv6-walk.ts,
// ICMPv6 echo and errors (rate-limited, never about errors or most
// multicast), Neighbor Discovery (answers for our addresses, the neighbour
// cache of nd6-cache.ts with NUD), and each interface's link-local address
// from its MAC (modified EUI-64) with Duplicate Address Detection (RFC 4862
// 5.4). Fragments are not reassembled: dropped and counted. Frames in and
// out carry a 14-byte Ethernet header; addresses are 16 bytes.
import { alloc, compare, copy, get8, get16, set8, set16, set32 } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes, Clock, Log, Random } from "../../hal/types";
import { LOG_INFO, LOG_WARN } from "../../hal/types";
import { IN6_DEPRECATED, IN6_DUPLICATE, IN6_PREFERRED, IN6_TENTATIVE, In6Addr } from "./in6addr";
import * as A6 from "./addr6";
import { eui64, linkLocalPrefix, stableIid } from "./ifid6";
import type { NetEvents } from "./events";
import { ADDR_CHANGE, ADDR_DEL, ADDR_NEW } from "./inaddr";
import { defaultSlaac6Params, type Learned6, Slaac6 } from "./slaac6";
import { Udp6 } from "./udp6";
import { Mld6 } from "./mld6";
import { IPPROTO_UDP } from "../wire/ipv4";
import { IFF_RUNNING, RX_DELIVERED, RX_DROPPED, RX_ERROR, RX_NOHANDLER, type Ifnet } from "./ifnet";
import { Ip6Walk, upperChecksum, walkIpv6, WALK_FRAGMENT, WALK_PARAMPROB, WALK_UPPER } from "./ipv6-walk";
import { defaultNd6Params, Nd6Cache } from "./nd6-cache";
import { checkNd, NdOptions } from "./nd-parse";
import { ETH_ALEN, ETH_DST, ETH_HLEN, ETH_SRC, ETH_TYPE, ETHERTYPE_IPV6 } from "../wire/ether";
import {
  ICMP6_CKSUM,
  ICMP6_CODE,
  ICMP6_DATA,
  ICMP6_ECHO_ID,
  ICMP6_ECHO_REPLY,
  ICMP6_ECHO_REQUEST,
  ICMP6_ECHO_SEQ,
  ICMP6_HLEN,
  ICMP6_PARAM_PROB,
  ICMP6_PARAMPROB_NEXTHEADER,
  ICMP6_PARAMPROB_OPTION,
  ICMP6_TYPE,
  MLD2_CHANGE_TO_EXCLUDE,
  MLD2_CHANGE_TO_INCLUDE,
  MLD_LISTENER_QUERY,
  ND_HOPLIMIT,
  ND_NA_FLAG_OVERRIDE,
  ND_NA_FLAG_ROUTER,
  ND_NA_FLAG_SOLICITED,
  ND_NA_FLAGS,
  ND_NEIGHBOR_ADVERT,
  ND_NEIGHBOR_SOLICIT,
  ND_NS_LEN,
  ND_NS_TARGET,
  ND_OPT_LEN,
  ND_OPT_LINKADDR,
  ND_OPT_SOURCE_LINKADDR,
  ND_OPT_TARGET_LINKADDR,
  ND_OPT_TYPE,
  ND_ROUTER_ADVERT,
  ND_ROUTER_SOLICIT,
  ND_RS_LEN,
} from "../wire/icmp6";
import {
  IPPROTO_ICMPV6,
  IPV6_ALEN,
  IPV6_DST,
  IPV6_HLEN,
  IPV6_HLIM,
  IPV6_NXT,
  IPV6_PLEN,
  IPV6_SRC,
  IPV6_VFC,
} from "../wire/ipv6";

export { In6Addr } from "./in6addr";

/** Where the IPv6 header and its payload start in our frames. */
export const IP6_OFF = ETH_HLEN;
export const IP6_PAYLOAD = ETH_HLEN + IPV6_HLEN;
/** An ICMPv6 error and what it quotes fit in the minimum MTU (RFC 4443 2.4 (c)). */
const MIN_MTU = 1280;
/** Version 6, traffic class and flow label 0. */
const VFC = 0x60000000;
/** An ND link-layer address option for Ethernet: 8 bytes. */
const LLA_OPT = 8;
/** Where the interface identifier starts: after a /64 prefix. */
const IID_AT = 8;

export interface Ip6Params {
  /** DupAddrDetectTransmits (RFC 4862 5.1): 0 skips DAD. */
  dadTransmits: number;
  /** RetransTimer (ms): between DAD's solicitations and after the last. */
  retransTimer: number;
  /** The random delay before the first solicitation, at most this (ms; RFC 4861 MAX_RTR_SOLICITATION_DELAY). */
  dadDelay: number;
  icmpErrorsPerSec: number;
  /** Neighbour cache entries per interface. */
  neighbours: number;
  /** RFC 7217's secret key: stable, opaque interface identifiers; undefined: from the MAC (EUI-64). */
  secret: Bytes | undefined;
  /** UDP ports that can be bound at once. */
  udpPorts: number;
}

export function defaultIp6Params(): Ip6Params {
  return {
    dadTransmits: 1,
    retransTimer: 1000,
    dadDelay: 1000,
    icmpErrorsPerSec: 10,
    neighbours: 8,
    secret: undefined,
    udpPorts: 4,
  };
}

/** After Linux's Ip6 and Icmp6 MIBs. */
export interface Ip6Stats {
  inReceives: number;
  inHdrErrors: number;
  inAddrErrors: number;
  inUnknownProtos: number;
  inDelivers: number;
  /** Fragments: not reassembled here. */
  reasmFails: number;
  icmpInMsgs: number;
  icmpInErrors: number;
  icmpInEchos: number;
  icmpOutEchoReps: number;
  icmpOutErrors: number;
  icmpOutRateLimited: number;
  ndInvalid: number;
  dadFailures: number;
  /** Packets not sent: off the link with no default router. */
  outNoRoutes: number;
}

function zeroStats(): Ip6Stats {
  return {
    inReceives: 0,
    inHdrErrors: 0,
    inAddrErrors: 0,
    inUnknownProtos: 0,
    inDelivers: 0,
    reasmFails: 0,
    icmpInMsgs: 0,
    icmpInErrors: 0,
    icmpInEchos: 0,
    icmpOutEchoReps: 0,
    icmpOutErrors: 0,
    icmpOutRateLimited: 0,
    ndInvalid: 0,
    dadFailures: 0,
    outNoRoutes: 0,
  };
}

function same(a: Bytes, ao: number, b: Bytes, bo: number, n: number): boolean {
  return compare(a, ao, b, bo, n) === 0;
}

const SNM_KEEP = 3;
/** IPv6 multicast's MAC prefix (RFC 2464 7): 33:33 and the group's last 4 bytes. */
const MCAST_MAC = [0x33, 0x33];
const MCAST_MAC_KEEP = 4;

/** An ND link-layer address option of type `opt` with ifp's MAC at f[at…]. */
function putLla(f: Bytes, at: number, opt: number, ifp: Ifnet): void {
  set8(f, at + ND_OPT_TYPE, opt);
  set8(f, at + ND_OPT_LEN, LLA_OPT / 8);
  copy(f, at + ND_OPT_LINKADDR, ifp.hwaddr, 0, ETH_ALEN);
}

class Ip6If {
  constructor(
    readonly ifp: Ifnet,
    readonly cache: Nd6Cache,
  ) {}
}

export class Ipv6 {
  readonly stats: Ip6Stats = zeroStats();
  /** Our addresses, every interface's (dense). */
  readonly addrs: In6Addr[] = [];
  private readonly ifs: Ip6If[] = [];
  private readonly w = new Ip6Walk();
  private readonly nd = new NdOptions();
  private tokens: number;
  private refill = 0;
  private readonly allNodes: Bytes = alloc(IPV6_ALEN);
  /** Router discovery, SLAAC, DNS servers. */
  readonly slaac: Slaac6;
  /** UDP over IPv6: the program's sockets bind here. */
  readonly udp: Udp6;
  /** MLD reports for our solicited-node groups, and answers to queries. */
  readonly mld: Mld6;
  /** Where address events go (ADDR_NEW, ADDR_DEL, ADDR_CHANGE as "addr6"); set by watch(). */
  private events: NetEvents | undefined = undefined;
  /** A received echo reply (for a ping client): source, identifier, sequence. */
  onEchoReply: ((this: void, src: Bytes, id: number, seq: number) => void) | undefined = undefined;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly log: Log,
    private readonly sendFrame: (this: void, ifp: Ifnet, f: Bytes) => boolean,
    readonly params: Ip6Params,
  ) {
    this.tokens = params.icmpErrorsPerSec;
    A6.putBytes6(this.allNodes, 0, A6.ALL_NODES6);
    this.slaac = new Slaac6(this, clock, random, log, defaultSlaac6Params());
    this.udp = new Udp6(this, params.udpPorts);
    this.mld = new Mld6(this, clock, random);
  }

  /** IPv6 on `ifp`: its link-local address from the MAC, then DAD. */
  attach(ifp: Ifnet): In6Addr {
    const cache = new Nd6Cache(
      this.params.neighbours,
      this.clock,
      this.random,
      {
        solicit: (target, lladdr) => this.solicit(ifp, target, lladdr),
        send: (packet, lladdr) => {
          copy(packet, ETH_DST, lladdr, 0, ETH_ALEN);
          this.sendFrame(ifp, packet);
        },
        unreachable: () => undefined,
        event: (kind, e) => {
          const ev = this.events;
          if (ev !== undefined) ev.emit("neigh6", kind, ifp, e);
        },
      },
      defaultNd6Params(),
    );
    this.ifs.push(new Ip6If(ifp, cache));
    const ll = alloc(IPV6_ALEN);
    linkLocalPrefix(ll, 0);
    this.formIid(ifp, ll, 0, 0, ll, IID_AT);
    return this.addAddress(ifp, ll, 0, IID_AT * 8);
  }

  /** Sends IPv6's events to `events` and follows its interfaces' links there. */
  watch(events: NetEvents): void {
    this.events = events;
    events.add({
      link: (_kind, ifp, mask) => {
        if (band(mask, IFF_RUNNING) !== 0) this.linkChanged(ifp, ifp.running());
      },
    });
  }

  /**
   * `ifp` left the wire or came back (IFF_RUNNING changed). Off the wire, its
   * neighbours and what routers taught are forgotten: the next link may be
   * another. Back on one, every address is checked again by DAD (RFC 4862
   * 5.4: on re-attachment) and, once the link-local one passes, routers
   * are solicited anew (RFC 4861 6.3.7).
   */
  linkChanged(ifp: Ifnet, running: boolean): void {
    const cache = this.cacheOf(ifp);
    if (cache === undefined) return;
    if (!running) {
      cache.clear();
      this.slaac.forget(ifp);
      this.mld.forget(ifp);
      return;
    }
    let restarted = false;
    for (let i = 0; i < this.addrs.length; i++) {
      const a = this.addrs[i];
      if (a.ifp !== ifp || a.noDad || this.params.dadTransmits <= 0) continue;
      a.state = IN6_TENTATIVE;
      a.probes = 0;
      this.addressChanged(a);
      this.startDad(a);
      if (A6.isLinkLocal6(a.addr, 0)) restarted = true;
    }
    // No DAD to wait for: the link-local address is usable at once.
    if (!restarted) this.slaac.linkReady(ifp);
  }

  /** The interface identifier for the /64 at prefix[p…]: RFC 7217's when the params hold a secret, else EUI-64. */
  formIid(ifp: Ifnet, prefix: Bytes, p: number, dadCounter: number, out: Bytes, at: number): void {
    const secret = this.params.secret;
    if (secret === undefined) eui64(ifp.hwaddr, 0, out, at);
    else stableIid(prefix, p, ifp.name, ifp.hwaddr, 0, dadCounter, secret, out, at);
  }

  /** The largest IPv6 packet ifp carries: an advertisement's MTU when it gave one, else the link's. */
  linkMtu(ifp: Ifnet): number {
    const m = this.slaac.mtu;
    return m > 0 && m < ifp.mtu ? m : ifp.mtu;
  }

  /** The interfaces IPv6 runs on, in the order attached. */
  interfaces(): Ifnet[] {
    const out: Ifnet[] = [];
    for (let i = 0; i < this.ifs.length; i++) out.push(this.ifs[i].ifp);
    return out;
  }

  /** ifp's address addr[off…], if it is one of ours. */
  findAddress(ifp: Ifnet, addr: Bytes, off: number): In6Addr | undefined {
    return this.find(ifp, addr, off);
  }

  /** The neighbour cache of `ifp`. */
  cacheOf(ifp: Ifnet): Nd6Cache | undefined {
    for (let i = 0; i < this.ifs.length; i++) if (this.ifs[i].ifp === ifp) return this.ifs[i].cache;
    return undefined;
  }

  /** Is this frame's group MAC (33:33:…) one of ours: all-nodes, or a solicited-node group of our addresses? */
  wantsGroup(ifp: Ifnet, f: Bytes): boolean {
    for (let i = 0; i < MCAST_MAC.length; i++) if (get8(f, ETH_DST + i) !== MCAST_MAC[i]) return false;
    // The group's last 4 bytes: all-nodes', or a solicited-node group's (ff and an address's last 3).
    const g = ETH_DST + ETH_ALEN - MCAST_MAC_KEEP;
    if (same(f, g, this.allNodes, IPV6_ALEN - MCAST_MAC_KEEP, MCAST_MAC_KEEP)) return true;
    // A solicited-node group's last 4 bytes: its ff, then the address's last 3.
    if (get8(f, g) !== A6.SOLICITED_NODE6[A6.SOLICITED_NODE6.length - 1]) return false;
    for (let i = 0; i < this.addrs.length; i++) {
      const a = this.addrs[i];
      if (a.ifp === ifp && same(f, g + 1, a.addr, IPV6_ALEN - SNM_KEEP, SNM_KEEP)) return true;
    }
    return false;
  }

  // --- receive -------------------------------------------------------------

  /** One received frame with ethertype IPv6. */
  input(ifp: Ifnet, f: Bytes, n: number): number {
    const st = this.stats;
    st.inReceives++;
    const dst = IP6_OFF + IPV6_DST;
    const src = IP6_OFF + IPV6_SRC;
    const w = this.w;
    const multicast = n >= IP6_PAYLOAD && A6.isMulticast6(f, dst);
    const v = walkIpv6(f, IP6_OFF, n - IP6_OFF, multicast, w);
    if (v === WALK_FRAGMENT) {
      st.reasmFails++;
      return RX_DROPPED;
    }
    if (v !== WALK_UPPER && v !== WALK_PARAMPROB) {
      st.inHdrErrors++;
      return RX_ERROR;
    }
    // A host takes what is for it: its addresses (a tentative one only for DAD's ND), all-nodes, its solicited-node groups.
    const mine = this.find(ifp, f, dst);
    const forUs =
      (mine !== undefined && (mine.state !== IN6_TENTATIVE || this.isNd(f, w))) ||
      (multicast && (same(f, dst, this.allNodes, 0, IPV6_ALEN) || this.ourSolicitedNode(ifp, f, dst)));
    if (!forUs || A6.isMulticast6(f, src)) {
      st.inAddrErrors++;
      return RX_DROPPED;
    }
    if (v === WALK_PARAMPROB) {
      st.inHdrErrors++;
      this.icmpError(ifp, f, n, ICMP6_PARAM_PROB, w.code, w.pointer);
      return RX_ERROR;
    }
    if (w.proto === IPPROTO_UDP) {
      st.inDelivers++;
      return this.udp.input(ifp, f, n, w.off, w.len, multicast);
    }
    if (w.proto !== IPPROTO_ICMPV6) {
      st.inUnknownProtos++;
      this.icmpError(ifp, f, n, ICMP6_PARAM_PROB, ICMP6_PARAMPROB_NEXTHEADER, w.pointer);
      return RX_NOHANDLER;
    }
    st.inDelivers++;
    return this.icmpInput(ifp, f, n, w.off, w.len);
  }

  private isNd(f: Bytes, w: Ip6Walk): boolean {
    if (w.proto !== IPPROTO_ICMPV6 || w.len < ICMP6_HLEN) return false;
    const t = get8(f, w.off + ICMP6_TYPE);
    return t === ND_NEIGHBOR_SOLICIT || t === ND_NEIGHBOR_ADVERT;
  }

  private find(ifp: Ifnet, b: Bytes, at: number): In6Addr | undefined {
    for (let i = 0; i < this.addrs.length; i++) {
      const a = this.addrs[i];
      if (a.ifp === ifp && same(a.addr, 0, b, at, IPV6_ALEN)) return a;
    }
    return undefined;
  }

  private ourSolicitedNode(ifp: Ifnet, b: Bytes, at: number): boolean {
    if (!A6.isSolicitedNode6(b, at)) return false;
    for (let i = 0; i < this.addrs.length; i++) {
      const a = this.addrs[i];
      if (a.ifp === ifp && same(a.addr, IPV6_ALEN - SNM_KEEP, b, at + IPV6_ALEN - SNM_KEEP, SNM_KEEP)) return true;
    }
    return false;
  }

  private icmpInput(ifp: Ifnet, f: Bytes, n: number, off: number, m: number): number {
    const st = this.stats;
    st.icmpInMsgs++;
    if (m < ICMP6_HLEN || upperChecksum(f, IP6_OFF, IPPROTO_ICMPV6, off, m) !== 0) {
      st.icmpInErrors++;
      return RX_ERROR;
    }
    const type = get8(f, off + ICMP6_TYPE);
    if (type === ICMP6_ECHO_REQUEST) {
      st.icmpInEchos++;
      this.echoReply(ifp, f, off, m);
      return RX_DELIVERED;
    }
    if (type === ICMP6_ECHO_REPLY) {
      const cb = this.onEchoReply;
      if (cb === undefined) return RX_NOHANDLER;
      const from = alloc(IPV6_ALEN);
      copy(from, 0, f, IP6_OFF + IPV6_SRC, IPV6_ALEN);
      cb(from, get16(f, off + ICMP6_ECHO_ID), get16(f, off + ICMP6_ECHO_SEQ));
      return RX_DELIVERED;
    }
    if (type === MLD_LISTENER_QUERY) return this.mld.query(ifp, f, off, m, this.w.routerAlert);
    if (type === ND_NEIGHBOR_SOLICIT || type === ND_NEIGHBOR_ADVERT || type === ND_ROUTER_ADVERT) {
      const o = this.nd;
      if (checkNd(f, IP6_OFF, off, m, o) < 0) {
        st.ndInvalid++;
        return RX_ERROR;
      }
      if (type === ND_NEIGHBOR_SOLICIT) this.solicited(ifp, f, off);
      else if (type === ND_NEIGHBOR_ADVERT) this.advertised(ifp, f, off);
      else {
        const c = this.cacheOf(ifp);
        if (o.slla >= 0 && c !== undefined) c.heardFrom(f, IP6_OFF + IPV6_SRC, f, o.slla + ND_OPT_LINKADDR, true);
        this.slaac.advertised(ifp, f, IP6_OFF + IPV6_SRC, off, o);
      }
      return RX_DELIVERED;
    }
    return RX_NOHANDLER;
  }

  /** A Neighbor Solicitation (valid, checked): DAD's conflict, or an answer for our address. */
  private solicited(ifp: Ifnet, f: Bytes, off: number): void {
    const target = off + ND_NS_TARGET;
    const a = this.find(ifp, f, target);
    if (a === undefined) return;
    const fromUnspec = A6.isUnspecified6(f, IP6_OFF + IPV6_SRC);
    if (a.state === IN6_TENTATIVE) {
      // Another host's DAD for the same address (RFC 4862 5.4.3): ours is the duplicate too.
      if (fromUnspec) this.duplicate(a);
      return;
    }
    if (a.state !== IN6_PREFERRED) return;
    const o = this.nd;
    const c = this.cacheOf(ifp);
    if (!fromUnspec && o.slla >= 0 && c !== undefined)
      c.heardFrom(f, IP6_OFF + IPV6_SRC, f, o.slla + ND_OPT_LINKADDR, false);
    // RFC 4861 7.2.4: to the solicitor (or, for DAD's, all nodes), solicited unless for DAD, with our address.
    const dst = alloc(IPV6_ALEN);
    if (fromUnspec) A6.putBytes6(dst, 0, A6.ALL_NODES6);
    else copy(dst, 0, f, IP6_OFF + IPV6_SRC, IPV6_ALEN);
    const flags = ND_NA_FLAG_OVERRIDE + (fromUnspec ? 0 : ND_NA_FLAG_SOLICITED);
    this.sendNd(ifp, a.addr, dst, ND_NEIGHBOR_ADVERT, flags, a.addr, ND_OPT_TARGET_LINKADDR);
  }

  private advertised(ifp: Ifnet, f: Bytes, off: number): void {
    const target = off + ND_NS_TARGET;
    const a = this.find(ifp, f, target);
    if (a !== undefined) {
      if (a.state === IN6_TENTATIVE) this.duplicate(a);
      else this.log.write(LOG_WARN, ifp.name + ": another host advertises " + A6.formatIPv6(a.addr, 0));
      return;
    }
    const c = this.cacheOf(ifp);
    if (c === undefined) return;
    const o = this.nd;
    const flags = get8(f, off + ND_NA_FLAGS);
    const bit = (b: number): boolean => Math.floor(flags / b) % 2 === 1;
    c.advertised(
      f,
      target,
      o.tlla >= 0 ? f : undefined,
      o.tlla + ND_OPT_LINKADDR,
      bit(ND_NA_FLAG_ROUTER),
      bit(ND_NA_FLAG_SOLICITED),
      bit(ND_NA_FLAG_OVERRIDE),
    );
  }

  // --- addresses and DAD -------------------------------------------------------

  /** Adds addr[off…]/prefixLen on `ifp` (tentative until DAD passes, when params ask for DAD). */
  addAddress(ifp: Ifnet, addr: Bytes, off: number, prefixLen: number, noDad?: boolean): In6Addr {
    const a = new In6Addr(ifp, prefixLen);
    copy(a.addr, 0, addr, off, IPV6_ALEN);
    a.noDad = noDad === true;
    return this.install(a);
  }

  /** Adds SLAAC's address addr/prefixLen with its lifetimes (deadlines) and DAD count: announced as such from the start. */
  addAuto(
    ifp: Ifnet,
    addr: Bytes,
    prefixLen: number,
    validUntil: number,
    preferredUntil: number,
    dadCounter: number,
  ): In6Addr {
    const a = new In6Addr(ifp, prefixLen);
    copy(a.addr, 0, addr, 0, IPV6_ALEN);
    a.autoconf = true;
    a.validUntil = validUntil;
    a.preferredUntil = preferredUntil;
    a.dadCounter = dadCounter;
    return this.install(a);
  }

  private install(a: In6Addr): In6Addr {
    a.created = this.clock.now();
    a.updated = a.created;
    // Without DAD it is announced preferred from the start, as Linux announces a "nodad" address.
    const now = this.params.dadTransmits <= 0 || a.noDad;
    if (now) a.state = IN6_PREFERRED;
    this.addrs.push(a);
    this.emit(ADDR_NEW, a);
    if (now) {
      // Its solicited-node group is joined at once too (RFC 3810).
      this.mld.change(a.ifp, a.addr, MLD2_CHANGE_TO_EXCLUDE);
      this.usable(a);
    } else this.startDad(a);
    return a;
  }

  /** Removes `a` (its lifetime ended, or an administrator deleted it), leaving its group. */
  removeAddress(a: In6Addr): void {
    for (let i = 0; i < this.addrs.length; i++)
      if (this.addrs[i] === a) {
        this.addrs.splice(i, 1);
        if (a.state !== IN6_DUPLICATE) this.mld.change(a.ifp, a.addr, MLD2_CHANGE_TO_INCLUDE);
        this.emit(ADDR_DEL, a);
        this.slaac.arm();
        return;
      }
  }

  learnedChanged(kind: number, e: Learned6, what: number): void {
    const ev = this.events;
    if (ev !== undefined) ev.emit("learned6", kind, e, what);
  }

  addressChanged(a: In6Addr): void {
    this.emit(ADDR_CHANGE, a);
    this.slaac.arm();
  }

  private emit(kind: number, a: In6Addr): void {
    const ev = this.events;
    if (ev !== undefined) ev.emit("addr6", kind, a, undefined);
  }

  private startDad(a: In6Addr): void {
    // RFC 4862 5.4.2: a random delay first, so hosts that start together do not collide.
    const delay = this.random.u32() % (this.params.dadDelay + 1);
    const run = ++a.dadRun;
    this.clock.set(() => this.dadStep(a, run), delay);
  }

  private dadStep(a: In6Addr, run: number): void {
    if (a.state !== IN6_TENTATIVE || a.dadRun !== run || !this.has(a)) return;
    if (a.probes >= this.params.dadTransmits) {
      this.preferred(a);
      return;
    }
    // Joined first (RFC 4862 5.4.2): an MLD report for the solicited-node group, then the solicitation.
    if (a.probes === 0) this.mld.change(a.ifp, a.addr, MLD2_CHANGE_TO_EXCLUDE);
    a.probes++;
    const dst = alloc(IPV6_ALEN);
    A6.solicitedNode6(a.addr, 0, dst, 0);
    this.sendNd(a.ifp, undefined, dst, ND_NEIGHBOR_SOLICIT, 0, a.addr, 0);
    this.clock.set(() => this.dadStep(a, run), this.params.retransTimer);
  }

  private has(a: In6Addr): boolean {
    for (let i = 0; i < this.addrs.length; i++) if (this.addrs[i] === a) return true;
    return false;
  }

  /** DAD passed. */
  private preferred(a: In6Addr): void {
    a.state = IN6_PREFERRED;
    this.addressChanged(a);
    this.usable(a);
  }

  private usable(a: In6Addr): void {
    this.log.write(LOG_INFO, a.ifp.name + ": " + A6.formatIPv6(a.addr, 0) + "/" + a.prefixLen + " preferred");
    if (A6.isLinkLocal6(a.addr, 0)) this.slaac.linkReady(a.ifp);
  }

  private duplicate(a: In6Addr): void {
    a.state = IN6_DUPLICATE;
    this.mld.change(a.ifp, a.addr, MLD2_CHANGE_TO_INCLUDE);
    this.stats.dadFailures++;
    // RFC 4862 5.4.5: a duplicate address is not used; the host says so.
    this.log.write(
      LOG_WARN,
      a.ifp.name + ": " + A6.formatIPv6(a.addr, 0) + " is in use by another host (DAD): not used",
    );
    this.addressChanged(a);
    this.slaac.duplicate(a, this.params.secret !== undefined);
  }

  /**
   * The address of ifp to send to dst[d…] from (RFC 6724 5, its first
   * rules): of the same scope (link-local for link-local and group
   * destinations), preferred before deprecated, the longest common prefix.
   */
  sourceFor(ifp: Ifnet, dst: Bytes, d: number): In6Addr | undefined {
    if (A6.isLinkLocal6(dst, d) || A6.isMulticast6(dst, d)) return this.sourceOn(ifp);
    let best: In6Addr | undefined = undefined;
    let bestRank = 0;
    // Newest first, as Linux lists them: of equals, the newest wins.
    for (let i = this.addrs.length - 1; i >= 0; i--) {
      const a = this.addrs[i];
      if (a.ifp !== ifp || A6.isLinkLocal6(a.addr, 0)) continue;
      if (a.state !== IN6_PREFERRED && a.state !== IN6_DEPRECATED) continue;
      // Preferred outranks deprecated; then the longer common prefix.
      const rank = (a.state === IN6_PREFERRED ? 256 : 0) + A6.commonPrefix6(a.addr, 0, dst, d) + 1;
      if (rank > bestRank) {
        best = a;
        bestRank = rank;
      }
    }
    return best !== undefined ? best : this.sourceOn(ifp);
  }

  /** A preferred address of ifp to send from: the link-local one first. */
  sourceOn(ifp: Ifnet): In6Addr | undefined {
    let best: In6Addr | undefined = undefined;
    for (let i = 0; i < this.addrs.length; i++) {
      const a = this.addrs[i];
      if (a.ifp !== ifp || a.state !== IN6_PREFERRED) continue;
      if (best === undefined || A6.isLinkLocal6(a.addr, 0)) best = a;
    }
    return best;
  }

  // --- send ---------------------------------------------------------------

  /** A frame with room for an IPv6 packet of `plen` payload bytes. */
  allocPacket(plen: number): Bytes {
    return alloc(IP6_PAYLOAD + plen);
  }

  /**
   * Fills in the IPv6 and Ethernet headers of `f` and sends it on `ifp`:
   * to a group's MAC, or to the neighbour (resolved first, the frame held meanwhile).
   */
  send(ifp: Ifnet, f: Bytes, src: Bytes, dst: Bytes, nxt: number, plen: number, hlim: number): boolean {
    set32(f, IP6_OFF + IPV6_VFC, VFC);
    set16(f, IP6_OFF + IPV6_PLEN, plen);
    set8(f, IP6_OFF + IPV6_NXT, nxt);
    set8(f, IP6_OFF + IPV6_HLIM, hlim);
    copy(f, IP6_OFF + IPV6_SRC, src, 0, IPV6_ALEN);
    copy(f, IP6_OFF + IPV6_DST, dst, 0, IPV6_ALEN);
    copy(f, ETH_SRC, ifp.hwaddr, 0, ETH_ALEN);
    set16(f, ETH_TYPE, ETHERTYPE_IPV6);
    if (A6.isMulticast6(dst, 0)) {
      A6.putBytes6(f, ETH_DST, MCAST_MAC);
      copy(f, ETH_DST + ETH_ALEN - MCAST_MAC_KEEP, dst, IPV6_ALEN - MCAST_MAC_KEEP, MCAST_MAC_KEEP);
      return this.sendFrame(ifp, f);
    }
    const c = this.cacheOf(ifp);
    if (c === undefined) return false;
    // Off the link: through a default router (none: unreachable, RFC 4943).
    let hop = dst;
    if (!this.slaac.onLink(ifp, dst, 0)) {
      const r = this.slaac.router(ifp);
      if (r === undefined) {
        this.stats.outNoRoutes++;
        return false;
      }
      hop = r.addr;
    }
    const ll = c.resolve(hop, 0, f);
    if (ll === undefined) return true;
    copy(f, ETH_DST, ll, 0, ETH_ALEN);
    return this.sendFrame(ifp, f);
  }

  /** An ICMPv6 message's checksum, once its packet's headers are in place. */
  private finishIcmp(f: Bytes, plen: number): void {
    set16(f, IP6_PAYLOAD + ICMP6_CKSUM, 0);
    set16(f, IP6_PAYLOAD + ICMP6_CKSUM, upperChecksum(f, IP6_OFF, IPPROTO_ICMPV6, IP6_PAYLOAD, plen));
  }

  /** Sends an ICMPv6 message already in f's payload (checksummed here). */
  private sendIcmp(ifp: Ifnet, f: Bytes, src: Bytes, dst: Bytes, plen: number, hlim: number): boolean {
    // The headers first: the checksum covers the addresses.
    set16(f, IP6_OFF + IPV6_PLEN, plen);
    copy(f, IP6_OFF + IPV6_SRC, src, 0, IPV6_ALEN);
    copy(f, IP6_OFF + IPV6_DST, dst, 0, IPV6_ALEN);
    this.finishIcmp(f, plen);
    return this.send(ifp, f, src, dst, IPPROTO_ICMPV6, plen, hlim);
  }

  /**
   * A Neighbor Solicitation or Advertisement about `target` from `src`
   * (undefined: the unspecified address, for DAD) to `dst`, with our
   * link-layer address in an option of type `llaOpt` (none for DAD's).
   */
  private sendNd(
    ifp: Ifnet,
    src: Bytes | undefined,
    dst: Bytes,
    type: number,
    flags: number,
    target: Bytes,
    llaOpt: number,
  ): void {
    const withLla = src !== undefined && llaOpt !== 0;
    const plen = ND_NS_LEN + (withLla ? LLA_OPT : 0);
    const f = this.allocPacket(plen);
    const m = IP6_PAYLOAD;
    set8(f, m + ICMP6_TYPE, type);
    set8(f, m + ICMP6_CODE, 0);
    set8(f, m + ND_NA_FLAGS, flags);
    copy(f, m + ND_NS_TARGET, target, 0, IPV6_ALEN);
    if (withLla) putLla(f, m + ND_NS_LEN, llaOpt, ifp);
    this.sendIcmp(ifp, f, src !== undefined ? src : alloc(IPV6_ALEN), dst, plen, ND_HOPLIMIT);
  }

  /** A Router Solicitation (RFC 4861 6.3.7) to all routers, from our link-local address with our MAC. */
  routerSolicit(ifp: Ifnet): void {
    const from = this.sourceOn(ifp);
    if (from === undefined) return;
    const plen = ND_RS_LEN + LLA_OPT;
    const f = this.allocPacket(plen);
    set8(f, IP6_PAYLOAD + ICMP6_TYPE, ND_ROUTER_SOLICIT);
    putLla(f, IP6_PAYLOAD + ND_RS_LEN, ND_OPT_SOURCE_LINKADDR, ifp);
    const dst = alloc(IPV6_ALEN);
    A6.putBytes6(dst, 0, A6.ALL_ROUTERS6);
    this.sendIcmp(ifp, f, from.addr, dst, plen, ND_HOPLIMIT);
  }

  /** The neighbour cache's solicitation: multicast to the target's group, or unicast to `lladdr`. */
  private solicit(ifp: Ifnet, target: Bytes, lladdr: Bytes | undefined): void {
    const from = this.sourceOn(ifp);
    if (from === undefined) return;
    const dst = alloc(IPV6_ALEN);
    if (lladdr === undefined) A6.solicitedNode6(target, 0, dst, 0);
    else copy(dst, 0, target, 0, IPV6_ALEN);
    this.sendNd(ifp, from.addr, dst, ND_NEIGHBOR_SOLICIT, 0, target, ND_OPT_SOURCE_LINKADDR);
  }

  /**
   * The interface to reach dst[d…] on: one where it is on the link, else one
   * with a default router; a link-local address (no zone given) goes out the first.
   */
  outInterface(dst: Bytes, d: number): Ifnet | undefined {
    const ifs = this.ifs;
    for (let i = 0; i < ifs.length; i++) if (this.slaac.onLink(ifs[i].ifp, dst, d)) return ifs[i].ifp;
    for (let i = 0; i < ifs.length; i++) if (this.slaac.router(ifs[i].ifp) !== undefined) return ifs[i].ifp;
    return ifs.length > 0 && A6.isLinkLocal6(dst, d) ? ifs[0].ifp : undefined;
  }

  /** An echo request to dst with `size` bytes of data (a program's ping); false when there is no way there. */
  echoRequest(dst: Bytes, id: number, seq: number, size: number): boolean {
    const ifp = this.outInterface(dst, 0);
    const from = ifp !== undefined ? this.sourceFor(ifp, dst, 0) : undefined;
    if (ifp === undefined || from === undefined) {
      this.stats.outNoRoutes++;
      return false;
    }
    const plen = ICMP6_HLEN + size;
    const f = this.allocPacket(plen);
    set8(f, IP6_PAYLOAD + ICMP6_TYPE, ICMP6_ECHO_REQUEST);
    set16(f, IP6_PAYLOAD + ICMP6_ECHO_ID, id);
    set16(f, IP6_PAYLOAD + ICMP6_ECHO_SEQ, seq);
    for (let i = 0; i < size; i++) set8(f, IP6_PAYLOAD + ICMP6_HLEN + i, i % 256);
    return this.sendIcmp(ifp, f, from.addr, dst, plen, this.slaac.hopLimit);
  }

  private echoReply(ifp: Ifnet, f: Bytes, off: number, m: number): void {
    const dst = IP6_OFF + IPV6_DST;
    // From the address it was sent to; for a group's, from ours on the interface (RFC 4443 4.2).
    const to = this.find(ifp, f, dst);
    const from = to !== undefined ? to : this.sourceOn(ifp);
    if (from === undefined || A6.isUnspecified6(f, IP6_OFF + IPV6_SRC)) return;
    const r = this.allocPacket(m);
    copy(r, IP6_PAYLOAD, f, off, m);
    set8(r, IP6_PAYLOAD + ICMP6_TYPE, ICMP6_ECHO_REPLY);
    set8(r, IP6_PAYLOAD + ICMP6_CODE, 0);
    const back = alloc(IPV6_ALEN);
    copy(back, 0, f, IP6_OFF + IPV6_SRC, IPV6_ALEN);
    this.stats.icmpOutEchoReps++;
    this.sendIcmp(ifp, r, from.addr, back, m, this.slaac.hopLimit);
  }

  /**
   * An ICMPv6 error about the packet in `f` (RFC 4443 2.4): never about an
   * error, nor to a group or from one, nor about a packet to a group or in
   * a link-layer group frame (but Parameter Problem code 2 may be), and at
   * most icmpErrorsPerSec a second.
   */
  icmpError(ifp: Ifnet, f: Bytes, n: number, type: number, code: number, param: number): void {
    const src = IP6_OFF + IPV6_SRC;
    const dst = IP6_OFF + IPV6_DST;
    if (A6.isUnspecified6(f, src) || A6.isMulticast6(f, src)) return;
    const w = this.w;
    // Only a packet whose ICMPv6 header was reached can be told to be an error itself.
    if (
      w.verdict === WALK_UPPER &&
      w.proto === IPPROTO_ICMPV6 &&
      w.len >= 1 &&
      get8(f, w.off + ICMP6_TYPE) < ICMP6_ECHO_REQUEST
    )
      return;
    const optionProblem = type === ICMP6_PARAM_PROB && code === ICMP6_PARAMPROB_OPTION;
    if ((A6.isMulticast6(f, dst) || get8(f, ETH_DST) % 2 === 1) && !optionProblem) return;
    const now = this.clock.now();
    const refill = Math.floor((now - this.refill) / 1000) * this.params.icmpErrorsPerSec;
    if (refill > 0) {
      this.tokens = Math.min(this.params.icmpErrorsPerSec, this.tokens + refill);
      this.refill = now;
    }
    if (this.tokens <= 0) {
      this.stats.icmpOutRateLimited++;
      return;
    }
    const from = this.find(ifp, f, dst);
    const back = alloc(IPV6_ALEN);
    copy(back, 0, f, src, IPV6_ALEN);
    const source = from !== undefined && from.state === IN6_PREFERRED ? from : this.sourceFor(ifp, back, 0);
    if (source === undefined) return;
    this.tokens--;
    const quote = Math.min(n - IP6_OFF, MIN_MTU - IPV6_HLEN - ICMP6_HLEN);
    const plen = ICMP6_HLEN + quote;
    const e = this.allocPacket(plen);
    set8(e, IP6_PAYLOAD + ICMP6_TYPE, type);
    set8(e, IP6_PAYLOAD + ICMP6_CODE, code);
    set32(e, IP6_PAYLOAD + ICMP6_DATA, param);
    copy(e, IP6_PAYLOAD + ICMP6_HLEN, f, IP6_OFF, quote);
    this.stats.icmpOutErrors++;
    this.sendIcmp(ifp, e, source.addr, back, plen, this.slaac.hopLimit);
  }
}
