// Espruino's own network modules over netrt (a board feature, Espruino only:
// "services": { "networkjs": true }). require("net"), require("http") and
// require("dgram") in the program stay Espruino's; NetworkJS hands their
// sockets to the functions below, which Espruino polls from its idle loop.
// They are netrt's TCP and UDP sockets, and a host name is looked up with
// netrt's DNS (Espruino passes the name to create()).
import { parseIPv4 } from "../src/net/addr";
import type { AppTcpServer, AppTcpSocket, AppUdpSocket, Device } from "./device";
import { errnoName } from "./services";

declare const require: (name: "NetworkJS") => { create(o: NetworkJsDriver): unknown };

/** What NetworkJS calls (Espruino's libs/network/js/network_js.c). */
export declare interface NetworkJsDriver {
  create(host: string | undefined, port: number, type: number): number;
  close(s: number): void;
  accept(s: number): number;
  recv(s: number, maxLen: number, type: number): string | number;
  send(s: number, data: string, type: number): number;
}

// Espruino's SocketType and its socket errors (libs/network/network.h, socketerrors.h).
const ST_UDP = 2;
const ST_TYPE_MASK = 3;
const ERR_CLOSED = -1;
const ERR_TIMEOUT = -3;
const ERR_NO_ROUTE = -4;
const ERR_BUSY = -5;
const ERR_NOT_FOUND = -6;
const ERR_MAX_SOCK = -7;
const ERR_RESET = -9;
const ERR_UNKNOWN = -10;
/** recv() before the connection is up: Espruino waits. */
const ERR_NO_CONN = -11;
const ERR_BAD_ARG = -12;
/** Espruino's header in front of each datagram: address (4), port and length (16 bits, little-endian). */
const UDP_HEADER = 8;

/** Our error (an errno's or a DNS error's name) as Espruino's code, which it reports as the socket's "error". */
function espruinoError(err: string): number {
  if (err === "ECONNRESET" || err === "ECONNREFUSED" || err === "EPIPE" || err === "ECONNABORTED") return ERR_RESET;
  if (err === "ETIMEDOUT" || err === "ETIMEOUT") return ERR_TIMEOUT;
  if (err === "ENETUNREACH" || err === "EHOSTUNREACH" || err === "ENETDOWN") return ERR_NO_ROUTE;
  if (err === "ENOSPC") return ERR_MAX_SOCK;
  if (err === "EADDRINUSE") return ERR_BUSY;
  if (err === "EINVAL" || err === "EACCES" || err === "EMSGSIZE" || err === "EBADNAME") return ERR_BAD_ARG;
  // The rest of the DNS answers: the name did not give an address.
  if (err.substring(0, 3) === "ENO" || err === "ESERVFAIL") return ERR_NOT_FOUND;
  return ERR_UNKNOWN;
}

/** -errno as Espruino's code. */
function errnoError(r: number): number {
  return espruinoError(errnoName(r));
}

class NjsSocket {
  tcp: AppTcpSocket | undefined = undefined;
  udp: AppUdpSocket | undefined = undefined;
  server: AppTcpServer | undefined = undefined;
  /** A server's connections not yet accepted. */
  pending: AppTcpSocket[] = [];
  connected = false;
  /** The peer's FIN came. */
  ended = false;
  closed = false;
  /** Espruino's code for how the connection ended (0: in order). */
  err = 0;

  watch(s: AppTcpSocket): void {
    this.tcp = s;
    s.onConnect = () => {
      this.connected = true;
    };
    s.onEnd = () => {
      this.ended = true;
    };
    s.onClose = (err) => {
      this.closed = true;
      if (err !== undefined) this.err = espruinoError(err);
    };
  }
}

function le16(n: number): string {
  return String.fromCharCode(n & 0xff, (n >> 8) & 0xff);
}

/** A datagram with Espruino's header: from whom, and how long (cut to `max` with the header). */
function datagram(data: string, address: string, port: number, max: number): string {
  const a = parseIPv4(address);
  const d = data.length + UDP_HEADER > max ? data.substring(0, max - UDP_HEADER) : data;
  return (
    String.fromCharCode((a >>> 24) & 0xff, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff) +
    le16(port) +
    le16(d.length) +
    d
  );
}

