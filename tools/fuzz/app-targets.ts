// Fuzz targets for the device's services: the DNS resolver, the SNTP
// client and the mDNS responder, each on a simulated segment with a peer
// that sends the fuzzed bytes as its UDP payload, the way a bad server or
// a bad neighbour would, with the invariants each must keep.
import { copy, len } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { defaultResolverConfig, DNS_ECANCELLED, DNS_OK, Resolver, hostKey } from "../../src/apps/dns";
import { MdnsResponder } from "../../src/apps/mdns";
import { defaultSntpConfig, SntpClient } from "../../src/apps/sntp";
import { joinGroup } from "../../src/net/mcast";
import { UDP_PAYLOAD, type UdpDatagram } from "../../src/net/udp";
import { dnsNameIs, dnsNameText, dnsSkipName } from "../../src/wire/dns";
import { a, encodeName, ptr, type Query, build, parseQuery } from "../../test/apps/dns-peer";
import { ip, Net, type Node } from "../../test/net/helpers";
import type { Rng, Seed } from "./mutate";
import { Broken, type Target } from "./targets";

function must(ok: boolean, what: string): void {
  if (!ok) throw new Broken(what);
}

const payloadOf = (d: UdpDatagram): Buffer => Buffer.from((d.f as unknown as Uint8Array).subarray(d.off, d.off + d.n));

/** Sends `payload` from `from`'s port `sport` to dst:dport (a fresh frame). */
function sendFrom(from: Node, payload: Uint8Array, sport: number, dst: number, dport: number): void {
  const f = from.stack.udp.alloc(payload.length);
  copy(f, UDP_PAYLOAD, payload as unknown as Bytes, 0, payload.length);
  from.stack.udp.send(f, payload.length, -1, sport, dst, dport, from.eth);
}

/** The DNS header's count fields, for the mutator's interesting values. */
const DNS_FIELDS = [4, 6, 8, 10].map((off) => ({ off, width: 2, little: false }));

const QUESTION: Query = {
  id: 0,
  flags: 0,
  name: "x.example",
  type: 1,
  cls: 1,
  question: Buffer.concat([encodeName("x.example"), Buffer.from([0, 1, 0, 1])]),
  from: 0,
  port: 0,
};

function dnsSeeds(): Seed[] {
  const A = 1;
  const CNAME = 5;
  const replies = [
    build(QUESTION, { answers: [{ name: 12, type: A, ttl: 60, data: a("10.0.0.7") }] }),
    build(QUESTION, {
      answers: [
        { name: 12, type: CNAME, ttl: 60, data: Buffer.concat([Buffer.from([1, 0x62]), ptr(14)]) },
        { name: 39, type: A, ttl: 30, data: a("10.0.0.8") },
      ],
    }),
    build(QUESTION, { answers: [{ name: 12, type: CNAME, ttl: 60, data: encodeName("y.example") }] }),
    build(QUESTION, { rcode: 3 }),
    build(QUESTION, { rcode: 2 }),
    build(QUESTION, { flags: 0x8380, answers: [{ name: 12, type: A, ttl: 60, data: a("10.0.0.9") }] }),
    build(QUESTION, { answers: [{ name: 12, type: 28, ttl: 60, data: Buffer.alloc(16) }] }),
  ];
  return replies.map((b) => ({ bytes: Uint8Array.from(b), fields: DNS_FIELDS }));
}

interface DnsRig {
  net: Net;
  dev: Node;
  server: Node;
  resolver: Resolver;
  last: Query | undefined;
  /** Callbacks per lookup started: each must run once. */
  calls: number[];
  started: number;
}

function dnsRig(): DnsRig {
  const net = new Net(0);
  const dev = net.node(1, "10.0.0.1/24");
  const server = net.node(53, "10.0.0.53/24");
  const r: DnsRig = {
    net,
    dev,
    server,
    resolver: new Resolver(dev.stack, () => [ip("10.0.0.53")], defaultResolverConfig()),
    last: undefined,
    calls: [],
    started: 0,
  };
  server.stack.udp.bind(
    53,
    (d) => (r.last = { ...parseQueryish(payloadOf(d)), from: d.src, port: d.srcPort }),
    undefined,
  );
  return r;
}

/** Our own query, read back by the test peer (it is well-formed: the resolver wrote it). */
function parseQueryish(b: Buffer): Query {
  const q = parseQuery(b);
  must(
    dnsSkipName(b as unknown as Bytes, 12, b.length) === 12 + q.question.length - 4,
    "our query's name is well-formed",
  );
  return q;
}

