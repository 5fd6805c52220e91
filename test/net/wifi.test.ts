// The Wi-Fi MAC interface on the sim binding: scanning, association, the
// DORMANT operational state until associated, a refused passphrase, and what
// the DHCP client does when the association goes and comes back: re-verify
// its lease as after a reboot (INIT-REBOOT), stay on it when the network is
// the same (a roam between access points), start over when it is not.
import { strict as assert } from "node:assert";
import { MemoryLog } from "../../hal/sim/log";
import { SimRandom } from "../../hal/sim/random";
import { MemoryStorage } from "../../hal/sim/storage";
import { SimSegment } from "../../hal/sim/link";
import { SimAir, type SimWifiMac } from "../../hal/sim/wifi";
import type { WifiNetwork } from "../../hal/types";
import { DhcpClient } from "../../src/dhcp/client";
import { formatIPv4, formatMac } from "../../src/net/addr";
import { IF_OPER_DORMANT, IF_OPER_UP, IFF_DORMANT, IFF_RUNNING, type Ifnet } from "../../src/net/ifnet";
import { defaultLltableParams } from "../../src/net/lltable";
import { defaultStackConfig, NetStack } from "../../src/net/stack";
import { SimDhcpServer } from "../dhcp/sim-server";
import { ip, macOf, Net } from "./helpers";
import { DHCP_BOUND } from "../../src/dhcp/states";
import { PROBE_OFF, rfc2131Profile } from "../../src/dhcp/config";

interface Station {
  stack: NetStack;
  eth: Ifnet;
  wifi: SimWifiMac;
  log: MemoryLog;
  errors: string[];
}

function station(net: Net, air: SimAir, last: number): Station {
  const log = new MemoryLog(net.clock, 300);
  const stack = new NetStack(net.clock, new SimRandom(last), log, defaultStackConfig());
  let wifi: SimWifiMac | undefined;
  const errors: string[] = [];
  const eth = stack.attachEthernet(
    "wlan0",
    (o) => (wifi = air.station(macOf(last), { ...o, onError: (m) => errors.push(m) }, 1500)),
    defaultLltableParams(8),
  );
  if (eth === undefined || wifi === undefined) throw new Error("attach failed");
  return { stack, eth, wifi, log, errors };
}

/** An office: one LAN with a DHCP server, two access points of "office" on it (strong and weak), and a café elsewhere. */
function world() {
  const net = new Net();
  const air = new SimAir(net.clock);
  const server = new SimDhcpServer(net.node(1, "192.0.2.1/24"), { pool: ["192.0.2.50", "192.0.2.51"] });
  const cafeLan = new SimSegment(net.clock, 1);
  const ap1 = air.addAccessPoint("office", macOf(0xa1), 1, -40, "secret-1", net.segment);
  const ap2 = air.addAccessPoint("office", macOf(0xa2), 6, -67, "secret-1", net.segment);
  const cafe = air.addAccessPoint("cafe", macOf(0xc1), 11, -55, "", cafeLan);
  return { net, air, server, ap1, ap2, cafe, cafeLan };
}

/** A DHCP client on the station, started, and 15 s after joining "office". */
function boundAtTheOffice(w: ReturnType<typeof world>, s: Station): DhcpClient {
  const client = new DhcpClient(
    s.stack,
    s.eth,
    { ...rfc2131Profile(), probe: PROBE_OFF },
    w.net.clock,
    s.stack.random,
    new MemoryStorage(4096),
    s.log,
    () => 1_800_000_000,
  );
  client.start();
  s.wifi.connect("office", "secret-1");
  w.net.clock.advance(15000);
  return client;
}

