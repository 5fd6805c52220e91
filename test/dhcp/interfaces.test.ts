// Two interfaces, two DHCP clients, two servers on two LANs at once: each
// client gets its own lease, hears only its own interface's replies and
// conflicts, and stopping one leaves the other running.
import { strict as assert } from "node:assert";
import { SimSegment } from "../../hal/sim/link";
import { MemoryStorage } from "../../hal/sim/storage";
import { DhcpClient } from "../../src/dhcp/client";
import { PROBE_OFF, rfc2131Profile } from "../../src/dhcp/config";
import { DHCP_BOUND, DHCP_DECLINING, DHCP_EVENT_NAMES } from "../../src/dhcp/states";
import { formatIPv4 } from "../../src/net/addr";
import { defaultLltableParams } from "../../src/net/lltable";
import { ip, macOf, Net } from "../net/helpers";
import { SimDhcpServer } from "./sim-server";

function twoLans() {
  const net = new Net();
  const lanB = new SimSegment(net.clock, 1);
  const serverA = new SimDhcpServer(net.node(1, "192.0.2.1/24"));
  const serverB = new SimDhcpServer(net.node(1, "198.51.100.1/24", undefined, undefined, lanB), {
    serverIp: "198.51.100.1",
    pool: ["198.51.100.70"],
    routers: ["198.51.100.1"],
  });
  const dev = net.node(2);
  const wlan = dev.stack.attachEthernet("wlan0", (o) => lanB.attach(macOf(3), o, 1500), defaultLltableParams(8));
  if (wlan === undefined) throw new Error("attach wlan0");
  const storage = new MemoryStorage(4096);
  const client = (ifp: typeof wlan) =>
    new DhcpClient(
      dev.stack,
      ifp,
      { ...rfc2131Profile(), probe: PROBE_OFF, hostname: "dev" },
      net.clock,
      dev.stack.random,
      storage,
      dev.log,
      () => -1,
    );
  const a = client(dev.eth);
  const b = client(wlan);
  const events: string[] = [];
  dev.stack.events.add({
    dhcp: (k, c, l) => events.push(`${c.ifp.name} ${DHCP_EVENT_NAMES[k]} ${formatIPv4(l.addr)}`),
  });
  return { net, lanB, serverA, serverB, dev, wlan, a, b, events, storage };
}

describe("DHCP clients on two interfaces", function () {
  it("each binds its own lease from its own server, at the same time", function () {
    const r = twoLans();
    assert.equal(r.a.start(), true);
    assert.equal(r.b.start(), true, "port 68 is shared by interface: the second client starts too");
    r.net.clock.advance(20_000);
    assert.equal(r.a.state, DHCP_BOUND);
    assert.equal(r.b.state, DHCP_BOUND);
    assert.equal(r.a.lease.addr, ip("192.0.2.50"));
    assert.equal(r.a.lease.server, ip("192.0.2.1"));
    assert.equal(r.b.lease.addr, ip("198.51.100.70"));
    assert.equal(r.b.lease.server, ip("198.51.100.1"));
    assert.deepEqual(r.events.sort(), ["eth0 bound 192.0.2.50", "wlan0 bound 198.51.100.70"]);
    assert.ok(r.dev.stack.addrs.findOn(r.dev.eth, ip("192.0.2.50")) !== undefined);
    assert.ok(r.dev.stack.addrs.findOn(r.wlan, ip("198.51.100.70")) !== undefined);
    assert.equal(r.dev.stack.addrs.findOn(r.wlan, ip("192.0.2.50")), undefined);
    // Each lease is stored under its own interface's name.
    assert.ok(r.storage.read("dhcp.eth0") !== undefined && r.storage.read("dhcp.wlan0") !== undefined);
    // Both renew on their own.
    r.net.clock.advance(3_700_000);
    assert.equal(r.a.state, DHCP_BOUND);
    assert.equal(r.b.state, DHCP_BOUND);
    assert.ok(r.events.includes("eth0 renewed 192.0.2.50") && r.events.includes("wlan0 renewed 198.51.100.70"));
  });

  it("an address conflict reaches only the client of the interface it was seen on", function () {
    const r = twoLans();
    r.a.start();
    r.b.start();
    r.net.clock.advance(20_000);
    assert.equal(r.b.state, DHCP_BOUND);
    // Another host on LAN B takes wlan0's address: its two announcements, 2 s apart, are two
    // conflicts within 10 s, so wlan0's client gives the address up (RFC 5227 2.4 (b)).
    const thief = r.net.node(9, "198.51.100.70/24", undefined, undefined, r.lanB);
    assert.ok(thief.stack.addrs.findOn(thief.eth, ip("198.51.100.70")) !== undefined);
    r.net.clock.advance(2_500);
    assert.equal(r.b.state, DHCP_DECLINING);
    assert.deepEqual(r.serverB.declined, [ip("198.51.100.70")]);
    assert.equal(r.a.state, DHCP_BOUND, "eth0's client did not hear wlan0's conflict");
    assert.ok(r.dev.stack.addrs.findOn(r.dev.eth, ip("192.0.2.50")) !== undefined);
  });

  it("stopping one client leaves the other bound to port 68 on its interface", function () {
    const r = twoLans();
    r.a.start();
    r.b.start();
    r.net.clock.advance(20_000);
    r.a.stop();
    r.b.renew();
    r.net.clock.advance(5_000);
    assert.ok(r.events.includes("wlan0 renewed 198.51.100.70"), r.events.join(", "));
    // And a client restarted on eth0 binds again.
    assert.equal(r.a.start(), true);
  });
});
