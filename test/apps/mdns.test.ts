// The mDNS responder on a simulated segment: probing and announcing on the
// RFC's schedule, answers (multicast, QU, legacy unicast, known-answer
// suppression, NSEC), conflicts and renaming, goodbyes, malformed input.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { copy } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { MdnsResponder } from "../../src/apps/mdns";
import { formatIPv4 } from "../../src/net/addr";
import { addrRequest } from "../../src/net/inaddr";
import { joinGroup } from "../../src/net/mcast";
import { UDP_PAYLOAD, type UdpDatagram } from "../../src/net/udp";
import { ip, Net, type Node } from "../net/helpers";
import { encodeName } from "./dns-peer";

const GROUP = ip("224.0.0.251");

interface Rr {
  name: string;
  type: number;
  cls: number;
  ttl: number;
  data: Buffer;
}
interface Msg {
  at: number;
  src: string;
  dst: string;
  sport: number;
  ipTtl: number;
  id: number;
  flags: number;
  questions: { name: string; type: number; cls: number }[];
  answers: Rr[];
  authority: Rr[];
}

function readName(b: Buffer, off: number): [string, number] {
  const labels: string[] = [];
  let p = off;
  let end = -1;
  for (let hops = 0; hops < 20; hops++) {
    const n = b[p];
    if (n === 0) {
      if (end < 0) end = p + 1;
      return [labels.join("."), end];
    }
    if (n >= 0xc0) {
      if (end < 0) end = p + 2;
      p = ((n & 0x3f) << 8) | b[p + 1];
      continue;
    }
    labels.push(b.subarray(p + 1, p + 1 + n).toString("latin1"));
    p += n + 1;
  }
  throw new Error("name loop");
}

function parse(b: Buffer): Omit<Msg, "at" | "src" | "dst" | "sport" | "ipTtl"> {
  const counts = [b.readUInt16BE(4), b.readUInt16BE(6), b.readUInt16BE(8), b.readUInt16BE(10)];
  let p = 12;
  const questions: Msg["questions"] = [];
  for (let i = 0; i < counts[0]; i++) {
    const [name, e] = readName(b, p);
    questions.push({ name, type: b.readUInt16BE(e), cls: b.readUInt16BE(e + 2) });
    p = e + 4;
  }
  const rrs = (n: number): Rr[] => {
    const out: Rr[] = [];
    for (let i = 0; i < n; i++) {
      const [name, e] = readName(b, p);
      const len = b.readUInt16BE(e + 8);
      out.push({
        name,
        type: b.readUInt16BE(e),
        cls: b.readUInt16BE(e + 2),
        ttl: b.readUInt32BE(e + 4),
        data: b.subarray(e + 10, e + 10 + len),
      });
      p = e + 10 + len;
    }
    return out;
  };
  const answers = rrs(counts[1]);
  const authority = rrs(counts[2]);
  return { id: b.readUInt16BE(0), flags: b.readUInt16BE(2), questions, answers, authority };
}

/** A host that listens to the group (and to its own port 5353) and sends what the test builds. */
function listener(net: Net, node: Node) {
  const heard: Msg[] = [];
  const onPort = (d: UdpDatagram) => {
    const b = Buffer.from((d.f as unknown as Uint8Array).subarray(d.off, d.off + d.n));
    // The IP header's TTL: 9 bytes into the header, which ends 28 bytes before the payload.
    const ipTtl = (d.f as unknown as Uint8Array)[d.off - 28 + 8];
    heard.push({
      at: net.clock.now(),
      src: formatIPv4(d.src),
      dst: formatIPv4(d.dst),
      sport: d.srcPort,
      ipTtl,
      ...parse(b),
    });
  };
  joinGroup(node.eth, GROUP);
  node.stack.udp.bind(5353, onPort, undefined);
  return {
    heard,
    send(msg: Buffer, to = "224.0.0.251", sport = 5353, dport = 5353) {
      const f = node.stack.udp.alloc(msg.length);
      copy(f, UDP_PAYLOAD, msg as unknown as Bytes, 0, msg.length);
      return node.stack.udp.send(f, msg.length, -1, sport, ip(to), dport, node.eth);
    },
    bindLegacy(port: number) {
      node.stack.udp.bind(port, onPort, undefined);
    },
  };
}

