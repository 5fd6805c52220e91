// IPv4 (RFC 791 / RFC 1122 host rules) and ICMP echo. Input validates the
// header before anything reads past it, drops fragments (counted: the stack
// has no reassembly), accepts our addresses (weak host model), broadcasts
// (in_broadcast) and the all-hosts group. Output: local delivery through
// the loopback, else route lookup → next hop → lltable (which may hold the
// frame until ARP answers) → MAC.
import { alloc, copy, get8, get16, get32, len, set8, set16, set32, view } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes, Clock } from "../../hal/types";
import { checksum, finish } from "./cksum";
import { EHOSTUNREACH, EINVAL, EMSGSIZE, ENETDOWN, ENETUNREACH } from "./errno";
import {
  ETH_DST,
  ETH_HLEN,
  ETHERTYPE_IPV4,
  isGroupMac,
  setBroadcastMac,
  setEtherHeader,
  setMulticastMac,
} from "../wire/ether";
import {
  ICMP_CKSUM,
  ICMP_CODE,
  ICMP_ECHO,
  ICMP_ECHO_ID,
  ICMP_ECHO_SEQ,
  ICMP_ECHOREPLY,
  ICMP_HLEN,
  ICMP_TYPE,
  ICMP_UNREACH,
  ICMP_UNREACH_PROTOCOL,
  ICMP_NEXTMTU,
  ICMP_PARAMPROB,
  ICMP_TIMXCEED,
} from "../wire/icmp";
import {
  IPPROTO_ICMP,
  INADDR_ALLHOSTS,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV4_CKSUM,
  IPV4_DST,
  IPV4_FRAG,
  IPV4_FRAG_MASK,
  IPV4_HLEN,
  IPV4_ID,
  IPV4_PROTO,
  IPV4_SRC,
  IPV4_TOS,
  IPV4_TOTAL_LEN,
  IPV4_TTL,
  IPV4_VHL,
  IPV4_VHL_DEFAULT,
} from "../wire/ipv4";
import {
  IFF_LOOPBACK,
  IFF_UP,
  RX_DELIVERED,
  RX_DROPPED,
  RX_ERROR,
  RX_NOHANDLER,
  countRx,
  type Ifnet,
  type Interfaces,
} from "./ifnet";
import { AddrTable, INADDR_ANY, INADDR_BROADCAST } from "./inaddr";
import { HELD, RESOLVED } from "./lltable";
import type { FrameSender } from "./arp";
import type { RouteTable } from "./route";
import { TCP_DPORT, TCP_SEQ, TCP_SPORT } from "../wire/tcp";
import type { NetStats } from "./stats";

export const IP_OFF = ETH_HLEN;
export const IP_HLEN = IPV4_HLEN;
/** Where a protocol header starts in a frame built by allocPacket. */
export const IP_PAYLOAD = ETH_HLEN + IP_HLEN;
/** How much of the offending datagram's payload an ICMP error quotes. */
const ICMP_QUOTE_PAYLOAD = 8;
export const DEFAULT_TTL = 64;

/** ICMP errors allowed per second (a token bucket, as Linux's icmp_ratelimit). */
const ICMP_ERRORS_PER_SEC = 10;
const LOOP_QUEUE = 4;

const TO_UNICAST = 0;
const TO_BROADCAST = 1;
const TO_MULTICAST = 2;
const TO_LOCAL = 3;

export function isMulticast(a: number): boolean {
  return a >= 0xe0000000 && a < 0xf0000000;
}

/** An upper protocol's receive function; `off` is its header in the frame, `n` its length. */
export interface UdpInput {
  input(ifp: Ifnet, f: Bytes, off: number, n: number, src: number, dst: number, toUs: boolean): number;
}

/** TCP's receive functions: segments, and the ICMP errors about segments it sent. */
export interface TcpInput extends UdpInput {
  ctlInput(
    type: number,
    code: number,
    mtu: number,
    src: number,
    sport: number,
    dst: number,
    dport: number,
    seq: number,
  ): void;
}

/** What a received echo reply tells (for a ping client). */
export type EchoReplyHandler = (src: number, id: number, seq: number, f: Bytes, off: number, n: number) => void;

