// ARP on a simulated segment: replies, proxy entries, conflicts, and the
// RFC 5227 probe API the DHCP client uses.
import { strict as assert } from "node:assert";
import { alloc, get8, set8, set16, set32 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { PROBE_CANCELLED, PROBE_CONFLICT, PROBE_FREE } from "../../src/net/arp";
import { LLE_PUB } from "../../src/net/lltable";
import { ip, macOf, Net, type Node } from "./helpers";

/** Every frame that crosses the segment, as [src MAC tag, ARP op, sender IP, target IP] for ARP frames. */
function tap(net: Net): number[][] {
  const seen: number[][] = [];
  net.segment.filter = (f) => {
    const b = f as unknown as Uint8Array;
    if (b[12] === 0x08 && b[13] === 0x06)
      seen.push([
        b[11],
        b[21],
        ((b[28] << 24) >>> 0) + (b[29] << 16) + (b[30] << 8) + b[31],
        ((b[38] << 24) >>> 0) + (b[39] << 16) + (b[40] << 8) + b[41],
      ]);
    return false;
  };
  return seen;
}

/** An ARP packet from a host that is not a NetStack (MAC tag `tag`). */
function arpFrame(tag: number, op: number, spa: string, tpa: string, dst?: Bytes): Bytes {
  const f = alloc(42);
  for (let i = 0; i < 6; i++) set8(f, i, dst ? get8(dst, i) : 0xff);
  const m = macOf(tag);
  for (let i = 0; i < 6; i++) {
    set8(f, 6 + i, get8(m, i));
    set8(f, 22 + i, get8(m, i));
  }
  set16(f, 12, 0x0806);
  set16(f, 14, 1);
  set16(f, 16, 0x0800);
  set8(f, 18, 6);
  set8(f, 19, 4);
  set16(f, 20, op);
  set32(f, 28, spa === "0.0.0.0" ? 0 : ip(spa));
  set32(f, 38, ip(tpa));
  return f;
}

describe("ARP", function () {
  let net: Net;
  let a: Node;
  let seen: number[][];
  beforeEach(function () {
    net = new Net();
    a = net.node(1, "192.0.2.1/24");
    seen = tap(net);
  });

  it("answers a request for our address, and learns the asker as STALE", function () {
    a.stack.input(a.eth, arpFrame(9, 1, "192.0.2.9", "192.0.2.1"));
    assert.deepEqual(seen, [[1, 2, ip("192.0.2.1"), ip("192.0.2.9")]]);
    assert.ok(a.eth.lltable!.lookup(ip("192.0.2.9")) >= 0);
    assert.equal(a.stack.stats.arpRepliesSent, 1);
  });

  it("does not answer for others, and does not learn from packets not for us", function () {
    a.stack.input(a.eth, arpFrame(9, 1, "192.0.2.9", "192.0.2.7"));
    assert.deepEqual(seen, []);
    assert.equal(a.eth.lltable!.lookup(ip("192.0.2.9")), -1);
  });

  it("answers for published (proxy) entries with the entry's address", function () {
    a.eth.lltable!.addStatic(ip("192.0.2.50"), macOf(0x50), 0, LLE_PUB);
    const sha: number[] = [];
    net.segment.filter = (f) => (sha.push((f as unknown as Uint8Array)[27]), false);
    a.stack.input(a.eth, arpFrame(9, 1, "192.0.2.9", "192.0.2.50"));
    assert.deepEqual(sha, [0x50]);
    assert.equal(a.stack.stats.arpProxyReplies, 1);
  });

  it("answers a probe for our address (sender 0.0.0.0) without learning anything", function () {
    a.stack.input(a.eth, arpFrame(9, 1, "0.0.0.0", "192.0.2.1"));
    assert.deepEqual(seen, [[1, 2, ip("192.0.2.1"), 0]]);
    assert.equal(a.eth.lltable!.lookup(0), -1);
  });

  it("reports another host claiming our address, and never learns it", function () {
    const conflicts: string[] = [];
    a.stack.events.add({
      conflict: (ifp, addr, mac) => conflicts.push(`${ifp.name} ${addr} ${(mac as unknown as Uint8Array)[5]}`),
    });
    a.stack.input(a.eth, arpFrame(9, 1, "192.0.2.1", "192.0.2.1"));
    assert.deepEqual(conflicts, [`eth0 ${ip("192.0.2.1")} 9`]);
    assert.equal(a.stack.stats.arpConflicts, 1);
    const s = a.eth.lltable!.lookup(ip("192.0.2.1"));
    assert.equal(
      (a.eth.lltable!.store as unknown as Uint8Array)[a.eth.lltable!.macOff(s) + 5],
      1,
      "our IFADDR entry kept our MAC",
    );
  });

  it("ignores frames that carry our own MAC as sender (our own, looped back)", function () {
    const f = arpFrame(1, 1, "192.0.2.9", "192.0.2.1");
    const before = a.eth.counters.rxDropped;
    a.stack.input(a.eth, f);
    assert.equal(a.eth.counters.rxDropped, before + 1);
    assert.deepEqual(seen, []);
  });

  it("drops ARP with a group sender address as an error", function () {
    const f = arpFrame(9, 2, "192.0.2.9", "192.0.2.1");
    set8(f, 22, 0x01);
    a.stack.input(a.eth, f);
    assert.equal(a.eth.counters.rxErrors, 1);
  });

  describe("RFC 5227 probes", function () {
    it("a free address: 3 probes (sender 0.0.0.0) 1–2 s apart, then ANNOUNCE_WAIT, then FREE", function () {
      const results: number[] = [];
      const start = net.clock.now();
      assert.ok(a.stack.arp.probe(a.eth, ip("192.0.2.77"), (r) => results.push(r)) >= 0);
      const times: number[] = [];
      net.segment.filter = (f) => {
        const b = f as unknown as Uint8Array;
        if (b[12] === 0x08 && b[13] === 0x06 && b[28] + b[29] + b[30] + b[31] === 0) times.push(net.clock.now());
        return false;
      };
      net.clock.advance(20000);
      assert.deepEqual(results, [PROBE_FREE]);
      assert.equal(times.length, 3);
      assert.ok(times[0] - start <= 1000, "first probe within PROBE_WAIT");
      for (let i = 1; i < 3; i++) assert.ok(times[i] - times[i - 1] >= 1000 && times[i] - times[i - 1] <= 2000);
    });

    it("a conflict: another host answers (or probes) for the address", function () {
      // Host 2 takes the address: its announcements are the conflict the prober sees (MAC ...:02).
      net.node(2, "192.0.2.77/24");
      const results: number[] = [];
      a.stack.arp.probe(a.eth, ip("192.0.2.77"), (r, _ip, mac) =>
        results.push(r, mac ? (mac as unknown as Uint8Array)[5] : -1),
      );
      net.clock.advance(20000);
      assert.deepEqual(results, [PROBE_CONFLICT, 2]);

      const c = net.node(3, "192.0.2.3/24");
      const r2: number[] = [];
      c.stack.arp.probe(c.eth, ip("192.0.2.88"), (r) => r2.push(r));
      c.stack.input(c.eth, arpFrame(9, 1, "0.0.0.0", "192.0.2.88"));
      assert.deepEqual(r2, [PROBE_CONFLICT], "another host probing the same address");
    });

    it("cancel reports CANCELLED once and frees the slot", function () {
      const results: number[] = [];
      const h = a.stack.arp.probe(a.eth, ip("192.0.2.77"), (r) => results.push(r));
      a.stack.arp.cancelProbe(h);
      a.stack.arp.cancelProbe(h);
      net.clock.advance(20000);
      assert.deepEqual(results, [PROBE_CANCELLED]);
      // The slot is free again: the next probe gets it, and runs to its end.
      assert.equal(
        a.stack.arp.probe(a.eth, ip("192.0.2.78"), (r) => results.push(r)),
        h,
      );
      net.clock.advance(20000);
      assert.deepEqual(results, [PROBE_CANCELLED, PROBE_FREE]);
    });
  });
});
