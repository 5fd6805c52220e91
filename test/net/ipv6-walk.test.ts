// The IPv6 receive checks (src/net/ipv6-walk.ts) and Neighbor Discovery's
// message checks and options (src/net/nd-parse.ts), on packets built from
// the RFCs (ipv6-packets.ts): every verdict, and property tests over random
// extension-header chains.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { ROOT } from "../../tools/lib/paths";
import { iidCases, ipv6Cases, slaacCases } from "../conformance/ipv6-cases";
import type { Bytes } from "../../hal/types";
import {
  Ip6Walk,
  upperChecksum,
  walkIpv6,
  WALK_DROP,
  WALK_FRAGMENT,
  WALK_PARAMPROB,
  WALK_UPPER,
} from "../../src/net/ipv6-walk";
import { checkNd, ND_MAX_PREFIXES, NdOptions } from "../../src/net/nd-parse";
import {
  ALL_NODES,
  type Ext,
  GLOBAL_A,
  inFrame,
  ipv6Packet,
  LL_A,
  LL_B,
  ndNeighbor,
  ndOption,
  ndRouterAdvert,
  prefixInfo,
  SNM_B,
  UNSPEC,
} from "./ipv6-packets";

const ECHO = [128, 0, 0, 0, 0x12, 0x34, 0, 1, 1, 2, 3, 4];
const MAC = [2, 0, 0, 0, 0, 9];

function walk(p: Uint8Array, multicast = false, pad = 0): Ip6Walk {
  const f = inFrame(Uint8Array.from([...p, ...new Array<number>(pad).fill(0xee)]));
  const w = new Ip6Walk();
  walkIpv6(f as unknown as Bytes, 14, f.length - 14, multicast, w);
  return w;
}

function nd(p: Uint8Array): { type: number; o: NdOptions; f: Uint8Array } {
  const f = inFrame(p);
  const w = new Ip6Walk();
  assert.equal(walkIpv6(f as unknown as Bytes, 14, f.length - 14, false, w), WALK_UPPER);
  assert.equal(upperChecksum(f as unknown as Bytes, 14, 58, w.off, w.len), 0, "checksum");
  const o = new NdOptions();
  return { type: checkNd(f as unknown as Bytes, 14, w.off, w.len, o), o, f };
}