export class Ipv4 {
  udp: UdpInput | undefined = undefined;
  tcp: TcpInput | undefined = undefined;
  onEchoReply: EchoReplyHandler | undefined = undefined;
  private nextId = 1;
  // The decision of the last route() call, consumed by send().
  private rIfp: Ifnet | undefined = undefined;
  private rNexthop = 0;
  private rDst = 0;
  private rSrc = 0;
  private rKind = TO_UNICAST;
  private rGateway = false;
  private readonly loopQueue: Bytes[] = [];
  private readonly drainLoop: () => void;
  private loopArmed = false;
  private icmpTokens = ICMP_ERRORS_PER_SEC;
  private icmpRefill = 0;

  constructor(
    private readonly ifs: Interfaces,
    private readonly addrs: AddrTable,
    private readonly routes: RouteTable,
    private readonly out: FrameSender,
    private readonly clock: Clock,
    private readonly stats: NetStats,
  ) {
    this.drainLoop = () => {
      this.loopArmed = false;
      this.drainLoopback();
    };
  }

  /** A frame with room for Ethernet and IPv4 headers before `payloadLen` bytes at IP_PAYLOAD. */
  allocPacket(payloadLen: number): Bytes {
    return alloc(IP_PAYLOAD + payloadLen);
  }

  // --- input ----------------------------------------------------------

  /** Handles one IPv4 frame received on `ifp`; returns an RX_* outcome. */
  input(ifp: Ifnet, f: Bytes, n: number): number {
    const st = this.stats;
    st.ipInReceives++;
    if (n < IP_PAYLOAD) return this.hdrError();
    const vhl = get8(f, IP_OFF + IPV4_VHL);
    const hlen = (vhl % 16) * 4;
    const total = get16(f, IP_OFF + IPV4_TOTAL_LEN);
    if (Math.floor(vhl / 16) !== 4 || hlen < IP_HLEN || total < hlen || total > n - IP_OFF) return this.hdrError();
    if (checksum(f, IP_OFF, hlen) !== 0) return this.hdrError();
    // More-fragments set or a non-zero offset: a fragment; without reassembly it cannot be used.
    if (band(get16(f, IP_OFF + IPV4_FRAG), IPV4_FRAG_MASK) !== 0) {
      st.ipReasmFails++;
      return RX_DROPPED;
    }
    if (get8(f, IP_OFF + IPV4_TTL) === 0) st.ipInTtlZero++;
    const src = get32(f, IP_OFF + IPV4_SRC);
    const dst = get32(f, IP_OFF + IPV4_DST);
    if (src === INADDR_BROADCAST || isMulticast(src) || (src !== INADDR_ANY && this.addrs.isBroadcast(src, ifp))) {
      st.ipInAddrErrors++;
      return RX_DROPPED;
    }
    let toUs = this.addrs.local(dst) !== undefined;
    const proto = get8(f, IP_OFF + IPV4_PROTO);
    const anyUdp = ifp.acceptUdpToAny && proto === IPPROTO_UDP && !isMulticast(dst);
    const joined = ifp.joined;
    if (
      !toUs &&
      !anyUdp &&
      !this.addrs.isBroadcast(dst, ifp) &&
      dst !== INADDR_ALLHOSTS &&
      !(joined !== undefined && isMulticast(dst) && joined(undefined, dst))
    ) {
      st.ipInAddrErrors++;
      return RX_DROPPED;
    }
    if (toUs && dst === INADDR_ANY) toUs = false;
    const off = IP_OFF + hlen;
    const plen = total - hlen;
    let r = RX_NOHANDLER;
    if (proto === IPPROTO_ICMP) r = this.icmpInput(ifp, f, off, plen, src, dst, toUs);
    else if (proto === IPPROTO_UDP && this.udp !== undefined) r = this.udp.input(ifp, f, off, plen, src, dst, toUs);
    else if (proto === IPPROTO_TCP && this.tcp !== undefined) r = this.tcp.input(ifp, f, off, plen, src, dst, toUs);
    else {
      st.ipInUnknownProtos++;
      if (toUs) this.icmpError(f, ICMP_UNREACH, ICMP_UNREACH_PROTOCOL);
    }
    if (r === RX_DELIVERED) st.ipInDelivers++;
    return r;
  }

  private hdrError(): number {
    this.stats.ipInHdrErrors++;
    return RX_ERROR;
  }

