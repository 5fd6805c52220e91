// The W5500 hybrid: TCP in the chip's sockets 1..n (hal/drivers/w5500-tcp.ts)
// beside MACRAW on socket 0, against the chip model with its hardwired core,
// on a simulated segment with a peer that runs netrt's own TCP. Our stack
// sits on socket 0 and keeps ARP and ICMP.
import { strict as assert } from "node:assert";
import { alloc, get8, len, set8 } from "../../hal/js/bytes";
import { W5500Mac } from "../../hal/drivers/w5500";
import { W5500Tcp } from "../../hal/drivers/w5500-tcp";
import { MemoryLog } from "../../hal/sim/log";
import { SimRandom } from "../../hal/sim/random";
import type { Bytes } from "../../hal/types";
import { formatIPv4 } from "../../src/net/addr";
import { ECONNREFUSED, ENOSPC } from "../../src/net/errno";
import { addrRequest } from "../../src/net/inaddr";
import { defaultLltableParams } from "../../src/net/lltable";
import { defaultStackConfig, NetStack } from "../../src/net/stack";
import type { TcpSocket } from "../../hal/tcp-api";
import { defaultTcpParams, Tcp, type TcpConn } from "../../src/net/tcp";
import { TcpRefuser } from "../../src/net/tcp-reset";
import { ip, Net, ping } from "../net/helpers";
import { W5500Model } from "./w5500-model";

const MAC = Uint8Array.from([2, 0, 0, 0, 0x55, 0]);
const DEVICE = "192.0.2.10";
const PEER = "192.0.2.2";

const text = (s: string): Bytes => {
  const b = alloc(s.length);
  for (let i = 0; i < s.length; i++) set8(b, i, s.charCodeAt(i));
  return b;
};
const str = (b: Bytes, n = len(b)): string => {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(get8(b, i));
  return s;
};

/** Reads everything a socket gets, and how it ended. */
class Side {
  got = "";
  ended = false;
  closed: number | undefined = undefined;
  connected = false;
  constructor(readonly c: TcpSocket | TcpConn) {
    c.onConnect = () => (this.connected = true);
    c.onReadable = () => {
      const b = alloc(4096);
      for (let n = c.read(b, 0, 4096); n > 0; n = c.read(b, 0, 4096)) this.got += str(b, n);
    };
    c.onEnd = () => (this.ended = true);
    c.onClose = (err) => (this.closed = err);
  }
  /** Writes all of `s`, as room comes. */
  send(s: string): void {
    const b = text(s);
    let off = 0;
    const go = (): void => {
      while (off < s.length) {
        const n = this.c.write(b, off, s.length - off);
        if (n <= 0) return;
        off += n;
      }
    };
    this.c.onWritable = go;
    go();
  }
}