describe("IPv6 receive checks (RFC 8200)", function () {
  it("finds the upper layer; the frame's padding past the payload length is not part of it", function () {
    const w = walk(ipv6Packet({ proto: 58, upper: ECHO }), false, 6);
    assert.equal(w.verdict, WALK_UPPER);
    assert.equal(w.proto, 58);
    assert.equal(w.off, 14 + 40);
    assert.equal(w.len, ECHO.length);
    assert.equal(w.pointer, 6, "the header's next-header field");
  });

  it("drops a short packet, another version, a payload length past the frame, and a jumbogram's 0", function () {
    const p = ipv6Packet({ proto: 58, upper: ECHO });
    assert.equal(walk(p.subarray(0, 39)).verdict, WALK_DROP);
    const v4 = Uint8Array.from(p);
    v4[0] = 0x45;
    assert.equal(walk(v4).verdict, WALK_DROP);
    const long = Uint8Array.from(p);
    long[5] += 1;
    assert.equal(walk(long).verdict, WALK_DROP);
    const jumbo = Uint8Array.from(p);
    jumbo[4] = 0;
    jumbo[5] = 0;
    assert.equal(walk(jumbo).verdict, WALK_DROP);
  });

  it("walks hop-by-hop, destination options and a routing header with no segments left", function () {
    const exts: Ext[] = [{ type: 0, options: [5, 2, 0, 0] }, { type: 60 }, { type: 43, segmentsLeft: 0 }, { type: 60 }];
    const w = walk(ipv6Packet({ proto: 17, upper: [0, 7, 0, 7, 0, 8, 0, 0], exts }));
    assert.equal(w.verdict, WALK_UPPER);
    assert.equal(w.proto, 17);
    assert.equal(w.off, 14 + 40 + 32);
    assert.equal(w.pointer, 40 + 24, "the last header's next-header field");
  });

  it("a hop-by-hop header anywhere but first: Parameter Problem code 1 at the field that names it", function () {
    const w = walk(ipv6Packet({ proto: 58, upper: ECHO, exts: [{ type: 60 }, { type: 0 }] }));
    assert.equal(w.verdict, WALK_PARAMPROB);
    assert.equal(w.code, 1);
    assert.equal(w.pointer, 40);
  });

  it("a routing header with segments left: Parameter Problem code 0 at its routing type", function () {
    const w = walk(ipv6Packet({ proto: 58, upper: ECHO, exts: [{ type: 43, segmentsLeft: 2 }] }));
    assert.deepEqual([w.verdict, w.code, w.pointer], [WALK_PARAMPROB, 0, 42]);
  });

  it("unknown options by their two high bits: skip, discard, Parameter Problem code 2 (for 11 only to unicast)", function () {
    const opt = (type: number): Ip6Walk[] =>
      [false, true].map((m) =>
        walk(ipv6Packet({ proto: 58, upper: ECHO, exts: [{ type: 60, options: [type, 1, 0] }] }), m),
      );
    assert.deepEqual(
      opt(0x1e).map((w) => w.verdict),
      [WALK_UPPER, WALK_UPPER],
    );
    assert.deepEqual(
      opt(0x5e).map((w) => w.verdict),
      [WALK_DROP, WALK_DROP],
    );
    assert.deepEqual(
      opt(0x9e).map((w) => [w.verdict, w.code, w.pointer]),
      [
        [WALK_PARAMPROB, 2, 42],
        [WALK_PARAMPROB, 2, 42],
      ],
    );
    assert.deepEqual(
      opt(0xde).map((w) => w.verdict),
      [WALK_PARAMPROB, WALK_DROP],
    );
  });

  it("an option running past its header, a header past the payload: dropped", function () {
    const p = ipv6Packet({ proto: 58, upper: ECHO, exts: [{ type: 60, options: [0x1e, 1, 0] }] });
    const bad = Uint8Array.from(p);
    bad[43] = 9; // the option's length
    assert.equal(walk(bad).verdict, WALK_DROP);
    const over = Uint8Array.from(p);
    over[41] = 9; // the header's length
    assert.equal(walk(over).verdict, WALK_DROP);
  });

  it("a fragment is a fragment (not reassembled); no next header is nothing", function () {
    assert.equal(walk(ipv6Packet({ proto: 58, upper: ECHO, exts: [{ type: 44 }] })).verdict, WALK_FRAGMENT);
    assert.equal(walk(ipv6Packet({ proto: 59, upper: [], exts: [{ type: 60 }] })).verdict, WALK_DROP);
  });

  it("the ICMPv6 checksum covers the pseudo-header", function () {
    const f = inFrame(ipv6Packet({ proto: 58, upper: ECHO }));
    const b = f as unknown as Bytes;
    assert.equal(upperChecksum(b, 14, 58, 54, ECHO.length), 0);
    f[14 + 8 + 15] ^= 1; // the source address
    assert.notEqual(upperChecksum(b, 14, 58, 54, ECHO.length), 0);
  });

  it("any chain of extension headers with skippable options leads to the upper layer, at the right place", function () {
    const ext = fc.oneof(
      fc.record({ type: fc.constant(60), options: fc.array(fc.integer({ min: 2, max: 0x3f }), { maxLength: 20 }) }),
      fc.record({ type: fc.constant(43), segmentsLeft: fc.constant(0) }),
    );
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(ext, { maxLength: 6 }),
        fc.uint8Array({ minLength: 8, maxLength: 200 }),
        (hbh, exts, body) => {
          // Options as TLVs of action 00: type, length, value.
          const chain: Ext[] = (hbh ? [{ type: 0 } as Ext] : []).concat(
            exts.map((e) => (e.type === 60 ? { type: 60, options: e.options.length > 0 ? [e.options[0], 0] : [] } : e)),
          );
          const p = ipv6Packet({ proto: 17, upper: Array.from(body), exts: chain });
          const w = walk(p);
          assert.equal(w.verdict, WALK_UPPER);
          assert.equal(w.proto, 17);
          assert.equal(w.len, body.length);
          assert.equal(w.off + w.len, 14 + p.length);
        },
      ),
    );
  });
});