function query(
  name: string,
  type = 1,
  opts: { qu?: boolean; id?: number; known?: Buffer[]; authority?: Buffer[] } = {},
): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(opts.id ?? 0, 0);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(opts.known?.length ?? 0, 6);
  h.writeUInt16BE(opts.authority?.length ?? 0, 8);
  const q = Buffer.concat([encodeName(name), Buffer.from([0, type, opts.qu ? 0x80 : 0, 1])]);
  return Buffer.concat([h, q, ...(opts.known ?? []), ...(opts.authority ?? [])]);
}

function aRecord(name: string, addr: string, ttl = 120, cls = 0x8001): Buffer {
  const h = Buffer.alloc(10);
  h.writeUInt16BE(1, 0);
  h.writeUInt16BE(cls, 2);
  h.writeUInt32BE(ttl, 4);
  h.writeUInt16BE(4, 8);
  return Buffer.concat([encodeName(name), h, Buffer.from(addr.split(".").map(Number))]);
}

function response(records: Buffer[]): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(0x8400, 2);
  h.writeUInt16BE(records.length, 6);
  return Buffer.concat([h, ...records]);
}

function device(net: Net, last: number, cidr: string | undefined, name: string) {
  const node = net.node(last, cidr);
  const names: string[] = [];
  const r = new MdnsResponder(node.stack, node.eth, name, (n) => names.push(n));
  return { node, r, names };
}

/** A peer listening on 10.0.0.9 and a device 10.0.0.1 that has announced "sensor"; what the peer heard so far is cleared. */
function announced() {
  const net = new Net();
  const peer = listener(net, net.node(9, "10.0.0.9/24"));
  const d = device(net, 1, "10.0.0.1/24", "sensor");
  d.r.start();
  net.clock.advance(5000);
  peer.heard.length = 0;
  return { net, peer, d };
}

const addrOf = (m: Msg) => Array.from(m.answers[0].data).join(".");

