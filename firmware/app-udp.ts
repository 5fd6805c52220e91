// The program's UDP sockets (a board feature, "services": { "sockets": N }):
// src/apps/udp-socket.ts with addresses as text and payloads as strings of
// bytes, at most N open at once.
import { len } from "@hal/bytes";
import { bytesToStr, fromStr } from "@hal/strings";
import { openUdp, type UdpSocket } from "../src/apps/udp-socket";
import { formatIPv4, parseIPv4 } from "../src/net/addr";
import { EAFNOSUPPORT, EINVAL, ENOSPC } from "../src/net/errno";
import { type Addr6Text, type AppDatagram, type AppUdpOptions, type AppUdpSocket, type Device } from "./device";
import { addStop } from "./services";

class AppSocket implements AppUdpSocket {
  readonly port: number;

  constructor(
    private readonly s: UdpSocket,
    private readonly closed: (s: AppSocket) => void,
    private readonly addr6: Addr6Text | undefined,
  ) {
    this.port = s.port;
  }

  read(): AppDatagram | undefined {
    const d = this.s.read();
    if (d === undefined) return undefined;
    const a6 = d.address6;
    const text = a6 !== undefined && this.addr6 !== undefined ? this.addr6.format(a6, 0) : formatIPv4(d.address);
    return { data: bytesToStr(d.data, 0, len(d.data)), address: text, port: d.port };
  }

  /** To an IPv4 address, or an IPv6 one on a build with IPv6 (-EAFNOSUPPORT without). */
  write(data: string, address: string, port: number): number {
    const b = fromStr(data);
    const a = parseIPv4(address);
    if (a >= 0) return this.s.write(b, 0, len(b), a, port);
    if (address.indexOf(":") < 0) return -EINVAL;
    const six = this.addr6;
    if (six === undefined) return -EAFNOSUPPORT;
    const a6 = six.parse(address);
    return a6 !== undefined ? this.s.write6(b, 0, len(b), a6, 0, port) : -EINVAL;
  }

  dropped(): number {
    return this.s.dropped;
  }

  close(): void {
    this.s.close();
    this.closed(this);
  }
}

export function addSockets(dev: Device): void {
  const sv = dev.board.services;
  const max = sv !== undefined ? sv.sockets : 0;
  const open: AppSocket[] = [];
  dev.openUdp = (o: AppUdpOptions) => {
    if (open.length >= max) return -ENOSPC;
    const s = openUdp(dev.stack, o);
    if (typeof s === "number") return s;
    const a = new AppSocket(
      s,
      (x) => {
        for (let i = 0; i < open.length; i++) if (open[i] === x) open.splice(i, 1);
      },
      dev.addr6,
    );
    open.push(a);
    return a;
  };
  addStop(dev, () => {
    while (open.length > 0) open[0].close();
  });
}
