// The TCP fuzz target: segments from a peer into a device's TCP in every
// state. Each history starts by driving one connection into a state with a
// real peer stack (LISTEN only, SYN-SENT, SYN-RECEIVED, ESTABLISHED,
// FIN-WAIT-1/2, CLOSE-WAIT, LAST-ACK, CLOSING, TIME-WAIT); then the fuzzed
// bytes arrive as a TCP segment from the peer, mostly with the connection's
// ports and sequence numbers near the window so they get past the first
// checks, and time passes. Invariants: nothing thrown, the tables and the
// buffers within their bounds, the sequence variables ordered, the program
// never handed more bytes than the connection acknowledged, timers bounded,
// and every connection but an open one ends by itself. One history in nine
// the device has no TCP of its own (a W5500 hybrid's: src/net/tcp-reset.ts
// refuses what reaches it): at most one segment back per segment, and never
// a RST for a RST.
import { copy, set16, set32, set8 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { finish } from "../../src/net/cksum";
import { sum16 } from "../../hal/js/bytes";
import { pseudoSum } from "../../src/net/ipv4";
import {
  defaultTcpParams,
  seqDiff,
  Tcp,
  type TcpConn,
  TCPS_CLOSE_WAIT,
  TCPS_CLOSED,
  TCPS_ESTABLISHED,
  TCPS_TIME_WAIT,
} from "../../src/net/tcp";
import { TcpRefuser } from "../../src/net/tcp-reset";
import { ip, Net, type Node } from "../../test/net/helpers";
import type { Field, Rng, Seed } from "./mutate";
import { Broken, type Target } from "./targets";

function must(ok: boolean, what: string): void {
  if (!ok) throw new Broken(what);
}

const DEV = ip("10.0.0.1");
const PEER = ip("10.0.0.9");
const PORT = 80;
const PARAMS = { ...defaultTcpParams(), slots: 3, rcvBuf: 1500, sndBuf: 1500, timeWaitMs: 4000, retries: 4 };

/** The header's offset/flags byte and the option length bytes are the mutator's fields. */
const FIELDS: Field[] = [
  { off: 12, width: 1, little: false },
  { off: 13, width: 1, little: false },
  { off: 14, width: 2, little: false },
  { off: 21, width: 1, little: false },
];

function segment(flags: number, opts: number[], data: number[]): Uint8Array {
  const hlen = 20 + opts.length;
  const b = new Uint8Array(hlen + data.length);
  b[12] = (hlen / 4) << 4;
  b[13] = flags;
  b[14] = 0x20;
  b.set(opts, 20);
  b.set(data, hlen);
  return b;
}

function seeds(): Seed[] {
  const mss = [2, 4, 5, 0xb4];
  const ts = [1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 1];
  const text = [...Buffer.from("GET / HTTP/1.0\r\n\r\n")];
  return [
    segment(0x02, [...mss, ...ts], []),
    segment(0x12, [...mss, 1, 1, 1, 0], []),
    segment(0x10, ts, []),
    segment(0x18, ts, text),
    segment(0x18, [], text),
    segment(0x11, ts, []),
    segment(0x19, [], text),
    segment(0x04, [], []),
    segment(0x14, [], []),
    segment(0x10, [8, 10, 0, 0], []),
    segment(0x10, [2, 0, 1], []),
    segment(0x02, [2, 4, 0, 0, 8, 9, 0, 0, 0, 0, 0, 0], []),
  ].map((bytes) => ({ bytes, fields: FIELDS }));
}

interface Rig {
  net: Net;
  dev: Node;
  peer: Node;
  tcp: Tcp;
  peerTcp: Tcp;
  /** The device's connection under test, once made. */
  c: TcpConn | undefined;
  /** Bytes the program has read from each connection. */
  read: Map<TcpConn, number>;
  fresh: boolean;
  /** The device's TCP is a chip's: our stack only refuses. */
  refuser: TcpRefuser | undefined;
}

function make(): Rig {
  const net = new Net(0);
  const dev = net.node(1, "10.0.0.1/24");
  const peer = net.node(9, "10.0.0.9/24");
  dev.eth.lltable!.input(PEER, peer.eth.hwaddr, 0, true, true);
  peer.eth.lltable!.input(DEV, dev.eth.hwaddr, 0, true, true);
  const tcp = new Tcp(dev.stack.ip, net.clock, dev.stack.random, dev.log, PARAMS);
  dev.stack.ip.tcp = tcp;
  const peerTcp = new Tcp(peer.stack.ip, net.clock, peer.stack.random, peer.log, defaultTcpParams());
  peer.stack.ip.tcp = peerTcp;
  const rig: Rig = { net, dev, peer, tcp, peerTcp, c: undefined, read: new Map(), fresh: true, refuser: undefined };
  tcp.listen(PORT, 2, (c) => {
    rig.c = c;
    program(rig, c);
  });
  return rig;
}

/** The device's program: reads what comes, answers, closes when the peer does. */
function program(rig: Rig, c: TcpConn): void {
  rig.read.set(c, 0);
  const buf = new Uint8Array(2048) as unknown as Bytes;
  c.onReadable = () => {
    const n = c.read(buf, 0, 2048);
    rig.read.set(c, (rig.read.get(c) ?? 0) + n);
    c.write(buf, 0, Math.min(n, 300));
  };
  c.onEnd = () => c.close();
}

/** Drives one connection into a state picked by `k`. */
function setUp(rig: Rig, k: number): void {
  const { net, tcp, peerTcp } = rig;
  const peerSide = (): TcpConn | undefined => peerTcp.at(0);
  const connect = (): void => {
    const pc = peerTcp.connect(DEV, PORT);
    if (typeof pc !== "number") pc.onEnd = () => undefined;
    net.clock.advance(5);
  };
  switch (k) {
    case 0: // LISTEN only
      return;
    case 1: {
      // SYN-SENT: nobody answers
      net.segment.filter = () => true;
      const c = tcp.connect(PEER, 81);
      if (typeof c !== "number") {
        rig.c = c;
        rig.read.set(c, 0);
      }
      net.clock.advance(1);
      net.segment.filter = undefined;
      return;
    }
    case 2: // SYN-RECEIVED: the SYN-ACK is lost
      net.segment.filter = (_f, from) => from === rig.dev.mac;
      peerTcp.connect(DEV, PORT);
      net.clock.advance(1);
      net.segment.filter = undefined;
      rig.c = tcp.at(0);
      return;
    case 3: // ESTABLISHED, data both ways
      connect();
      peerSide()?.write(new Uint8Array([1, 2, 3]) as unknown as Bytes, 0, 3);
      net.clock.advance(5);
      return;
    case 4: // FIN-WAIT-1/2: the device closed first
      connect();
      rig.c?.close();
      net.clock.advance(5);
      return;
    case 5: // CLOSE-WAIT (the program does not close) or LAST-ACK
      connect();
      if (rig.c !== undefined) rig.c.onEnd = undefined;
      peerSide()?.close();
      net.clock.advance(5);
      return;
    case 6: // TIME-WAIT
      connect();
      rig.c?.close();
      net.clock.advance(5);
      peerSide()?.close();
      net.clock.advance(5);
      return;
    case 8: // no TCP of our own: a chip's
      rig.refuser = new TcpRefuser(rig.dev.stack.ip);
      rig.dev.stack.ip.tcp = rig.refuser;
      return;
    default: // CLOSING: both FINs cross
      connect();
      net.segment.filter = () => true;
      rig.c?.close();
      peerSide()?.close();
      net.segment.filter = undefined;
      net.clock.advance(300);
      return;
  }
}

/** The fuzzed bytes as a segment from the peer, mostly aimed at the connection. */
function inject(rig: Rig, input: Uint8Array, rng: Rng): void {
  const n = input.length;
  const ipf = rig.peer.stack.ip;
  const f = ipf.allocPacket(n);
  copy(f, 34, input as unknown as Bytes, 0, n);
  const c = rig.c;
  if (n >= 20 && !rng.chance(0.1)) {
    set16(f, 34, c !== undefined ? c.rport : 40000 + rng.below(4));
    set16(f, 36, c !== undefined ? c.lport : PORT);
  }
  if (n >= 20 && c !== undefined && rng.chance(0.75)) {
    set32(f, 38, (c.rcvNxt + rng.below(3000) - 1000 + 4294967296) % 4294967296);
    set32(f, 42, (c.sndUna + rng.below(3000) - 1000 + 4294967296) % 4294967296);
  }
  if (ipf.route(DEV, -1, undefined) < 0) return;
  // A right checksum, mostly: a wrong one is the first check's business only.
  if (n >= 18 && !rng.chance(0.05)) {
    set8(f, 34 + 16, 0);
    set8(f, 34 + 17, 0);
    set16(f, 34 + 16, finish(sum16(f, 34, n, pseudoSum(PEER, DEV, 6, n))));
  }
  ipf.send(f, 6, n, 64);
}

function check(rig: Rig): void {
  const { tcp } = rig;
  must(tcp.count() <= PARAMS.slots, "no more connections than slots");
  for (let i = 0; i < tcp.count(); i++) {
    const c = tcp.at(i)!;
    must(c.state !== TCPS_CLOSED, "a closed connection leaves the table");
    must(c.rLen >= 0 && c.rLen <= PARAMS.rcvBuf, `receive buffer within bounds (${c.rLen})`);
    must(c.sLen >= 0 && c.sLen <= PARAMS.sndBuf, `send buffer within bounds (${c.sLen})`);
    must(seqDiff(c.sndNxt, c.sndUna) >= 0, "snd.una <= snd.nxt");
    must(seqDiff(c.sndMax, c.sndNxt) >= 0, "snd.nxt <= snd.max");
    must(c.mss >= 16 && c.mss <= 1460, `MSS sane (${c.mss})`);
    must(c.cwnd >= c.mss && c.cwnd <= 65535, `cwnd within bounds (${c.cwnd})`);
    must(c.rto >= PARAMS.minRto && c.rto <= PARAMS.maxRto, `RTO within bounds (${c.rto})`);
    if (c.state >= TCPS_ESTABLISHED && c.state !== TCPS_TIME_WAIT) {
      // What the program read plus what waits never exceeds what was acknowledged as received.
      const got = (rig.read.get(c) ?? 0) + c.rLen;
      const acked = seqDiff(c.rcvNxt, c.irs) - 1 - (c.peerFin ? 1 : 0);
      must(got <= acked, `the program got ${got} bytes, the connection acknowledged ${acked}`);
    }
  }
  must(rig.net.clock.pending() < 64, "timers do not pile up");
}

export const tcpTarget = (): Target => {
  let rig = make();
  return {
    name: "tcp",
    what: "TCP segment input, in every state",
    seeds,
    reset: () => {
      rig = make();
    },
    run(input: Uint8Array, rng: Rng) {
      if (rig.fresh) {
        rig.fresh = false;
        setUp(rig, rng.below(9));
      }
      const resetsBefore = rig.refuser !== undefined ? rig.refuser.resets : 0;
      inject(rig, input, rng);
      rig.net.clock.advance(rng.chance(0.1) ? 1 + rng.below(3000) : 1);
      if (rig.refuser !== undefined) {
        // (ARP may refresh a neighbour meanwhile: the refuser's own count, not the MAC's.)
        const sent = rig.refuser.resets - resetsBefore;
        must(sent <= 1, `the refuser answered one segment with ${sent}`);
        must(!(sent > 0 && input.length > 13 && (input[13] & 4) !== 0), "the refuser answered a RST");
        return;
      }
      check(rig);
      if (rng.chance(1 / 64)) {
        // Left alone, every connection ends by itself but an open one (the program's to close).
        rig.net.clock.advance(400000);
        for (let i = 0; i < rig.tcp.count(); i++) {
          const s = rig.tcp.at(i)!.state;
          must(s === TCPS_ESTABLISHED || s === TCPS_CLOSE_WAIT, `a connection in state ${s} outlived every timer`);
        }
      }
    },
  };
};
