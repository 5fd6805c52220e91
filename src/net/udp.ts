// UDP (RFC 768) with a tiny port-binding API: a handful of fixed slots, one
// handler each. Checksums are checked when present and always sent.
import { get16, len, set16, sum16 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { UDP_CKSUM, UDP_DPORT, UDP_HLEN, UDP_LEN, UDP_SPORT } from "../wire/udp";
import { finish } from "./cksum";
import { EADDRINUSE, EINVAL, ENOSPC } from "./errno";
import { RX_DELIVERED, RX_ERROR, RX_NOHANDLER, type Ifnet } from "./ifnet";
import { DEFAULT_TTL, IP_PAYLOAD, type Ipv4, pseudoSum, type UdpInput } from "./ipv4";
import type { NetStats } from "./stats";
import { IPPROTO_UDP } from "../wire/ipv4";
import { ICMP_UNREACH_PORT } from "../wire/icmp";

/** Where the payload starts in a frame from Udp.alloc. */
export const UDP_PAYLOAD = IP_PAYLOAD + UDP_HLEN;

export interface UdpDatagram {
  ifp: Ifnet;
  src: number;
  srcPort: number;
  dst: number;
  dstPort: number;
  /** The whole frame; the payload is f[off, off + n). Valid only during the call. */
  f: Bytes;
  off: number;
  n: number;
}

export type UdpHandler = (d: UdpDatagram) => void;

export class Udp implements UdpInput {
  private ports: number[] = [];
  private handlers: (UdpHandler | undefined)[] = [];
  /** The interface a slot is bound to; undefined: any. */
  private ifps: (Ifnet | undefined)[] = [];
  // One reusable record: handlers get it synchronously, nothing is allocated per datagram.
  private readonly d: UdpDatagram;

  constructor(
    private readonly ip: Ipv4,
    private readonly stats: NetStats,
    readonly slots: number,
    lo: Ifnet,
  ) {
    for (let i = 0; i < slots; i++) {
      this.ports.push(0);
      this.handlers.push(undefined);
      this.ifps.push(undefined);
    }
    this.d = { ifp: lo, src: 0, srcPort: 0, dst: 0, dstPort: 0, f: ip.allocPacket(0), off: 0, n: 0 };
  }

  /**
   * Delivers datagrams for `port` to `h`: 0, -EADDRINUSE or -ENOSPC. With
   * `ifp`, only those that arrived on it (SO_BINDTODEVICE): one port can then
   * serve one handler per interface (a DHCP client on each).
   */
  bind(port: number, h: UdpHandler, ifp: Ifnet | undefined): number {
    if (port <= 0 || port > 0xffff) return -EINVAL;
    let free = -1;
    for (let i = 0; i < this.slots; i++) {
      const other = this.ifps[i];
      if (this.ports[i] === port && (other === undefined || ifp === undefined || other === ifp)) return -EADDRINUSE;
      if (this.ports[i] === 0 && free < 0) free = i;
    }
    if (free < 0) return -ENOSPC;
    this.ports[free] = port;
    this.handlers[free] = h;
    this.ifps[free] = ifp;
    return 0;
  }

  /** Undoes bind(port, _, ifp). */
  unbind(port: number, ifp: Ifnet | undefined): void {
    for (let i = 0; i < this.slots; i++) {
      if (this.ports[i] === port && this.ifps[i] === ifp) {
        this.ports[i] = 0;
        this.handlers[i] = undefined;
        this.ifps[i] = undefined;
      }
    }
  }

  input(ifp: Ifnet, f: Bytes, off: number, n: number, src: number, dst: number, toUs: boolean): number {
    const st = this.stats;
    const ulen = n >= UDP_HLEN ? get16(f, off + UDP_LEN) : 0;
    if (n < UDP_HLEN || ulen < UDP_HLEN || ulen > n) {
      st.udpInErrors++;
      return RX_ERROR;
    }
    if (get16(f, off + UDP_CKSUM) !== 0 && finish(sum16(f, off, ulen, pseudoSum(src, dst, IPPROTO_UDP, ulen))) !== 0) {
      st.udpInErrors++;
      return RX_ERROR;
    }
    const port = get16(f, off + UDP_DPORT);
    for (let i = 0; i < this.slots; i++) {
      const h = this.handlers[i];
      const bound = this.ifps[i];
      if (this.ports[i] !== port || h === undefined || (bound !== undefined && bound !== ifp)) continue;
      st.udpInDatagrams++;
      const d = this.d;
      d.ifp = ifp;
      d.src = src;
      d.srcPort = get16(f, off + UDP_SPORT);
      d.dst = dst;
      d.dstPort = port;
      d.f = f;
      d.off = off + UDP_HLEN;
      d.n = ulen - UDP_HLEN;
      h(d);
      return RX_DELIVERED;
    }
    st.udpNoPorts++;
    if (toUs) this.ip.icmpError(f, 3, ICMP_UNREACH_PORT);
    return RX_NOHANDLER;
  }

  /** A frame with room for all headers before `n` payload bytes at UDP_PAYLOAD. */
  alloc(n: number): Bytes {
    return this.ip.allocPacket(UDP_HLEN + n);
  }

  /**
   * Sends the `n` payload bytes at UDP_PAYLOAD of `f`. `src` -1 lets the
   * route choose; `ifp` pins the interface (broadcasts, DHCP); `ttl` when
   * the protocol wants its own (mDNS: 255). 0 or -errno.
   */
  send(
    f: Bytes,
    n: number,
    src: number,
    srcPort: number,
    dst: number,
    dstPort: number,
    ifp: Ifnet | undefined,
    ttl?: number,
  ): number {
    if (UDP_PAYLOAD + n > len(f)) return -EINVAL;
    const err = this.ip.route(dst, src, ifp);
    if (err < 0) return err;
    const from = this.ip.routedSource();
    const ulen = UDP_HLEN + n;
    set16(f, IP_PAYLOAD + UDP_SPORT, srcPort);
    set16(f, IP_PAYLOAD + UDP_DPORT, dstPort);
    set16(f, IP_PAYLOAD + UDP_LEN, ulen);
    set16(f, IP_PAYLOAD + UDP_CKSUM, 0);
    const c = finish(sum16(f, IP_PAYLOAD, ulen, pseudoSum(from, dst, IPPROTO_UDP, ulen)));
    // A computed zero is sent as all ones: zero means "no checksum" (RFC 768).
    set16(f, IP_PAYLOAD + UDP_CKSUM, c === 0 ? 0xffff : c);
    this.stats.udpOutDatagrams++;
    return this.ip.send(f, IPPROTO_UDP, ulen, ttl !== undefined ? ttl : DEFAULT_TTL);
  }
}
