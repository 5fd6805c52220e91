// What the program's TCP (firmware/tcp-sockets.ts) needs from a TCP: netrt's
// own (src/net/tcp.ts) or a chip's sockets (hal/drivers/w5500-tcp.ts, the W5500's
// hardwired TCP beside MACRAW). Types only: a build carries the one it uses.
import type { Bytes } from "./types";

/** One connection. The callbacks never run inside the program's own calls. */
export interface TcpSocket {
  readonly raddr: number;
  readonly rport: number;
  readonly lport: number;
  /** Send without Nagle's delay (TCP_NODELAY); a chip may always do so. */
  noDelay: boolean;
  /** Give up when sent data stays unacknowledged this many ms (0: after the retries). */
  userTimeout: number;
  onConnect: ((this: void) => void) | undefined;
  onReadable: ((this: void, n: number) => void) | undefined;
  onEnd: ((this: void) => void) | undefined;
  onWritable: ((this: void, n: number) => void) | undefined;
  /** Gone: err 0 (orderly) or -errno. */
  onClose: ((this: void, err: number) => void) | undefined;
  available(): number;
  writable(): number;
  read(out: Bytes, off: number, n: number): number;
  write(data: Bytes, off: number, n: number): number;
  close(): void;
  abort(): void;
  setKeepalive(ms: number): void;
}

/** A listener, as the TCP that made it knows it. */
export interface TcpServerHandle {
  readonly port: number;
}

export interface TcpService {
  /** Accepts connections to `port`: the listener, or -errno. */
  listen(port: number, backlog: number, onAccept: (this: void, c: TcpSocket) => void): TcpServerHandle | number;
  unlisten(l: TcpServerHandle): void;
  /** Opens a connection (its onConnect or onClose says how it went), or -errno. */
  connect(dst: number, port: number): TcpSocket | number;
  /** The i-th connection in use, to abort them all at stop. */
  at(i: number): TcpSocket | undefined;
}
