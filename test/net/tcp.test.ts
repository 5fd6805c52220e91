// TCP between simulated hosts on one virtual clock: opens, transfers with
// loss and reordering, closes, resets, the SYN flood bound, TIME-WAIT's cap,
// zero windows, keepalive and ICMP errors.
import { strict as assert } from "node:assert";
import { alloc, get8, get16, get32, set8, set16, set32 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { checksum, finish } from "../../src/net/cksum";
import { sum16 } from "../../hal/js/bytes";
import { ECONNREFUSED, ECONNRESET, ETIMEDOUT } from "../../src/net/errno";
import { pseudoSum } from "../../src/net/ipv4";
import {
  defaultTcpParams,
  Tcp,
  type TcpConn,
  type TcpParams,
  TCPS_CLOSE_WAIT,
  TCPS_ESTABLISHED,
  TCPS_FIN_WAIT_2,
  TCPS_TIME_WAIT,
} from "../../src/net/tcp";
import { ip, Net, type Node } from "./helpers";

interface TcpNode extends Node {
  tcp: Tcp;
}

function withTcp(n: Node, p: Partial<TcpParams> = {}): TcpNode {
  const tcp = new Tcp(n.stack.ip, n.stack.clock, n.stack.random, n.log, { ...defaultTcpParams(), ...p });
  n.stack.ip.tcp = tcp;
  return { ...n, tcp };
}

function pair(p: Partial<TcpParams> = {}, q: Partial<TcpParams> = p): { net: Net; a: TcpNode; b: TcpNode } {
  const net = new Net();
  const a = withTcp(net.node(1, "192.0.2.1/24"), p);
  const b = withTcp(net.node(2, "192.0.2.2/24"), q);
  // Neighbours known from the start: the lltable holds one frame while ARP runs, and the raw cases send several.
  a.eth.lltable!.input(ip("192.0.2.2"), b.eth.hwaddr, 0, true, true);
  b.eth.lltable!.input(ip("192.0.2.1"), a.eth.hwaddr, 0, true, true);
  return { net, a, b };
}

/** A connection's received bytes, read as they come, and how it ended. */
class Sink {
  data: number[] = [];
  ended = false;
  closed: number | undefined = undefined;
  connected = false;
  constructor(
    readonly c: TcpConn,
    readonly readNow = true,
  ) {
    c.onConnect = () => (this.connected = true);
    c.onReadable = () => {
      if (this.readNow) this.drain();
    };
    c.onEnd = () => (this.ended = true);
    c.onClose = (err) => (this.closed = err);
  }
  drain(): void {
    const b = alloc(4096);
    for (;;) {
      const n = this.c.read(b, 0, 4096);
      if (n === 0) break;
      for (let i = 0; i < n; i++) this.data.push(get8(b, i));
    }
  }
}

/** A seeded uniform [0, 1) (mulberry32): an LCG's low digits repeat in step with the frames. */
function lossy(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function bytesOf(n: number, seed: number): Bytes {
  const b = alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    set8(b, i, x % 256);
  }
  return b;
}

/** Writes all of `data` through `c`, as the buffer frees. */
function pump(c: TcpConn, data: Bytes, closeAfter: boolean): { sent: () => number } {
  let off = 0;
  const total = (data as unknown as Uint8Array).length;
  const go = (): void => {
    while (off < total) {
      const n = c.write(data, off, total - off);
      if (n <= 0) return;
      off += n;
    }
    if (closeAfter) c.close();
  };
  c.onWritable = go;
  go();
  return { sent: () => off };
}

function listen(b: TcpNode, port: number, backlog = 4): Sink[] {
  const got: Sink[] = [];
  const l = b.tcp.listen(port, backlog, (c) => got.push(new Sink(c)));
  assert.ok(typeof l !== "number");
  return got;
}

function connect(a: TcpNode, dst: string, port: number): TcpConn {
  const c = a.tcp.connect(ip(dst), port);
  assert.ok(typeof c !== "number", `connect: ${String(c)}`);
  return c;
}

/** A raw TCP segment from `from` to the other host (for the hostile cases). */
function rawSegment(
  from: Node,
  dst: string,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  payload = 0,
): number {
  const n = 20 + payload;
  const f = from.stack.ip.allocPacket(n);
  const o = 34;
  set16(f, o, sport);
  set16(f, o + 2, dport);
  set32(f, o + 4, seq);
  set32(f, o + 8, ack);
  set8(f, o + 12, 0x50);
  set8(f, o + 13, flags);
  set16(f, o + 14, 8192);
  const err = from.stack.ip.route(ip(dst), -1, undefined);
  if (err < 0) return err;
  const src = from.stack.ip.routedSource();
  set16(f, o + 16, finish(sum16(f, o, n, pseudoSum(src, ip(dst), 6, n))));
  return from.stack.ip.send(f, 6, n, 64);
}

/** A frame's TCP payload length. */
function payload(f: Bytes): number {
  return get16(f, 16) - (get8(f, 14) % 16) * 4 - Math.floor(get8(f, 46) / 16) * 4;
}

const SYN = 2;
const RST = 4;
const ACK = 16;

describe("TCP", function () {
  it("opens, carries data both ways and closes; both sides see the orderly end", function () {
    const { net, a, b } = pair();
    const server = listen(b, 80);
    const c = connect(a, "192.0.2.2", 80);
    const client = new Sink(c);
    net.clock.advance(50);
    assert.ok(client.connected);
    assert.equal(server.length, 1);
    assert.equal(c.state, TCPS_ESTABLISHED);
    const req = bytesOf(100, 1);
    assert.equal(c.write(req, 0, 100), 100);
    net.clock.advance(50);
    assert.deepEqual(server[0].data, Array.from(req as unknown as Uint8Array));
    const resp = bytesOf(10000, 2);
    pump(server[0].c, resp, true);
    net.clock.advance(2000);
    assert.deepEqual(client.data, Array.from(resp as unknown as Uint8Array));
    assert.ok(client.ended);
    assert.equal(c.state, TCPS_CLOSE_WAIT);
    c.close();
    net.clock.advance(100);
    assert.equal(client.closed, 0);
    assert.equal(server[0].closed, 0);
    // The active closer (the server here) waits in TIME-WAIT; the other side is gone.
    assert.equal(server[0].c.state, TCPS_TIME_WAIT);
    assert.equal(a.tcp.count(), 0);
    net.clock.advance(defaultTcpParams().timeWaitMs + 200);
    assert.equal(b.tcp.count(), 0);
    assert.equal(a.tcp.stats.retransSegs + b.tcp.stats.retransSegs, 0);
  });

  it("the MSS is the smaller of the two; the window never exceeds the receive buffer", function () {
    const { net, a, b } = pair({ rcvBuf: 1000 });
    const server = listen(b, 80);
    const sizes: number[] = [];
    net.segment.filter = (f) => {
      if (get8(f, 23) === 6) sizes.push(payload(f));
      return false;
    };
    const c = connect(a, "192.0.2.2", 80);
    new Sink(c);
    net.clock.advance(50);
    pump(server[0].c, bytesOf(5000, 3), false);
    net.clock.advance(1000);
    assert.ok(Math.max(...sizes) <= 1000, `largest segment ${Math.max(...sizes)}`);
    // 1460 less the timestamp option both sides use.
    assert.equal(c.mss, 1448);
  });

  it("delivers 200 KB intact through 20 % loss both ways", function () {
    this.timeout(20000);
    const { net, a, b } = pair({ rcvBuf: 8192, sndBuf: 8192 });
    const rnd = lossy(7);
    net.segment.filter = () => rnd() < 0.2;
    const server = listen(b, 80);
    const c = connect(a, "192.0.2.2", 80);
    const client = new Sink(c);
    net.clock.advance(10000);
    assert.ok(client.connected, "the handshake survives loss");
    const data = bytesOf(200000, 4);
    pump(c, data, true);
    const up = bytesOf(50000, 5);
    pump(server[0].c, up, true);
    net.clock.runUntilIdle(600000);
    assert.equal(server[0].data.length, 200000);
    assert.deepEqual(server[0].data, Array.from(data as unknown as Uint8Array));
    assert.deepEqual(client.data, Array.from(up as unknown as Uint8Array));
    assert.ok(a.tcp.stats.retransSegs > 0);
  });

  it("a segment ahead of a gap is dropped with a duplicate ACK; fast retransmit fills the gap", function () {
    const { net, a, b } = pair({ rcvBuf: 8192, sndBuf: 8192 });
    const server = listen(b, 80);
    const c = connect(a, "192.0.2.2", 80);
    new Sink(c);
    net.clock.advance(50);
    // A first transfer opens the congestion window; then one data segment is lost.
    const warm = bytesOf(30000, 6);
    pump(c, warm, false);
    net.clock.advance(100);
    assert.equal(server[0].data.length, 30000);
    let dataSegs = 0;
    net.segment.filter = (f, from) => from === a.mac && payload(f) > 0 && ++dataSegs === 1;
    const data = bytesOf(8000, 7);
    pump(c, data, false);
    // Before the shortest retransmission timeout: only fast retransmit can have filled the gap.
    net.clock.advance(defaultTcpParams().minRto - 50);
    assert.ok(b.tcp.stats.ofoDrops >= 3, `ofo drops ${b.tcp.stats.ofoDrops}`);
    assert.deepEqual(server[0].data.slice(30000), Array.from(data as unknown as Uint8Array));
    // The receiver keeps nothing out of order: each partial ACK brings the next segment again (NewReno).
    assert.ok(a.tcp.stats.retransSegs >= 1 && a.tcp.stats.retransSegs <= 6, `${a.tcp.stats.retransSegs}`);
  });

  it("a refused connection reports ECONNREFUSED; a closed port answers RST", function () {
    const { net, a } = pair();
    const c = connect(a, "192.0.2.2", 81);
    const s = new Sink(c);
    net.clock.advance(50);
    assert.equal(s.closed, -ECONNREFUSED);
    assert.equal(a.tcp.count(), 0);
    assert.equal(a.tcp.stats.attemptFails, 1);
  });

  it("a host that does not answer: the SYN goes again with backoff, then ETIMEDOUT", function () {
    const { net, a } = pair({ synRetries: 3 });
    net.segment.filter = (f) => get8(f, 23) === 6;
    const c = connect(a, "192.0.2.2", 80);
    const s = new Sink(c);
    net.clock.advance(1000 + 2000 + 4000 + 8000 + 200);
    assert.equal(s.closed, -ETIMEDOUT);
    assert.equal(a.tcp.stats.retransSegs, 3);
  });

  it("a peer that vanishes mid-transfer ends the connection with ETIMEDOUT, the slot freed", function () {
    const { net, a, b } = pair({ retries: 4, maxRto: 2000 });
    listen(b, 80);
    const c = connect(a, "192.0.2.2", 80);
    const s = new Sink(c);
    net.clock.advance(50);
    pump(c, bytesOf(20000, 7), false);
    net.clock.advance(5);
    b.mac.setCarrier(false);
    net.segment.filter = () => true;
    net.clock.advance(60000);
    assert.equal(s.closed, -ETIMEDOUT);
    assert.equal(a.tcp.count(), 0);
  });

  it("a RST in the window but not at rcv.nxt gets a challenge ACK; at rcv.nxt it resets", function () {
    const { net, a, b } = pair();
    const server = listen(b, 80);
    const c = connect(a, "192.0.2.2", 80);
    const s = new Sink(c);
    net.clock.advance(50);
    const sc = server[0].c;
    const acks = b.tcp.stats.outSegs;
    rawSegment(a, "192.0.2.2", c.lport, 80, (c.sndNxt + 100) % 2 ** 32, 0, RST);
    net.clock.advance(20);
    assert.equal(sc.state, TCPS_ESTABLISHED);
    assert.equal(b.tcp.stats.outSegs, acks + 1, "one challenge ACK");
    rawSegment(b, "192.0.2.1", 80, c.lport, sc.sndNxt, 0, RST);
    net.clock.advance(20);
    assert.equal(s.closed, -ECONNRESET);
  });

  it("two ends that disagree on the sequence numbers do not answer each other's ACKs for ever", function () {
    const { net, a, b } = pair();
    const server = listen(b, 80);
    const c = connect(a, "192.0.2.2", 80);
    new Sink(c);
    net.clock.advance(50);
    // Each now finds the other's segments outside its window (a desynchronized connection).
    c.rcvNxt = (c.rcvNxt + 100000) % 2 ** 32;
    server[0].c.rcvNxt = (server[0].c.rcvNxt + 100000) % 2 ** 32;
    const before = a.tcp.stats.outSegs + b.tcp.stats.outSegs;
    rawSegment(a, "192.0.2.2", c.lport, 80, c.sndNxt, c.rcvNxt, ACK);
    net.clock.advance(1000);
    const sent = a.tcp.stats.outSegs + b.tcp.stats.outSegs - before;
    assert.ok(sent <= 8, `${sent} segments in a second`);
  });

  it("a SYN flood fills only the listener's backlog: other connections go on, drops are counted", function () {
    const { net, a, b } = pair({ slots: 6 });
    const server = listen(b, 80, 2);
    const c = connect(a, "192.0.2.2", 80);
    const client = new Sink(c);
    net.clock.advance(50);
    assert.equal(server.length, 1);
    // 10,000 SYNs from ports nobody answers for: the peer's RSTs to our SYN-ACKs are dropped on the wire.
    net.segment.filter = (f, from) => from === b.mac && get8(f, 23) === 6 && get16(f, 36) !== c.lport;
    for (let i = 0; i < 10000; i++) rawSegment(a, "192.0.2.2", 1024 + (i % 30000), 80, i * 7919, 0, SYN);
    net.clock.advance(10);
    assert.ok(b.tcp.count() <= 1 + 2, `connections ${b.tcp.count()}`);
    assert.ok(b.tcp.stats.listenDrops >= 9990);
    const data = bytesOf(5000, 8);
    pump(server[0].c, data, false);
    net.clock.advance(500);
    assert.deepEqual(client.data, Array.from(data as unknown as Uint8Array));
    // The half-open ones give up after their SYN-ACK retries.
    net.clock.advance(60000);
    assert.equal(b.tcp.count(), 1);
  });

  it("TIME-WAIT entries are capped; a new connection takes the oldest's slot", function () {
    const { net, a, b } = pair({ slots: 3, timeWaitMax: 2 });
    b.tcp.listen(80, 2, (c) => (c.onEnd = () => c.close()));
    for (let i = 0; i < 5; i++) {
      const c = connect(a, "192.0.2.2", 80);
      new Sink(c);
      net.clock.advance(20);
      c.close();
      net.clock.advance(50);
      assert.equal(c.state, TCPS_TIME_WAIT);
    }
    let tw = 0;
    for (let i = 0; i < 3; i++) if (a.tcp.at(i)?.state === TCPS_TIME_WAIT) tw++;
    assert.ok(tw <= 2, `TIME-WAIT entries ${tw}`);
  });

  it("a zero window holds the sender; probes continue and the data flows when the reader reads", function () {
    const { net, a, b } = pair({ rcvBuf: 2000, sndBuf: 4000 });
    const got: Sink[] = [];
    b.tcp.listen(80, 2, (c) => got.push(new Sink(c, false)));
    const c = connect(a, "192.0.2.2", 80);
    new Sink(c);
    net.clock.advance(50);
    const data = bytesOf(6000, 9);
    pump(c, data, false);
    net.clock.advance(30000);
    assert.equal(got[0].c.available(), 2000);
    assert.equal(c.state, TCPS_ESTABLISHED, "a closed window is not a loss");
    for (let i = 0; i < 10; i++) {
      got[0].drain();
      net.clock.advance(3000);
    }
    got[0].drain();
    assert.deepEqual(got[0].data, Array.from(data as unknown as Uint8Array));
  });

  it("keepalive finds a vanished peer", function () {
    const { net, a, b } = pair();
    listen(b, 80);
    const c = connect(a, "192.0.2.2", 80);
    const s = new Sink(c);
    net.clock.advance(50);
    c.setKeepalive(10000);
    net.clock.advance(15000);
    assert.equal(c.state, TCPS_ESTABLISHED, "an answering peer keeps it up");
    net.segment.filter = () => true;
    net.clock.advance(30000);
    assert.equal(s.closed, -ETIMEDOUT);
  });

  it("ICMP port unreachable about our segment ends the connection; one quoting a stale sequence does not", function () {
    const { net, a, b } = pair();
    listen(b, 80);
    const c = connect(a, "192.0.2.2", 80);
    const s = new Sink(c);
    net.clock.advance(50);
    pump(c, bytesOf(100, 1), false);
    const icmp = (seq: number): void => {
      const f = b.stack.ip.allocPacket(8 + 28);
      set8(f, 34, 3);
      set8(f, 35, 3);
      const q = 42;
      set8(f, q, 0x45);
      set8(f, q + 9, 6);
      set32(f, q + 12, ip("192.0.2.1"));
      set32(f, q + 16, ip("192.0.2.2"));
      set16(f, q + 20, c.lport);
      set16(f, q + 22, 80);
      set32(f, q + 24, seq);
      set16(f, 36, checksum(f, 34, 36));
      b.stack.ip.route(ip("192.0.2.1"), -1, undefined);
      b.stack.ip.send(f, 1, 36, 64);
    };
    icmp((c.sndUna + 100000) % 2 ** 32);
    net.clock.advance(20);
    assert.equal(s.closed, undefined);
    c.write(bytesOf(10, 2), 0, 10);
    icmp(c.sndUna);
    net.clock.advance(1);
    assert.equal(s.closed, -ECONNREFUSED);
  });

  it("a FIN-WAIT-2 whose peer never closes is given up after the TIME-WAIT time", function () {
    const { net, a, b } = pair();
    const server = listen(b, 80);
    const c = connect(a, "192.0.2.2", 80);
    new Sink(c);
    net.clock.advance(50);
    c.close();
    net.clock.advance(50);
    assert.equal(c.state, TCPS_FIN_WAIT_2);
    assert.equal(server[0].c.state, TCPS_CLOSE_WAIT);
    net.clock.advance(defaultTcpParams().timeWaitMs + 200);
    assert.equal(a.tcp.count(), 0);
  });

  it("segments to no connection are answered as RFC 9293 says: RST for an ACK, RST-ACK for a SYN", function () {
    const { net, a, b } = pair();
    const seen: { flags: number; seq: number; ack: number }[] = [];
    net.segment.filter = (f, from) => {
      if (from === b.mac && get8(f, 23) === 6) seen.push({ flags: get8(f, 47), seq: get32(f, 38), ack: get32(f, 42) });
      return false;
    };
    rawSegment(a, "192.0.2.2", 4000, 9, 1000, 5555, ACK);
    rawSegment(a, "192.0.2.2", 4001, 9, 2000, 0, SYN);
    rawSegment(a, "192.0.2.2", 4002, 9, 3000, 0, RST);
    net.clock.advance(20);
    assert.deepEqual(seen, [
      { flags: RST, seq: 5555, ack: 0 },
      { flags: RST + ACK, seq: 0, ack: 2001 },
    ]);
  });
});