const dnsTarget = (): Target => {
  let r = dnsRig();
  const lookup = (): void => {
    const n = r.started++;
    r.calls.push(0);
    // Mostly the seeds' question; now and then another name (a question that does not match).
    r.resolver.lookup(n % 8 === 7 ? "y.example" : "x.example", (err, addr, ttl) => {
      r.calls[n]++;
      must(err >= DNS_OK && err <= DNS_ECANCELLED, "a known outcome");
      if (err === DNS_OK) must(Number.isInteger(addr) && addr >= 0 && addr <= 0xffffffff, "an address is u32");
      must(Number.isInteger(ttl) && ttl >= 0 && ttl <= 86400, "a TTL within the cap");
    });
  };
  return {
    name: "dns",
    what: "DNS resolver (replies to its queries, names with compression)",
    seeds: dnsSeeds,
    reset: () => {
      r = dnsRig();
    },
    run(input: Uint8Array, rng: Rng) {
      const m = input as unknown as Bytes;
      // The name readers alone, anywhere in the input.
      const off = input.length > 0 ? rng.below(input.length + 1) : 0;
      const e = dnsSkipName(m, off, input.length);
      must(e === -1 || (e > off && e <= input.length), "a name ends inside the message, after it starts");
      const t = dnsNameText(m, off, input.length);
      if (t !== undefined)
        must(e >= 0 && t.length <= 253 && dnsNameIs(m, off, input.length, t), "a name's text reads back");
      // Then the resolver: a lookup waiting, the input as the server's reply, its id most of the time.
      if (r.calls.every((c) => c === 1)) lookup();
      r.net.clock.advance(1);
      const q = r.last;
      if (q === undefined) return;
      const reply = Uint8Array.from(input);
      if (reply.length >= 2 && rng.below(8) !== 0) {
        reply[0] = q.id >> 8;
        reply[1] = q.id & 255;
      }
      sendFrom(r.server, reply, rng.below(16) === 0 ? 5353 : 53, q.from, q.port);
      r.net.clock.advance(rng.below(4) === 0 ? 1500 : 2);
      must(
        r.calls.every((c) => c <= 1),
        "each lookup's callback runs once at most",
      );
      must(r.net.clock.pending() < 16, "timers do not pile up");
      const st = r.resolver.stats;
      must(st.replies + st.dropped <= st.queries * 64 + 1_000_000, "counters stay sane");
    },
  };
};

// --- SNTP ----------------------------------------------------------------------------

const NTP_EPOCH = 2208988800;

function ntpSeeds(): Seed[] {
  const good = (first: number, stratum: number, refid = "GPS\0"): Uint8Array => {
    const b = Buffer.alloc(48);
    b[0] = first;
    b[1] = stratum;
    b.writeUInt32BE(0x100, 4);
    b.writeUInt32BE(0x100, 8);
    b.write(refid, 12, "latin1");
    b.writeUInt32BE((1_800_000_000 + NTP_EPOCH) % 2 ** 32, 32);
    b.writeUInt32BE((1_800_000_000 + NTP_EPOCH) % 2 ** 32, 40);
    return Uint8Array.from(b);
  };
  const fields = [
    { off: 4, width: 4, little: false },
    { off: 8, width: 4, little: false },
  ];
  return [
    good(0x24, 2),
    good(0x1c, 1),
    good(0x24, 0, "RATE"),
    good(0x24, 0, "DENY"),
    good(0xe4, 2),
    good(0x24, 16),
  ].map((bytes) => ({ bytes, fields }));
}

const sntpTarget = (): Target => {
  const make = () => {
    const net = new Net(0);
    const dev = net.node(1, "10.0.0.1/24");
    const server = net.node(123, "10.0.0.123/24");
    const walls: number[] = [];
    const client = new SntpClient(
      dev.stack,
      () => [ip("10.0.0.123")],
      (w) => walls.push(w),
      defaultSntpConfig(),
      undefined,
    );
    const s = { net, dev, server, client, walls, nonce: Buffer.alloc(8), port: 0, fresh: false };
    server.stack.udp.bind(
      123,
      (d) => {
        s.nonce = Buffer.from(payloadOf(d).subarray(40, 48));
        s.port = d.srcPort;
        s.fresh = true;
      },
      undefined,
    );
    client.start();
    net.clock.advance(1);
    return s;
  };
  let s = make();
  return {
    name: "sntp",
    what: "SNTP client (replies to its requests)",
    seeds: ntpSeeds,
    reset: () => {
      s = make();
    },
    run(input: Uint8Array, rng: Rng) {
      if (!s.fresh) {
        s.client.start();
        s.net.clock.advance(1);
      }
      if (!s.fresh) return;
      s.fresh = false;
      const reply = Uint8Array.from(input);
      if (reply.length >= 32 && rng.below(8) !== 0) reply.set(s.nonce, 24);
      const wasSynced = s.client.synced();
      const walls = s.walls.length;
      sendFrom(s.server, reply, 123, ip("10.0.0.1"), s.port);
      s.net.clock.advance(1);
      if (s.walls.length > walls) {
        // Believed: a synchronized server's answer to this request.
        must(reply.length >= 48, "a reply of 48 bytes at least");
        must(Buffer.from(reply.subarray(24, 32)).equals(s.nonce), "the origin was our nonce");
        must(
          (reply[0] & 7) === 4 && reply[1] >= 1 && reply[1] <= 15 && reply[0] >> 6 !== 3,
          "mode 4, stratum 1..15, no alarm",
        );
        must(Number.isFinite(s.walls[s.walls.length - 1]), "a finite time");
        must(s.client.synced(), "synced after an answer");
      } else must(s.client.synced() === wasSynced, "a refused reply changes nothing");
      must(s.net.clock.pending() < 16, "timers do not pile up");
    },
  };
};

