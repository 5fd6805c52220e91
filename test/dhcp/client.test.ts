// The DHCP client against a simulated server, on the virtual clock: every
// state, every timer, and the known failures of embedded clients.
import { strict as assert } from "node:assert";
import { MemoryStorage } from "../../hal/sim/storage";
import { DhcpClient } from "../../src/dhcp/client";
import { formatIPv4 } from "../../src/net/addr";
import { addrRequest, IFA_F_PERMANENT } from "../../src/net/inaddr";
import { RTPROT_DHCP, RTPROT_STATIC, RT_SCOPE_UNIVERSE } from "../../src/net/route";
import { ip, Net, type Node } from "../net/helpers";
import { type ServerOptions, SimDhcpServer } from "./sim-server";
import {
  DHCP_BOUND,
  DHCP_EV_BOUND,
  DHCP_EV_DECLINED,
  DHCP_EV_EXPIRED,
  DHCP_EV_INFORMED,
  DHCP_EV_NAK,
  DHCP_EV_REBOUND,
  DHCP_EV_RELEASED,
  DHCP_EV_RENEWED,
  DHCP_INIT,
  DHCP_PROBING,
  DHCP_RENEWING,
  DHCP_REQUESTING,
  DHCP_SELECTING,
  DHCP_STOPPED,
} from "../../src/dhcp/states";
import {
  type DhcpConfig,
  fastProfile,
  PROBE_OFF,
  PROBE_QUICK,
  PROBE_STRICT,
  rfc2131Profile,
} from "../../src/dhcp/config";

interface Rig {
  net: Net;
  server: SimDhcpServer;
  node: Node;
  client: DhcpClient;
  events: string[];
  storage: MemoryStorage;
  epoch: { now: number };
}

function rig(
  server: Partial<ServerOptions> = {},
  cfg: Partial<DhcpConfig> = {},
  storage = new MemoryStorage(4096),
  mac = 2,
  net = new Net(),
): Rig {
  const srv = net.node(1, "192.0.2.1/24");
  const server_ = new SimDhcpServer(srv, server);
  const node = net.node(mac);
  const epoch = { now: 1_800_000_000 };
  const c = { ...rfc2131Profile(), probe: PROBE_OFF, hostname: "dev", ...cfg };
  const client = new DhcpClient(
    node.stack,
    node.eth,
    c,
    net.clock,
    node.stack.random,
    storage,
    node.log,
    () => epoch.now,
  );
  const events: string[] = [];
  const names = ["", "bound", "renewed", "rebound", "expired", "nak", "declined", "released", "informed"];
  node.stack.events.add({ dhcp: (k, _c, l) => events.push(`${names[k]} ${formatIPv4(l.addr)}`) });
  return { net, server: server_, node, client, events, storage, epoch };
}

function bound(r: Rig, limitMs = 120000): void {
  r.client.start();
  const until = r.net.clock.now() + limitMs;
  while (r.client.state !== DHCP_BOUND && r.net.clock.now() < until) r.net.clock.advance(100);
  assert.equal(
    r.client.state,
    DHCP_BOUND,
    `not bound; events ${r.events.join(", ")}; log:\n${r.node.log.lines.join("\n")}`,
  );
}

const gaps = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]);

