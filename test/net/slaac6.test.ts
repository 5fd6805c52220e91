// Router discovery and SLAAC (src/net/slaac6.ts) on the simulated segment:
// a router node sends Router Advertisements, the device forms its global
// address, learns the default router, on-link prefix, MTU and DNS servers,
// and every lifetime ends on the simulated clock.
import { strict as assert } from "node:assert";
import type { Bytes } from "../../hal/types";
import { formatIPv6 } from "../../src/net/addr6";
import { IN6_DEPRECATED, IN6_DUPLICATE, IN6_PREFERRED, IN6_TENTATIVE } from "../../src/net/in6addr";
import { ND6_INCOMPLETE } from "../../src/net/nd6-cache";
import { Net } from "./helpers";
import { capture, hex, rawFrom, type V6Node, withIpv6 } from "./ipv6-node";
import { ALL_NODES, ipv6Packet, ndOption, ndRouterAdvert, prefixInfo } from "./ipv6-packets";

const PREFIX = "20010db8000100000000000000000000";
const DNS = "20010db8000000000000000000000053";
const bytes = (h: string): Bytes => Uint8Array.from(Buffer.from(h, "hex")) as unknown as Bytes;
const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

interface Rig {
  net: Net;
  dev: V6Node;
  router: V6Node;
  sent: Uint8Array[];
  /** The router advertises (to all nodes, from its link-local address, with its MAC). */
  advertise(o: { lifetime?: number; options?: number[][]; from?: string }): void;
}

function rig(secret?: Bytes): Rig {
  const net = new Net();
  const routerNode = net.node(2);
  const router = withIpv6(routerNode, { dadTransmits: 0 });
  const devNode = net.node(1);
  const sent = capture(devNode);
  const dev = withIpv6(devNode, { secret });
  const advertise = (o: { lifetime?: number; options?: number[][]; from?: string }): void => {
    const src = o.from ?? hex(router.ip6.addrs[0].addr);
    const slla = ndOption(1, [...(router.eth.hwaddr as unknown as Uint8Array)]);
    const upper = ndRouterAdvert({ lifetime: o.lifetime, options: [slla, ...(o.options ?? [])] });
    rawFrom(router, bytes("333300000001"), ipv6Packet({ src, dst: ALL_NODES, hopLimit: 255, proto: 58, upper }));
  };
  return { net, dev, router, sent, advertise };
}

const standardOptions = (valid = 600, preferred = 300): number[][] => [
  prefixInfo(PREFIX, 64, valid, preferred),
  ndOption(5, [0, 0, ...u32(1400)]),
  ndOption(25, [0, 0, ...u32(900), ...Buffer.from(DNS, "hex")]),
];

const addrs = (n: V6Node): string[] => n.ip6.addrs.map((a) => formatIPv6(a.addr, 0));
const globalOf = (n: V6Node) => n.ip6.addrs.find((a) => a.autoconf)!;

