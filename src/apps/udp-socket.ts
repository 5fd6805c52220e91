// UDP sockets for the device's own program, in ECMA-419's shape: opened
// from an options object, onReadable(count) when datagrams wait, read() one
// at a time, write() to an address and port, close(). Each socket holds at
// most `queue` datagrams; what arrives beyond that is dropped and counted,
// so a program that stops reading cannot use up the board's memory.
import { copy, len, slice } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { LOG_ERROR } from "../../hal/types";
import { EACCES, EINVAL, EMSGSIZE, ENOTCONN } from "../net/errno";
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
  /** The sender's IPv4 address and port. */
  address: number;
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
    this.q.push({ data: slice(d.f, d.off, d.n), address: d.src, port: d.srcPort });
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
  s = new UdpSocket(stack, port !== 0 ? port : err, queue, o.broadcast === true, o.onReadable);
  return s;
}
