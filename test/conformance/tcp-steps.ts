// The W5500 TCP sockets' steps of a driver transcript (test/chips/transcripts.ts),
// the same when recorded on Node and when replayed on every runtime
// (driver-suite.ts): each call and callback goes into a log compared whole.
import { alloc } from "@hal/bytes";
import type { W5500Tcp } from "../../hal/drivers/w5500-tcp";
import type { TcpSocket } from "../../hal/tcp-api";
import type { Bytes } from "../../hal/types";
import { formatIPv4 } from "../../src/net/addr";

/** The peer's address on the TCP scenario's segment, and the unit's. */
export const TCP_PEER = 0xc0000202;
export const TCP_UNIT = 0xc000020a;

/** An integer as digits on every runtime (Lua 5.3 would write a float's ".0"). */
function num(n: number): string {
  return "" + Math.floor(n);
}

/** The driver side of the TCP steps, the same on Node and in the replay: it writes the log. */
export class TcpSteps {
  readonly socks: TcpSocket[] = [];
  constructor(
    readonly tcp: W5500Tcp,
    readonly log: string[],
  ) {}
  watch(s: TcpSocket): void {
    const k = this.socks.length;
    this.socks.push(s);
    s.onConnect = () => this.log.push(k + " connect");
    s.onReadable = (n) => this.log.push(k + " readable " + num(n));
    s.onEnd = () => this.log.push(k + " end");
    s.onClose = (err) => this.log.push(k + " close " + num(err));
    s.onWritable = (n) => this.log.push(k + " writable " + num(n));
  }
  /** Acts on a driver step; false when it is not one. */
  step(st: (string | number)[], hexOf: (b: Bytes, n: number) => string, bytesOf: (h: string) => Bytes): boolean {
    const op = st[0];
    const t = this.tcp;
    if (op === "address") t.setAddress(st[1] as number, st[2] as number, st[3] as number);
    else if (op === "connect") {
      const s = t.connect(st[1] as number, st[2] as number);
      if (typeof s === "number") this.log.push("connect " + num(s));
      else {
        this.log.push("connect " + this.socks.length + " port " + num(s.lport));
        this.watch(s);
      }
    } else if (op === "listen") {
      const l = t.listen(st[1] as number, 1, (s) => {
        this.log.push("accept " + this.socks.length + " from " + formatIPv4(s.raddr) + ":" + num(s.rport));
        this.watch(s);
      });
      this.log.push("listen " + (typeof l === "number" ? num(l) : "ok"));
    } else if (op === "send") {
      const b = bytesOf(st[2] as string);
      const h = st[2] as string;
      this.log.push(st[1] + " send " + num(this.socks[st[1] as number].write(b, 0, h.length / 2)));
    } else if (op === "recv") {
      const s = this.socks[st[1] as number];
      const n = s.available();
      const b = alloc(n);
      const got = s.read(b, 0, n);
      this.log.push(st[1] + " recv " + hexOf(b, got));
    } else if (op === "close") this.socks[st[1] as number].close();
    else return false;
    return true;
  }
}