describe("mDNS responder", () => {
  it("probes three times 250 ms apart, then announces twice a second apart", () => {
    const net = new Net();
    const peer = listener(net, net.node(9, "10.0.0.9/24"));
    const d = device(net, 1, "10.0.0.1/24", "sensor");
    assert.equal(d.r.start(), 0);
    net.clock.advance(5000);
    const probes = peer.heard.filter((m) => (m.flags & 0x8000) === 0);
    const announcements = peer.heard.filter((m) => (m.flags & 0x8000) !== 0);
    assert.equal(probes.length, 3);
    assert.ok(probes[0].at <= 250 + 2);
    assert.deepEqual(
      probes.slice(1).map((p, i) => p.at - probes[i].at),
      [250, 250],
    );
    for (const p of probes) {
      assert.deepEqual(p.questions, [{ name: "sensor.local", type: 255, cls: 0x8001 }], "ANY, QU");
      assert.equal(p.authority.length, 1);
      assert.deepEqual(
        [p.authority[0].name, p.authority[0].type, p.authority[0].cls, p.authority[0].ttl],
        ["sensor.local", 1, 1, 120],
      );
      assert.equal(p.dst, "224.0.0.251");
      assert.equal(p.sport, 5353);
      assert.equal(p.ipTtl, 255, "IP TTL 255 (RFC 6762 11)");
    }
    assert.equal(announcements.length, 2);
    assert.equal(announcements[1].at - announcements[0].at, 1000);
    assert.ok(announcements[0].at - probes[2].at >= 250);
    for (const a of announcements) {
      assert.equal(a.flags, 0x8400, "response, authoritative");
      assert.equal(a.id, 0);
      assert.deepEqual(a.questions, []);
      assert.deepEqual(
        [a.answers[0].name, a.answers[0].type, a.answers[0].cls, a.answers[0].ttl],
        ["sensor.local", 1, 0x8001, 120],
        "cache-flush",
      );
      assert.equal(addrOf(a), "10.0.0.1");
    }
    assert.deepEqual(d.names, ["sensor"]);
    assert.ok(d.r.ready());
  });

  it("answers A queries: multicast, QU unicast, legacy unicast with id and question; known answers suppress", () => {
    const { net, peer } = announced();

    peer.send(query("SENSOR.local"));
    net.clock.advance(10);
    assert.equal(peer.heard.length, 1);
    assert.equal(peer.heard[0].dst, "224.0.0.251");
    assert.equal(addrOf(peer.heard[0]), "10.0.0.1");

    net.clock.advance(1000);
    peer.send(query("sensor.local", 1, { qu: true }));
    net.clock.advance(10);
    assert.equal(peer.heard[1].dst, "10.0.0.9", "QU: unicast");
    assert.equal(peer.heard[1].answers[0].cls, 0x8001);

    peer.bindLegacy(40000);
    peer.send(query("sensor.local", 1, { id: 0x1234 }), "224.0.0.251", 40000);
    net.clock.advance(10);
    const legacy = peer.heard[2];
    assert.equal(legacy.dst, "10.0.0.9");
    assert.equal(legacy.id, 0x1234);
    assert.deepEqual(legacy.questions, [{ name: "sensor.local", type: 1, cls: 1 }]);
    assert.deepEqual([legacy.answers[0].cls, legacy.answers[0].ttl], [1, 10], "no cache-flush, TTL 10");

    net.clock.advance(2000);
    peer.send(query("sensor.local", 1, { known: [aRecord("sensor.local", "10.0.0.1", 100)] }));
    net.clock.advance(10);
    assert.equal(peer.heard.length, 3, "a known answer with over half its TTL left: no answer");
    peer.send(query("sensor.local", 1, { known: [aRecord("sensor.local", "10.0.0.1", 30)] }));
    net.clock.advance(10);
    assert.equal(peer.heard.length, 4, "one with under half left is refreshed");

    peer.send(query("other.local"));
    net.clock.advance(2000);
    assert.equal(peer.heard.length, 4, "another name: silence");
  });

  it("multicasts an answer at most once a second", () => {
    const { net, peer } = announced();
    peer.send(query("sensor.local"));
    net.clock.advance(100);
    peer.send(query("sensor.local"));
    net.clock.advance(100);
    assert.equal(peer.heard.length, 1);
    net.clock.advance(1000);
    peer.send(query("sensor.local"));
    net.clock.advance(10);
    assert.equal(peer.heard.length, 2);
  });

  it("a question for another type of our name gets an NSEC saying only A exists", () => {
    const { net, peer } = announced();
    peer.send(query("sensor.local", 28));
    net.clock.advance(10);
    const [m] = peer.heard;
    assert.equal(m.answers[0].type, 47);
    const [next, e] = readName(m.answers[0].data, 0);
    assert.equal(next, "sensor.local");
    assert.deepEqual([...m.answers[0].data.subarray(e)], [0, 1, 0x40]);
  });

  it("a name another host answers for is not taken: it becomes name-2", () => {
    const net = new Net();
    const peer = listener(net, net.node(9, "10.0.0.9/24"));
    const first = device(net, 1, "10.0.0.1/24", "sensor");
    first.r.start();
    net.clock.advance(5000);
    const second = device(net, 2, "10.0.0.2/24", "sensor");
    second.r.start();
    net.clock.advance(5000);
    assert.deepEqual(first.names, ["sensor"]);
    assert.deepEqual(second.names, ["sensor-2"]);
    assert.equal(second.r.name, "sensor-2");
    assert.equal(second.r.stats.conflicts, 1);
    peer.heard.length = 0;
    peer.send(query("sensor-2.local"));
    net.clock.advance(10);
    assert.equal(addrOf(peer.heard[0]), "10.0.0.2");
  });

  it("two hosts probing at once: the later data keeps the name (8.2)", () => {
    const net = new Net();
    const a = device(net, 1, "10.0.0.1/24", "twin");
    const b = device(net, 2, "10.0.0.2/24", "twin");
    a.r.start();
    b.r.start();
    net.clock.advance(10000);
    assert.deepEqual(b.names, ["twin"], "10.0.0.2 is lexicographically later");
    assert.deepEqual(a.names, ["twin-2"]);
  });

  it("another host's response for our name after we announced: probe again, and rename if it holds", () => {
    const net = new Net();
    const peer = listener(net, net.node(9, "10.0.0.9/24"));
    const d = device(net, 1, "10.0.0.1/24", "sensor");
    d.r.start();
    net.clock.advance(5000);
    // The other host keeps claiming the name: it answers every probe.
    let claims = 0;
    const claim = () => {
      claims++;
      peer.send(response([aRecord("sensor.local", "10.0.0.9")]));
    };
    claim();
    for (let t = 0; t < 3000; t += 50) {
      net.clock.advance(50);
      const probe = peer.heard.find(
        (m) =>
          (m.flags & 0x8000) === 0 &&
          m.questions[0]?.name === "sensor.local" &&
          m.at > 5000 &&
          m.at >= net.clock.now() - 50,
      );
      if (probe !== undefined && claims < 3) claim();
    }
    assert.equal(d.r.name, "sensor-2");
  });

  it("says goodbye (TTL 0) from the address being removed, and announces a new one", () => {
    const { net, peer, d } = announced();
    assert.equal(d.node.stack.addrs.remove(d.node.eth, ip("10.0.0.1"), false), 0);
    net.clock.advance(10);
    assert.equal(peer.heard.length, 1);
    assert.equal(peer.heard[0].answers[0].ttl, 0);
    assert.equal(peer.heard[0].src, "10.0.0.1");
    assert.equal(addrOf(peer.heard[0]), "10.0.0.1");
    d.node.stack.addrs.add(d.node.eth, addrRequest(ip("10.0.0.7"), 24));
    net.clock.advance(5000);
    const last = peer.heard[peer.heard.length - 1];
    assert.equal(addrOf(last), "10.0.0.7");
    assert.equal(last.answers[0].ttl, 120);
  });

  it("stop() sends a goodbye and leaves the group", () => {
    const { net, peer, d } = announced();
    d.r.stop();
    net.clock.advance(10);
    assert.equal(peer.heard.length, 1);
    assert.equal(peer.heard[0].answers[0].ttl, 0);
    peer.send(query("sensor.local"));
    net.clock.advance(1000);
    assert.equal(peer.heard.length, 1, "no answer after stop");
    assert.deepEqual(d.node.eth.groups, [], "the group is left");
  });

  it("waits for an address, and probes again when the link comes back", () => {
    const net = new Net();
    const peer = listener(net, net.node(9, "10.0.0.9/24"));
    const d = device(net, 1, undefined, "sensor");
    d.r.start();
    net.clock.advance(5000);
    assert.equal(peer.heard.length, 0);
    d.node.stack.addrs.add(d.node.eth, addrRequest(ip("10.0.0.1"), 24));
    net.clock.advance(5000);
    assert.equal(peer.heard.length, 5);
    d.node.mac.setCarrier(false);
    net.clock.advance(100);
    d.node.mac.setCarrier(true);
    net.clock.advance(5000);
    assert.equal(peer.heard.length, 10, "probed and announced again");
  });

  it("malformed messages are dropped and counted; any bytes leave it answering", () => {
    const net = new Net();
    const peer = listener(net, net.node(9, "10.0.0.9/24"));
    const d = device(net, 1, "10.0.0.1/24", "sensor");
    d.r.start();
    net.clock.advance(5000);
    const loop = Buffer.concat([
      Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
      Buffer.from([0xc0, 12, 0, 1, 0, 1]),
    ]);
    peer.send(loop);
    net.clock.advance(10);
    assert.equal(d.r.stats.dropped, 1);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        peer.send(Buffer.from(junk));
        net.clock.advance(1100);
      }),
      { numRuns: 300 },
    );
    peer.heard.length = 0;
    net.clock.advance(1100);
    peer.send(query("sensor.local"));
    net.clock.advance(10);
    assert.equal(peer.heard.length, 1);
    assert.equal(d.r.name, "sensor");
  });
});