function rig(sockets = 4, pollMs = 2) {
  const net = new Net();
  const peer = net.node(2, `${PEER}/24`);
  const peerTcp = new Tcp(peer.stack.ip, net.clock, new SimRandom(9), peer.log, defaultTcpParams());
  peer.stack.ip.tcp = peerTcp;
  const log = new MemoryLog(net.clock, 200);
  // The chip's cable is a port on the segment.
  let chip: W5500Model | undefined;
  const cable = net.segment.attach(
    Uint8Array.from(MAC) as unknown as Bytes,
    {
      onReadable: () => {
        // The segment does not pad; a PHY sends at least 60 bytes.
        for (let f = cable.read(); f !== undefined; f = cable.read()) {
          const b = new Uint8Array(Math.max(60, len(f)));
          b.set(f as unknown as Uint8Array);
          chip?.fromWire(b);
        }
      },
      onLinkChange: () => undefined,
    },
    1500,
  );
  chip = new W5500Model(
    (f) => cable.write(f as unknown as Bytes),
    () => net.clock.now(),
    { clock: net.clock, random: new SimRandom(11), log },
  );
  net.clock.advance(2);
  // Our stack on socket 0 (MACRAW), as the device has it.
  const stack = new NetStack(net.clock, new SimRandom(13), log, defaultStackConfig());
  let mac: W5500Mac | undefined;
  const eth = stack.attachEthernet(
    "eth0",
    (o) => {
      mac = new W5500Mac({
        ...o,
        spi: chip!,
        clock: net.clock,
        hwaddr: Uint8Array.from(MAC) as unknown as Bytes,
        tcpSockets: sockets,
        pollMs,
      });
      const err = mac.start();
      if (err !== undefined) throw new Error(err);
      return mac;
    },
    defaultLltableParams(8),
  );
  assert.ok(eth !== undefined && mac !== undefined);
  assert.equal(stack.addrs.add(eth, addrRequest(ip(DEVICE), 24)), 0);
  const tcp = new W5500Tcp(mac, 7);
  tcp.setAddress(ip(DEVICE), 0xffffff00, 0);
  // As firmware/app-tcp-chip.ts does: what reaches socket 0 is refused.
  const refuser = new TcpRefuser(stack.ip);
  stack.ip.tcp = refuser;
  return { net, peer, peerTcp, chip, mac, tcp, stack, refuser, run: (ms: number) => net.clock.advance(ms) };
}

