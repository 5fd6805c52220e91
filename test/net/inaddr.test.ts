// Every in.c rule of the address table, and the routing table behind it.
import { strict as assert } from "node:assert";
import { formatIPv4 } from "../../src/net/addr";
import { EADDRNOTAVAIL, EDESTADDRREQ, EEXIST, EINVAL, ENETUNREACH } from "../../src/net/errno";
import { ARPHRD_ETHER, IFF_POINTOPOINT, IFF_UP, IFF_LOWER_UP, IFF_RUNNING } from "../../src/net/ifnet";
import {
  ADDR_DEL,
  ADDR_NEW,
  addrRequest,
  IFA_F_DEPRECATED,
  IFA_F_PERMANENT,
  IFA_F_SECONDARY,
  INADDR_ANY,
  LIFETIME_INFINITE,
} from "../../src/net/inaddr";
import { LLE_IFADDR, LLE_STATIC } from "../../src/net/lltable";
import { RTPROT_KERNEL, RTPROT_STATIC, RT_SCOPE_LINK } from "../../src/net/route";
import { Net, ip, macOf, type Node } from "./helpers";

function routesOf(n: Node): string[] {
  return n.stack.routes.routes.map(
    (r) =>
      `${formatIPv4(r.dst)}/${r.prefixLen}${r.gateway ? ` via ${formatIPv4(r.gateway)}` : ""} dev ${n.stack.ifs.byIndex(r.ifindex)!.name} src ${formatIPv4(r.prefsrc)}`,
  );
}

function add(n: Node, cidr: string, extra: Partial<ReturnType<typeof addrRequest>> = {}): number {
  const [a, l] = cidr.split("/");
  return n.stack.addrs.add(n.eth, { ...addrRequest(ip(a), l === undefined ? -1 : Number(l)), ...extra });
}