describe("Neighbor Discovery's checks and options (RFC 4861)", function () {
  it("a solicitation with its source's link-layer address; an advertisement with the target's", function () {
    const ns = nd(
      ipv6Packet({ hopLimit: 255, dst: SNM_B, proto: 58, upper: ndNeighbor(135, LL_B, 0, [ndOption(1, MAC)]) }),
    );
    assert.equal(ns.type, 135);
    assert.equal(ns.o.slla, 14 + 40 + 24);
    const na = nd(ipv6Packet({ hopLimit: 255, proto: 58, upper: ndNeighbor(136, LL_B, 0x60, [ndOption(2, MAC)]) }));
    assert.equal(na.type, 136);
    assert.equal(na.o.tlla, 14 + 40 + 24);
  });

  it("refuses a hop limit below 255, a code, a multicast target, a short message", function () {
    assert.equal(nd(ipv6Packet({ hopLimit: 254, proto: 58, upper: ndNeighbor(135, LL_B, 0) })).type, -1);
    const coded = ndNeighbor(135, LL_B, 0);
    coded[1] = 1;
    assert.equal(nd(ipv6Packet({ hopLimit: 255, proto: 58, upper: coded })).type, -1);
    assert.equal(nd(ipv6Packet({ hopLimit: 255, proto: 58, upper: ndNeighbor(135, ALL_NODES, 0) })).type, -1);
    assert.equal(nd(ipv6Packet({ hopLimit: 255, proto: 58, upper: ndNeighbor(135, LL_B, 0).slice(0, 20) })).type, -1);
  });

  it("duplicate address detection's solicitation: from :: only to the solicited-node group and without a source address", function () {
    const dad = (dst: string, opts: number[][]): number =>
      nd(ipv6Packet({ hopLimit: 255, src: UNSPEC, dst, proto: 58, upper: ndNeighbor(135, LL_B, 0, opts) })).type;
    assert.equal(dad(SNM_B, []), 135);
    assert.equal(dad(LL_B, []), -1);
    assert.equal(dad(SNM_B, [ndOption(1, MAC)]), -1);
  });

  it("a solicited advertisement to a group is refused", function () {
    const na = (dst: string, flags: number): number =>
      nd(ipv6Packet({ hopLimit: 255, dst, proto: 58, upper: ndNeighbor(136, LL_A, flags) })).type;
    assert.equal(na(ALL_NODES, 0x20), 136, "unsolicited, override");
    assert.equal(na(ALL_NODES, 0x60), -1);
    assert.equal(na(LL_B, 0x60), 136);
  });

  it("a router advertisement: only from a link-local source; its prefixes, MTU and DNS servers", function () {
    // Reserved (2), lifetime 3600 s (4), one server.
    const rdnss = ndOption(25, [0, 0, 0, 0, 0x0e, 0x10, ...Array.from(Buffer.from(GLOBAL_A, "hex"))]);
    const upper = ndRouterAdvert({
      options: [
        ndOption(1, MAC),
        ndOption(5, [0, 0, 0, 0, 0x05, 0xdc]),
        prefixInfo("20010db8000000000000000000000000", 64, 7200, 3600),
        rdnss,
      ],
    });
    const ra = nd(ipv6Packet({ hopLimit: 255, dst: ALL_NODES, proto: 58, upper }));
    assert.equal(ra.type, 134);
    assert.equal(ra.o.slla, 14 + 40 + 16);
    assert.equal(ra.o.mtu, 14 + 40 + 24);
    assert.equal(ra.o.prefixes, 1);
    assert.equal(ra.o.prefix[0], 14 + 40 + 32);
    assert.equal(ra.o.rdnsses, 1);
    assert.equal(ra.o.rdnss[0], 14 + 40 + 64);
    assert.equal(nd(ipv6Packet({ hopLimit: 255, src: GLOBAL_A, dst: ALL_NODES, proto: 58, upper })).type, -1);
  });

  it("an option of length 0 or past the end discards the message; odd and surplus options are ignored, counted", function () {
    const zero = ndRouterAdvert({ options: [[1, 0, 2, 0, 0, 0, 0, 9]] });
    assert.equal(nd(ipv6Packet({ hopLimit: 255, proto: 58, upper: zero })).type, -1);
    const past = ndRouterAdvert({ options: [[1, 2, 2, 0, 0, 0, 0, 9]] });
    assert.equal(nd(ipv6Packet({ hopLimit: 255, proto: 58, upper: past })).type, -1);
    const many = ndRouterAdvert({
      options: [
        ...Array.from({ length: ND_MAX_PREFIXES + 2 }, () =>
          prefixInfo("20010db8000000000000000000000000", 64, 60, 30),
        ),
        ndOption(25, [0, 0, 0, 0, 0, 60]), // RDNSS without an address: too short
        ndOption(99, [1, 2, 3]),
      ],
    });
    const r = nd(ipv6Packet({ hopLimit: 255, proto: 58, upper: many }));
    assert.equal(r.type, 134);
    assert.equal(r.o.prefixes, ND_MAX_PREFIXES);
    assert.equal(r.o.rdnsses, 0);
    assert.equal(r.o.ignored, 4);
  });

  it("options are within the message, whatever the bytes", function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(133, 134, 135, 136, 137), (body, type) => {
        const upper = [type, 0, 0, 0, ...Array.from(body)];
        const r = nd(ipv6Packet({ hopLimit: 255, dst: ALL_NODES, proto: 58, upper }));
        const end = r.f.length;
        if (r.type < 0) return;
        for (const at of [r.o.slla, r.o.tlla, r.o.mtu]) assert.ok(at < 0 || at + 8 <= end);
        for (let i = 0; i < r.o.prefixes; i++) assert.ok(r.o.prefix[i] + 32 <= end);
        for (let i = 0; i < r.o.rdnsses; i++) assert.ok(r.o.rdnss[i] + r.f[r.o.rdnss[i] + 1] * 8 <= end);
      }),
    );
  });
});

describe("test/vectors/ipv6.json", function () {
  it("is what the parsers and identifiers give today (npm run vectors)", function () {
    const v = JSON.parse(fs.readFileSync(path.join(ROOT, "test", "vectors", "ipv6.json"), "utf8")) as {
      packets: unknown;
      iids: unknown;
      slaac: unknown;
    };
    assert.deepEqual(v.packets, ipv6Cases());
    assert.deepEqual(v.iids, iidCases());
    assert.deepEqual(v.slaac, slaacCases());
  });
});
