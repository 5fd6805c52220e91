// MLD queries (RFC 3810 6.2, RFC 2710 4) on the simulated segment: a router
// node queries, the device answers within the Maximum Response Delay with
// its solicited-node groups, so that a snooping switch keeps forwarding them.
import { strict as assert } from "node:assert";
import type { Bytes } from "../../hal/types";
import { maxResponseDelay } from "../../src/net/mld6";
import { Ip6Walk, upperChecksum, walkIpv6, WALK_UPPER } from "../../src/net/ipv6-walk";
import { Net } from "./helpers";
import { capture, hex, rawFrom, type V6Node, withIpv6 } from "./ipv6-node";
import { ALL_NODES, ipv6Packet, UNSPEC } from "./ipv6-packets";

const bytes = (h: string): Bytes => Uint8Array.from(Buffer.from(h, "hex")) as unknown as Bytes;
/** The device's groups: ff02::1:ff00:1 (fe80::ff:fe00:1 and 2001:db8::ff:fe00:1), ff02::1:ff00:99 (2001:db8::99). */
const GROUP_1 = "ff0200000000000000000001ff000001";
const GROUP_99 = "ff0200000000000000000001ff000099";
/** Router Alert, MLD (RFC 2711), in a hop-by-hop header. */
const MLD_ALERT = { type: 0, options: [5, 2, 0, 0] };

interface Report {
  type: number;
  dst: string;
  src: string;
  /** MLDv2: (record type, group) per record; MLDv1: the one group. */
  records: [number, string][];
}

function rig(): { net: Net; dev: V6Node; router: V6Node; reports: () => Report[]; sent: Uint8Array[] } {
  const net = new Net();
  const router = withIpv6(net.node(2), { dadTransmits: 0 });
  const devNode = net.node(1);
  const sent = capture(devNode);
  const dev = withIpv6(devNode);
  net.clock.advance(2500);
  dev.ip6.addAddress(dev.eth, bytes("20010db800000000000000fffe000001"), 0, 64, true);
  dev.ip6.addAddress(dev.eth, bytes("20010db8000000000000000000000099"), 0, 64, true);
  sent.length = 0;
  const reports = (): Report[] =>
    sent.flatMap((f) => {
      if (f[12] !== 0x86 || f[13] !== 0xdd) return [];
      const w = new Ip6Walk();
      if (walkIpv6(f as unknown as Bytes, 14, f.length - 14, true, w) !== WALK_UPPER || w.proto !== 58) return [];
      const m = f.subarray(w.off);
      if (m[0] !== 131 && m[0] !== 143) return [];
      assert.equal(upperChecksum(f as unknown as Bytes, 14, 58, w.off, w.len), 0, "checksum");
      assert.equal(f[14 + 7], 1, "hop limit 1");
      assert.equal(w.routerAlert, 0, "MLD's Router Alert");
      const r: Report = { type: m[0], dst: hex(f.subarray(38, 54)), src: hex(f.subarray(22, 38)), records: [] };
      if (m[0] === 131) r.records.push([0, hex(m.subarray(8, 24))]);
      else
        for (let i = 0; i < (m[6] << 8) + m[7]; i++)
          r.records.push([m[8 + i * 20], hex(m.subarray(8 + i * 20 + 4, 8 + i * 20 + 20))]);
      return [r];
    });
  return { net, dev, router, reports, sent };
}

/** An MLD query from the router: v2 (28 bytes) unless `v1`; general unless `group`; delay code in ms. */
function query(
  router: V6Node,
  o: { v1?: boolean; group?: string; code?: number; src?: string; hopLimit?: number; alert?: boolean } = {},
): void {
  const code = o.code ?? 1000;
  const group = o.group ?? UNSPEC;
  const upper = [130, 0, 0, 0, code >> 8, code & 0xff, 0, 0, ...Buffer.from(group, "hex")];
  if (!o.v1) upper.push(0, 125, 0, 0);
  const dst = group === UNSPEC ? ALL_NODES : group;
  const p = ipv6Packet({
    src: o.src ?? hex(router.ip6.addrs[0].addr),
    dst,
    hopLimit: o.hopLimit ?? 1,
    exts: o.alert === false ? [] : [MLD_ALERT],
    proto: 58,
    upper,
  });
  rawFrom(router, bytes("3333" + dst.slice(24)), p);
}

