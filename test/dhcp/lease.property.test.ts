// The stored lease record: what encodeLease writes, decodeLease reads back
// field for field; anything else (cut short, grown, damaged) is refused or
// read without throwing.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { alloc, get8, len, set8 } from "../../hal/js/bytes";
import { decodeLease, DhcpLease, EPOCH_UNKNOWN, encodeLease } from "../../src/dhcp/lease";
import { maskOf } from "../../src/net/route";

const u32 = fc.nat({ max: 0xffffffff });
const leaseArb = fc.record({
  addr: u32,
  plen: fc.integer({ min: 0, max: 32 }),
  server: u32,
  leaseSecs: u32,
  routers: fc.array(u32, { maxLength: 6 }),
  dns: fc.array(u32, { maxLength: 6 }),
  domain: fc.stringMatching(/^[ -~]{0,64}$/),
});

type LeaseValue = typeof leaseArb extends fc.Arbitrary<infer T> ? T : never;

function leaseOf(v: LeaseValue): DhcpLease {
  const l = new DhcpLease();
  l.addr = v.addr;
  l.mask = maskOf(v.plen);
  l.server = v.server;
  l.leaseSecs = v.leaseSecs;
  l.routers = [...v.routers];
  l.dns = [...v.dns];
  l.domain = v.domain;
  return l;
}

describe("stored lease record", function () {
  it("decodeLease(encodeLease(l)) gives l back, with the epoch it was granted", function () {
    fc.assert(
      fc.property(leaseArb, fc.oneof(fc.constant(-1), fc.nat({ max: 0xfffffffe })), (v, epoch) => {
        const l = leaseOf(v);
        const back = new DhcpLease();
        back.routers.push(99);
        const granted = decodeLease(encodeLease(l, epoch), back);
        assert.equal(granted, epoch >= 0 ? epoch : EPOCH_UNKNOWN);
        assert.equal(back.addr, l.addr);
        assert.equal(back.mask, l.mask);
        assert.equal(back.server, l.server);
        assert.equal(back.leaseSecs, l.leaseSecs);
        assert.deepEqual(back.routers, l.routers);
        assert.deepEqual(back.dns, l.dns);
        assert.equal(back.domain, l.domain);
      }),
      { numRuns: 2000 },
    );
  });

  it("a record cut short, grown, or with a damaged length byte is refused; none throws", function () {
    fc.assert(
      fc.property(leaseArb, fc.nat(), fc.nat({ max: 255 }), (v, at, byte) => {
        const b = encodeLease(leaseOf(v), 5);
        const n = len(b);
        const cut = alloc(at % n);
        for (let i = 0; i < len(cut); i++) set8(cut, i, get8(b, i));
        assert.equal(decodeLease(cut, new DhcpLease()), -1);
        const grown = alloc(n + 1);
        for (let i = 0; i < n; i++) set8(grown, i, get8(b, i));
        assert.equal(decodeLease(grown, new DhcpLease()), -1);
        // Any one byte changed: refused, or read whole (a changed address still decodes).
        const bad = alloc(n);
        for (let i = 0; i < n; i++) set8(bad, i, get8(b, i));
        set8(bad, at % n, byte);
        const l = new DhcpLease();
        const r = decodeLease(bad, l);
        assert.ok(r === -1 || (r >= 0 && l.routers.length <= 255 && l.dns.length <= 255));
      }),
      { numRuns: 2000 },
    );
  });
});
