// Every lltable state transition, on the sim clock, with a recording host.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { alloc, get8, len, set8 } from "../../hal/js/bytes";
import { SimClock } from "../../hal/sim/clock";
import type { Bytes } from "../../hal/types";
import {
  defaultLltableParams,
  HELD,
  LLE_BYTES,
  LLE_EVENT_RESOLVED,
  LLE_IFADDR,
  LLE_PUB,
  LLE_ROUTER,
  LLE_STATIC,
  LLS_DELAY,
  LLS_INCOMPLETE,
  LLS_PROBE,
  LLS_REACHABLE,
  LLS_STALE,
  Lltable,
  type LltableHost,
  MERGE_CREATED,
  MERGE_NONE,
  MERGE_STATIC_REFUSED,
  MERGE_UPDATED,
  RESOLVED,
} from "../../src/net/lltable";
import { EHOSTUNREACH, ENOSPC } from "../../src/net/errno";
import { ip, macOf } from "./helpers";

class Host implements LltableHost {
  solicits: { ip: number; at: number; unicast: boolean }[] = [];
  sent: Bytes[] = [];
  events: string[] = [];
  table: Lltable | undefined;
  onLinkOk = (_ip: number) => true;
  constructor(readonly clock: SimClock) {}
  solicit(a: number, to: Bytes | undefined): void {
    this.solicits.push({ ip: a, at: this.clock.now(), unicast: to !== undefined });
  }
  transmit(f: Bytes): void {
    this.sent.push(f);
  }
  onLink(a: number): boolean {
    return this.onLinkOk(a);
  }
  event(kind: number, slot: number): void {
    const t = this.table!;
    this.events.push(`${kind === LLE_EVENT_RESOLVED ? "resolved" : "deleted"} ${t.ipAt(slot)} ${t.stateAt(slot)}`);
  }
}

function setup(capacity = 8) {
  const clock = new SimClock();
  const host = new Host(clock);
  const t = new Lltable(defaultLltableParams(capacity), clock, host);
  host.table = t;
  return { clock, host, t };
}

const A = ip("192.0.2.2");
const B = ip("192.0.2.3");
const MAC_A = macOf(0xa);
const MAC_B = macOf(0xb);

function frame(tag: number): Bytes {
  const f = alloc(60);
  set8(f, 59, tag);
  return f;
}

