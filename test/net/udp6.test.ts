// UDP over IPv6 (src/net/udp6.ts) and the program's dual-stack sockets
// (src/apps/udp-socket.ts) between simulated hosts; IPv6 address text
// (src/net/addr6.ts parseIPv6) read as RFC 4291 writes it.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { alloc, get8, set8 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { openUdp, type UdpSocket } from "../../src/apps/udp-socket";
import { formatIPv4 } from "../../src/net/addr";
import { formatIPv6, parseIPv6 } from "../../src/net/addr6";
import { EAFNOSUPPORT, EMSGSIZE, ENETUNREACH } from "../../src/net/errno";
import { ip, Net } from "./helpers";
import { capture, hex, withIpv6, type V6Node } from "./ipv6-node";

const text = (s: string): Bytes => Uint8Array.from(Buffer.from(s, "latin1")) as unknown as Bytes;
const str = (b: Bytes): string => Buffer.from(b as unknown as Uint8Array).toString("latin1");
const addr = (s: string): Bytes => {
  const b = alloc(16);
  assert.ok(parseIPv6(s, b, 0), s);
  return b;
};

function open(...args: Parameters<typeof openUdp>): UdpSocket {
  const s = openUdp(...args);
  if (typeof s === "number") throw new Error(`openUdp: ${s}`);
  return s;
}

function pair(): { net: Net; a: V6Node; b: V6Node } {
  const net = new Net();
  const a = withIpv6(net.node(1, "10.0.0.1/24"));
  const b = withIpv6(net.node(2, "10.0.0.2/24"));
  net.clock.advance(2500);
  return { net, a, b };
}

describe("UDP over IPv6", function () {
  it("a socket's port takes both families: IPv4's and IPv6's datagrams, each answered in its own family", function () {
    const { net, a, b } = pair();
    const server = open(b.stack, { port: 7000 });
    const client = open(a.stack, {});
    assert.equal(client.write(text("four"), 0, 4, ip("10.0.0.2"), 7000), 0);
    assert.equal(client.write6(text("six"), 0, 3, b.ip6.addrs[0].addr, 0, 7000), 0);
    net.clock.advance(100);
    const d4 = server.read()!;
    const d6 = server.read()!;
    assert.deepEqual([str(d4.data), formatIPv4(d4.address), d4.address6], ["four", "10.0.0.1", undefined]);
    assert.deepEqual([str(d6.data), formatIPv6(d6.address6!, 0), d6.port], ["six", "fe80::ff:fe00:1", client.port]);
    assert.equal(server.write6(text("back"), 0, 4, d6.address6!, 0, d6.port), 0);
    net.clock.advance(100);
    const r = client.read()!;
    assert.equal(str(r.data), "back");
    assert.equal(formatIPv6(r.address6!, 0), "fe80::ff:fe00:2");
    assert.equal(b.ip6.udp.stats.inDatagrams, 1);
    client.close();
    server.close();
    // Both families' ports are free again.
    assert.equal(
      b.ip6.udp.bind(7000, () => undefined),
      0,
    );
  });

  it("checks every datagram's checksum (never optional over IPv6); a closed port gets ICMPv6 port unreachable", function () {
    const { net, a, b } = pair();
    const sent = capture(a);
    const client = open(a.stack, {});
    client.write6(text("x"), 0, 1, b.ip6.addrs[0].addr, 0, 9999);
    net.clock.advance(100);
    assert.equal(b.ip6.udp.stats.noPorts, 1);
    const errors = sent.filter((f) => f[12] === 0x86);
    assert.ok(errors.length >= 1);
    // b's answer reached a: a Destination Unreachable, code 4 (port), quoting a's datagram.
    assert.equal(b.ip6.stats.icmpOutErrors, 1);
    // A datagram whose checksum is zero or wrong is dropped and counted.
    const server = open(b.stack, { port: 7001 });
    const f = a.ip6.udp.alloc(2);
    a.ip6.udp.send(f, 2, 5, b.ip6.addrs[0].addr, 0, 7001);
    net.clock.advance(100);
    assert.equal(server.waiting(), 1);
    const bad = a.ip6.udp.alloc(2);
    const orig = a.stack.sendFrame.bind(a.stack);
    a.stack.sendFrame = (ifp, fr) => {
      const u = fr as unknown as Uint8Array;
      if (u[12] === 0x86 && u[20] === 17) {
        u[14 + 40 + 6] = 0;
        u[14 + 40 + 7] = 0;
      }
      return orig(ifp, fr);
    };
    a.ip6.udp.send(bad, 2, 5, b.ip6.addrs[0].addr, 0, 7001);
    net.clock.advance(100);
    assert.equal(server.waiting(), 1);
    assert.equal(b.ip6.udp.stats.inErrors, 1);
  });

  it("refuses what it cannot send: beyond the link's MTU (EMSGSIZE), off the link with no router (ENETUNREACH)", function () {
    const { a, b } = pair();
    const s = open(a.stack, {});
    const big = alloc(1500);
    assert.equal(s.write6(big, 0, 1453, b.ip6.addrs[0].addr, 0, 7), -EMSGSIZE);
    assert.equal(s.write6(big, 0, 1452, b.ip6.addrs[0].addr, 0, 7), 0);
    assert.equal(s.write6(big, 0, 1, addr("2001:db8::1"), 0, 7), -ENETUNREACH);
  });

  it("without IPv6 in the build, a socket is IPv4's only: write6 is EAFNOSUPPORT", function () {
    const net = new Net();
    const n = net.node(1, "10.0.0.1/24");
    const s = open(n.stack, { port: 7000 });
    assert.equal(s.write6(text("x"), 0, 1, addr("fe80::1"), 0, 7), -EAFNOSUPPORT);
  });
});

describe("IPv6 address text (parseIPv6)", function () {
  it("reads what formatIPv6 writes, for any address", function () {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (u) => {
        const b = Uint8Array.from(u) as unknown as Bytes;
        const out = alloc(16);
        return parseIPv6(formatIPv6(b, 0), out, 0) && hex(out) === hex(b);
      }),
      { numRuns: 2000 },
    );
  });

  it("reads the forms RFC 4291 allows and refuses the rest", function () {
    for (const [s, h] of [
      ["::", "00000000000000000000000000000000"],
      ["::1", "00000000000000000000000000000001"],
      ["1::", "00010000000000000000000000000000"],
      ["FE80::ABCD:1%eth0", "fe8000000000000000000000abcd0001"],
      ["2001:db8:0:0:1:0:0:1", "20010db8000000000001000000000001"],
      ["1:2:3:4:5:6:7::", "00010002000300040005000600070000"],
    ])
      assert.equal(hex(addr(s)), h, s);
    const out = alloc(16);
    set8(out, 0, 0x55);
    for (const s of [
      "",
      ":",
      ":::",
      "1",
      "1:2",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7:8::",
      "::g",
      "1:",
      ":1",
      "1.2.3.4",
      "::1.2.3.4",
    ])
      assert.equal(parseIPv6(s, out, 0), false, s);
    assert.equal(get8(out, 0), 0x55, "left as it was");
  });
});