describe("MLD queries", function () {
  it("a general MLDv2 query: one report within the delay, MODE_IS_EXCLUDE for each distinct solicited-node group, from the link-local address to ff02::16", function () {
    const { net, dev, router, reports } = rig();
    query(router, { code: 1000 });
    net.clock.advance(1001);
    const r = reports();
    assert.equal(r.length, 1);
    assert.equal(r[0].type, 143);
    assert.equal(r[0].dst, "ff020000000000000000000000000016");
    assert.equal(r[0].src, hex(dev.ip6.addrs[0].addr));
    assert.deepEqual(
      r[0].records.sort(),
      [
        [2, GROUP_1],
        [2, GROUP_99],
      ],
      "two groups for three addresses",
    );
    assert.equal(dev.ip6.mld.stats.queriesIn, 1);
  });

  it("answers at a random time within the Maximum Response Delay, and a burst of queries gets one answer", function () {
    const { net, router, reports } = rig();
    for (let i = 0; i < 5; i++) query(router, { code: 10000 });
    let at = -1;
    for (let t = 0; t <= 10000 && at < 0; t += 10) {
      net.clock.advance(10);
      if (reports().length > 0) at = t;
    }
    assert.ok(at >= 0 && at <= 10000, `answered at ${at} ms`);
    net.clock.advance(20000);
    assert.equal(reports().length, 1);
  });

  it("an MLDv1 query (24 bytes): MLDv1 reports, one per group, each to its group", function () {
    const { net, router, reports } = rig();
    query(router, { v1: true, code: 500 });
    net.clock.advance(501);
    const r = reports();
    assert.deepEqual(r.map((x) => [x.type, x.dst, x.records[0][1]]).sort(), [
      [131, GROUP_1, GROUP_1],
      [131, GROUP_99, GROUP_99],
    ]);
  });

  it("a query for one of our groups is answered for that group alone; for another group, not at all", function () {
    const { net, router, reports } = rig();
    query(router, { group: GROUP_99, code: 100 });
    net.clock.advance(101);
    assert.deepEqual(
      reports().map((x) => x.records),
      [[[2, GROUP_99]]],
    );
    query(router, { group: "ff0200000000000000000001ff000077", code: 100 });
    net.clock.advance(200);
    assert.equal(reports().length, 1);
  });

  it("a general query while a group's answer is owed: one answer for every group, at the earlier time", function () {
    const { net, router, reports } = rig();
    query(router, { group: GROUP_99, code: 5000 });
    query(router, { code: 5000 });
    net.clock.advance(5001);
    const r = reports();
    assert.equal(r.length, 1);
    assert.equal(r[0].records.length, 2);
  });

  it("drops queries RFC 3810 6.2 says to (not from a link-local address, hop limit not 1, no Router Alert), counted", function () {
    const { net, dev, router, reports } = rig();
    query(router, { src: "20010db8000000000000000000000002" });
    query(router, { hopLimit: 255 });
    query(router, { alert: false });
    net.clock.advance(2000);
    assert.equal(reports().length, 0);
    assert.equal(dev.ip6.mld.stats.queriesBad, 3);
  });

  it("an answer owed when the link goes is not sent", function () {
    const { net, dev, router, reports } = rig();
    query(router, { code: 5000 });
    dev.mac.setCarrier(false);
    net.clock.advance(6000);
    assert.equal(reports().length, 0);
  });

  it("reads the Maximum Response Code as RFC 3810 5.1.3 says: milliseconds below 32768, then mantissa and exponent", function () {
    assert.equal(maxResponseDelay(10000, false), 10000);
    assert.equal(maxResponseDelay(0x8000, false), 32768);
    assert.equal(maxResponseDelay(0xffff, false), (0xfff | 0x1000) << (7 + 3));
    assert.equal(maxResponseDelay(0x9234, false), (0x234 | 0x1000) << (1 + 3));
    assert.equal(maxResponseDelay(0xffff, true), 0xffff, "MLDv1's is milliseconds");
  });
});
