// UDP sockets for the device's own program, in ECMA-419's shape: opened
// from an options object, onReadable(count) when datagrams wait, read() one
// at a time, write() to an address and port, close(). Each socket holds at
// most `queue` datagrams; what arrives beyond that is dropped and counted,
// so a program that stops reading cannot use up the board's memory. On a
// build with IPv6 a socket's port takes both families' datagrams, and it
// writes to either (write6 for IPv6's).
import { copy, len, slice } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { LOG_ERROR } from "../../hal/types";
import { EACCES, EAFNOSUPPORT, EINVAL, EMSGSIZE, ENOTCONN } from "../net/errno";
import { UDP6_PAYLOAD, type Udp6Datagram } from "../net/udp6";
import { IPV6_ALEN } from "../wire/ipv6";
import { bindEphemeral } from "../net/ephemeral";
import { INADDR_BROADCAST } from "../net/inaddr";
import type { NetStack } from "../net/stack";
import { UDP_PAYLOAD, type UdpDatagram } from "../net/udp";

/** The receive queue when the options do not say. */
const DEFAULT_QUEUE = 4;
/** The largest payload a datagram may carry without fragmentation on Ethernet. */
export const UDP_MAX_PAYLOAD = 1472;

export interface Datagram {
  data: Bytes;
  /** The sender's IPv4 address (-1 for IPv6's) and port. */
  address: number;
  /** The sender's IPv6 address, or undefined for IPv4's. */
  address6: Bytes | undefined;
  port: number;
}

export interface UdpSocketOptions {
  /** The local port; 0 or absent picks a free ephemeral one. */
  port?: number;
  /** May the socket send to broadcast addresses (SO_BROADCAST)? */
  broadcast?: boolean;
  /** Datagrams held until read (default 4); more are dropped and counted. */
  queue?: number;
  /** Datagrams are waiting: `count` of them. */
  onReadable?: (count: number) => void;
}

export class UdpSocket {
  /** Datagrams dropped because the queue was full. */
  dropped = 0;
  private readonly q: Datagram[] = [];
  private open = true;

  constructor(
    private readonly stack: NetStack,
    readonly port: number,
    private readonly max: number,
    private readonly broadcast: boolean,
    private readonly onReadable: ((count: number) => void) | undefined,
  ) {}

  /** The stack's receive path. */
  deliver(d: UdpDatagram): void {
    if (this.q.length >= this.max) {
      this.dropped++;
      return;
    }
    this.queued(slice(d.f, d.off, d.n), d.src, undefined, d.srcPort);
  }

  /** The stack's receive path for IPv6. */
  deliver6(d: Udp6Datagram): void {
    const f = d.f;
    if (f === undefined) return;
    if (this.q.length >= this.max) {
      this.dropped++;
      return;
    }
    this.queued(slice(f, d.off, d.n), -1, slice(d.src, 0, IPV6_ALEN), d.srcPort);
  }

  private queued(data: Bytes, address: number, address6: Bytes | undefined, port: number): void {
    this.q.push({ data: data, address: address, address6: address6, port: port });
    const cb = this.onReadable;
    if (cb === undefined) return;
    // The program's callback: what it throws is its own failure, not the frame's.
    try {
      cb(this.q.length);
    } catch (e) {
      this.stack.log.write(LOG_ERROR, "udp " + this.port + ": onReadable failed: " + e);
    }
  }

  /** The oldest waiting datagram, or undefined. */
  read(): Datagram | undefined {
    const d = this.q[0];
    if (d !== undefined) this.q.splice(0, 1);
    return d;
  }

  /** How many datagrams wait. */
  waiting(): number {
    return this.q.length;
  }

  /**
   * Sends data[off, off + n) to address:port: 0 when sent or waiting for
   * ARP, else -errno (ENOTCONN closed, EMSGSIZE over one frame, EACCES a
   * broadcast without permission, ENETUNREACH no route).
   */
  write(data: Bytes, off: number, n: number, address: number, port: number): number {
    if (!this.open) return -ENOTCONN;
    if (port <= 0 || port > 0xffff || off < 0 || n < 0 || off + n > len(data)) return -EINVAL;
    if (n > UDP_MAX_PAYLOAD) return -EMSGSIZE;
    if (!this.broadcast && this.isBroadcast(address)) return -EACCES;
    const udp = this.stack.udp;
    const f = udp.alloc(n);
    copy(f, UDP_PAYLOAD, data, off, n);
    return udp.send(f, n, -1, this.port, address, port, undefined);
  }

  /**
   * Sends data[off, off + n) to the IPv6 address at address[a…], port: as
   * write(); -EAFNOSUPPORT on a build without IPv6, EMSGSIZE beyond the link's MTU.
   */
  write6(data: Bytes, off: number, n: number, address: Bytes, a: number, port: number): number {
    if (!this.open) return -ENOTCONN;
    if (port <= 0 || port > 0xffff || off < 0 || n < 0 || off + n > len(data)) return -EINVAL;
    const ip6 = this.stack.ip6;
    const udp6 = ip6 !== undefined ? ip6.udp : undefined;
    if (udp6 === undefined) return -EAFNOSUPPORT;
    const f = udp6.alloc(n);
    copy(f, UDP6_PAYLOAD, data, off, n);
    return udp6.send(f, n, this.port, address, a, port);
  }

  private isBroadcast(a: number): boolean {
    if (a === INADDR_BROADCAST) return true;
    const l = this.stack.ifs.list;
    for (let i = 0; i < l.length; i++) if (this.stack.addrs.isBroadcast(a, l[i])) return true;
    return false;
  }

  /** Unbinds the port and forgets what waits. Closing twice does nothing. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.stack.udp.unbind(this.port, undefined);
    const ip6 = this.stack.ip6;
    if (ip6 !== undefined && ip6.udp !== undefined) ip6.udp.unbind(this.port);
    this.q.splice(0, this.q.length);
  }
}

/**
 * Binds a socket: the socket, or -errno (EADDRINUSE the port is taken,
 * ENOSPC no free slot, EINVAL a bad port or queue).
 */
export function openUdp(stack: NetStack, o: UdpSocketOptions): UdpSocket | number {
  const queue = o.queue !== undefined ? o.queue : DEFAULT_QUEUE;
  if (queue < 1 || queue > 64 || queue !== Math.floor(queue)) return -EINVAL;
  const port = o.port !== undefined ? o.port : 0;
  if (port < 0 || port > 0xffff || port !== Math.floor(port)) return -EINVAL;
  let s: UdpSocket | undefined = undefined;
  const h = (d: UdpDatagram): void => {
    if (s !== undefined) s.deliver(d);
  };
  const err = port !== 0 ? stack.udp.bind(port, h, undefined) : bindEphemeral(stack, h);
  if (err < 0) return err;
  const bound = port !== 0 ? port : err;
  // IPv6's datagrams to the same port (a dual-stack socket); a port IPv6 has taken is taken.
  const ip6 = stack.ip6;
  const udp6 = ip6 !== undefined ? ip6.udp : undefined;
  if (udp6 !== undefined) {
    const e6 = udp6.bind(bound, (d: Udp6Datagram) => {
      if (s !== undefined) s.deliver6(d);
    });
    if (e6 < 0) {
      stack.udp.unbind(bound, undefined);
      return e6;
    }
  }
  s = new UdpSocket(stack, bound, queue, o.broadcast === true, o.onReadable);
  return s;
}