  private icmpInput(ifp: Ifnet, f: Bytes, off: number, n: number, src: number, dst: number, toUs: boolean): number {
    const st = this.stats;
    st.icmpInMsgs++;
    if (n < ICMP_HLEN || checksum(f, off, n) !== 0) {
      st.icmpInErrors++;
      return RX_ERROR;
    }
    const type = get8(f, off + ICMP_TYPE);
    if (type === ICMP_ECHO) {
      st.icmpInEchos++;
      // Echo requests to a broadcast or group address go unanswered (Linux's icmp_echo_ignore_broadcasts),
      // and one from 0.0.0.0 has nowhere to go.
      if (!toUs || src === INADDR_ANY) return RX_DROPPED;
      this.echoReply(ifp, f, off, n, src, dst);
      return RX_DELIVERED;
    }
    if (type === ICMP_ECHOREPLY) {
      st.icmpInEchoReps++;
      if (this.onEchoReply === undefined) return RX_NOHANDLER;
      this.onEchoReply(src, get16(f, off + ICMP_ECHO_ID), get16(f, off + ICMP_ECHO_SEQ), f, off, n);
      return RX_DELIVERED;
    }
    if (type === ICMP_UNREACH || type === ICMP_TIMXCEED || type === ICMP_PARAMPROB) {
      // The quoted header and the first 8 bytes of its payload: TCP's ports and sequence number.
      const q = off + ICMP_HLEN;
      const qh = n >= ICMP_HLEN + IP_HLEN ? (get8(f, q + IPV4_VHL) % 16) * 4 : 0;
      if (qh < IP_HLEN || n < ICMP_HLEN + qh + 8) {
        st.icmpInErrors++;
        return RX_ERROR;
      }
      const tcp = this.tcp;
      if (tcp !== undefined && get8(f, q + IPV4_PROTO) === IPPROTO_TCP)
        tcp.ctlInput(
          type,
          get8(f, off + ICMP_CODE),
          get16(f, off + ICMP_NEXTMTU),
          get32(f, q + IPV4_SRC),
          get16(f, q + qh + TCP_SPORT),
          get32(f, q + IPV4_DST),
          get16(f, q + qh + TCP_DPORT),
          get32(f, q + qh + TCP_SEQ),
        );
      return RX_DELIVERED;
    }
    return RX_NOHANDLER;
  }

  // The request becomes the reply in place: swap addresses, type 8 → 0 with an incremental checksum (RFC 1624).
  private echoReply(ifp: Ifnet, f: Bytes, off: number, n: number, src: number, dst: number): void {
    // The type and code share a 16-bit word of the checksum.
    const old = get16(f, off + ICMP_TYPE);
    set8(f, off + ICMP_TYPE, ICMP_ECHOREPLY);
    const sum = 0xffff - get16(f, off + ICMP_CKSUM) + (0xffff - old) + get16(f, off + ICMP_TYPE);
    set16(f, off + ICMP_CKSUM, finish(sum));
    // Options of the request are not echoed: the reply gets a plain 20-byte header.
    const hlen = off - IP_OFF;
    if (hlen > IP_HLEN) copy(f, IP_PAYLOAD, f, off, n);
    if (this.route(src, dst, ifp) < 0) return;
    this.stats.icmpOutEchoReps++;
    this.send(f, IPPROTO_ICMP, n, DEFAULT_TTL);
  }

