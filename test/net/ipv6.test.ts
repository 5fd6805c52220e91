// The IPv6 host (src/net/ipv6.ts) between simulated hosts: link-local
// addresses with DAD, Neighbor Discovery through the cache, echo, the
// errors and what is dropped.
import { strict as assert } from "node:assert";
import { get8, len, set8, set16 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { formatIPv6 } from "../../src/net/addr6";
import { IP6_PAYLOAD, type Ip6Params } from "../../src/net/ipv6";
import { IN6_DUPLICATE, IN6_PREFERRED, IN6_TENTATIVE } from "../../src/net/in6addr";
import { ND6_REACHABLE } from "../../src/net/nd6-cache";
import { Ip6Walk, upperChecksum, walkIpv6, WALK_UPPER } from "../../src/net/ipv6-walk";
import { Net } from "./helpers";
import { capture, hex, rawFrom, type V6Node, withIpv6 } from "./ipv6-node";
import { ipv6Packet } from "./ipv6-packets";

/** Sends an echo request from `a` to `b`'s link-local address; resolves the replies' sequence numbers. */
function ping(a: V6Node, b: V6Node, seq: number): number[] {
  const got: number[] = [];
  a.ip6.onEchoReply = (_src, id, s) => {
    if (id === 0x4242) got.push(s);
  };
  const f = a.ip6.allocPacket(16);
  set8(f, IP6_PAYLOAD, 128);
  set16(f, IP6_PAYLOAD + 4, 0x4242);
  set16(f, IP6_PAYLOAD + 6, seq);
  (a.ip6 as unknown as { sendIcmp(ifp: unknown, f: Bytes, s: Bytes, d: Bytes, n: number, h: number): void }).sendIcmp(
    a.eth,
    f,
    a.ip6.addrs[0].addr,
    b.ip6.addrs[0].addr,
    16,
    64,
  );
  return got;
}

function pair(p: Partial<Ip6Params> = {}): { net: Net; a: V6Node; b: V6Node } {
  const net = new Net();
  return { net, a: withIpv6(net.node(1), p), b: withIpv6(net.node(2), p) };
}

describe("IPv6 host", function () {
  it("forms its link-local address from the MAC, tentative until DAD has waited a second after its solicitation", function () {
    const { net, a } = pair();
    assert.equal(formatIPv6(a.ip6.addrs[0].addr, 0), "fe80::ff:fe00:1");
    assert.equal(a.ip6.addrs[0].state, IN6_TENTATIVE);
    net.clock.advance(999);
    net.clock.advance(1100);
    assert.equal(a.ip6.addrs[0].state, IN6_PREFERRED);
    assert.ok(a.log.lines.some((l) => l.includes("fe80::ff:fe00:1/64 preferred")));
  });

  it("joins its solicited-node group with an MLDv2 report before DAD's solicitation (hop limit 1, Router Alert), and leaves it when DAD fails", function () {
    const net = new Net();
    const raw = net.node(1);
    const sent = capture(raw);
    const a = withIpv6(raw);
    const t = withIpv6(net.node(3), { dadTransmits: 0 });
    t.ip6.addAddress(t.eth, a.ip6.addrs[0].addr, 0, 64);
    net.clock.advance(3000);
    const reports = sent.filter((f) => f[0] === 0x33 && f[5] === 0x16);
    assert.equal(reports.length, 2, "a join, then a leave");
    for (const [i, f] of reports.entries()) {
      const w = new Ip6Walk();
      assert.equal(walkIpv6(f as unknown as Bytes, 14, f.length - 14, true, w), WALK_UPPER);
      assert.equal(w.proto, 58);
      assert.equal(w.off, 14 + 40 + 8, "after the hop-by-hop header");
      assert.equal(f[14 + 7], 1, "hop limit 1");
      assert.deepEqual([...f.subarray(54, 60)], [58, 0, 5, 2, 0, 0], "Router Alert for MLD");
      assert.equal(upperChecksum(f as unknown as Bytes, 14, 58, w.off, w.len), 0);
      assert.equal(f[w.off], 143);
      assert.equal(f[w.off + 8], i === 0 ? 4 : 3, "CHANGE_TO_EXCLUDE, then CHANGE_TO_INCLUDE");
      assert.equal(hex(f.subarray(w.off + 12, w.off + 28) as unknown as Bytes), "ff0200000000000000000001ff000001");
    }
    // The join comes before DAD's solicitation.
    const first = sent.findIndex((f) => f[0] === 0x33);
    assert.equal(sent[first][5], 0x16);
  });

  it("DAD fails when another host has the address: not used, and said", function () {
    const net = new Net();
    const a = withIpv6(net.node(1));
    // A second host already using the same address (as `ip addr add … nodad` on Linux would).
    const t = withIpv6(net.node(3), { dadTransmits: 0 });
    const claimed = t.ip6.addAddress(t.eth, a.ip6.addrs[0].addr, 0, 64);
    assert.equal(claimed.state, IN6_PREFERRED);
    net.clock.advance(3000);
    assert.equal(a.ip6.addrs[0].state, IN6_DUPLICATE);
    assert.equal(a.ip6.stats.dadFailures, 1);
    assert.ok(a.log.lines.some((l) => l.includes("is in use by another host (DAD): not used")));
  });

  it("pings a neighbour: Neighbor Discovery resolves it (the request held meanwhile), both learn each other", function () {
    const { net, a, b } = pair();
    net.clock.advance(2100);
    const got = ping(a, b, 7);
    net.clock.advance(50);
    assert.deepEqual(got, [7]);
    assert.equal(b.ip6.stats.icmpOutEchoReps, 1);
    const ea = a.ip6.cacheOf(a.eth)!.lookup(b.ip6.addrs[0].addr, 0)!;
    assert.equal(ea.state, ND6_REACHABLE, "a solicited advertisement");
    assert.equal(hex(ea.lladdr), hex(b.eth.hwaddr));
    assert.ok(
      b.ip6.cacheOf(b.eth)!.lookup(a.ip6.addrs[0].addr, 0) !== undefined,
      "b heard a's address in the solicitation",
    );
  });

  it("answers an unknown next header with Parameter Problem code 1, at most icmpErrorsPerSec a second", function () {
    const { net, a, b } = pair({ icmpErrorsPerSec: 3 });
    net.clock.advance(2100);
    ping(a, b, 1);
    net.clock.advance(50);
    const src = hex(a.ip6.addrs[0].addr);
    const dst = hex(b.ip6.addrs[0].addr);
    const errors: number[] = [];
    const orig = a.stack.input.bind(a.stack);
    a.stack.input = (ifp, f) => {
      if (len(f) > 54 && get8(f, 12) === 0x86 && get8(f, 20) === 58 && get8(f, 54) === 4)
        errors.push(get8(f, 55) * 1000 + get8(f, 61));
      orig(ifp, f);
    };
    for (let i = 0; i < 5; i++)
      rawFrom(a, b.eth.hwaddr, ipv6Packet({ src, dst, proto: 253, upper: [1, 2, 3, 4, 5, 6, 7, 8] }));
    net.clock.advance(50);
    assert.deepEqual(errors, [1006, 1006, 1006], "code 1, pointing at the next header field; three, then the limit");
    assert.equal(b.ip6.stats.icmpOutRateLimited, 2);
    assert.equal(b.ip6.stats.inUnknownProtos, 5);
  });

  it("an unknown option whose type says so: Parameter Problem code 2 at the option (after an echo: nothing of it is reused)", function () {
    const { net, a, b } = pair();
    net.clock.advance(2100);
    ping(a, b, 1);
    net.clock.advance(50);
    const errors: string[] = [];
    const orig = a.stack.input.bind(a.stack);
    a.stack.input = (ifp, f) => {
      if (len(f) > 62 && get8(f, 20) === 58 && get8(f, 54) === 4) errors.push(`${get8(f, 55)} ${get8(f, 61)}`);
      orig(ifp, f);
    };
    const src = hex(a.ip6.addrs[0].addr);
    const dst = hex(b.ip6.addrs[0].addr);
    rawFrom(
      a,
      b.eth.hwaddr,
      ipv6Packet({
        src,
        dst,
        proto: 58,
        upper: [128, 0, 0, 0, 0, 0, 0, 1],
        exts: [{ type: 60, options: [0x9e, 1, 0] }],
      }),
    );
    net.clock.advance(50);
    assert.deepEqual(errors, ["2 42"]);
  });

  it("drops fragments (counted), packets for other addresses, and answers no error about an error", function () {
    const { net, a, b } = pair();
    net.clock.advance(2100);
    ping(a, b, 1);
    net.clock.advance(50);
    const src = hex(a.ip6.addrs[0].addr);
    const dst = hex(b.ip6.addrs[0].addr);
    rawFrom(
      a,
      b.eth.hwaddr,
      ipv6Packet({ src, dst, proto: 58, upper: [128, 0, 0, 0, 0, 0, 0, 1], exts: [{ type: 44 }] }),
    );
    rawFrom(
      a,
      b.eth.hwaddr,
      ipv6Packet({ src, dst: "fe800000000000000000000000000099", proto: 58, upper: [128, 0, 0, 0, 0, 0, 0, 1] }),
    );
    const sent = b.ip6.stats.icmpOutErrors;
    // A Destination Unreachable with a bad next header inside its quote is still an error: no answer.
    rawFrom(a, b.eth.hwaddr, ipv6Packet({ src, dst, proto: 58, upper: [1, 0, 0, 0, 0, 0, 0, 0] }));
    net.clock.advance(50);
    assert.equal(b.ip6.stats.reasmFails, 1);
    assert.equal(b.ip6.stats.inAddrErrors, 1);
    assert.equal(b.ip6.stats.icmpOutErrors, sent);
  });

  it("RFC 5952's text form", function () {
    const f = (h: string): string => formatIPv6(Uint8Array.from(Buffer.from(h, "hex")) as unknown as Bytes, 0);
    assert.equal(f("20010db8000000000000000000000001"), "2001:db8::1");
    assert.equal(f("20010db8000000010000000000000001"), "2001:db8:0:1::1");
    assert.equal(f("00000000000000000000000000000000"), "::");
    assert.equal(f("ff020000000000000000000000000001"), "ff02::1");
    assert.equal(f("20010db8000100000001000100010001"), "2001:db8:1:0:1:1:1:1", "a single zero word stays");
  });
});