describe("IPv6 router discovery and SLAAC", function () {
  it("solicits routers once its link-local address is ours: from it, with its MAC, to ff02::2, three times 4 s apart, then says none answered", function () {
    const { net, dev, sent } = rig();
    net.clock.advance(2000);
    assert.equal(dev.ip6.addrs[0].state, IN6_PREFERRED);
    net.clock.advance(1000 + 3 * 4000 + 100);
    const rs = sent.filter((f) => f[12] === 0x86 && f[14 + 40] === 133);
    assert.equal(rs.length, 3);
    for (const f of rs) {
      assert.equal(hex(f.subarray(0, 6)), "333300000002");
      assert.equal(hex(f.subarray(14 + 24, 14 + 40)), "ff020000000000000000000000000002");
      assert.equal(hex(f.subarray(14 + 8, 14 + 24)), hex(dev.ip6.addrs[0].addr), "from the link-local address");
      assert.equal(f[14 + 7], 255);
      assert.deepEqual(
        [...f.subarray(14 + 48, 14 + 56)],
        [1, 1, 2, 0, 0, 0, 0, 1],
        "its MAC in a source link-layer option",
      );
    }
    assert.ok(dev.log.lines.some((l) => l.includes("no IPv6 router answered 3 solicitations")));
  });

  it("an advertisement stops the solicitations; it forms a global address from the /64 (DAD first) and learns router, prefix, MTU, hop limit and DNS", function () {
    const { net, dev, router, sent, advertise } = rig();
    net.clock.advance(2500);
    advertise({ options: standardOptions() });
    net.clock.advance(10);
    const g = globalOf(dev);
    assert.equal(formatIPv6(g.addr, 0), "2001:db8:1::ff:fe00:1", "the prefix and the EUI-64 identifier");
    assert.equal(g.state, IN6_TENTATIVE);
    net.clock.advance(2100);
    assert.equal(g.state, IN6_PREFERRED);
    assert.deepEqual(addrs(dev), ["fe80::ff:fe00:1", "2001:db8:1::ff:fe00:1"]);
    const s = dev.ip6.slaac;
    assert.deepEqual(
      s.routers.map((r) => formatIPv6(r.addr, 0)),
      [formatIPv6(router.ip6.addrs[0].addr, 0)],
    );
    assert.deepEqual(
      s.prefixes.map((p) => `${formatIPv6(p.addr, 0)}/${p.len}`),
      ["2001:db8:1::/64"],
    );
    assert.deepEqual(
      s.dns.map((d) => formatIPv6(d.addr, 0)),
      ["2001:db8::53"],
    );
    assert.equal(s.mtu, 1400);
    assert.equal(dev.ip6.cacheOf(dev.eth)!.lookup(router.ip6.addrs[0].addr, 0)!.isRouter, true);
    const before = sent.filter((f) => f[12] === 0x86 && f[14 + 40] === 133).length;
    net.clock.advance(20000);
    assert.equal(sent.filter((f) => f[12] === 0x86 && f[14 + 40] === 133).length, before, "no more solicitations");
    assert.ok(dev.log.lines.some((l) => l.includes("default router fe80::ff:fe00:2 learned")));
    assert.ok(dev.log.lines.some((l) => l.includes("DNS server 2001:db8::53 learned")));
  });

  it("lifetimes end on the clock: deprecated at the preferred lifetime, gone (with an MLD leave) at the valid one; router, prefix and DNS server at theirs", function () {
    const { net, dev, sent, advertise } = rig();
    net.clock.advance(2500);
    const t0 = net.clock.now();
    advertise({ lifetime: 200, options: standardOptions(600, 300) });
    net.clock.advance(3000);
    const g = globalOf(dev);
    assert.equal(g.state, IN6_PREFERRED);
    net.clock.advance(t0 + 199_000 - net.clock.now());
    assert.equal(dev.ip6.slaac.routers.length, 1);
    net.clock.advance(2000);
    assert.equal(dev.ip6.slaac.routers.length, 0, "the router's 200 s are over");
    net.clock.advance(t0 + 299_000 - net.clock.now());
    assert.equal(g.state, IN6_PREFERRED);
    net.clock.advance(2000);
    assert.equal(g.state, IN6_DEPRECATED, "300 s: deprecated, still ours");
    assert.ok(dev.ip6.addrs.includes(g));
    const leavesBefore = sent.filter((f) => f[5] === 0x16).length;
    net.clock.advance(t0 + 599_000 - net.clock.now());
    assert.ok(dev.ip6.addrs.includes(g));
    net.clock.advance(2000);
    assert.ok(!dev.ip6.addrs.includes(g), "600 s: gone");
    assert.deepEqual(addrs(dev), ["fe80::ff:fe00:1"]);
    assert.equal(dev.ip6.slaac.prefixes.length, 0);
    const leaves = sent.filter((f) => f[5] === 0x16);
    assert.equal(leaves.length, leavesBefore + 1, "an MLD report leaves its solicited-node group");
    assert.equal(leaves[leaves.length - 1][14 + 48 + 8], 3, "CHANGE_TO_INCLUDE");
    assert.equal(dev.ip6.slaac.dns.length, 1, "the DNS server's 900 s are not over");
    net.clock.advance(t0 + 901_000 - net.clock.now());
    assert.equal(dev.ip6.slaac.dns.length, 0);
    assert.ok(dev.log.lines.some((l) => l.includes("2001:db8:1::ff:fe00:1 expired")));
  });

  it("RFC 4862 5.5.3 (e): a new advertisement sets the preferred lifetime, but never cuts the valid one below two hours", function () {
    const { net, dev, advertise } = rig();
    net.clock.advance(2500);
    advertise({ options: [prefixInfo(PREFIX, 64, 4 * 3600, 3600)] });
    net.clock.advance(3000);
    const g = globalOf(dev);
    const now = (): number => net.clock.now();
    advertise({ options: [prefixInfo(PREFIX, 64, 60, 30)] });
    net.clock.advance(1);
    // The segment's latency is 1 ms: each advertisement is taken in at now().
    assert.equal(g.validUntil - now(), 2 * 3600_000, "4 h left, 60 s given: two hours");
    assert.equal(g.preferredUntil - now(), 30_000);
    advertise({ options: [prefixInfo(PREFIX, 64, 0, 0)] });
    net.clock.advance(1);
    assert.equal(g.validUntil - now(), 2 * 3600_000 - 1, "two hours left, less given: unchanged");
    advertise({ options: [prefixInfo(PREFIX, 64, 3 * 3600, 3600)] });
    net.clock.advance(1);
    assert.equal(g.validUntil - now(), 3 * 3600_000, "more than two hours given: taken");
    assert.equal(g.state, IN6_PREFERRED);
    advertise({ options: [prefixInfo(PREFIX, 64, 0xffffffff, 0xffffffff)] });
    net.clock.advance(1);
    assert.equal(g.validUntil, -1, "infinity");
  });

  it("ignores what RFC 4862 5.5.3 says to: preferred beyond valid, a link-local prefix, a prefix not /64 (said), and a full list (counted)", function () {
    const { net, dev, advertise } = rig();
    net.clock.advance(2500);
    advertise({
      options: [
        prefixInfo("20010db8000200000000000000000000", 64, 60, 120),
        prefixInfo("fe800000000000000000000000000000", 64, 600, 300),
        prefixInfo("20010db8000300000000000000000000", 48, 600, 300),
      ],
    });
    net.clock.advance(3000);
    assert.deepEqual(addrs(dev), ["fe80::ff:fe00:1"]);
    assert.deepEqual(
      dev.ip6.slaac.prefixes.map((p) => `${formatIPv6(p.addr, 0)}/${p.len}`),
      ["2001:db8:3::/48"],
      "on-link all the same",
    );
    assert.equal(dev.ip6.slaac.stats.prefixIgnored, 2);
    assert.ok(dev.log.lines.some((l) => l.includes("SLAAC needs a /64, the router advertises a /48")));
    const many = [4, 5, 6, 7, 8, 9].map((i) => prefixInfo(`20010db800${i}0${"0".repeat(20)}`, 64, 600, 300));
    advertise({ options: many.slice(0, 4) });
    advertise({ options: many.slice(4) });
    net.clock.advance(10);
    assert.equal(dev.ip6.slaac.prefixes.length, 4);
    assert.equal(dev.ip6.addrs.filter((a) => a.autoconf).length, 4, "addresses: no more than the prefix list holds");
    assert.equal(
      dev.ip6.slaac.stats.listFull,
      5,
      "three prefixes (the /48 holds a place) and two addresses found no room",
    );
  });

  it("an advertisement with router lifetime 0 removes the router; a prefix with valid lifetime 0 leaves the on-link list", function () {
    const { net, dev, advertise } = rig();
    net.clock.advance(2500);
    advertise({ options: standardOptions() });
    net.clock.advance(3000);
    advertise({ lifetime: 0, options: [prefixInfo(PREFIX, 64, 0, 0, 0x80)] });
    net.clock.advance(10);
    assert.equal(dev.ip6.slaac.routers.length, 0);
    assert.equal(dev.ip6.slaac.prefixes.length, 0);
    assert.equal(globalOf(dev).state, IN6_PREFERRED, "the address keeps its own lifetimes");
  });

  it("reaches an off-link address through the default router, from its global address; with no router it is counted unreachable", function () {
    const { net, dev, router, sent, advertise } = rig();
    net.clock.advance(2500);
    const far = bytes("20010db8999900000000000000000001");
    assert.equal(dev.ip6.echoRequest(far, 1, 1, 8), false);
    assert.equal(dev.ip6.stats.outNoRoutes, 1);
    advertise({ options: standardOptions() });
    net.clock.advance(3000);
    const n = sent.length;
    assert.equal(dev.ip6.echoRequest(far, 1, 2, 8), true);
    net.clock.advance(10);
    const out = sent.slice(n).filter((f) => f[14 + 40] === 128);
    assert.equal(out.length, 1);
    assert.equal(hex(out[0].subarray(0, 6)), hex(router.eth.hwaddr), "to the router's MAC");
    assert.equal(formatIPv6(out[0] as unknown as Bytes, 14 + 8), "2001:db8:1::ff:fe00:1", "from the global address");
    assert.equal(formatIPv6(out[0] as unknown as Bytes, 14 + 24), "2001:db8:9999::1");
    // An on-link global goes straight to its neighbour (resolved first).
    const near = bytes("20010db8000100000000000000000077");
    dev.ip6.echoRequest(near, 1, 3, 8);
    assert.equal(dev.ip6.cacheOf(dev.eth)!.lookup(near, 0)!.state, ND6_INCOMPLETE);
  });

  it("with a secret (RFC 7217), stable identifiers: not from the MAC, the same for the same secret; a DAD conflict tries the next", function () {
    const secret = bytes("00112233445566778899aabbccddeeff");
    const a = rig(secret);
    a.net.clock.advance(2500);
    a.advertise({ options: standardOptions() });
    a.net.clock.advance(3000);
    const ll = formatIPv6(a.dev.ip6.addrs[0].addr, 0);
    const g = formatIPv6(globalOf(a.dev).addr, 0);
    assert.ok(ll.startsWith("fe80::") && !ll.includes("ff:fe"), ll);
    assert.ok(g.startsWith("2001:db8:1:") && !g.includes("ff:fe"), g);
    assert.notEqual(ll.slice(6), g.slice(11), "another identifier for another prefix");
    const b = rig(secret);
    b.net.clock.advance(2500);
    b.advertise({ options: standardOptions() });
    b.net.clock.advance(3000);
    assert.deepEqual(addrs(b.dev), [ll, g], "the same secret, MAC and prefix: the same addresses");

    // A host that already holds the stable address: DAD fails, and the next identifier is tried.
    const c = rig(secret);
    const squatter = withIpv6(c.net.node(9), { dadTransmits: 0 });
    squatter.ip6.addAddress(
      squatter.eth,
      bytes(Buffer.from(globalOf(a.dev).addr as unknown as Uint8Array).toString("hex")),
      0,
      64,
    );
    c.net.clock.advance(2500);
    c.advertise({ options: standardOptions() });
    c.net.clock.advance(6000);
    const autos = c.dev.ip6.addrs.filter((x) => x.autoconf);
    assert.equal(autos.length, 1);
    assert.notEqual(formatIPv6(autos[0].addr, 0), g);
    assert.equal(autos[0].dadCounter, 1);
    assert.equal(autos[0].state, IN6_PREFERRED);
    assert.equal(c.dev.ip6.stats.dadFailures, 1);
  });

  it("with EUI-64, a DAD conflict on the SLAAC address leaves it duplicate and unused", function () {
    const { net, dev, advertise } = rig();
    const squatter = withIpv6(net.node(9), { dadTransmits: 0 });
    squatter.ip6.addAddress(squatter.eth, bytes("20010db800010000000000fffe000001"), 0, 64);
    net.clock.advance(2500);
    advertise({ options: standardOptions() });
    net.clock.advance(4000);
    assert.equal(globalOf(dev).state, IN6_DUPLICATE);
    assert.equal(
      dev.ip6.sourceFor(dev.eth, bytes("20010db8999900000000000000000001"), 0),
      dev.ip6.addrs[0],
      "not a source",
    );
    assert.ok(dev.log.lines.some((l) => l.includes("2001:db8:1::ff:fe00:1 is in use by another host (DAD): not used")));
  });
  describe("a link that goes away and comes back", function () {
    const rsCount = (sent: Uint8Array[]) => sent.filter((f) => f[12] === 0x86 && f[14 + 40] === 133).length;
    const dadOf = (sent: Uint8Array[], a: string) =>
      sent.filter(
        (f) =>
          f[12] === 0x86 &&
          f[14 + 40] === 135 &&
          hex(f.subarray(14 + 8, 14 + 24)) === "0".repeat(32) &&
          hex(f.subarray(14 + 48, 14 + 64)) === a,
      ).length;

    function bound(): Rig {
      const r = rig();
      r.net.clock.advance(2500);
      r.advertise({ options: standardOptions(7200, 3600) });
      r.net.clock.advance(4000);
      assert.equal(globalOf(r.dev).state, IN6_PREFERRED);
      assert.ok(r.dev.ip6.cacheOf(r.dev.eth)!.count() > 0, "the router is a neighbour");
      return r;
    }

    it("off the wire: neighbours, routers, prefixes and DNS servers are forgotten, the addresses kept", function () {
      const { dev } = bound();
      dev.mac.setCarrier(false);
      assert.equal(dev.ip6.cacheOf(dev.eth)!.count(), 0);
      const s = dev.ip6.slaac;
      assert.deepEqual([s.routers.length, s.prefixes.length, s.dns.length], [0, 0, 0]);
      assert.deepEqual(addrs(dev), ["fe80::ff:fe00:1", "2001:db8:1::ff:fe00:1"]);
      assert.equal(
        dev.ip6.outInterface(bytes("20010db8999900000000000000000001"), 0),
        undefined,
        "no router to reach off-link addresses through",
      );
    });

    it("back on: every address goes through DAD again, then routers are solicited and the advertisement is learned anew", function () {
      const { net, dev, sent, advertise } = bound();
      dev.mac.setCarrier(false);
      sent.length = 0;
      dev.mac.setCarrier(true);
      assert.deepEqual(
        dev.ip6.addrs.map((a) => a.state),
        [IN6_TENTATIVE, IN6_TENTATIVE],
      );
      net.clock.advance(2100);
      assert.deepEqual(
        dev.ip6.addrs.map((a) => a.state),
        [IN6_PREFERRED, IN6_PREFERRED],
      );
      for (const a of dev.ip6.addrs)
        assert.equal(dadOf(sent, hex(a.addr)), 1, `one DAD solicitation for ${hex(a.addr)}`);
      net.clock.advance(1100);
      assert.equal(rsCount(sent), 1, "a router solicitation once the link-local address is ours again");
      advertise({ options: standardOptions(7200, 3600) });
      net.clock.advance(10);
      assert.equal(dev.ip6.slaac.routers.length, 1);
      net.clock.advance(20000);
      assert.equal(rsCount(sent), 1, "the advertisement ended the solicitations");
    });

    it("a flapping link runs one DAD and one solicitation sequence, not one per flap", function () {
      const { net, dev, sent } = bound();
      for (let i = 0; i < 3; i++) {
        dev.mac.setCarrier(false);
        net.clock.advance(100);
        dev.mac.setCarrier(true);
        net.clock.advance(100);
      }
      sent.length = 0;
      net.clock.advance(2500);
      for (const a of dev.ip6.addrs) assert.equal(dadOf(sent, hex(a.addr)), 1);
      net.clock.advance(3 * 4000 + 2000);
      assert.equal(rsCount(sent), 3, "three solicitations 4 s apart, as at boot");
    });

    it("a link that comes back while still soliciting starts the solicitations over, once (the old sequence's pending step ends)", function () {
      const { net, dev, sent } = rig();
      net.clock.advance(3100);
      assert.ok(rsCount(sent) >= 1, "soliciting");
      dev.mac.setCarrier(false);
      dev.mac.setCarrier(true);
      sent.length = 0;
      const at: number[] = [];
      for (let t = 0; t < 30000; t += 50) {
        const before = rsCount(sent);
        net.clock.advance(50);
        if (rsCount(sent) > before) at.push(t);
      }
      assert.equal(at.length, 3);
      assert.ok(at[1] - at[0] >= 3950 && at[2] - at[1] >= 3950, `4 s apart: ${at.join(", ")}`);
    });

    it("a host on the new link that holds our SLAAC address makes DAD fail there: the address is not used", function () {
      const { net, dev } = bound();
      dev.mac.setCarrier(false);
      const squatter = withIpv6(net.node(9), { dadTransmits: 0 });
      squatter.ip6.addAddress(squatter.eth, bytes("20010db800010000000000fffe000001"), 0, 64);
      dev.mac.setCarrier(true);
      net.clock.advance(3000);
      assert.equal(globalOf(dev).state, IN6_DUPLICATE);
      assert.equal(dev.ip6.addrs[0].state, IN6_PREFERRED, "the link-local address passed");
    });
  });
});
