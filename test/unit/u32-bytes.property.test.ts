// Property tests of the JS bytes and u32 modules against independent models:
// BigInt arithmetic and Node's Buffer. (The Lua modules meet the same
// properties through the conformance vectors on the real interpreters.)
import { strict as assert } from "node:assert";
import fc from "fast-check";
import * as B from "../../hal/js/bytes";
import * as U from "../../hal/js/u32";
import type { Bytes } from "../../hal/types";
import { checksum } from "../../src/net/cksum";
import { formatIPv4, parseIPv4 } from "../../src/net/addr";
import { fromHex, hexOf } from "../../src/util/hex";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const M = (1n << 32n) - 1n;
const big = (x: number) => BigInt(x);
const asBuf = (b: Bytes) => Buffer.from(b as unknown as Uint8Array);

describe("u32 (JS) against BigInt", function () {
  it("and/or/xor/not/add/sub/mul wrap at 2^32", function () {
    fc.assert(
      fc.property(u32, u32, (a, b) => {
        assert.equal(U.band(a, b), Number(big(a) & big(b)));
        assert.equal(U.bor(a, b), Number(big(a) | big(b)));
        assert.equal(U.bxor(a, b), Number(big(a) ^ big(b)));
        assert.equal(U.bnot(a), Number(~big(a) & M));
        assert.equal(U.add(a, b), Number((big(a) + big(b)) & M));
        assert.equal(U.sub(a, b), Number((big(a) - big(b)) & M));
        assert.equal(U.mul(a, b), Number((big(a) * big(b)) & M));
      }),
      { numRuns: 2000 },
    );
  });
  it("shifts: counts 0..31 shift, anything else gives 0", function () {
    fc.assert(
      fc.property(u32, fc.integer({ min: -4, max: 40 }), (a, n) => {
        const inRange = n >= 0 && n <= 31;
        assert.equal(U.shl(a, n), inRange ? Number((big(a) << big(n)) & M) : 0);
        assert.equal(U.shr(a, n), inRange ? Number(big(a) >> big(n)) : 0);
      }),
    );
  });
  it("every result is an unsigned integer", function () {
    fc.assert(
      fc.property(fc.integer(), (a) => Number.isInteger(U.norm(a)) && U.norm(a) >= 0 && U.norm(a) <= 0xffffffff),
    );
  });
});

describe("bytes (JS) against Buffer", function () {
  it("big-endian u16/u32 round trip at any offset", function () {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), u32, (off, v) => {
        const b = B.alloc(16);
        B.set32(b, off, v);
        assert.equal(asBuf(b).readUInt32BE(off), v);
        assert.equal(B.get32(b, off), v);
        B.set16(b, off + 1, v & 0xffff);
        assert.equal(B.get16(b, off + 1), asBuf(b).readUInt16BE(off + 1));
      }),
    );
  });
  it("copy is memmove, within one buffer and through views", function () {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.nat(), fc.nat(), (data, x, y, z) => {
        const n = data.length;
        const src = x % n;
        const dst = y % n;
        const k = z % (n - Math.max(src, dst) + 1);
        const ours = B.alloc(n);
        for (let i = 0; i < n; i++) B.set8(ours, i, data[i]);
        B.copy(ours, dst, ours, src, k);
        const ref = Buffer.from(data);
        ref.copyWithin(dst, src, src + k);
        assert.equal(hexOf(ours), ref.toString("hex"));
      }),
    );
  });
  it("compare orders like Buffer.compare", function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        const n = Math.min(a.length, b.length);
        const ours = Math.sign(B.compare(a as unknown as Bytes, 0, b as unknown as Bytes, 0, n));
        assert.equal(ours, Buffer.compare(Buffer.from(a.subarray(0, n)), Buffer.from(b.subarray(0, n))));
      }),
    );
  });
});

describe("parsers are total", function () {
  it("parseIPv4 never throws and round-trips what it accepts", function () {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        const v = parseIPv4(s);
        if (v !== -1) assert.equal(formatIPv4(v), s);
      }),
    );
    fc.assert(fc.property(u32, (a) => parseIPv4(formatIPv4(a)) === a));
  });
  it("fromHex rejects odd lengths and non-hex, and round-trips", function () {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        const b = fromHex(s);
        if (b !== undefined) assert.equal(hexOf(b), s.toLowerCase());
      }),
    );
  });
  it("checksum of data with its checksum appended is 0", function () {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (data) => {
        const even = data.length % 2 === 0 ? data : Uint8Array.from([...data, 0]);
        const b = B.alloc(even.length + 2);
        for (let i = 0; i < even.length; i++) B.set8(b, i, even[i]);
        B.set16(b, even.length, checksum(b, 0, even.length));
        const c = checksum(b, 0, even.length + 2);
        assert.ok(c === 0 || c === 0xffff, `got ${c}`);
      }),
    );
  });
});