describe("DHCP client", function () {
  it("DORA: binds, configures the address with the lease's lifetimes, the default route and DNS", function () {
    const r = rig({ dns: ["192.0.2.53", "192.0.2.54"] });
    bound(r);
    const ia = r.node.stack.addrs.findOn(r.node.eth, ip("192.0.2.50"))!;
    assert.ok(ia);
    assert.equal(ia.prefixLen, 24);
    assert.equal(ia.flags() & IFA_F_PERMANENT, 0);
    assert.ok(r.node.stack.addrs.remaining(ia.validUntil) >= 3599);
    const dflt = r.node.stack.routes.lookup(ip("198.51.100.1"))!;
    assert.equal(dflt.gateway, ip("192.0.2.1"));
    assert.equal(dflt.protocol, RTPROT_DHCP);
    assert.deepEqual(r.client.lease.dns.map(formatIPv4), ["192.0.2.53", "192.0.2.54"]);
    assert.equal(r.client.lease.domain, "example.test");
    assert.deepEqual(r.events, ["bound 192.0.2.50"]);
    const [disc] = r.server.ofType(1);
    const [req] = r.server.ofType(3);
    assert.equal(disc.xid, req.xid, "one xid for the exchange");
    assert.equal(req.requested, ip("192.0.2.50"));
    assert.equal(req.server, ip("192.0.2.1"));
    assert.equal(req.ciaddr, 0);
    assert.deepEqual([...disc.options.get(61)!], [1, 2, 0, 0, 0, 0, 2], "client id 01 + MAC");
    assert.deepEqual([...disc.options.get(55)!], [1, 3, 6, 15, 28, 42, 51, 58, 59]);
    assert.equal(disc.options.get(57)!.readUInt16BE(0), 1472, "max message size from the MTU");
    assert.equal(disc.options.get(12)!.toString(), "dev");
    assert.equal(disc.options.get(60)!.toString(), "netrt");
    assert.equal(disc.options.has(80), false);
    assert.equal(disc.options.has(81), false, "a name without a dot goes as option 12 only");
  });

  it("keeps the NTP servers of option 42 with the lease, and through a renewal that leaves them out", function () {
    const r = rig({ ntp: ["192.0.2.123", "192.0.2.124"], bareRenewAck: true });
    bound(r);
    assert.deepEqual(r.client.lease.ntp!.map(formatIPv4), ["192.0.2.123", "192.0.2.124"]);
    r.net.clock.advance(1800_000 + 60_000); // renewed, by an ACK without option 42
    assert.ok(r.server.ofType(3).length >= 2, "renewed");
    assert.deepEqual(r.client.lease.ntp!.map(formatIPv4), ["192.0.2.123", "192.0.2.124"]);
    const plain = rig();
    bound(plain);
    assert.equal(plain.client.lease.ntp, undefined, "nothing held without option 42");
  });

  it("a name with a dot goes as the client FQDN option (81) in wire form, without option 12", function () {
    const r = rig({}, { hostname: "sensor-9.example.test" });
    bound(r);
    for (const m of [...r.server.ofType(1), ...r.server.ofType(3)]) {
      const o = m.options.get(81)!;
      assert.ok(o, "option 81 in every DISCOVER and REQUEST");
      assert.deepEqual([...o.subarray(0, 3)], [0x05, 0, 0], "flags S and E, RCODEs 0");
      assert.deepEqual(o.subarray(3), Buffer.from("\x08sensor-9\x07example\x04test\x00", "latin1"));
      assert.equal(m.options.has(12), false);
    }
    // A name that is not a valid domain name falls back to option 12 as it is.
    const bad = rig({}, { hostname: "a..b" });
    bound(bad);
    const [disc] = bad.server.ofType(1);
    assert.equal(disc.options.has(81), false);
    assert.equal(disc.options.get(12)!.toString(), "a..b");
  });

  it("retransmits DISCOVER forever with the same xid: 4, 8, 16, 32, 64, 64 s (±1 s), secs counting up", function () {
    const r = rig({ silent: true });
    r.client.start();
    r.net.clock.advance(400000);
    const d = r.server.ofType(1);
    assert.ok(d.length >= 8);
    const g = gaps(d.map((x) => x.at));
    const want = [4000, 8000, 16000, 32000, 64000, 64000, 64000];
    want.forEach((w, i) => assert.ok(Math.abs(g[i] - w) <= 1000, `gap ${i}: ${g[i]} not ${w}±1000`));
    assert.equal(new Set(d.map((x) => x.xid)).size, 1);
    assert.ok(d[d.length - 1].secs > 180 && d[0].secs === 0);
  });

  it("the fast profile: 1.5, 1.75, 5 s, then doubling to the 64 s cap, each ±0.25 s, so devices started together drift apart", function () {
    const net = new Net();
    const a = rig({ silent: true }, fastProfile(), undefined, 2, net);
    const b = rig({ silent: true }, fastProfile(), undefined, 3, net);
    a.client.start();
    b.client.start();
    net.clock.advance(300000);
    const base = [1500, 1750, 5000, 10000, 20000, 40000, 64000, 64000];
    const from = (r: Rig, mac: number) =>
      gaps(r.server.seen.filter((x) => x.type === 1 && x.options.get(61)![6] === mac).map((x) => x.at)).slice(0, 8);
    const ga = from(a, 2);
    const gb = from(b, 3);
    assert.equal(ga.length, 8);
    assert.equal(gb.length, 8);
    for (const g of [ga, gb])
      g.forEach((v, i) => assert.ok(Math.abs(v - base[i]) <= 250, `gap ${i}: ${v} ms, not ${base[i]} ± 250`));
    assert.notDeepEqual(ga, gb, "two devices powered up together retransmit at different times");
    assert.ok(new Set(ga.map((v, i) => v - base[i])).size > 4, "the spread is random, not a fixed offset");
  });

  it("gives up on an unanswered REQUEST after 4 tries and starts over with a new xid", function () {
    const r = rig({ dropTypes: [3] });
    r.client.start();
    r.net.clock.advance(200000);
    const reqs = r.server.ofType(3);
    const discs = r.server.ofType(1);
    assert.ok(reqs.length >= 4);
    assert.equal(new Set(reqs.slice(0, 4).map((x) => x.xid)).size, 1);
    assert.ok(discs.length >= 2);
    assert.notEqual(discs[1].xid, discs[0].xid);
    assert.ok(discs[1].at > reqs[3].at);
  });

  it("NAK sends it back to INIT, and a NAK storm cannot make it loop fast", function () {
    const r = rig({ nakAll: true });
    r.client.start();
    r.net.clock.advance(300000);
    assert.ok(r.events.length >= 4 && r.events.every((e) => e.startsWith("nak")));
    const d = r.server.ofType(1).map((x) => x.at);
    const g = gaps(d);
    // 0, then 2, 4, 8 ... 64 s between attempts (plus the exchange itself).
    assert.ok(g[1] >= 2000 && g[2] >= 4000 && g[3] >= 8000, g.join(","));
    assert.ok(d.length < 15, `${d.length} DISCOVERs in 300 s`);
  });

  it("ignores a NAK from a server it did not ask", function () {
    const net = new Net();
    const r = rig({}, {}, undefined, 2, net);
    const other = net.node(3, "192.0.2.3/24");
    new SimDhcpServer(other, { serverIp: "192.0.2.3", nakForeign: true, dropTypes: [1] });
    bound(r);
    assert.deepEqual(r.events, ["bound 192.0.2.50"]);
    assert.ok(r.client.stats.refused >= 1);
  });

  it("strict probing: another host holds the offered address → DECLINE, wait 10 s, bind another", function () {
    const net = new Net();
    const r = rig({}, { probe: PROBE_STRICT }, undefined, 2, net);
    net.node(9, "192.0.2.50/24");
    bound(r, 200000);
    assert.deepEqual(r.server.declined, [ip("192.0.2.50")]);
    assert.deepEqual(r.events, ["declined 192.0.2.50", "bound 192.0.2.51"]);
    const decline = r.server.ofType(4)[0];
    assert.equal(decline.options.get(54)!.readUInt32BE(0), ip("192.0.2.1"));
    const next = r.server.ofType(1).filter((x) => x.at > decline.at)[0];
    assert.ok(next.at - decline.at >= 10000, "waited before starting over");
    assert.equal(r.node.stack.addrs.findOn(r.node.eth, ip("192.0.2.50")), undefined);
  });

  it("quick policy: binds at once and DECLINEs when the address turns out taken while announcing", function () {
    const net = new Net();
    const r = rig({}, { probe: PROBE_QUICK }, undefined, 2, net);
    const squatter = net.node(9);
    bound(r);
    assert.deepEqual(r.events, ["bound 192.0.2.50"]);
    // Another host announces the same address within the defence window.
    squatter.stack.arp.announce(squatter.eth, ip("192.0.2.50"));
    net.clock.advance(10);
    assert.deepEqual(r.events.slice(0, 2), ["bound 192.0.2.50", "declined 192.0.2.50"]);
  });

  it("renews at T1 (unicast, ciaddr set, no server id or requested address)", function () {
    const r = rig({ leaseSecs: 100 });
    bound(r);
    const t0 = r.client.lease.boundAt;
    r.net.clock.advance(49000);
    assert.equal(r.client.state, DHCP_BOUND);
    r.net.clock.advance(2000);
    assert.deepEqual(r.events, ["bound 192.0.2.50", "renewed 192.0.2.50"]);
    const renew = r.server.ofType(3)[1];
    assert.ok(renew.at - t0 >= 50000 && renew.at - t0 < 51000);
    assert.equal(renew.dst, ip("192.0.2.1"));
    assert.equal(renew.ciaddr, ip("192.0.2.50"));
    assert.equal(renew.requested, 0);
    assert.equal(renew.server, 0);
    const ia = r.node.stack.addrs.findOn(r.node.eth, ip("192.0.2.50"))!;
    const refreshed = ia.validUntil - (renew.at + 100000);
    assert.ok(refreshed >= 0 && refreshed <= 2, "lifetimes refreshed from the renewal (one segment round trip later)");
  });

  it("renewal retransmits at half the time to T2, not below 60 s; rebinds at T2 when the server ignores unicast", function () {
    const r = rig({ leaseSecs: 10000, ignoreUnicast: true });
    bound(r);
    const t0 = r.client.lease.boundAt;
    r.net.clock.advance(5000 * 1000 + 500);
    assert.equal(r.client.state, DHCP_RENEWING);
    r.net.clock.advance(3800 * 1000);
    const renewals = r.server
      .ofType(3)
      .slice(1)
      .map((x) => Math.round((x.at - t0) / 1000));
    assert.deepEqual(renewals.slice(0, 3), [5000, 6875, 7813]);
    // At T2 the broadcast REBIND reaches the server, which answers it.
    assert.equal(r.client.state, DHCP_BOUND);
    assert.deepEqual(r.events, ["bound 192.0.2.50", "rebound 192.0.2.50"]);
    const rebind = r.server.ofType(3).find((x) => x.dst === 0xffffffff && x.ciaddr !== 0)!;
    assert.equal(Math.round((rebind.at - t0) / 1000), 8750);
  });

  it("expires when nobody answers: address and route removed, back to discovery", function () {
    const r = rig({ leaseSecs: 100 });
    bound(r);
    r.server.o.silent = true;
    r.net.clock.advance(100000);
    assert.deepEqual(r.events, ["bound 192.0.2.50", "expired 192.0.2.50"]);
    assert.equal(r.node.stack.addrs.findOn(r.node.eth, ip("192.0.2.50")), undefined);
    assert.equal(r.node.stack.routes.lookup(ip("198.51.100.1")), undefined);
    assert.ok(r.client.state === DHCP_SELECTING || r.client.state === DHCP_INIT);
  });

  it("a renewal ACK without mask or router keeps the previous ones", function () {
    const r = rig({ leaseSecs: 100, bareRenewAck: true });
    bound(r);
    r.net.clock.advance(51000);
    assert.deepEqual(r.events, ["bound 192.0.2.50", "renewed 192.0.2.50"]);
    assert.equal(r.node.stack.addrs.findOn(r.node.eth, ip("192.0.2.50"))!.prefixLen, 24);
    assert.equal(r.node.stack.routes.lookup(ip("198.51.100.1"))!.gateway, ip("192.0.2.1"));
  });

  it("INIT-REBOOT after a restart: one REQUEST, one ACK; strict probes the remembered address before use (RFC 5227), quick binds at once", function () {
    const storage = new MemoryStorage(4096);
    const first = rig({}, { probe: PROBE_STRICT }, storage);
    bound(first, 200000);
    // The device restarts: a new stack and client, the same MAC and storage.
    const quick = rig({}, { probe: PROBE_QUICK }, storage);
    quick.server.leases.set("020000000002", ip("192.0.2.50"));
    quick.client.start();
    quick.net.clock.advance(100);
    assert.equal(quick.client.state, DHCP_BOUND);
    const second = rig({}, { probe: PROBE_STRICT }, storage);
    const probes: number[] = [];
    second.net.segment.filter = (f) => {
      const b = f as unknown as Uint8Array;
      if (
        b[12] === 8 &&
        b[13] === 6 &&
        b.subarray(28, 32).join(".") === "0.0.0.0" &&
        b.subarray(38, 42).join(".") === "192.0.2.50"
      )
        probes.push(second.net.clock.now());
      return false;
    };
    second.server.leases.set("020000000002", ip("192.0.2.50"));
    second.client.start();
    second.net.clock.advance(1000);
    assert.equal(second.client.state, DHCP_PROBING, "the remembered address is probed first");
    second.net.clock.advance(10000);
    assert.equal(probes.length, 3, "three ARP probes (RFC 5227 PROBE_NUM)");
    assert.equal(second.client.state, DHCP_BOUND);
    assert.equal(second.server.ofType(1).length, 0);
    assert.equal(second.server.ofType(3).length, 1);
    assert.equal(second.server.ofType(3)[0].requested, ip("192.0.2.50"));
    assert.equal(second.server.ofType(3)[0].server, 0);
  });

  it("INIT-REBOOT NAK (wrong network) and INIT-REBOOT silence both fall back to INIT", function () {
    const storage = new MemoryStorage(4096);
    const first = rig({ pool: ["192.0.2.77"] }, {}, storage);
    bound(first);
    const nak = rig({ pool: ["192.0.2.50"] }, {}, storage);
    bound(nak);
    assert.deepEqual(nak.events, ["nak 0.0.0.0", "bound 192.0.2.50"]);
    const silent = rig({ dropTypes: [3] }, { probe: PROBE_OFF }, storage);
    silent.client.start();
    silent.net.clock.advance(60000);
    assert.equal(silent.server.ofType(3).filter((x) => x.server === 0).length, 3, "three INIT-REBOOT tries");
    assert.ok(silent.server.ofType(1).length >= 1, "then discovery");
  });

  it("a stored lease the wall clock says has ended is not used", function () {
    const storage = new MemoryStorage(4096);
    const first = rig({}, {}, storage);
    bound(first);
    const later = rig({}, {}, storage);
    later.epoch.now += 3601;
    later.client.start();
    later.net.clock.advance(5000);
    assert.equal(later.server.ofType(3).filter((x) => x.server === 0).length, 0);
    assert.ok(later.server.ofType(1).length >= 1);
  });

  it("RELEASE: unicast with ciaddr, the address goes, the stored lease too", function () {
    const r = rig();
    bound(r);
    assert.equal(r.storage.read("dhcp.eth0") !== undefined, true);
    r.client.release();
    r.net.clock.advance(1500);
    assert.deepEqual(r.server.released, [ip("192.0.2.50")]);
    const rel = r.server.ofType(7)[0];
    assert.equal(rel.dst, ip("192.0.2.1"));
    assert.equal(rel.ciaddr, ip("192.0.2.50"));
    // RFC 2131 table 5: no requested-address option (dnsmasq ignores a RELEASE that has one).
    assert.equal(rel.options.has(50), false);
    assert.equal(rel.server, ip("192.0.2.1"));
    assert.deepEqual(r.events, ["bound 192.0.2.50", "released 192.0.2.50"]);
    assert.equal(r.node.stack.addrs.findOn(r.node.eth, ip("192.0.2.50")), undefined);
    assert.equal(r.storage.read("dhcp.eth0"), undefined);
    assert.equal(r.client.state, DHCP_STOPPED);
  });

  it("a lease that goes takes its own default route only: an administrator's through the same router stays", function () {
    const r = rig();
    const st = r.node.stack;
    st.addrs.add(r.node.eth, addrRequest(ip("192.0.2.10"), 24));
    const route = {
      dst: 0,
      prefixLen: 0,
      gateway: ip("192.0.2.1"),
      ifindex: r.node.eth.index,
      protocol: RTPROT_STATIC,
      scope: RT_SCOPE_UNIVERSE,
      metric: 0,
      prefsrc: 0,
    };
    assert.equal(st.routes.add(route, false), 0);
    bound(r);
    r.client.release();
    r.net.clock.advance(1500);
    assert.equal(r.client.state, DHCP_STOPPED);
    const d = st.routes.lookup(ip("198.51.100.1"));
    assert.deepEqual([d?.gateway, d?.protocol], [ip("192.0.2.1"), RTPROT_STATIC]);
  });

  it("INFORM with a static address gets the other options", function () {
    const r = rig();
    r.node.stack.addrs.add(r.node.eth, addrRequest(ip("192.0.2.9"), 24));
    r.client.start();
    r.client.inform();
    r.net.clock.advance(100);
    assert.ok(r.events.includes("informed 192.0.2.9"));
    assert.equal(r.server.ofType(8)[0].ciaddr, ip("192.0.2.9"));
    r.client.stop();
    assert.ok(r.events.indexOf("informed 192.0.2.9") >= 0 && DHCP_EV_INFORMED === 8);
  });

  it("rapid commit (RFC 4039): DISCOVER → ACK, no REQUEST", function () {
    const r = rig({ rapidCommit: true }, { rapidCommit: true });
    bound(r);
    assert.equal(r.server.ofType(3).length, 0);
    assert.ok(r.server.ofType(1)[0].options.has(80));
  });

  it("keeps DNS servers up to its limit, however many come", function () {
    const r = rig({ dns: ["192.0.2.61", "192.0.2.62", "192.0.2.63", "192.0.2.64", "192.0.2.65", "192.0.2.66"] });
    bound(r);
    assert.equal(r.client.lease.dns.length, 3);
  });

  it("accepts OFFER and ACK unicast to the offered address, and does not answer pings to it before binding", function () {
    const r = rig({ unicastReplies: true }, { probe: PROBE_OFF, initDelayMaxMs: 0 });
    r.client.start();
    r.net.clock.advance(1);
    assert.equal(r.client.state, DHCP_SELECTING);
    r.net.clock.advance(100);
    assert.equal(r.client.state, DHCP_BOUND);
    assert.equal(r.node.eth.acceptUdpToAny, false, "only while unconfigured");
  });

  it("T1/T2 out of order fall back to 0.5 / 0.875 of the lease", function () {
    const r = rig({ leaseSecs: 1000, t1: 900, t2: 800 });
    bound(r);
    assert.equal(r.client.lease.t1Secs, 500);
    assert.equal(r.client.lease.t2Secs, 875);
    const ok = rig({ leaseSecs: 1000, t1: 300, t2: 600 });
    bound(ok);
    assert.equal(ok.client.lease.t1Secs, 300);
    assert.equal(ok.client.lease.t2Secs, 600);
  });

  it("refuses replies with a server off the offered subnet, or offering a non-host address", function () {
    for (const o of [
      { serverIdOverride: ip("198.51.100.1") },
      { pool: ["127.0.0.5"] },
      { pool: ["224.0.0.5"] },
      { pool: ["0.0.0.0"] },
      { serverIdOverride: 0 },
    ] as Partial<ServerOptions>[]) {
      const r = rig(o);
      r.client.start();
      r.net.clock.advance(30000);
      assert.notEqual(r.client.state, DHCP_BOUND, JSON.stringify(o));
      assert.ok(r.client.stats.refused >= 1);
      assert.deepEqual(r.events, []);
    }
  });

  it("re-verifies its lease after the link comes back (INIT-REBOOT), keeping the address", function () {
    const r = rig();
    bound(r);
    r.node.mac.setCarrier(false);
    r.node.mac.setCarrier(true); // the client hears of it through the stack's link event
    r.net.clock.advance(500);
    assert.equal(r.client.state, DHCP_BOUND);
    const reqs = r.server.ofType(3);
    assert.equal(reqs[reqs.length - 1].requested, ip("192.0.2.50"));
    assert.equal(reqs[reqs.length - 1].server, 0);
    assert.ok(r.node.stack.addrs.findOn(r.node.eth, ip("192.0.2.50")));
  });

  it("30 virtual days of hourly leases: renewals on time, timers and tables flat", function () {
    this.timeout(60000);
    const r = rig({ leaseSecs: 3600 });
    bound(r);
    r.net.clock.advance(86400 * 1000);
    const pendingDay1 = r.net.clock.pending();
    const sizesDay1 = [
      r.node.stack.addrs.list.length,
      r.node.stack.routes.routes.length,
      r.node.eth.lltable!.count(),
      r.server.leases.size,
    ];
    r.net.clock.advance(29 * 86400 * 1000);
    // Every half hour (T1 of an hourly lease) for 30 days.
    assert.ok(r.events.filter((e) => e.startsWith("renewed")).length >= 30 * 48 - 1);
    assert.ok(r.events.every((e) => e.startsWith("bound") || e.startsWith("renewed")));
    assert.equal(r.net.clock.pending(), pendingDay1);
    assert.deepEqual(
      [
        r.node.stack.addrs.list.length,
        r.node.stack.routes.routes.length,
        r.node.eth.lltable!.count(),
        r.server.leases.size,
      ],
      sizesDay1,
    );
    assert.equal(r.client.state, DHCP_BOUND);
    void [
      DHCP_EV_BOUND,
      DHCP_EV_DECLINED,
      DHCP_EV_EXPIRED,
      DHCP_EV_NAK,
      DHCP_EV_REBOUND,
      DHCP_EV_RELEASED,
      DHCP_EV_RENEWED,
      DHCP_REQUESTING,
    ];
  });
  it("a lease of 0 or 1 s is taken as 20 s, and a T1 of 0 raised to 10 s: no DORA or renewal storm", function () {
    for (const [leaseSecs, t1, t2] of [
      [0, null, null],
      [1, null, null],
      [3600, 0, 1],
    ] as const) {
      const r = rig({ leaseSecs, t1, t2 });
      bound(r);
      const sent0 = r.server.seen.length;
      r.net.clock.advance(60000);
      const perMinute = r.server.seen.length - sent0;
      assert.ok(perMinute <= 8, `lease ${leaseSecs} s, T1 ${t1}: ${perMinute} requests in a minute`);
      assert.equal(r.client.state, DHCP_BOUND);
      assert.ok(r.client.lease.leaseSecs >= 20 && r.client.lease.t1Secs >= 10);
    }
  });

  it("leases that keep running out back off before the next DISCOVER, and the backoff is kept across them", function () {
    const r = rig({ leaseSecs: 20, ignoreRenewals: true });
    bound(r);
    r.net.clock.advance(600000);
    const expiries = r.events.filter((e) => e.startsWith("expired")).length;
    const discovers = r.server.ofType(1).length;
    // Without the backoff: one DORA per 20 s lease, 30 in ten minutes.
    assert.ok(expiries >= 4 && expiries <= 12, `${expiries} expiries in 10 min`);
    const boundAt = r.node.log.lines.filter((l) => l.includes(": bound to")).length;
    assert.ok(discovers <= boundAt + 1, `${discovers} DISCOVERs for ${boundAt} leases`);
    // The waits between an expiry and the next DISCOVER grow.
    const times = r.server.seen.map((x) => `${x.type}@${x.at}`);
    void times;
  });

  it("a 60 s lease keeps its address through 10 % loss each way for 3 virtual days (retransmissions scaled to the time left)", function () {
    this.timeout(60000);
    const r = rig({ leaseSecs: 60 });
    bound(r);
    let seed = 12345;
    r.net.segment.filter = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648 < 0.1;
    };
    r.net.clock.advance(3 * 86400 * 1000);
    assert.deepEqual(
      r.events.filter((e) => !e.startsWith("renewed") && !e.startsWith("rebound")),
      ["bound 192.0.2.50"],
    );
    assert.ok(r.net.segment.dropped > 1000, `${r.net.segment.dropped} frames dropped`);
  });

  it("renewing a 60 s lease retransmits at half the time left down to a 64th of the lease, not 60 s", function () {
    const r = rig({ leaseSecs: 60, ignoreUnicast: true });
    bound(r);
    const t0 = r.client.lease.boundAt;
    r.net.clock.advance(52000);
    const renewals = r.server
      .ofType(3)
      .slice(1)
      .filter((x) => x.dst !== 0xffffffff)
      .map((x) => x.at - t0);
    // T1 30 s, T2 52 s: half of what is left each time, at least a 64th of the lease (937 ms), not under 1 s.
    const want = [30000, 41000, 46500, 49250, 50625, 51625];
    assert.equal(renewals.length, want.length, `${renewals}`);
    renewals.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 10, `${renewals}`));
  });

  it("refuses an offer of the subnet's network or broadcast address, and declines one the server ACKs anyway (rapid commit) or its own or the router's", function () {
    for (const bad of ["192.0.2.0", "192.0.2.255"]) {
      const r = rig({ pool: [bad, "192.0.2.50"] });
      r.client.start();
      r.net.clock.advance(60000);
      assert.equal(r.client.state, DHCP_SELECTING, "still looking");
      assert.equal(r.server.ofType(3).length, 0, "no REQUEST for it");
      assert.ok(r.client.stats.refused >= 3);
      assert.match(r.node.log.lines.join("\n"), /is the subnet's (network|broadcast) address/);
    }
    for (const [bad, why] of [
      ["192.0.2.1", "server's own"],
      ["192.0.2.254", "router's"],
      ["192.0.2.255", "broadcast"],
    ] as const) {
      const r = rig({ pool: [bad, "192.0.2.50"], rapidCommit: true, routers: ["192.0.2.254"] }, { rapidCommit: true });
      bound(r, 60000);
      assert.equal(formatIPv4(r.client.lease.addr), "192.0.2.50", bad);
      assert.deepEqual(r.server.declined.map(formatIPv4), [bad]);
      assert.ok(
        r.node.log.lines.some((l) => l.includes(why)),
        why,
      );
      assert.ok(!r.events.includes(`bound ${bad}`));
    }
  });

  it("an ARP flood around T1 does not lose the unicast renewal: the server's entry is pinned, the held RENEW kept", function () {
    const r = rig({ leaseSecs: 600 });
    bound(r);
    const flooder = r.net.node(77, "192.0.2.77/24");
    const t1 = r.client.lease.boundAt + 300000;
    r.net.clock.advance(t1 - 2000 - r.net.clock.now());
    // 2,000 new neighbours a second ask for us, from 2 s before T1 to 3 s after (the table holds 8).
    for (let k = 0; k < 10000; k++) {
      flooder.stack.arp.request(flooder.eth, ip(`192.0.2.${100 + (k % 150)}`), ip("192.0.2.50"), undefined, 0);
      if (k % 2 === 1) r.net.clock.advance(1);
    }
    r.net.clock.advance(1000);
    assert.ok(r.node.eth.lltable!.stats.evictRefused > 1000, "the flood was refused entries");
    assert.deepEqual(r.events, ["bound 192.0.2.50", "renewed 192.0.2.50"]);
    const renew = r.server.ofType(3).find((x) => x.ciaddr !== 0)!;
    assert.ok(renew.at - t1 < 2000, `renewed ${renew.at - t1} ms after T1`);
  });

  describe("an exception at any step of binding, renewing and releasing (a handler cut short, as by running out of memory)", function () {
    // Every call the client makes into the stack, storage, log or its owner is a place a
    // handler can be cut short; the k-th such call throws, once.
    function faulty(r: Rig, k: number): { thrown: () => boolean } {
      let calls = 0;
      let thrown = false;
      const trip = () => {
        if (++calls === k && !thrown) {
          thrown = true;
          throw new Error(`injected fault at call ${k}`);
        }
      };
      const wrap = <T extends object>(o: T, names: (keyof T)[]) => {
        for (const n of names) {
          const f = o[n] as unknown as (...a: unknown[]) => unknown;
          (o as Record<string, unknown>)[n as string] = (...a: unknown[]) => {
            trip();
            return f.apply(o, a);
          };
        }
      };
      const st = r.node.stack;
      wrap(st.addrs, ["add", "remove", "setLifetimes", "findOn"]);
      wrap(st.routes, ["add", "remove", "lookup"]);
      wrap(st.udp, ["send", "alloc"]);
      wrap(st.arp, ["probe", "announce"]);
      wrap(r.storage, ["write", "remove"]);
      wrap(r.node.log, ["write"]);
      r.node.stack.events.add({ dhcp: () => trip() });
      r.net.clock.catchFaults = true;
      return { thrown: () => thrown };
    }
    for (const phase of ["binding", "renewing", "releasing"] as const) {
      it(`${phase}: for every step k, the client keeps a timer armed and ends ${phase === "releasing" ? "released and stopped" : "bound"}`, function () {
        this.timeout(60000);
        let k = 1;
        for (; k < 400; k++) {
          const r = rig({ leaseSecs: 120 }, { probe: PROBE_STRICT });
          if (phase !== "binding") bound(r);
          const f = faulty(r, k);
          try {
            if (phase === "binding") r.client.start();
            if (phase === "renewing") r.client.renew();
            if (phase === "releasing") r.client.release();
          } catch {
            // Thrown into the caller (the control channel's handler, the device's start), which catches it.
          }
          for (
            let t = 0;
            t < 600 &&
            !(phase === "releasing" ? r.client.state === DHCP_STOPPED : r.client.state === DHCP_BOUND && t > 0);
            t++
          ) {
            if (r.client.state !== DHCP_STOPPED)
              assert.ok(
                r.client.timersArmed(),
                `k=${k}: no timer armed in ${r.client.state} at ${r.net.clock.now()} ms`,
              );
            r.net.clock.advance(500);
          }
          if (!f.thrown()) break; // k is past the last call: every step has been tried
          if (phase === "releasing") {
            assert.equal(r.client.state, DHCP_STOPPED, `k=${k}`);
            assert.equal(
              r.node.stack.addrs.findOn(r.node.eth, ip("192.0.2.50")),
              undefined,
              `k=${k}: the address stayed`,
            );
          } else {
            assert.equal(r.client.state, DHCP_BOUND, `k=${k}: ${r.node.log.lines.slice(-6).join(" | ")}`);
            assert.ok(r.node.stack.addrs.findOn(r.node.eth, r.client.lease.addr), `k=${k}: bound without its address`);
            assert.ok(r.client.timersArmed());
          }
        }
        assert.ok(k > 10 && k < 400, `${k - 1} steps tried`);
      });
    }
  });
});