describe("W5500 hybrid: TCP in the chip beside MACRAW", function () {
  it("splits the buffer memory: 2 KB per TCP socket, the rest to socket 0; the ping block is set", function () {
    const r = rig(4);
    assert.equal(r.chip.rxPointers().size, 8192);
    assert.deepEqual(r.chip.stats.errors, []);
    const seven = rig(7);
    assert.equal(seven.chip.rxPointers().size, 2048, "7 × 2 KB leave 2 KB");
    assert.deepEqual(seven.chip.stats.errors, []);
  });

  it("connects out, data both ways, and an orderly close on both sides", function () {
    const r = rig();
    const accepted: Side[] = [];
    r.peerTcp.listen(80, 2, (c) => accepted.push(new Side(c)));
    const c = r.tcp.connect(ip(PEER), 80);
    assert.ok(typeof c !== "number");
    const dev = new Side(c);
    r.run(100);
    assert.equal(dev.connected, true);
    assert.equal(accepted.length, 1);
    assert.equal(formatIPv4(accepted[0].c.raddr), DEVICE, "the chip's SIPR, from our address");
    assert.equal(accepted[0].c.rport, c.lport, "the chip's Sn_PORT");
    dev.send("GET / HTTP/1.0\r\n\r\n");
    r.run(50);
    assert.equal(accepted[0].got, "GET / HTTP/1.0\r\n\r\n");
    accepted[0].send("HTTP/1.0 200 OK\r\n\r\nhello");
    accepted[0].c.close();
    r.run(100);
    assert.equal(dev.got, "HTTP/1.0 200 OK\r\n\r\nhello");
    assert.equal(dev.ended, true);
    c.close();
    r.run(200);
    assert.equal(dev.closed, 0);
    assert.equal(accepted[0].closed, 0);
    assert.deepEqual(r.chip.stats.errors, []);
  });

  it("moves 60 KB each way through 2 KB chip buffers, the writer held back until there is room", function () {
    const r = rig();
    const accepted: Side[] = [];
    r.peerTcp.listen(5001, 2, (c) => accepted.push(new Side(c)));
    const c = r.tcp.connect(ip(PEER), 5001);
    assert.ok(typeof c !== "number");
    const dev = new Side(c);
    r.run(100);
    let a = "";
    let b = "";
    for (let i = 0; i < 60000; i++) {
      a += String.fromCharCode(i % 251);
      b += String.fromCharCode((i * 7) % 253);
    }
    dev.send(a);
    accepted[0].send(b);
    r.run(5000);
    assert.equal(accepted[0].got.length, a.length);
    assert.ok(accepted[0].got === a, "device → peer intact");
    assert.ok(dev.got === b, "peer → device intact");
    assert.deepEqual(r.chip.stats.errors, []);
  });

  it("serves: a listener takes one connection per chip socket and listens again", function () {
    const r = rig();
    const served: Side[] = [];
    const l = r.tcp.listen(8080, 1, (s) => {
      const side = new Side(s);
      served.push(side);
      side.send("hi " + formatIPv4(s.raddr) + "\n");
      s.close();
    });
    assert.ok(typeof l !== "number");
    r.run(10);
    for (let i = 0; i < 3; i++) {
      const c = r.peerTcp.connect(ip(DEVICE), 8080);
      assert.ok(typeof c !== "number");
      const p = new Side(c);
      r.run(200);
      assert.equal(p.got, `hi ${PEER}\n`, `connection ${i}`);
      assert.equal(p.ended, true);
      p.c.close();
      r.run(200);
      assert.equal(served[i].closed, 0);
    }
    r.tcp.unlisten(l as never);
    const late = r.peerTcp.connect(ip(DEVICE), 8080);
    assert.ok(typeof late !== "number");
    const refused = new Side(late);
    r.run(100);
    assert.equal(refused.closed, -ECONNREFUSED, "nobody listens now: our stack's RST");
    assert.equal(r.refuser.resets, 1);
    assert.equal(r.stack.stats.ipInUnknownProtos, 0, "not ICMP protocol unreachable: this host has TCP");
    assert.deepEqual(r.chip.stats.errors, []);
  });

  it("listens again after a connection the chip dropped before the program saw it", function () {
    // Polled every 50 ms: the whole connection comes and goes between two polls.
    const r = rig(4, 50);
    const served: Side[] = [];
    r.tcp.listen(8080, 1, (s) => {
      served.push(new Side(s));
      s.write(text("hi"), 0, 2);
    });
    r.run(10);
    // The peer resets the handshake: the chip's socket leaves SYNRECV for CLOSED between two polls.
    const first = r.peerTcp.connect(ip(DEVICE), 8080);
    assert.ok(typeof first !== "number");
    first.onConnect = () => first.abort();
    r.run(200);
    assert.equal(served.length, 0, "the program never saw it");
    const second = r.peerTcp.connect(ip(DEVICE), 8080);
    assert.ok(typeof second !== "number");
    const p = new Side(second);
    r.run(300);
    assert.equal(p.got, "hi", "the listener has a socket again");
    assert.deepEqual(r.chip.stats.errors, []);
  });

  it("shares the wire: TCP for the chip's sockets never reaches MACRAW; our stack answers ping once", function () {
    const r = rig();
    r.peerTcp.listen(80, 2, (c) => new Side(c).send("x".repeat(3000)));
    const c = r.tcp.connect(ip(PEER), 80);
    assert.ok(typeof c !== "number");
    const dev = new Side(c);
    r.run(500);
    assert.equal(dev.got.length, 3000);
    assert.equal(r.stack.stats.ipInUnknownProtos, 0, "no TCP segment went to socket 0");
    let replies = 0;
    r.peer.stack.ip.onEchoReply = () => replies++;
    ping(r.peer, DEVICE, 1);
    r.run(50);
    assert.equal(replies, 1, "one echo reply: ours (the chip's ping block is on)");
    assert.equal(r.stack.stats.icmpOutEchoReps, 1);
  });

  it("a refused connection and no socket left are errors, not hangs", function () {
    const r = rig(2);
    const c = r.tcp.connect(ip(PEER), 9);
    assert.ok(typeof c !== "number");
    const refused = new Side(c);
    r.run(200);
    assert.equal(refused.closed, -ECONNREFUSED);
    r.peerTcp.listen(80, 2, () => undefined);
    assert.ok(typeof r.tcp.connect(ip(PEER), 80) !== "number");
    assert.ok(typeof r.tcp.connect(ip(PEER), 80) !== "number");
    assert.equal(r.tcp.connect(ip(PEER), 80), -ENOSPC);
  });
});