describe("Wi-Fi MAC (sim binding)", function () {
  it("the interface is DORMANT, not RUNNING, until associated; then UP with the access point's signal", function () {
    const w = world();
    const s = station(w.net, w.air, 9);
    assert.equal(s.eth.operstate(), IF_OPER_DORMANT);
    assert.ok(s.eth.has(IFF_DORMANT) && !s.eth.running());
    s.wifi.connect("office", "secret-1");
    w.net.clock.advance(100);
    assert.equal(s.eth.operstate(), IF_OPER_UP);
    assert.ok(s.eth.has(IFF_RUNNING) && !s.eth.has(IFF_DORMANT));
    assert.equal(formatMac(s.wifi.bssid()!, 0), "02:00:00:00:00:a1", "the strongest access point of the network");
    assert.equal(s.wifi.rssi(), -40);
  });

  it("scans: every access point on the air, strongest first", function () {
    const w = world();
    const s = station(w.net, w.air, 9);
    let found: WifiNetwork[] = [];
    s.wifi.scan((n) => (found = n));
    w.net.clock.advance(200);
    assert.deepEqual(
      found.map((n) => [n.ssid, formatMac(n.bssid, 0), n.channel, n.rssi, n.secure]),
      [
        ["office", "02:00:00:00:00:a1", 1, -40, true],
        ["cafe", "02:00:00:00:00:c1", 11, -55, false],
        ["office", "02:00:00:00:00:a2", 6, -67, true],
      ],
    );
  });

  it("a refused passphrase is reported and the interface stays dormant", function () {
    const w = world();
    const s = station(w.net, w.air, 9);
    s.wifi.connect("office", "wrong");
    w.net.clock.advance(2000);
    assert.deepEqual(s.errors, ["wifi: office refused the passphrase"]);
    assert.equal(s.eth.operstate(), IF_OPER_DORMANT);
  });

  it("roaming: the access point goes, the station moves to the other one of its network and DHCP re-verifies its lease (INIT-REBOOT), keeping it", function () {
    const w = world();
    const s = station(w.net, w.air, 9);
    const client = boundAtTheOffice(w, s);
    assert.equal(client.state, DHCP_BOUND, s.log.lines.join("\n"));
    const leased = client.lease.addr;
    const requestsBefore = w.server.ofType(3).length;
    w.air.setUp(w.ap1, false);
    assert.equal(s.eth.operstate(), IF_OPER_DORMANT, "dormant the moment the access point is gone");
    w.net.clock.advance(3000);
    assert.equal(formatMac(s.wifi.bssid()!, 0), "02:00:00:00:00:a2");
    assert.equal(s.wifi.associations, 2);
    assert.equal(client.state, DHCP_BOUND);
    assert.equal(client.lease.addr, leased, "the same address");
    const verify = w.server.ofType(3).slice(requestsBefore);
    assert.equal(verify.length, 1, "one REQUEST after the roam");
    assert.equal(verify[0].requested, leased);
    assert.equal(verify[0].server, 0, "INIT-REBOOT form: no server identifier");
    assert.equal(verify[0].ciaddr, 0);
    assert.equal(w.server.ofType(1).length, 1, "no new discovery");
  });

  it("association lost with nowhere to go: dormant, the lease kept; when the network returns the lease is re-verified", function () {
    const w = world();
    const s = station(w.net, w.air, 9);
    const client = boundAtTheOffice(w, s);
    assert.equal(client.state, DHCP_BOUND);
    w.air.setUp(w.ap1, false);
    w.air.setUp(w.ap2, false);
    w.net.clock.advance(20000);
    assert.equal(s.eth.operstate(), IF_OPER_DORMANT);
    assert.ok(s.stack.addrs.findOn(s.eth, client.lease.addr), "the address stays while its lease runs");
    const before = w.server.ofType(3).length;
    w.air.setUp(w.ap2, true);
    w.net.clock.advance(3000);
    assert.equal(s.eth.operstate(), IF_OPER_UP);
    assert.equal(client.state, DHCP_BOUND);
    assert.equal(w.server.ofType(3).length - before, 1, "re-verified with one REQUEST");
  });

  it("moving to another network: the INIT-REBOOT is NAKed there and the station gets a lease from that network", function () {
    const w = world();
    const s = station(w.net, w.air, 9);
    // The café's own DHCP server on its own LAN.
    const cafeNode = w.net.node(4, "198.51.100.1/24", undefined, undefined, w.cafeLan);
    const cafeDhcp = new SimDhcpServer(cafeNode, {
      serverIp: "198.51.100.1",
      pool: ["198.51.100.20"],
      routers: ["198.51.100.1"],
    });
    const client = boundAtTheOffice(w, s);
    assert.equal(formatIPv4(client.lease.addr).startsWith("192.0.2."), true);
    s.wifi.connect("cafe", "");
    w.net.clock.advance(30000);
    assert.equal(client.state, DHCP_BOUND, s.log.lines.slice(-20).join("\n"));
    assert.equal(formatIPv4(client.lease.addr), "198.51.100.20");
    assert.equal(
      cafeDhcp.ofType(3)[0].requested,
      ip("192.0.2.50"),
      "first it asked for the old address (INIT-REBOOT)…",
    );
    assert.ok(cafeDhcp.ofType(1).length >= 1, "…was refused, and discovered");
    assert.equal(s.stack.addrs.findOn(s.eth, ip("192.0.2.50")), undefined, "the old address is gone");
  });
});