/** Closes a connection Espruino is done with; data it will never read resets it, as close() does in BSD. */
function drop(s: AppTcpSocket): void {
  if (s.available() > 0) {
    s.abort();
    return;
  }
  s.onReadable = () => s.abort();
  s.close();
}

/** The functions NetworkJS polls, over the device's TCP (which it needs) and UDP sockets (for dgram). */
export function networkJsDriver(dev: Device): NetworkJsDriver {
  const socks: (NjsSocket | undefined)[] = [];
  const add = (e: NjsSocket): number => {
    let i = 0;
    while (i < socks.length && socks[i] !== undefined) i++;
    socks[i] = e;
    return i;
  };
  const openTcp = dev.openTcp!;
  const listenTcp = dev.listenTcp!;
  const driver: NetworkJsDriver = {
    create: (host, port, type) => {
      const e = new NjsSocket();
      if ((type & ST_TYPE_MASK) === ST_UDP) {
        const openUdp = dev.openUdp;
        if (openUdp === undefined) return ERR_UNKNOWN;
        // Bound to the port for a server (bind()); a client's datagrams each name their destination.
        // Broadcasts allowed, as Espruino's own sockets have SO_BROADCAST.
        const u = openUdp({ port: host === undefined ? port : 0, broadcast: true });
        if (typeof u === "number") return errnoError(u);
        e.udp = u;
        return add(e);
      }
      if (host === undefined) {
        const srv = listenTcp({
          port: port,
          onAccept: (s) => {
            e.pending.push(s);
          },
        });
        if (typeof srv === "number") return errnoError(srv);
        e.server = srv;
        return add(e);
      }
      const s = openTcp({ host: host, port: port });
      if (typeof s === "number") return errnoError(s);
      e.watch(s);
      return add(e);
    },
    close: (i) => {
      const e = socks[i];
      if (e === undefined) return;
      socks[i] = undefined;
      if (e.tcp !== undefined && !e.closed) drop(e.tcp);
      if (e.udp !== undefined) e.udp.close();
      if (e.server !== undefined) {
        e.server.close();
        while (e.pending.length > 0) e.pending.shift()!.abort();
      }
    },
    accept: (i) => {
      const e = socks[i];
      const s = e !== undefined ? e.pending.shift() : undefined;
      if (s === undefined) return -1;
      const c = new NjsSocket();
      c.watch(s);
      c.connected = true;
      return add(c);
    },
    recv: (i, maxLen) => {
      const e = socks[i];
      if (e === undefined) return ERR_CLOSED;
      if (e.udp !== undefined) {
        const d = e.udp.read();
        return d === undefined ? "" : datagram(d.data, d.address, d.port, maxLen);
      }
      const s = e.tcp;
      if (s === undefined) return "";
      const data = s.read(maxLen);
      if (data.length > 0) return data;
      if (e.closed) return e.err !== 0 ? e.err : ERR_CLOSED;
      if (e.ended) return ERR_CLOSED;
      return e.connected ? "" : ERR_NO_CONN;
    },
    send: (i, data) => {
      const e = socks[i];
      if (e === undefined) return ERR_CLOSED;
      const u = e.udp;
      if (u !== undefined) {
        if (data.length < UDP_HEADER) return ERR_BAD_ARG;
        const n = data.charCodeAt(6) | (data.charCodeAt(7) << 8);
        if (data.length < UDP_HEADER + n) return ERR_BAD_ARG;
        const to = data.charCodeAt(0) + "." + data.charCodeAt(1) + "." + data.charCodeAt(2) + "." + data.charCodeAt(3);
        const r = u.write(
          data.substring(UDP_HEADER, UDP_HEADER + n),
          to,
          data.charCodeAt(4) | (data.charCodeAt(5) << 8),
        );
        // One datagram per call: Espruino sends the rest of its queue on the next.
        return r < 0 ? errnoError(r) : UDP_HEADER + n;
      }
      const s = e.tcp;
      if (s === undefined) return ERR_BAD_ARG;
      if (e.closed) return e.err !== 0 ? e.err : ERR_CLOSED;
      if (!e.connected) return 0;
      const n = s.write(data);
      return n < 0 ? errnoError(n) : n;
    },
  };
  return driver;
}

export function addNetworkJs(dev: Device): void {
  require("NetworkJS").create(networkJsDriver(dev));
}
