// The program's TCP sockets over a TCP service (netrt's own, app-tcp.ts, or
// a W5500's sockets, app-tcp-chip.ts): addresses as text (a name is looked
// up first when the build has DNS) and data as strings of bytes.
import { alloc, len } from "@hal/bytes";
import { bytesToStr, fromStr } from "@hal/strings";
import type { TcpServerHandle, TcpService, TcpSocket } from "../hal/tcp-api";
import { formatIPv4, parseIPv4 } from "../src/net/addr";
import { EINVAL } from "../src/net/errno";
import type { AppTcpOptions, AppTcpServer, AppTcpServerOptions, AppTcpSocket, Device } from "./device";
import { addStop, errnoName } from "./services";

/** The read() chunk when the program names no maximum. */
const READ_ALL = 4096;

class AppTcp implements AppTcpSocket {
  remoteAddress = "";
  remotePort = 0;
  localPort = 0;
  onConnect: ((this: void) => void) | undefined = undefined;
  onReadable: ((this: void, count: number) => void) | undefined = undefined;
  onWritable: ((this: void, count: number) => void) | undefined = undefined;
  onEnd: ((this: void) => void) | undefined = undefined;
  onClose: ((this: void, err: string | undefined) => void) | undefined = undefined;
  c: TcpSocket | undefined = undefined;
  /** close() before the name was looked up. */
  gone = false;

  attach(c: TcpSocket): void {
    this.c = c;
    this.remoteAddress = formatIPv4(c.raddr);
    this.remotePort = c.rport;
    this.localPort = c.lport;
    // The program's callbacks are read when they fire: it may set them after tcp() or in onAccept.
    c.onConnect = () => {
      const cb = this.onConnect;
      if (cb !== undefined) cb();
    };
    c.onReadable = (n) => {
      const cb = this.onReadable;
      if (cb !== undefined) cb(n);
    };
    c.onWritable = (n) => {
      const cb = this.onWritable;
      if (cb !== undefined) cb(n);
    };
    c.onEnd = () => {
      const cb = this.onEnd;
      if (cb !== undefined) cb();
    };
    c.onClose = (err) => this.closed(err);
  }

  closed(err: number): void {
    const cb = this.onClose;
    if (cb !== undefined) cb(err === 0 ? undefined : errnoName(err));
  }

  read(max?: number): string {
    const c = this.c;
    if (c === undefined) return "";
    const n = Math.min(max !== undefined && max > 0 ? max : READ_ALL, c.available());
    if (n <= 0) return "";
    const b = alloc(n);
    const got = c.read(b, 0, n);
    return bytesToStr(b, 0, got);
  }

  available(): number {
    return this.c !== undefined ? this.c.available() : 0;
  }

  write(data: string): number {
    const c = this.c;
    if (c === undefined) return 0;
    const b = fromStr(data);
    return c.write(b, 0, len(b));
  }

  writable(): number {
    return this.c !== undefined ? this.c.writable() : 0;
  }

  close(): void {
    this.gone = true;
    if (this.c !== undefined) this.c.close();
  }

  abort(): void {
    this.gone = true;
    if (this.c !== undefined) this.c.abort();
  }
}

class AppServer implements AppTcpServer {
  constructor(
    readonly port: number,
    private readonly tcp: TcpService,
    private readonly l: TcpServerHandle,
  ) {}

  close(): void {
    this.tcp.unlisten(this.l);
  }
}

/** The program's tcp() and listen() over `tcp`. */
export function serveTcp(dev: Device, tcp: TcpService): void {
  const servers: AppServer[] = [];
  const start = (s: AppTcp, o: AppTcpOptions, addr: number): number => {
    const c = tcp.connect(addr, o.port);
    if (typeof c === "number") return c;
    if (o.noDelay === true) c.noDelay = true;
    if (o.keepalive !== undefined) c.setKeepalive(o.keepalive);
    if (o.timeout !== undefined) c.userTimeout = o.timeout;
    s.attach(c);
    return 0;
  };
  dev.openTcp = (o: AppTcpOptions) => {
    if (!(o.port > 0 && o.port <= 0xffff)) return -EINVAL;
    const s = new AppTcp();
    s.onConnect = o.onConnect;
    s.onReadable = o.onReadable;
    s.onWritable = o.onWritable;
    s.onEnd = o.onEnd;
    s.onClose = o.onClose;
    s.remotePort = o.port;
    const a = parseIPv4(o.host);
    if (a >= 0) {
      const err = start(s, o, a);
      return err < 0 ? err : s;
    }
    const lookup = dev.lookup;
    const names = dev.dnsError;
    if (lookup === undefined || names === undefined) return -EINVAL;
    lookup(o.host, (err, addr) => {
      if (s.gone) return;
      const cb = s.onClose;
      if (err !== 0) {
        if (cb !== undefined) cb(names(err));
        return;
      }
      const e = start(s, o, addr);
      if (e < 0) s.closed(e);
    });
    return s;
  };
  dev.listenTcp = (o: AppTcpServerOptions) => {
    const onAccept = o.onAccept;
    const l = tcp.listen(o.port, o.backlog !== undefined ? o.backlog : 2, (c) => {
      if (o.timeout !== undefined) c.userTimeout = o.timeout;
      const s = new AppTcp();
      s.attach(c);
      onAccept(s);
    });
    if (typeof l === "number") return l;
    const srv = new AppServer(o.port, tcp, l);
    servers.push(srv);
    return srv;
  };
  addStop(dev, () => {
    while (servers.length > 0) servers.pop()!.close();
    for (let c = tcp.at(0); c !== undefined; c = tcp.at(0)) c.abort();
  });
}
