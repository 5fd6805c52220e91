// Interfaces: flags, operstate, MTU limits, counters and events with the
// mask of changed flags; what the stack does on link changes.
import { strict as assert } from "node:assert";
import {
  IF_OPER_DOWN,
  IF_OPER_LOWERLAYERDOWN,
  IF_OPER_UNKNOWN,
  IF_OPER_UP,
  IFEV_ATTACH,
  IFEV_CHANGE,
  IFEV_DETACH,
  IFEV_LINK,
  IFF_BROADCAST,
  IFF_LOOPBACK,
  IFF_LOWER_UP,
  IFF_MULTICAST,
  IFF_PROMISC,
  IFF_RUNNING,
  IFF_UP,
} from "../../src/net/ifnet";
import { ip, macOf, Net } from "./helpers";

describe("interfaces", function () {
  it("lo is index 1, loopback, up, with 127.0.0.1/8", function () {
    const n = new Net().node(1);
    const lo = n.stack.ifs.byIndex(1)!;
    assert.equal(lo.name, "lo");
    assert.ok(lo.has(IFF_LOOPBACK) && lo.has(IFF_UP) && lo.running());
    assert.equal(lo.operstate(), IF_OPER_UNKNOWN);
    assert.ok(n.stack.addrs.findOn(lo, ip("127.0.0.1")));
    assert.equal(n.eth.index, 2);
    assert.equal(n.stack.ifs.byName("eth0"), n.eth);
  });

  it("an Ethernet interface is UP|BROADCAST|MULTICAST, RUNNING and LOWER_UP with carrier", function () {
    const n = new Net().node(1);
    const want = IFF_UP + IFF_BROADCAST + IFF_MULTICAST + IFF_RUNNING + IFF_LOWER_UP;
    assert.equal(n.eth.flags, want);
    assert.equal(n.eth.operstate(), IF_OPER_UP);
  });

  it("events carry the mask of changed flags", function () {
    const net = new Net();
    const n = net.node(1);
    const ev: [number, string, number][] = [];
    n.stack.events.add({ link: (k, ifp, m) => ev.push([k, ifp.name, m]) });
    n.stack.setUp(n.eth, false);
    assert.deepEqual(ev.pop(), [IFEV_CHANGE, "eth0", IFF_UP + IFF_RUNNING]);
    assert.equal(n.eth.operstate(), IF_OPER_DOWN);
    n.stack.setUp(n.eth, false);
    assert.equal(ev.length, 0, "no event when nothing changed");
    n.stack.setUp(n.eth, true);
    assert.deepEqual(ev.pop(), [IFEV_CHANGE, "eth0", IFF_UP + IFF_RUNNING]);
    const changes = n.eth.carrierChanges; // the carrier found at attach counts, as on Linux
    n.mac.setCarrier(false);
    assert.deepEqual(ev.pop(), [IFEV_LINK, "eth0", IFF_LOWER_UP + IFF_RUNNING]);
    assert.equal(n.eth.operstate(), IF_OPER_LOWERLAYERDOWN);
    assert.equal(n.eth.carrierChanges, changes + 1);
    n.mac.setCarrier(true);
    assert.deepEqual(ev.pop(), [IFEV_LINK, "eth0", IFF_LOWER_UP + IFF_RUNNING]);
    assert.equal(n.eth.carrierChanges, changes + 2);
    // Only UP and PROMISC are administrative: asking for LOOPBACK changes nothing.
    assert.equal(n.stack.ifs.setFlags(n.eth, IFF_PROMISC + IFF_LOOPBACK, IFF_PROMISC + IFF_LOOPBACK), IFF_PROMISC);
    assert.ok(!n.eth.has(IFF_LOOPBACK));
    const eth1 = n.stack.attachEthernet("eth1", (o) => net.segment.attach(macOf(9), o, 1500), n.eth.lltable!.params)!;
    assert.deepEqual(ev.pop(), [IFEV_LINK, "eth1", IFF_LOWER_UP + IFF_RUNNING]);
    assert.deepEqual(ev.pop(), [IFEV_ATTACH, "eth1", 0xffffffff]);
    n.stack.detach(eth1);
    assert.deepEqual(ev.pop(), [IFEV_DETACH, "eth1", 0xffffffff]);
    assert.equal(n.stack.ifs.byName("eth1"), undefined);
  });

  it("MTU stays within the driver's limits", function () {
    const n = new Net().node(1);
    assert.equal(n.stack.ifs.setMtu(n.eth, 67), false);
    assert.equal(n.stack.ifs.setMtu(n.eth, 1501), false);
    assert.equal(n.stack.ifs.setMtu(n.eth, 576.5), false);
    assert.equal(n.stack.ifs.setMtu(n.eth, 576), true);
    assert.equal(n.eth.mtu, 576);
    assert.equal(n.mac.mtu(), 576);
  });

  it("link down forgets learned neighbours; link up announces our addresses twice, 2 s apart", function () {
    const net = new Net();
    const n = net.node(1, "192.0.2.1/24");
    const t = n.eth.lltable!;
    t.input(ip("192.0.2.9"), macOf(9), 0, true, true);
    n.mac.setCarrier(false);
    assert.equal(t.lookup(ip("192.0.2.9")), -1);
    assert.ok(t.lookup(ip("192.0.2.1")) >= 0, "our own static entry stays");
    net.clock.advance(10000);
    const back = n.stack.stats.arpRequestsSent;
    n.mac.setCarrier(true);
    assert.equal(n.stack.stats.arpRequestsSent, back + 1);
    net.clock.advance(2000);
    assert.equal(n.stack.stats.arpRequestsSent, back + 2, "and again 2 s later (RFC 5227 ANNOUNCE_NUM 2)");
  });

  it("an interface that is down drops what it receives, and sends nothing", function () {
    const net = new Net();
    const a = net.node(1, "192.0.2.1/24");
    const b = net.node(2, "192.0.2.2/24");
    b.stack.setUp(b.eth, false);
    const sent = b.eth.counters.txPackets;
    const f = a.stack.udp.alloc(4);
    assert.equal(a.stack.udp.send(f, 4, -1, 1, ip("192.0.2.2"), 7, undefined), 0);
    net.clock.advance(10);
    assert.ok(b.eth.counters.rxDropped >= 1);
    assert.equal(b.eth.counters.txPackets, sent, "no ARP reply from a down interface");
  });
});
