// The IPv6 neighbour cache (src/net/nd6-cache.ts) on the simulated clock:
// resolution and its failure, RFC 4861 7.2.5's rules for advertisements,
// 7.2.3's for solicitations, the NUD states' timers, the table's limit.
import { strict as assert } from "node:assert";
import { SimClock } from "../../hal/sim/clock";
import { SimRandom } from "../../hal/sim/random";
import type { Bytes } from "../../hal/types";
import {
  defaultNd6Params,
  ND6_DELAY,
  ND6_EV_CHANGE,
  ND6_EV_DELETE,
  ND6_EV_NEW,
  ND6_INCOMPLETE,
  ND6_PROBE,
  ND6_REACHABLE,
  ND6_STALE,
  Nd6Cache,
} from "../../src/net/nd6-cache";

const b = (h: string): Bytes => Uint8Array.from(Buffer.from(h, "hex")) as unknown as Bytes;
const hex = (x: Bytes): string => Buffer.from(x as unknown as Uint8Array).toString("hex");
const A = "fe800000000000000000000000000002";
const B = "fe800000000000000000000000000003";
const MAC1 = "020000000001";
const MAC2 = "020000000002";

function rig(capacity = 4) {
  const clock = new SimClock();
  const log: string[] = [];
  const cache = new Nd6Cache(
    capacity,
    clock,
    new SimRandom(1),
    {
      solicit: (t, ll) => log.push(`NS ${hex(t).slice(-4)} ${ll === undefined ? "multicast" : hex(ll)}`),
      send: (p, ll) => log.push(`send ${hex(p)} to ${hex(ll)}`),
      unreachable: (p) => log.push(`unreachable ${hex(p)}`),
      event: (k, e) => log.push(`ev ${k} ${hex(e.addr).slice(-4)} ${e.state}`),
    },
    defaultNd6Params(),
  );
  const state = (a: string): number | undefined => cache.lookup(b(a), 0)?.state;
  return { clock, log, cache, state };
}