// --- mDNS ------------------------------------------------------------------------------

function mdnsSeeds(): Seed[] {
  const q = (name: string, type: number, extra: Buffer[] = [], counts = [1, 0, 0, 0], flags = 0): Uint8Array => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(flags, 2);
    counts.forEach((c, i) => h.writeUInt16BE(c, 4 + 2 * i));
    return Uint8Array.from(Buffer.concat([h, encodeName(name), Buffer.from([0, type, 0, 1]), ...extra]));
  };
  const aRecord = (name: string | number, addr: string, ttl: number): Buffer => {
    const h = Buffer.alloc(10);
    h.writeUInt16BE(1, 0);
    h.writeUInt16BE(0x8001, 2);
    h.writeUInt32BE(ttl, 4);
    h.writeUInt16BE(4, 8);
    return Buffer.concat([typeof name === "number" ? ptr(name) : encodeName(name), h, a(addr)]);
  };
  const response = (records: Buffer[]): Uint8Array => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(0x8400, 2);
    h.writeUInt16BE(records.length, 6);
    return Uint8Array.from(Buffer.concat([h, ...records]));
  };
  const fields = DNS_FIELDS;
  return [
    q("sensor.local", 1),
    q("sensor.local", 255),
    q("sensor.local", 28),
    q("sensor.local", 1, [aRecord(12, "10.0.0.1", 120)], [1, 1, 0, 0]),
    q("sensor.local", 255, [aRecord(12, "10.0.0.9", 120)], [1, 0, 1, 0]),
    response([aRecord("sensor.local", "10.0.0.9", 120)]),
    response([aRecord("sensor.local", "10.0.0.1", 0)]),
  ].map((bytes) => ({ bytes, fields }));
}

const mdnsTarget = (): Target => {
  const make = () => {
    const net = new Net(0);
    const dev = net.node(1, "10.0.0.1/24");
    const peer = net.node(9, "10.0.0.9/24");
    const sent: Buffer[] = [];
    joinGroup(peer.eth, ip("224.0.0.251"));
    peer.stack.udp.bind(5353, (d) => sent.push(payloadOf(d)), undefined);
    const responder = new MdnsResponder(dev.stack, dev.eth, "sensor", undefined);
    responder.start();
    net.clock.advance(5000);
    sent.splice(0, sent.length);
    return { net, dev, peer, responder, sent };
  };
  let s = make();
  return {
    name: "mdns",
    what: "mDNS responder (queries and responses from a neighbour)",
    seeds: mdnsSeeds,
    reset: () => {
      s = make();
    },
    run(input: Uint8Array, rng: Rng) {
      const port = rng.below(8) === 0 ? 40000 + rng.below(100) : 5353;
      sendFrom(s.peer, input, port, ip("224.0.0.251"), 5353);
      s.net.clock.advance(rng.below(4) === 0 ? 1100 : 5);
      const name = s.responder.name;
      must(hostKey(name) === name && name.length <= 63, "the name stays one valid label");
      for (const m of s.sent) {
        // What it sends is well-formed: the counts match what follows, every name reads.
        const b = m as unknown as Bytes;
        let p = 12;
        const qd = m.readUInt16BE(4);
        const rr = m.readUInt16BE(6) + m.readUInt16BE(8) + m.readUInt16BE(10);
        for (let i = 0; i < qd; i++) {
          p = dnsSkipName(b, p, len(b));
          must(p > 0, "its question's name reads");
          p += 4;
        }
        for (let i = 0; i < rr; i++) {
          must(dnsNameText(b, p, len(b)) !== undefined, "its record's name reads");
          p = dnsSkipName(b, p, len(b)) + 10;
          p += m.readUInt16BE(p - 2);
        }
        must(p === m.length, "nothing after its last record");
      }
      s.sent.splice(0, s.sent.length);
      must(s.net.clock.pending() < 16, "timers do not pile up");
    },
  };
};

export function appTargets(): Target[] {
  return [dnsTarget(), sntpTarget(), mdnsTarget()];
}
