// A small DHCP server on a simulated host, for unit tests of the client: a
// pool, leases by MAC, and switches for the misbehaviours the client must
// survive (silence, NAKs, odd options, unicast replies).
import { set8, set32 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { LLE_STATIC } from "../../src/net/lltable";
import { UDP_PAYLOAD, type UdpDatagram } from "../../src/net/udp";
import { ip, type Node } from "../net/helpers";
import { DHCP_MAGIC } from "../../src/wire/dhcp";

export interface SeenRequest {
  type: number;
  xid: number;
  secs: number;
  ciaddr: number;
  requested: number;
  server: number;
  options: Map<number, Buffer>;
  at: number;
  dst: number;
  src: number;
}

export interface ServerOptions {
  serverIp: string;
  pool: string[];
  mask: string | null;
  routers: string[];
  dns: string[];
  /** Option 42. */
  ntp: string[];
  domain: string;
  leaseSecs: number;
  t1: number | null;
  t2: number | null;
  /** Answer nothing at all. */
  silent: boolean;
  /** Ignore unicast REQUESTs (renewals) but answer broadcasts. */
  ignoreUnicast: boolean;
  /** Ignore every REQUEST with ciaddr set (renewing and rebinding): each lease runs out. */
  ignoreRenewals: boolean;
  /** Answer every REQUEST with a NAK. */
  nakAll: boolean;
  /** Send OFFER/ACK unicast to yiaddr, as dnsmasq does without the broadcast flag. */
  unicastReplies: boolean;
  rapidCommit: boolean;
  /** Leave mask, routers and NTP servers out of ACKs to renewals. */
  bareRenewAck: boolean;
  /** Override the server identifier (0: none). */
  serverIdOverride: number | null;
  /** Message types to ignore (e.g. [3]: answer DISCOVER only). */
  dropTypes: number[];
  /** NAK REQUESTs meant for other servers too (a misbehaving second server). */
  nakForeign: boolean;
}

export function defaultServer(): ServerOptions {
  return {
    serverIp: "192.0.2.1",
    pool: ["192.0.2.50", "192.0.2.51", "192.0.2.52"],
    mask: "255.255.255.0",
    routers: ["192.0.2.1"],
    dns: ["192.0.2.53"],
    ntp: [],
    domain: "example.test",
    leaseSecs: 3600,
    t1: null,
    t2: null,
    silent: false,
    ignoreUnicast: false,
    ignoreRenewals: false,
    nakAll: false,
    unicastReplies: false,
    rapidCommit: false,
    bareRenewAck: false,
    serverIdOverride: null,
    dropTypes: [],
    nakForeign: false,
  };
}

function parseRequest(d: UdpDatagram): SeenRequest | undefined {
  const b = Buffer.from((d.f as unknown as Uint8Array).subarray(d.off, d.off + d.n));
  if (b.length < 240 || b[0] !== 1 || b.readUInt32BE(236) !== DHCP_MAGIC) return undefined;
  const options = new Map<number, Buffer>();
  let p = 240;
  while (p < b.length && b[p] !== 255) {
    if (b[p] === 0) {
      p++;
      continue;
    }
    const code = b[p];
    const l = b[p + 1];
    options.set(code, b.subarray(p + 2, p + 2 + l));
    p += 2 + l;
  }
  const u32 = (c: number) => (options.get(c)?.length === 4 ? options.get(c)!.readUInt32BE(0) : 0);
  return {
    type: options.get(53)?.[0] ?? 0,
    xid: b.readUInt32BE(4),
    secs: b.readUInt16BE(8),
    ciaddr: b.readUInt32BE(12),
    requested: u32(50),
    server: u32(54),
    options,
    at: 0,
    dst: d.dst,
    src: d.src,
  };
}

export class SimDhcpServer {
  readonly seen: SeenRequest[] = [];
  readonly leases = new Map<string, number>();
  readonly released: number[] = [];
  readonly declined: number[] = [];
  o: ServerOptions;

  constructor(
    readonly node: Node,
    o: Partial<ServerOptions> = {},
  ) {
    this.o = { ...defaultServer(), ...o };
    node.stack.udp.bind(67, (d) => this.input(d), undefined);
  }

  private macKey(d: UdpDatagram): string {
    return Buffer.from((d.f as unknown as Uint8Array).subarray(d.off + 28, d.off + 34)).toString("hex");
  }

  private input(d: UdpDatagram): void {
    const req = parseRequest(d);
    if (req === undefined) return;
    req.at = this.node.stack.clock.now();
    this.seen.push(req);
    if (this.o.silent || this.o.dropTypes.includes(req.type)) return;
    const key = this.macKey(d);
    const chaddr = (d.f as unknown as Uint8Array).slice(d.off + 28, d.off + 34);
    if (req.type === 7) {
      this.released.push(req.ciaddr);
      this.leases.delete(key);
      return;
    }
    if (req.type === 4) {
      this.declined.push(req.requested);
      this.leases.delete(key);
      this.o.pool = this.o.pool.filter((a) => ip(a) !== req.requested);
      return;
    }
    if (req.type === 3 && this.o.ignoreUnicast && req.dst !== 0xffffffff) return;
    if (req.type === 3 && this.o.ignoreRenewals && req.ciaddr !== 0) return;
    if (req.type === 1) {
      const addr = this.leases.get(key) ?? this.freeAddress();
      if (addr === undefined) return;
      this.leases.set(key, addr);
      if (this.o.rapidCommit && req.options.has(80)) this.reply(req, 5, addr, chaddr, true);
      else this.reply(req, 2, addr, chaddr, false);
      return;
    }
    if (req.type === 3) {
      // Selecting: for us only if the server identifier is ours.
      if (req.server !== 0 && req.server !== ip(this.o.serverIp)) {
        if (this.o.nakForeign) this.reply(req, 6, 0, chaddr, false);
        return;
      }
      const want = req.requested !== 0 ? req.requested : req.ciaddr;
      const have = this.leases.get(key);
      const inPool = this.o.pool.some((a) => ip(a) === want);
      if (this.o.nakAll || !inPool || (have !== undefined && have !== want)) {
        this.reply(req, 6, 0, chaddr, false);
        return;
      }
      this.leases.set(key, want);
      this.reply(req, 5, want, chaddr, false);
      return;
    }
    if (req.type === 8) this.reply(req, 5, 0, chaddr, false);
  }

  private freeAddress(): number | undefined {
    const used = new Set(this.leases.values());
    for (const a of this.o.pool) if (!used.has(ip(a))) return ip(a);
    return undefined;
  }

  private reply(req: SeenRequest, type: number, yiaddr: number, chaddr: Uint8Array, rapid: boolean): void {
    const o = this.o;
    const st = this.node.stack;
    const f = st.udp.alloc(548);
    const P = UDP_PAYLOAD;
    set8(f, P, 2);
    set8(f, P + 1, 1);
    set8(f, P + 2, 6);
    set32(f, P + 4, req.xid);
    set32(f, P + 12, type === 5 ? req.ciaddr : 0);
    set32(f, P + 16, yiaddr);
    for (let i = 0; i < 6; i++) set8(f, P + 28 + i, chaddr[i]);
    set32(f, P + 236, DHCP_MAGIC);
    let p = P + 240;
    const opt = (code: number, data: number[]) => {
      set8(f, p, code);
      set8(f, p + 1, data.length);
      data.forEach((v, i) => set8(f, p + 2 + i, v));
      p += 2 + data.length;
    };
    const be = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
    opt(53, [type]);
    const sid = o.serverIdOverride === null ? ip(o.serverIp) : o.serverIdOverride;
    if (sid !== 0) opt(54, be(sid));
    if (type !== 6 && !(type === 5 && req.type === 8)) {
      opt(51, be(o.leaseSecs));
      if (o.t1 !== null) opt(58, be(o.t1));
      if (o.t2 !== null) opt(59, be(o.t2));
    }
    const renewal = req.type === 3 && req.ciaddr !== 0;
    if (type !== 6 && !(renewal && o.bareRenewAck)) {
      if (o.mask !== null) opt(1, be(ip(o.mask)));
      if (o.routers.length > 0)
        opt(
          3,
          o.routers.flatMap((r) => be(ip(r))),
        );
    }
    if (type !== 6 && o.dns.length > 0)
      opt(
        6,
        o.dns.flatMap((r) => be(ip(r))),
      );
    if (type !== 6 && o.ntp.length > 0 && !(renewal && o.bareRenewAck))
      opt(
        42,
        o.ntp.flatMap((r) => be(ip(r))),
      );
    if (type !== 6 && o.domain !== "") opt(15, [...Buffer.from(o.domain)]);
    if (rapid) opt(80, []);
    if (type === 6) opt(56, [...Buffer.from("wrong address")]);
    set8(f, p++, 255);
    const n = Math.max(300, p - P);
    let dst = 0xffffffff;
    if (req.ciaddr !== 0 && type !== 6) dst = req.ciaddr;
    else if (o.unicastReplies && yiaddr !== 0) {
      // Real servers write the client's MAC into their ARP cache for this; so do we.
      this.node.eth.lltable!.addStatic(yiaddr, chaddr as unknown as Bytes, 0, LLE_STATIC);
      dst = yiaddr;
    }
    st.udp.send(f, n, ip(o.serverIp), 67, dst, 68, dst === 0xffffffff ? this.node.eth : undefined);
  }

  /** Requests of one DHCP message type seen so far. */
  ofType(t: number): SeenRequest[] {
    return this.seen.filter((r) => r.type === t);
  }
}