describe("lltable", function () {
  it("stores 16 bytes per entry in one buffer", function () {
    const { t } = setup(64);
    assert.equal(LLE_BYTES, 16);
    assert.equal(len(t.store), 64 * 16);
  });

  it("creates entries only for on-link destinations", function () {
    const { t, host } = setup();
    host.onLinkOk = () => false;
    assert.equal(t.resolve(A, frame(1), false), -EHOSTUNREACH);
    assert.equal(t.count(), 0);
    assert.equal(host.solicits.length, 0);
  });

  it("INCOMPLETE: one request per second, gives up after 3 and drops the held frame", function () {
    const { t, host, clock } = setup();
    assert.equal(t.resolve(A, frame(1), false), HELD);
    const s = t.lookup(A);
    assert.equal(t.stateAt(s), LLS_INCOMPLETE);
    assert.equal(t.probesAt(s), 1);
    // More frames while unresolved: still one request, the newest frame held.
    for (let i = 0; i < 10; i++) assert.equal(t.resolve(A, frame(2 + i), false), HELD);
    assert.equal(host.solicits.length, 1);
    assert.equal(t.stats.heldDropped, 10);
    clock.advance(10000);
    assert.equal(host.solicits.length, 3);
    for (let i = 1; i < host.solicits.length; i++)
      assert.ok(host.solicits[i].at - host.solicits[i - 1].at >= 1000, "more than one request per second");
    assert.ok(host.solicits.every((x) => !x.unicast));
    assert.equal(t.lookup(A), -1);
    assert.equal(t.stats.failed, 1);
    assert.equal(t.stats.heldDropped, 11);
    assert.deepEqual(host.events, [`deleted ${A} ${LLS_INCOMPLETE}`]);
  });

  it("INCOMPLETE → REACHABLE on the reply; the held frame leaves with the learned address", function () {
    const { t, host } = setup();
    t.resolve(A, frame(7), false);
    assert.equal(t.input(A, MAC_A, 0, true, true), MERGE_UPDATED);
    const s = t.lookup(A);
    assert.equal(t.stateAt(s), LLS_REACHABLE);
    assert.equal(host.sent.length, 1);
    assert.equal(get8(host.sent[0], 59), 7);
    assert.equal(get8(host.sent[0], 5), 0xa);
    assert.equal(t.hasHeld(s), false);
    assert.deepEqual(host.events, [`resolved ${A} ${LLS_REACHABLE}`]);
    const f = frame(8);
    assert.equal(t.resolve(A, f, false), RESOLVED);
    assert.equal(get8(f, 5), 0xa);
  });

  it("REACHABLE → STALE → DELAY (in use) → PROBE (unicast) → REACHABLE", function () {
    const { t, host, clock } = setup();
    t.resolve(A, frame(1), false);
    t.input(A, MAC_A, 0, true, true);
    clock.advance(29000);
    assert.equal(t.stateAt(t.lookup(A)), LLS_REACHABLE);
    clock.advance(2000);
    assert.equal(t.stateAt(t.lookup(A)), LLS_STALE);
    assert.equal(t.resolve(A, frame(2), false), RESOLVED);
    assert.equal(t.stateAt(t.lookup(A)), LLS_DELAY);
    clock.advance(4900);
    assert.equal(t.stateAt(t.lookup(A)), LLS_DELAY);
    clock.advance(300);
    assert.equal(t.stateAt(t.lookup(A)), LLS_PROBE);
    const last = host.solicits[host.solicits.length - 1];
    assert.ok(last.unicast, "PROBE asks the known address directly");
    assert.equal(t.input(A, MAC_A, 0, true, true), MERGE_UPDATED);
    assert.equal(t.stateAt(t.lookup(A)), LLS_REACHABLE);
  });

  it("PROBE unanswered: 3 unicast requests, then deleted", function () {
    const { t, host, clock } = setup();
    t.input(A, MAC_A, 0, false, true);
    t.resolve(A, frame(1), false);
    clock.advance(5200);
    assert.equal(t.stateAt(t.lookup(A)), LLS_PROBE);
    const before = host.solicits.length;
    clock.advance(5000);
    assert.equal(host.solicits.length - before, 2);
    assert.equal(t.lookup(A), -1);
    assert.equal(t.stats.failed, 1);
  });

  it("an unused STALE entry is collected after staleMs", function () {
    const { t, clock } = setup();
    t.input(A, MAC_A, 0, false, true);
    assert.equal(t.stateAt(t.lookup(A)), LLS_STALE);
    clock.advance(599000);
    assert.ok(t.lookup(A) >= 0);
    clock.advance(2000);
    assert.equal(t.lookup(A), -1);
    assert.equal(t.stats.failed, 0);
  });

  it("merges as RFC 826 says: only existing entries unless the packet was for us", function () {
    const { t } = setup();
    assert.equal(t.input(A, MAC_A, 0, false, false), MERGE_NONE);
    assert.equal(t.lookup(A), -1);
    assert.equal(t.input(A, MAC_A, 0, false, true), MERGE_CREATED);
    assert.equal(t.stateAt(t.lookup(A)), LLS_STALE);
    // Same address again: nothing changes. A new address: learned, but only STALE.
    assert.equal(t.input(A, MAC_A, 0, false, false), MERGE_NONE);
    t.input(A, MAC_A, 0, true, true);
    assert.equal(t.stateAt(t.lookup(A)), LLS_REACHABLE);
    assert.equal(t.input(A, MAC_B, 0, false, false), MERGE_UPDATED);
    const s = t.lookup(A);
    assert.equal(t.stateAt(s), LLS_STALE);
    const m = alloc(6);
    t.macInto(s, m, 0);
    assert.equal(get8(m, 5), 0xb);
  });

  it("static entries are never changed by ARP and never time out", function () {
    const { t, clock } = setup();
    assert.ok(t.addStatic(A, MAC_A, 0, LLE_PUB) >= 0);
    const s = t.lookup(A);
    assert.equal(t.flagsAt(s), LLE_STATIC + LLE_PUB);
    assert.equal(t.expiresInMs(s), -1);
    assert.equal(t.input(A, MAC_B, 0, true, true), MERGE_STATIC_REFUSED);
    assert.equal(t.stats.staticRefused, 1);
    clock.advance(86400000);
    assert.equal(t.stateAt(t.lookup(A)), LLS_REACHABLE);
  });

  it("IFADDR entries survive remove() unless asked", function () {
    const { t } = setup();
    t.addStatic(A, MAC_A, 0, LLE_STATIC + LLE_IFADDR);
    assert.equal(t.remove(A, false), false);
    assert.equal(t.remove(A, true), true);
    assert.equal(t.lookup(A), -1);
  });

  it("marks next hops used as gateways ROUTER", function () {
    const { t } = setup();
    t.resolve(A, frame(1), true);
    assert.equal(t.flagsAt(t.lookup(A)), LLE_ROUTER);
  });

  it("when full, evicts the least recently used dynamic entry; all static: ENOSPC", function () {
    const { t, clock } = setup(4);
    for (let i = 0; i < 4; i++) {
      t.input(A + i, MAC_A, 0, true, true);
      clock.advance(1000);
    }
    // Use all but A+1, so A+1 is the least recently used.
    for (const i of [0, 2, 3]) t.resolve(A + i, frame(i), false);
    t.input(A + 10, MAC_B, 0, true, true);
    assert.equal(t.lookup(A + 1), -1);
    assert.ok(t.lookup(A + 10) >= 0);
    assert.equal(t.stats.evicted, 1);
    const s2 = setup(2);
    s2.t.addStatic(A, MAC_A, 0, 0);
    s2.t.addStatic(B, MAC_B, 0, 0);
    assert.equal(s2.t.resolve(ip("192.0.2.9"), frame(1), false), -ENOSPC);
  });

  it("an ARP flood cannot evict an entry holding a packet, a router's, or a pinned one, and evicts at most one entry per second", function () {
    const { t, clock } = setup(8);
    const SERVER = ip("192.0.2.1");
    const ROUTER = ip("192.0.2.254");
    const WAITING = ip("192.0.2.77");
    t.input(SERVER, MAC_A, 0, true, true);
    t.pin(SERVER, true);
    t.input(ROUTER, MAC_B, 0, true, true);
    t.resolve(ROUTER, frame(1), true);
    for (let i = 0; i < 6; i++) t.input(ip(`192.0.2.${100 + i}`), MAC_B, 0, true, true);
    clock.advance(60000);
    // Resolving (it gives up after 3 s unanswered): the packet waits in its entry.
    assert.equal(t.resolve(WAITING, frame(2), false), HELD);
    // 1,000 new hosts a second ask for us, for 10 s; every protected entry stays old.
    const evictedBefore = t.stats.evicted;
    for (let k = 0; k < 10000; k++) {
      t.input(ip(`10.0.${Math.floor(k / 250)}.${k % 250}`), MAC_B, 0, false, true);
      if (k % 100 === 99) clock.advance(100);
      if (k === 2000) assert.ok(t.lookup(WAITING) >= 0 && t.hasHeld(t.lookup(WAITING)), "the entry holding a packet");
    }
    assert.ok(t.lookup(SERVER) >= 0, "the pinned server");
    assert.ok(t.lookup(ROUTER) >= 0, "the router");
    const evicted = t.stats.evicted - evictedBefore;
    assert.ok(evicted >= 5 && evicted <= 11, `${evicted} evictions in 10 s`);
    assert.ok(t.stats.evictRefused > 9000);
    // Unpinned, the server is an ordinary entry again; our own lookups still evict at once.
    t.pin(SERVER, false);
    for (let i = 0; i < 8; i++) t.resolve(ip(`192.0.2.${200 + i}`), frame(i), false);
    assert.equal(t.lookup(SERVER), -1);
  });

  it("prefixFree removes dynamic entries of a prefix, static ones only when asked", function () {
    const { t } = setup();
    t.input(A, MAC_A, 0, true, true);
    t.addStatic(B, MAC_B, 0, 0);
    t.input(ip("198.51.100.1"), MAC_B, 0, true, true);
    assert.equal(t.prefixFree(ip("192.0.2.0"), ip("255.255.255.0"), false), 1);
    assert.ok(t.lookup(B) >= 0);
    assert.equal(t.prefixFree(ip("192.0.2.0"), ip("255.255.255.0"), true), 1);
    assert.equal(t.count(), 1);
  });

  it("open addressing stays consistent under any insert/delete sequence (against a Map)", function () {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 200 }), (ops) => {
        const { t } = setup(16);
        const model = new Set<number>();
        for (const [add, k] of ops) {
          const a = ip("10.0.0.0") + k * 16; // same low bits: many share a home slot
          if (add) {
            if (model.size < 16 || model.has(a)) {
              t.addStatic(a, MAC_A, 0, 0);
              model.add(a);
            }
          } else {
            assert.equal(t.remove(a, true), model.has(a));
            model.delete(a);
          }
          assert.equal(t.count(), model.size);
          for (const m of model) assert.equal(t.ipAt(t.lookup(m)), m);
        }
      }),
    );
  });
});