  /** An ICMP error about the received packet in `f` (RFC 1122 3.2.2: never about errors or broadcasts). */
  icmpError(f: Bytes, type: number, code: number): void {
    // Nor about a datagram that came in a link-layer broadcast or multicast frame (RFC 1122 3.2.2).
    if (isGroupMac(f, ETH_DST)) return;
    const hlen = (get8(f, IP_OFF + IPV4_VHL) % 16) * 4;
    const total = get16(f, IP_OFF + IPV4_TOTAL_LEN);
    const src = get32(f, IP_OFF + IPV4_SRC);
    if (
      src === INADDR_ANY ||
      (get8(f, IP_OFF + IPV4_PROTO) === IPPROTO_ICMP &&
        get8(f, IP_OFF + hlen + ICMP_TYPE) !== ICMP_ECHO &&
        get8(f, IP_OFF + hlen + ICMP_TYPE) !== ICMP_ECHOREPLY)
    )
      return;
    const now = this.clock.now();
    const refill = Math.floor((now - this.icmpRefill) / 1000) * ICMP_ERRORS_PER_SEC;
    if (refill > 0) {
      this.icmpTokens = Math.min(ICMP_ERRORS_PER_SEC, this.icmpTokens + refill);
      this.icmpRefill = now;
    }
    if (this.icmpTokens <= 0) {
      this.stats.icmpOutRateLimited++;
      return;
    }
    this.icmpTokens--;
    // The quote: the header and the first 8 bytes of its payload (RFC 792).
    const quote = Math.min(total, hlen + ICMP_QUOTE_PAYLOAD);
    const e = this.allocPacket(ICMP_HLEN + quote);
    set8(e, IP_PAYLOAD + ICMP_TYPE, type);
    set8(e, IP_PAYLOAD + ICMP_CODE, code);
    copy(e, IP_PAYLOAD + ICMP_HLEN, f, IP_OFF, quote);
    set16(e, IP_PAYLOAD + ICMP_CKSUM, checksum(e, IP_PAYLOAD, ICMP_HLEN + quote));
    if (this.route(src, get32(f, IP_OFF + IPV4_DST), undefined) < 0) return;
    this.stats.icmpOutDestUnreachs++;
    this.send(e, IPPROTO_ICMP, ICMP_HLEN + quote, DEFAULT_TTL);
  }

  // --- output -----------------------------------------------------------

  /**
   * Decides how a packet to `dst` leaves: the interface, next hop, source
   * address (`src` -1: choose one) and link destination kind. 0 or -errno.
   * `ifpHint` pins broadcasts (and DHCP) to one interface.
   */
  route(dst: number, src: number, ifpHint: Ifnet | undefined): number {
    this.rGateway = false;
    this.rDst = dst;
    if (this.addrs.local(dst) !== undefined) {
      const lo = this.ifs.byIndex(1);
      if (lo === undefined || !lo.has(IFF_LOOPBACK)) return -ENETUNREACH;
      this.rIfp = lo;
      this.rKind = TO_LOCAL;
      this.rNexthop = dst;
      this.rSrc = src >= 0 ? src : dst;
      return 0;
    }
    let ifp = ifpHint;
    let nexthop = dst;
    let kind = TO_UNICAST;
    if (dst === INADDR_BROADCAST || isMulticast(dst)) {
      if (ifp === undefined) {
        const r = this.routes.lookup(dst);
        ifp = r !== undefined ? this.ifs.byIndex(r.ifindex) : this.firstBroadcastIf();
      }
      kind = dst === INADDR_BROADCAST ? TO_BROADCAST : TO_MULTICAST;
    } else {
      const r = ifp !== undefined ? this.routes.lookupOn(dst, ifp.index) : this.routes.lookup(dst);
      if (r === undefined) {
        this.stats.ipOutNoRoutes++;
        return -ENETUNREACH;
      }
      ifp = this.ifs.byIndex(r.ifindex);
      if (r.gateway !== 0) {
        nexthop = r.gateway;
        this.rGateway = true;
      }
      if (src < 0 && r.prefsrc !== 0) src = r.prefsrc;
      if (ifp !== undefined && this.addrs.isBroadcast(dst, ifp)) kind = TO_BROADCAST;
    }
    if (ifp === undefined) {
      this.stats.ipOutNoRoutes++;
      return -ENETUNREACH;
    }
    if (!ifp.running()) return -ENETDOWN;
    this.rIfp = ifp;
    this.rNexthop = nexthop;
    this.rKind = kind;
    this.rSrc = src >= 0 ? src : this.addrs.sourceFor(ifp, nexthop);
    return 0;
  }

  /** The source address route() chose. */
  routedSource(): number {
    return this.rSrc;
  }

  /** The MTU of the interface route() chose. */
  routedMtu(): number {
    return this.rIfp !== undefined ? this.rIfp.mtu : 576;
  }

