// UDP over IPv6 (RFC 768 with RFC 8200 8.1): a few fixed port slots, one
// handler each, as IPv4's Udp has. The checksum is mandatory: a datagram
// without one is dropped. A datagram for no port gets ICMPv6's port
// unreachable (rate-limited by the IPv6 host). Nothing is fragmented: a
// payload beyond the link's MTU is EMSGSIZE.
import { alloc, copy, get16, set16 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { EADDRINUSE, EINVAL, EMSGSIZE, ENETUNREACH, ENOSPC } from "./errno";
import { RX_DELIVERED, RX_ERROR, RX_NOHANDLER, type Ifnet } from "./ifnet";
import { IN6_DEPRECATED, IN6_PREFERRED } from "./in6addr";
import type { Ipv6 } from "./ipv6";
import { upperChecksum } from "./ipv6-walk";
import { ICMP6_DST_UNREACH } from "../wire/icmp6";
import { IPPROTO_UDP } from "../wire/ipv4";
import { IPV6_ALEN, IPV6_DST, IPV6_HLEN, IPV6_SRC } from "../wire/ipv6";
import { ETH_HLEN } from "../wire/ether";
import { UDP_CKSUM, UDP_DPORT, UDP_HLEN, UDP_LEN, UDP_SPORT } from "../wire/udp";

const IP6_OFF = ETH_HLEN;
/** Where a datagram's payload starts in a frame from Udp6.alloc. */
export const UDP6_PAYLOAD = ETH_HLEN + IPV6_HLEN + UDP_HLEN;
/** Destination unreachable, port unreachable (RFC 4443 3.1). */
const UNREACH_PORT = 4;

/** One received datagram: valid only during the handler's call (one record, reused). */
export class Udp6Datagram {
  ifp: Ifnet | undefined = undefined;
  readonly src: Bytes = alloc(IPV6_ALEN);
  srcPort = 0;
  readonly dst: Bytes = alloc(IPV6_ALEN);
  dstPort = 0;
  /** The whole frame; the payload is f[off, off + n). */
  f: Bytes | undefined = undefined;
  off = 0;
  n = 0;
}

export type Udp6Handler = (this: void, d: Udp6Datagram) => void;

export interface Udp6Stats {
  inDatagrams: number;
  noPorts: number;
  inErrors: number;
  outDatagrams: number;
}

export class Udp6 {
  readonly stats: Udp6Stats = { inDatagrams: 0, noPorts: 0, inErrors: 0, outDatagrams: 0 };
  private readonly ports: number[] = [];
  private readonly handlers: Udp6Handler[] = [];
  private readonly d = new Udp6Datagram();

  constructor(
    private readonly ip6: Ipv6,
    readonly slots: number,
  ) {
    const none: Udp6Handler = () => undefined;
    // Filled up front: a Lua array cannot hold holes.
    for (let i = 0; i < slots; i++) {
      this.ports.push(0);
      this.handlers.push(none);
    }
  }

  /** Delivers datagrams for `port` to `h`: 0, -EADDRINUSE, -ENOSPC or -EINVAL. */
  bind(port: number, h: Udp6Handler): number {
    if (port <= 0 || port > 0xffff) return -EINVAL;
    let free = -1;
    for (let i = 0; i < this.slots; i++) {
      if (this.ports[i] === port) return -EADDRINUSE;
      if (this.ports[i] === 0 && free < 0) free = i;
    }
    if (free < 0) return -ENOSPC;
    this.ports[free] = port;
    this.handlers[free] = h;
    return 0;
  }

  unbind(port: number): void {
    for (let i = 0; i < this.slots; i++) if (this.ports[i] === port) this.ports[i] = 0;
  }

  /** A UDP datagram at f[off, off + n) of the IPv6 packet in frame f (for one of our addresses or groups). */
  input(ifp: Ifnet, f: Bytes, fn: number, off: number, n: number, multicast: boolean): number {
    const st = this.stats;
    const ulen = n >= UDP_HLEN ? get16(f, off + UDP_LEN) : 0;
    // The length must be the payload's (no jumbograms here); the checksum is never optional over IPv6.
    if (
      n < UDP_HLEN ||
      ulen !== n ||
      get16(f, off + UDP_CKSUM) === 0 ||
      upperChecksum(f, IP6_OFF, IPPROTO_UDP, off, n) !== 0
    ) {
      st.inErrors++;
      return RX_ERROR;
    }
    const port = get16(f, off + UDP_DPORT);
    for (let i = 0; i < this.slots; i++) {
      if (this.ports[i] !== port) continue;
      st.inDatagrams++;
      const d = this.d;
      d.ifp = ifp;
      copy(d.src, 0, f, IP6_OFF + IPV6_SRC, IPV6_ALEN);
      copy(d.dst, 0, f, IP6_OFF + IPV6_DST, IPV6_ALEN);
      d.srcPort = get16(f, off + UDP_SPORT);
      d.dstPort = port;
      d.f = f;
      d.off = off + UDP_HLEN;
      d.n = n - UDP_HLEN;
      this.handlers[i](d);
      d.f = undefined;
      return RX_DELIVERED;
    }
    st.noPorts++;
    if (!multicast) this.ip6.icmpError(ifp, f, fn, ICMP6_DST_UNREACH, UNREACH_PORT, 0);
    return RX_NOHANDLER;
  }

  /** A frame with room for all headers before `n` payload bytes at UDP6_PAYLOAD. */
  alloc(n: number): Bytes {
    return this.ip6.allocPacket(UDP_HLEN + n);
  }

  /**
   * Sends the `n` payload bytes at UDP6_PAYLOAD of `f` from `srcPort` to
   * dst[d…]:dstPort, from the source address the host chooses: 0 when sent
   * or waiting for Neighbor Discovery, else -errno (ENETUNREACH no route or
   * no usable address, EMSGSIZE beyond the link's MTU).
   */
  send(f: Bytes, n: number, srcPort: number, dst: Bytes, d: number, dstPort: number): number {
    const ip6 = this.ip6;
    const ifp = ip6.outInterface(dst, d);
    const from = ifp !== undefined ? ip6.sourceFor(ifp, dst, d) : undefined;
    if (ifp === undefined || from === undefined || (from.state !== IN6_PREFERRED && from.state !== IN6_DEPRECATED))
      return -ENETUNREACH;
    const ulen = UDP_HLEN + n;
    if (IPV6_HLEN + ulen > ip6.linkMtu(ifp)) return -EMSGSIZE;
    const u = IP6_OFF + IPV6_HLEN;
    set16(f, u + UDP_SPORT, srcPort);
    set16(f, u + UDP_DPORT, dstPort);
    set16(f, u + UDP_LEN, ulen);
    set16(f, u + UDP_CKSUM, 0);
    // The addresses first: the checksum covers them.
    copy(f, IP6_OFF + IPV6_SRC, from.addr, 0, IPV6_ALEN);
    copy(f, IP6_OFF + IPV6_DST, dst, d, IPV6_ALEN);
    const c = upperChecksum(f, IP6_OFF, IPPROTO_UDP, u, ulen);
    // A computed zero goes as all ones (RFC 8200 8.1).
    set16(f, u + UDP_CKSUM, c === 0 ? 0xffff : c);
    this.stats.outDatagrams++;
    const to = alloc(IPV6_ALEN);
    copy(to, 0, dst, d, IPV6_ALEN);
    return ip6.send(ifp, f, from.addr, to, IPPROTO_UDP, ulen, ip6.slaac.hopLimit) ? 0 : -ENETUNREACH;
  }
}
