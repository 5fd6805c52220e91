import { strict as assert } from "node:assert";
import { LLS_INCOMPLETE, LLS_REACHABLE, LLS_STALE } from "../../src/net/lltable";
import { formatMac } from "../../src/net/addr";
import { LLE_STATIC } from "../../src/net/lltable";
import { Net, ip, macOf, sendUdp } from "./helpers";

describe("stack: two hosts on a segment", function () {
  it("resolves with ARP, holds the first datagram and delivers it once resolved", function () {
    const net = new Net();
    const a = net.node(1, "192.0.2.1/24");
    const b = net.node(2, "192.0.2.2/24");
    const got: number[] = [];
    assert.equal(
      b.stack.udp.bind(7, (d) => got.push(d.n), undefined),
      0,
    );
    assert.equal(sendUdp(a, "192.0.2.2", 7, 33), 0);
    const lt = a.eth.lltable!;
    const s = lt.lookup(ip("192.0.2.2"));
    assert.equal(lt.stateAt(s), LLS_INCOMPLETE);
    assert.ok(lt.hasHeld(s));
    net.clock.advance(10);
    assert.deepEqual(got, [33]);
    assert.equal(lt.stateAt(lt.lookup(ip("192.0.2.2"))), LLS_REACHABLE);
    // b learned a from the request (it was the target): STALE, as Linux does.
    const bt = b.eth.lltable!;
    assert.equal(bt.stateAt(bt.lookup(ip("192.0.2.1"))), LLS_STALE);
    // One announcement when the address was added, one request.
    assert.equal(a.stack.stats.arpRequestsSent, 2);
    assert.equal(
      b.eth.counters.rxPackets,
      b.eth.counters.rxDelivered + b.eth.counters.rxDropped + b.eth.counters.rxErrors + b.eth.counters.rxNoHandler,
    );
  });

  it("a new MAC: the neighbours are flushed, our own entry takes it, and the neighbours hear it announced", function () {
    const net = new Net();
    const a = net.node(1, "192.0.2.1/24");
    const b = net.node(2, "192.0.2.2/24");
    assert.equal(sendUdp(a, "192.0.2.2", 7, 10), 0);
    net.clock.advance(10);
    const lt = a.eth.lltable!;
    lt.addStatic(ip("192.0.2.77"), macOf(0x77), 0, LLE_STATIC);
    const events: string[] = [];
    a.stack.events.add({ link: (_k, ifp) => events.push(ifp.name) });
    a.stack.setHwaddr(a.eth, macOf(0x42), 0);
    assert.equal(formatMac(a.eth.hwaddr, 0), "02:00:00:00:00:42");
    assert.deepEqual(events, ["eth0"], "the link change is announced");
    assert.equal(lt.lookup(ip("192.0.2.2")), -1, "a learned neighbour goes");
    assert.equal(lt.lookup(ip("192.0.2.77")), -1, "a permanent one too, as Linux");
    const own = lt.lookup(ip("192.0.2.1"));
    assert.equal(formatMac(lt.store, lt.macOff(own)), "02:00:00:00:00:42", "our own entry has the new MAC");
    net.clock.advance(10);
    const bt = b.eth.lltable!;
    assert.equal(formatMac(bt.store, bt.macOff(bt.lookup(ip("192.0.2.1")))), "02:00:00:00:00:42", "b heard it");
  });
});