describe("addresses (in.c semantics)", function () {
  let net: Net;
  let n: Node;
  beforeEach(function () {
    net = new Net();
    n = net.node(1);
  });

  it("derives the classful netmask when none is given", function () {
    for (const [a, plen] of [
      ["10.1.2.3", 8],
      ["172.16.1.1", 16],
      ["192.168.1.1", 24],
      ["127.0.0.2", 8],
    ] as const) {
      assert.equal(add(n, a), 0);
      assert.equal(n.stack.addrs.findOn(n.eth, ip(a))!.prefixLen, plen, a);
    }
  });

  it("refuses group and limited-broadcast addresses and holey masks", function () {
    assert.equal(add(n, "224.0.0.5/24"), -EINVAL);
    assert.equal(add(n, "255.255.255.255/24"), -EINVAL);
    assert.equal(n.stack.addrs.add(n.eth, { ...addrRequest(ip("192.0.2.1"), 24), mask: ip("255.0.255.0") }), -EINVAL);
  });

  it("derives the broadcast, keeps a given one, and uses 255.255.255.255 on /31 (RFC 3021)", function () {
    add(n, "192.0.2.5/24");
    assert.equal(formatIPv4(n.stack.addrs.findOn(n.eth, ip("192.0.2.5"))!.broadcast), "192.0.2.255");
    add(n, "198.51.100.7/24", { broadcast: ip("198.51.100.0") });
    assert.equal(formatIPv4(n.stack.addrs.findOn(n.eth, ip("198.51.100.7"))!.broadcast), "198.51.100.0");
    add(n, "203.0.113.0/31");
    assert.equal(formatIPv4(n.stack.addrs.findOn(n.eth, ip("203.0.113.0"))!.broadcast), "255.255.255.255");
  });

  it("adding an existing address replaces it", function () {
    add(n, "192.0.2.5/24");
    add(n, "192.0.2.5/25");
    const mine = n.stack.addrs.list.filter((a) => a.ifp === n.eth);
    assert.equal(mine.length, 1);
    assert.equal(mine[0].prefixLen, 25);
    assert.deepEqual(
      routesOf(n).filter((r) => r.includes("eth0")),
      ["192.0.2.0/25 dev eth0 src 192.0.2.5"],
    );
  });

  it("a point-to-point interface needs a destination and gets a host route to it", function () {
    const p = n.stack.ifs.attach(
      "ppp0",
      ARPHRD_ETHER,
      undefined,
      IFF_UP + IFF_POINTOPOINT + IFF_LOWER_UP + IFF_RUNNING,
      1500,
      68,
      1500,
      undefined,
    )!;
    assert.equal(n.stack.addrs.add(p, addrRequest(ip("100.64.0.1"), 32)), -EDESTADDRREQ);
    assert.equal(n.stack.addrs.add(p, { ...addrRequest(ip("100.64.0.1"), 32), dst: ip("100.64.0.2") }), 0);
    assert.ok(routesOf(n).includes("100.64.0.2/32 dev ppp0 src 100.64.0.1"));
    assert.equal(n.stack.addrs.findOn(p, ip("100.64.0.1"))!.broadcast, 0, "no broadcast without IFF_BROADCAST");
  });

  it("the first address of a prefix owns its route; aliases are secondaries; removal hands the route over", function () {
    add(n, "192.0.2.1/24");
    add(n, "192.0.2.2/24");
    const first = n.stack.addrs.findOn(n.eth, ip("192.0.2.1"))!;
    const second = n.stack.addrs.findOn(n.eth, ip("192.0.2.2"))!;
    assert.equal(first.flags() & IFA_F_SECONDARY, 0);
    assert.equal(second.flags() & IFA_F_SECONDARY, IFA_F_SECONDARY);
    assert.deepEqual(
      routesOf(n).filter((r) => r.includes("eth0")),
      ["192.0.2.0/24 dev eth0 src 192.0.2.1"],
    );
    // A neighbour on the prefix survives the hand-over.
    n.eth.lltable!.input(ip("192.0.2.9"), macOf(9), 0, true, true);
    assert.equal(n.stack.addrs.remove(n.eth, ip("192.0.2.1"), true), 0);
    assert.deepEqual(
      routesOf(n).filter((r) => r.includes("eth0")),
      ["192.0.2.0/24 dev eth0 src 192.0.2.2"],
    );
    assert.ok(second.ownsRoute);
    assert.ok(n.eth.lltable!.lookup(ip("192.0.2.9")) >= 0);
    const route = n.stack.routes.lookup(ip("192.0.2.9"))!;
    assert.equal(route.protocol, RTPROT_KERNEL);
    assert.equal(route.scope, RT_SCOPE_LINK);
  });

  it("removing the last address of a prefix removes the route and the prefix's dynamic ARP entries", function () {
    add(n, "192.0.2.1/24");
    const t = n.eth.lltable!;
    t.input(ip("192.0.2.9"), macOf(9), 0, true, true);
    t.addStatic(ip("192.0.2.8"), macOf(8), 0, 0);
    assert.equal(n.stack.addrs.remove(n.eth, ip("192.0.2.1"), false), 0);
    assert.deepEqual(
      routesOf(n).filter((r) => r.includes("eth0")),
      [],
    );
    assert.equal(t.lookup(ip("192.0.2.9")), -1);
    assert.ok(t.lookup(ip("192.0.2.8")) >= 0, "static entries stay unless asked");
    add(n, "192.0.2.1/24");
    assert.equal(n.stack.addrs.remove(n.eth, ip("192.0.2.1"), true), 0);
    assert.equal(t.lookup(ip("192.0.2.8")), -1);
  });

  it("a route is handed over only to an address on an interface that is up", function () {
    const eth1 = n.stack.attachEthernet("eth1", (o) => net.segment.attach(macOf(3), o, 1500), {
      ...n.eth.lltable!.params,
    })!;
    add(n, "192.0.2.1/24");
    assert.equal(n.stack.addrs.add(eth1, addrRequest(ip("192.0.2.2"), 24)), 0);
    n.stack.setUp(eth1, false);
    n.stack.addrs.remove(n.eth, ip("192.0.2.1"), true);
    assert.equal(n.stack.routes.routes.filter((r) => r.dst === ip("192.0.2.0")).length, 0);
  });

  it("our own address gets a static IFADDR entry, removed with the address", function () {
    add(n, "192.0.2.1/24");
    const t = n.eth.lltable!;
    const s = t.lookup(ip("192.0.2.1"));
    assert.equal(t.flagsAt(s), LLE_STATIC + LLE_IFADDR);
    n.stack.addrs.remove(n.eth, ip("192.0.2.1"), true);
    assert.equal(t.lookup(ip("192.0.2.1")), -1);
  });

  it("deleting INADDR_ANY deletes the first address; a missing one is EADDRNOTAVAIL", function () {
    add(n, "192.0.2.1/24");
    add(n, "198.51.100.1/24");
    assert.equal(n.stack.addrs.remove(n.eth, INADDR_ANY, true), 0);
    assert.equal(n.stack.addrs.findOn(n.eth, ip("192.0.2.1")), undefined);
    assert.equal(n.stack.addrs.remove(n.eth, ip("203.0.113.1"), true), -EADDRNOTAVAIL);
  });

  it("in_broadcast: all-ones, zero, the subnet broadcast and (except /31) the subnet number", function () {
    add(n, "192.0.2.1/24");
    add(n, "203.0.113.0/31");
    add(n, "198.51.100.1/32");
    const b = (s: string) => n.stack.addrs.isBroadcast(ip(s), n.eth);
    assert.ok(b("255.255.255.255") && b("0.0.0.0") && b("192.0.2.255") && b("192.0.2.0"));
    assert.ok(!b("192.0.2.1") && !b("192.0.2.254"));
    assert.ok(!b("203.0.113.0"), "RFC 3021: the /31 subnet number is a host");
    assert.ok(!b("198.51.100.1") && !b("198.51.100.255"));
    assert.ok(!n.stack.addrs.isBroadcast(ip("127.255.255.255"), n.stack.lo), "lo has no IFF_BROADCAST");
  });

  it("announces a new address with a gratuitous ARP", function () {
    const peer = net.node(2, "192.0.2.2/24");
    peer.eth.lltable!.input(ip("192.0.2.1"), macOf(0x77), 0, true, true);
    add(n, "192.0.2.1/24");
    net.clock.advance(5);
    const t = peer.eth.lltable!;
    const m = Buffer.alloc(6) as unknown as Parameters<typeof t.macInto>[1];
    t.macInto(t.lookup(ip("192.0.2.1")), m, 0);
    assert.equal((m as unknown as Buffer)[5], 1, "the peer updated its entry from the announcement");
  });

  it("announces a new address twice, ANNOUNCE_INTERVAL (2 s) apart (RFC 5227 2.3), and stops once the address is gone", function () {
    const seen: string[] = [];
    net.segment.filter = (f) => {
      const b = f as unknown as Uint8Array;
      // A gratuitous ARP request: sender and target address the same.
      const spa = b.subarray(28, 32).join(".");
      if (b[12] === 8 && b[13] === 6 && b[21] === 1 && spa === b.subarray(38, 42).join("."))
        seen.push(`${net.clock.now()} ${spa}`);
      return false;
    };
    add(n, "192.0.2.1/24");
    net.clock.advance(10000);
    assert.deepEqual(seen, ["0 192.0.2.1", "2000 192.0.2.1"]);
    add(n, "192.0.2.9/24");
    n.stack.addrs.remove(n.eth, ip("192.0.2.9"), true);
    net.clock.advance(10000);
    assert.deepEqual(seen.slice(2), ["10000 192.0.2.9"], "the second announcement of a removed address is not sent");
  });

  it("lifetimes: deprecated after the preferred one, removed with its route after the valid one", function () {
    const events: string[] = [];
    n.stack.events.add({
      addr: (k, ia) =>
        events.push(`${k === ADDR_NEW ? "new" : k === ADDR_DEL ? "del" : "change"} ${formatIPv4(ia.addr)}`),
    });
    add(n, "192.0.2.1/24", { valid: 10, preferred: 5 });
    const ia = n.stack.addrs.findOn(n.eth, ip("192.0.2.1"))!;
    assert.equal(ia.flags() & IFA_F_PERMANENT, 0);
    assert.equal(n.stack.addrs.remaining(ia.validUntil), 10);
    net.clock.advance(5000);
    assert.equal(ia.flags() & IFA_F_DEPRECATED, IFA_F_DEPRECATED);
    assert.equal(n.stack.addrs.setLifetimes(ia, 20, 20), 0);
    assert.equal(ia.deprecated, false);
    net.clock.advance(19000);
    assert.ok(n.stack.addrs.findOn(n.eth, ip("192.0.2.1")));
    net.clock.advance(1000);
    assert.equal(n.stack.addrs.findOn(n.eth, ip("192.0.2.1")), undefined);
    assert.deepEqual(
      routesOf(n).filter((r) => r.includes("eth0")),
      [],
    );
    assert.deepEqual(events, ["new 192.0.2.1", "change 192.0.2.1", "change 192.0.2.1", "del 192.0.2.1"]);
    assert.equal(add(n, "192.0.2.1/24", { valid: 5, preferred: 10 }), -EINVAL);
    assert.equal(add(n, "192.0.2.1/24", { valid: LIFETIME_INFINITE }), 0);
    assert.ok(n.stack.addrs.findOn(n.eth, ip("192.0.2.1"))!.flags() & IFA_F_PERMANENT);
  });
});

describe("routes", function () {
  it("longest prefix wins; a default route needs an on-link gateway and goes with its prefix", function () {
    const net = new Net();
    const n = net.node(1, "192.0.2.1/24");
    const rt = n.stack.routes;
    const dflt = (gw: string) =>
      rt.add(
        {
          dst: 0,
          prefixLen: 0,
          gateway: ip(gw),
          ifindex: n.eth.index,
          protocol: RTPROT_STATIC,
          scope: 0,
          metric: 0,
          prefsrc: 0,
        },
        false,
      );
    assert.equal(dflt("198.51.100.1"), -ENETUNREACH);
    assert.equal(dflt("192.0.2.254"), 0);
    assert.equal(dflt("192.0.2.253"), -EEXIST);
    assert.equal(rt.lookup(ip("8.8.8.8"))!.gateway, ip("192.0.2.254"));
    assert.equal(rt.lookup(ip("192.0.2.7"))!.gateway, 0);
    assert.equal(rt.lookup(ip("127.0.0.1"))!.ifindex, 1);
    n.stack.addrs.remove(n.eth, ip("192.0.2.1"), true);
    assert.equal(rt.lookup(ip("8.8.8.8")), undefined, "the default route left with its gateway's prefix");
  });
});
