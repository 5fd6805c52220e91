// IPv4 behaviour between simulated hosts: echo, broadcasts, gateways,
// loopback, ICMP errors.
import { strict as assert } from "node:assert";
import { alloc, get8, set8, set16, set32 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { checksum } from "../../src/net/cksum";
import { ENETUNREACH } from "../../src/net/errno";
import { RTPROT_STATIC } from "../../src/net/route";
import { ip, Net, type Node, ping, sendUdp } from "./helpers";

function replies(n: Node): number[] {
  const seqs: number[] = [];
  n.stack.ip.onEchoReply = (_src, id, seq) => {
    if (id === 0x1234) seqs.push(seq);
  };
  return seqs;
}

describe("IPv4", function () {
  it("answers echo requests; the reply's checksum is right", function () {
    const net = new Net();
    const a = net.node(1, "192.0.2.1/24");
    const b = net.node(2, "192.0.2.2/24");
    const got = replies(a);
    for (let i = 1; i <= 5; i++) assert.equal(ping(a, "192.0.2.2", i), 0);
    net.clock.advance(50);
    assert.deepEqual(got, [5], "only the newest frame is held while ARP resolves");
    for (let i = 6; i <= 8; i++) ping(a, "192.0.2.2", i);
    net.clock.advance(50);
    assert.deepEqual(got, [5, 6, 7, 8]);
    assert.equal(b.stack.stats.icmpOutEchoReps, 4);
    assert.equal(a.stack.stats.icmpInErrors, 0);
  });

  it("a reply built in a padded request buffer leaves without the padding", function () {
    const net = new Net();
    const a = net.node(1, "192.0.2.1/24");
    const b = net.node(2, "192.0.2.2/24");
    a.eth.lltable!.input(ip("192.0.2.2"), b.eth.hwaddr, 0, true, true);
    b.eth.lltable!.input(ip("192.0.2.1"), a.eth.hwaddr, 0, true, true);
    const f = alloc(60); // 14 + 20 + 8 bytes of echo, padded to the Ethernet minimum
    const req = a.stack.ip.allocPacket(8);
    set8(req, 34, 8);
    set16(req, 36, checksum(req, 34, 8));
    assert.equal(a.stack.ip.route(ip("192.0.2.2"), -1, undefined), 0);
    const sizes: number[] = [];
    net.segment.filter = (x) => (sizes.push((x as unknown as Uint8Array).length), false);
    assert.equal(a.stack.ip.send(req, 1, 8, 64), 0);
    net.clock.advance(1);
    (f as unknown as Uint8Array).set(req as unknown as Uint8Array);
    sizes.length = 0;
    b.stack.input(b.eth, f);
    net.clock.advance(1);
    assert.deepEqual(sizes, [42]);
  });

  it("does not answer an echo request from 0.0.0.0", function () {
    const net = new Net();
    const b = net.node(2, "192.0.2.2/24");
    const f = alloc(42);
    (f as unknown as Uint8Array).set(b.eth.hwaddr as unknown as Uint8Array, 0);
    set16(f, 12, 0x0800);
    set8(f, 14, 0x45);
    set16(f, 16, 28);
    set8(f, 22, 64);
    set8(f, 23, 1);
    set32(f, 30, ip("192.0.2.2"));
    set16(f, 24, checksum(f, 14, 20));
    set8(f, 34, 8);
    set16(f, 36, checksum(f, 34, 8));
    b.stack.input(b.eth, f);
    assert.equal(b.stack.stats.icmpInEchos, 1);
    assert.equal(b.stack.stats.icmpOutEchoReps, 0);
    assert.equal(b.eth.counters.rxDropped, 1);
  });

  it("ignores echo requests to broadcast, delivers UDP to the subnet and limited broadcast", function () {
    const net = new Net();
    const a = net.node(1, "192.0.2.1/24");
    const b = net.node(2, "192.0.2.2/24");
    const got: string[] = [];
    b.stack.udp.bind(9, (d) => got.push(`${d.dst}`), undefined);
    ping(a, "192.0.2.255", 1);
    assert.equal(sendUdp(a, "192.0.2.255", 9, 3), 0);
    assert.equal(sendUdp(a, "255.255.255.255", 9, 3), 0);
    net.clock.advance(10);
    assert.equal(b.stack.stats.icmpOutEchoReps, 0);
    assert.deepEqual(got, [`${ip("192.0.2.255")}`, `${ip("255.255.255.255")}`]);
  });

  it("sends off-link traffic to the gateway's MAC with the final destination in the header", function () {
    const net = new Net();
    const a = net.node(1, "192.0.2.1/24");
    const gw = net.node(2, "192.0.2.254/24");
    assert.equal(sendUdp(a, "198.51.100.7", 9, 4), -ENETUNREACH);
    assert.equal(
      a.stack.routes.add(
        {
          dst: 0,
          prefixLen: 0,
          gateway: ip("192.0.2.254"),
          ifindex: a.eth.index,
          protocol: RTPROT_STATIC,
          scope: 0,
          metric: 0,
          prefsrc: 0,
        },
        false,
      ),
      0,
    );
    const frames: Bytes[] = [];
    net.segment.filter = (f) => (frames.push(f), false);
    assert.equal(sendUdp(a, "198.51.100.7", 9, 4), 0);
    net.clock.advance(10);
    const ipFrames = frames.filter((f) => get8(f, 12) === 8 && get8(f, 13) === 0);
    assert.equal(ipFrames.length >= 1, true);
    const f = ipFrames[ipFrames.length - 1] as unknown as Uint8Array;
    assert.equal(f[5], 2, "to the gateway's MAC");
    assert.deepEqual([...f.subarray(30, 34)], [198, 51, 100, 7]);
    const t = a.eth.lltable!;
    assert.ok(t.flagsAt(t.lookup(ip("192.0.2.254"))) & 8, "the gateway's entry is marked ROUTER");
    assert.ok(gw.stack.stats.ipInAddrErrors >= 1, "the gateway (no forwarding) refused it");
  });

  it("delivers to our own address through the loopback", function () {
    const net = new Net();
    const a = net.node(1, "192.0.2.1/24");
    const got: number[] = [];
    a.stack.udp.bind(5, (d) => got.push(d.ifp.index), undefined);
    assert.equal(sendUdp(a, "192.0.2.1", 5, 2), 0);
    assert.equal(sendUdp(a, "127.0.0.1", 5, 2), 0);
    net.clock.advance(1);
    assert.deepEqual(got, [1, 1]);
    assert.equal(a.stack.lo.counters.rxDelivered, 2);
  });

  it("sends port unreachable for closed unicast ports, never for broadcasts, at most 10 per second", function () {
    const net = new Net();
    const a = net.node(1, "192.0.2.1/24");
    const b = net.node(2, "192.0.2.2/24");
    for (let i = 0; i < 30; i++) sendUdp(a, "192.0.2.2", 999, 1);
    net.clock.advance(50);
    sendUdp(a, "192.0.2.255", 999, 1);
    net.clock.advance(50);
    assert.equal(b.stack.stats.udpNoPorts, 2, "1 held frame delivered after ARP + 1 broadcast");
    for (let i = 0; i < 30; i++) sendUdp(a, "192.0.2.2", 999, 1);
    net.clock.advance(50);
    assert.equal(b.stack.stats.icmpOutDestUnreachs, 10);
    assert.equal(b.stack.stats.icmpOutRateLimited, 21);
    net.clock.advance(1000);
    sendUdp(a, "192.0.2.2", 999, 1);
    net.clock.advance(50);
    assert.equal(b.stack.stats.icmpOutDestUnreachs, 11);
  });

  it("counts TTL 0 but still accepts it (RFC 1122 3.2.1.7); drops martian sources", function () {
    const net = new Net();
    const b = net.node(2, "192.0.2.2/24");
    const got: number[] = [];
    b.stack.udp.bind(7, (d) => got.push(d.n), undefined);
    const mk = (src: number, ttl: number): Bytes => udpFrame(b.eth.hwaddr, src, ip("192.0.2.2"), 7, ttl);
    b.stack.input(b.eth, mk(ip("192.0.2.9"), 0));
    assert.deepEqual(got, [0]);
    assert.equal(b.stack.stats.ipInTtlZero, 1);
    b.stack.input(b.eth, mk(ip("224.0.0.1"), 64));
    b.stack.input(b.eth, mk(ip("192.0.2.255"), 64));
    assert.equal(b.stack.stats.ipInAddrErrors, 2);
    assert.deepEqual(got, [0]);
  });
  it("sends no ICMP error about a unicast datagram that came in a link-layer broadcast frame (RFC 1122 3.2.2)", function () {
    const net = new Net();
    const b = net.node(2, "192.0.2.2/24");
    const bcast = alloc(6);
    for (let i = 0; i < 6; i++) set8(bcast, i, 0xff);
    const mk = (broadcast: boolean): Bytes =>
      udpFrame(broadcast ? bcast : b.eth.hwaddr, ip("192.0.2.9"), ip("192.0.2.2"), 999, 64);
    b.eth.lltable!.input(ip("192.0.2.9"), b.eth.hwaddr, 0, true, true);
    b.stack.input(b.eth, mk(true));
    assert.equal(b.stack.stats.udpNoPorts, 1);
    assert.equal(b.stack.stats.icmpOutDestUnreachs, 0, "not for a broadcast frame");
    b.stack.input(b.eth, mk(false));
    assert.equal(b.stack.stats.icmpOutDestUnreachs, 1, "for the same datagram unicast");
  });
});

/** An empty UDP datagram from src:1000 to dst:port in an Ethernet frame to `dstMac`. */
function udpFrame(dstMac: Bytes, src: number, dst: number, port: number, ttl: number): Bytes {
  const f = alloc(14 + 28);
  for (let i = 0; i < 6; i++) set8(f, i, (dstMac as unknown as Uint8Array)[i]);
  set8(f, 6, 2);
  set8(f, 11, 0x33);
  set16(f, 12, 0x0800);
  set8(f, 14, 0x45);
  set16(f, 16, 28);
  set8(f, 22, ttl);
  set8(f, 23, 17);
  set32(f, 26, src);
  set32(f, 30, dst);
  set16(f, 24, checksum(f, 14, 20));
  set16(f, 34, 1000);
  set16(f, 36, port);
  set16(f, 38, 8);
  return f;
}