  /**
   * Sends the packet in `f` (payload of `payloadLen` at IP_PAYLOAD) along
   * the last route(): fills the IPv4 and Ethernet headers. 0 when sent or
   * held for ARP, else -errno.
   */
  send(f: Bytes, proto: number, payloadLen: number, ttl: number): number {
    const ifp = this.rIfp;
    if (ifp === undefined) return -EINVAL;
    const total = IP_HLEN + payloadLen;
    if (total > ifp.mtu || IP_PAYLOAD + payloadLen > len(f)) {
      this.stats.ipOutDiscards++;
      return -EMSGSIZE;
    }
    set8(f, IP_OFF + IPV4_VHL, IPV4_VHL_DEFAULT);
    set8(f, IP_OFF + IPV4_TOS, 0);
    set16(f, IP_OFF + IPV4_TOTAL_LEN, total);
    set16(f, IP_OFF + IPV4_ID, this.nextId);
    this.nextId = this.nextId >= 0xffff ? 1 : this.nextId + 1;
    set16(f, IP_OFF + IPV4_FRAG, 0);
    // Multicast leaves with TTL 1 (the host's default, RFC 1112 6.1) unless the sender asks for another.
    set8(f, IP_OFF + IPV4_TTL, this.rKind === TO_MULTICAST && ttl === DEFAULT_TTL ? 1 : ttl);
    set8(f, IP_OFF + IPV4_PROTO, proto);
    set16(f, IP_OFF + IPV4_CKSUM, 0);
    set32(f, IP_OFF + IPV4_SRC, this.rSrc);
    set32(f, IP_OFF + IPV4_DST, this.rDst);
    set16(f, IP_OFF + IPV4_CKSUM, checksum(f, IP_OFF, IP_HLEN));
    // A reused receive buffer may be longer than the packet (padding, stripped options): send only the packet.
    if (len(f) > IP_PAYLOAD + payloadLen) f = view(f, 0, IP_PAYLOAD + payloadLen);
    setEtherHeader(f, ifp.hwaddr, ETHERTYPE_IPV4);
    this.stats.ipOutRequests++;
    if (this.rKind === TO_LOCAL) return this.loopback(f);
    if (this.rKind === TO_BROADCAST) {
      setBroadcastMac(f, ETH_DST);
      this.out.sendFrame(ifp, f);
      return 0;
    }
    if (this.rKind === TO_MULTICAST) {
      setMulticastMac(f, ETH_DST, this.rDst);
      this.out.sendFrame(ifp, f);
      return 0;
    }
    const llt = ifp.lltable;
    if (llt === undefined) {
      this.stats.ipOutDiscards++;
      return -EHOSTUNREACH;
    }
    const r = llt.resolve(this.rNexthop, f, this.rGateway);
    if (r === RESOLVED) this.out.sendFrame(ifp, f);
    else if (r !== HELD) {
      this.stats.ipOutDiscards++;
      return r;
    }
    return 0;
  }

  private firstBroadcastIf(): Ifnet | undefined {
    const l = this.ifs.list;
    for (let i = 0; i < l.length; i++) if (!l[i].has(IFF_LOOPBACK) && l[i].has(IFF_UP)) return l[i];
    return undefined;
  }

  // Packets to ourselves go round through the loopback on the next turn of the event loop.
  private loopback(f: Bytes): number {
    const lo = this.ifs.byIndex(1);
    if (lo === undefined || this.loopQueue.length >= LOOP_QUEUE) {
      if (lo !== undefined) lo.counters.txDropped++;
      return -EHOSTUNREACH;
    }
    this.loopQueue.push(f);
    lo.counters.txPackets++;
    lo.counters.txBytes += len(f) - ETH_HLEN;
    if (!this.loopArmed) {
      this.loopArmed = true;
      this.clock.set(this.drainLoop, 0);
    }
    return 0;
  }

  private drainLoopback(): void {
    const lo = this.ifs.byIndex(1);
    while (this.loopQueue.length > 0) {
      const f = this.loopQueue[0];
      this.loopQueue.splice(0, 1);
      if (lo === undefined) continue;
      lo.counters.rxPackets++;
      lo.counters.rxBytes += len(f) - ETH_HLEN;
      countRx(lo.counters, this.input(lo, f, len(f)));
    }
  }
}

/** The pseudo-header sum for UDP/TCP checksums (RFC 768). */
export function pseudoSum(src: number, dst: number, proto: number, n: number): number {
  return Math.floor(src / 65536) + (src % 65536) + Math.floor(dst / 65536) + (dst % 65536) + proto + n;
}