describe("IPv6 neighbour cache (RFC 4861 7.2, 7.3)", function () {
  it("resolves: INCOMPLETE with the packet held, three multicast solicitations a second apart, then the answer", function () {
    const r = rig();
    assert.equal(r.cache.resolve(b(A), 0, b("aa")), undefined);
    assert.equal(r.state(A), ND6_INCOMPLETE);
    assert.equal(r.cache.resolve(b(A), 0, b("bb")), undefined, "a newer packet replaces the held one");
    r.clock.advance(1000);
    r.clock.advance(1000);
    assert.deepEqual(
      r.log.filter((l) => l.startsWith("NS")),
      ["NS 0002 multicast", "NS 0002 multicast", "NS 0002 multicast"],
    );
    r.cache.advertised(b(A), 0, b(MAC1), 0, false, true, true);
    assert.equal(r.state(A), ND6_REACHABLE);
    assert.ok(r.log.includes(`send bb to ${MAC1}`));
    assert.equal(hex(r.cache.resolve(b(A), 0, undefined)!), MAC1);
  });

  it("gives up after the third solicitation's timeout: the entry goes and the held packet's sender hears of it", function () {
    const r = rig();
    r.cache.resolve(b(A), 0, b("aa"));
    r.clock.advance(2999);
    assert.equal(r.state(A), ND6_INCOMPLETE);
    r.clock.advance(1);
    assert.equal(r.state(A), undefined);
    assert.deepEqual(r.log.slice(-2), [`ev ${ND6_EV_DELETE} 0002 0`, "unreachable aa"]);
  });

  it("REACHABLE for ReachableTime (0.5 to 1.5 times 30 s), then STALE; a use starts DELAY, 5 s later PROBE, then gone", function () {
    const r = rig();
    r.cache.resolve(b(A), 0, undefined);
    r.cache.advertised(b(A), 0, b(MAC1), 0, false, true, false);
    r.clock.advance(14999);
    assert.equal(r.state(A), ND6_REACHABLE);
    r.clock.advance(30001);
    assert.equal(r.state(A), ND6_STALE);
    assert.equal(hex(r.cache.resolve(b(A), 0, undefined)!), MAC1, "STALE is still used");
    assert.equal(r.state(A), ND6_DELAY);
    r.clock.advance(5000);
    assert.equal(r.state(A), ND6_PROBE);
    r.clock.advance(2000);
    assert.deepEqual(
      r.log.filter((l) => l.startsWith("NS")).slice(-3),
      Array(3).fill(`NS 0002 ${MAC1}`),
      "unicast probes",
    );
    r.clock.advance(1000);
    assert.equal(r.state(A), undefined, "no answer to three probes");
  });

  it("an upper layer's confirmation in DELAY or PROBE makes it REACHABLE", function () {
    const r = rig();
    r.cache.heardFrom(b(A), 0, b(MAC1), 0, false);
    r.cache.resolve(b(A), 0, undefined);
    r.clock.advance(5000);
    assert.equal(r.state(A), ND6_PROBE);
    r.cache.confirm(b(A), 0);
    assert.equal(r.state(A), ND6_REACHABLE);
  });

  it("7.2.5: without override, another address only makes REACHABLE doubtful; with it, the address changes", function () {
    const r = rig();
    r.cache.resolve(b(A), 0, undefined);
    r.cache.advertised(b(A), 0, b(MAC1), 0, false, true, false);
    r.cache.advertised(b(A), 0, b(MAC2), 0, false, false, false);
    assert.equal(r.state(A), ND6_STALE);
    assert.equal(hex(r.cache.lookup(b(A), 0)!.lladdr), MAC1, "kept");
    r.cache.advertised(b(A), 0, b(MAC2), 0, false, false, false);
    assert.equal(hex(r.cache.lookup(b(A), 0)!.lladdr), MAC1, "STALE stays as it was");
    r.cache.advertised(b(A), 0, b(MAC2), 0, true, false, true);
    assert.equal(hex(r.cache.lookup(b(A), 0)!.lladdr), MAC2);
    assert.equal(r.state(A), ND6_STALE, "unsolicited: STALE");
    assert.equal(r.cache.lookup(b(A), 0)!.isRouter, true);
    r.cache.advertised(b(A), 0, undefined, 0, false, true, false);
    assert.equal(r.state(A), ND6_REACHABLE, "solicited, no address: confirmed");
    assert.equal(r.cache.lookup(b(A), 0)!.isRouter, false);
  });

  it("an advertisement for an address we never asked about is ignored; one without the address leaves INCOMPLETE", function () {
    const r = rig();
    r.cache.advertised(b(B), 0, b(MAC1), 0, false, false, true);
    assert.equal(r.cache.count(), 0);
    r.cache.resolve(b(A), 0, b("aa"));
    r.cache.advertised(b(A), 0, undefined, 0, false, true, true);
    assert.equal(r.state(A), ND6_INCOMPLETE);
  });

  it("7.2.3: a solicitation's source address makes a STALE entry, updates a changed one, completes an INCOMPLETE one", function () {
    const r = rig();
    r.cache.heardFrom(b(A), 0, b(MAC1), 0, false);
    assert.equal(r.state(A), ND6_STALE);
    r.cache.resolve(b(B), 0, b("cc"));
    r.cache.heardFrom(b(B), 0, b(MAC2), 0, true);
    assert.equal(r.state(B), ND6_STALE);
    assert.ok(r.log.includes(`send cc to ${MAC2}`));
    assert.equal(r.cache.lookup(b(B), 0)!.isRouter, true, "a router advertisement says so");
    r.cache.advertised(b(A), 0, b(MAC1), 0, false, true, false);
    r.cache.heardFrom(b(A), 0, b(MAC1), 0, false);
    assert.equal(r.state(A), ND6_REACHABLE, "the same address changes nothing");
  });

  it("a full table gives up its least recently used STALE entry; with none STALE, new neighbours wait (counted)", function () {
    const r = rig(2);
    r.cache.heardFrom(b(A), 0, b(MAC1), 0, false);
    r.clock.advance(10);
    r.cache.heardFrom(b(B), 0, b(MAC2), 0, false);
    const C = "fe800000000000000000000000000004";
    r.cache.resolve(b(C), 0, undefined);
    assert.equal(r.state(A), undefined, "the oldest STALE one went");
    assert.equal(r.cache.count(), 2);
    r.cache.advertised(b(B), 0, b(MAC2), 0, false, true, false);
    const D = "fe800000000000000000000000000005";
    assert.equal(r.cache.resolve(b(D), 0, b("dd")), undefined);
    assert.equal(r.state(D), undefined);
    assert.equal(r.cache.full, 1);
  });

  it("says what happens: new, changes, deletion", function () {
    const r = rig();
    r.cache.resolve(b(A), 0, undefined);
    r.cache.advertised(b(A), 0, b(MAC1), 0, false, true, false);
    r.cache.remove(b(A), 0);
    assert.deepEqual(
      r.log.filter((l) => l.startsWith("ev")),
      [`ev ${ND6_EV_NEW} 0002 0`, `ev ${ND6_EV_CHANGE} 0002 1`, `ev ${ND6_EV_DELETE} 0002 1`],
    );
  });
});
