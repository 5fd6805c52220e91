// The DNS wire readers (names, compression, every malformation) and the stub
// resolver on a simulated segment against a scripted server.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { Bytes } from "../../hal/types";
import {
  DNS_EBADNAME,
  DNS_EBUSY,
  DNS_ELOOP,
  DNS_ENODATA,
  DNS_ENOSERVER,
  DNS_ENOTFOUND,
  DNS_ESERVFAIL,
  DNS_ETIMEOUT,
  DNS_ETRUNC,
  DNS_OK,
  defaultResolverConfig,
  hostKey,
  Resolver,
} from "../../src/apps/dns";
import { formatIPv4 } from "../../src/net/addr";
import { dnsNameIs, dnsNameText, dnsPutName, dnsSkipName } from "../../src/wire/dns";
import { ip, Net, type Node } from "../net/helpers";
import { a, encodeName, ptr, type Query, type Reply, sendReply, serveDns } from "./dns-peer";

const bytes = (b: Buffer): Bytes => new Uint8Array(b) as unknown as Bytes;

describe("DNS names on the wire", () => {
  it("writes and reads a name, ignoring case on compare", () => {
    const m = new Uint8Array(64) as unknown as Bytes;
    const end = dnsPutName(m, 2, 64, "Sensor-1.Example.com");
    assert.equal(end, 2 + 22);
    assert.equal(dnsSkipName(m, 2, 64), end);
    assert.equal(dnsNameText(m, 2, 64), "sensor-1.example.com");
    assert.ok(dnsNameIs(m, 2, 64, "SENSOR-1.example.COM"));
    assert.ok(!dnsNameIs(m, 2, 64, "sensor-1.example"));
    assert.ok(!dnsNameIs(m, 2, 64, "sensor-1.example.com.au"));
    assert.equal(dnsPutName(m, 0, 64, ""), 1);
    assert.equal(dnsNameText(m, 0, 64), "");
  });

  it("refuses names it cannot write", () => {
    const m = new Uint8Array(300) as unknown as Bytes;
    assert.equal(dnsPutName(m, 0, 300, "a..b"), -1);
    assert.equal(dnsPutName(m, 0, 300, "x".repeat(64)), -1);
    assert.equal(
      dnsPutName(m, 0, 300, ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join(".")),
      255,
    );
    assert.equal(dnsPutName(m, 0, 300, ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(62)].join(".")), -1);
    assert.equal(dnsPutName(m, 0, 10, "example.com"), -1);
  });

  it("follows compression pointers backwards only", () => {
    // "example.com" at 0, "www" + pointer to 0 at 13, "a" + pointer to 13 at 19.
    const b = Buffer.concat([
      encodeName("example.com"),
      Buffer.from([3, 0x77, 0x77, 0x77]),
      ptr(0),
      Buffer.from([1, 0x61]),
      ptr(13),
    ]);
    const m = bytes(b);
    assert.equal(dnsNameText(m, 13, b.length), "www.example.com");
    assert.equal(dnsNameText(m, 19, b.length), "a.www.example.com");
    assert.equal(dnsSkipName(m, 19, b.length), b.length);
    assert.ok(dnsNameIs(m, 19, b.length, "A.WWW.example.com"));
  });

  it("refuses every malformed name", () => {
    const bad: [string, Buffer, number][] = [
      ["a pointer to itself", ptr(0), 0],
      ["a pointer forwards", Buffer.concat([ptr(2), encodeName("x")]), 0],
      ["two pointers in a cycle", Buffer.concat([Buffer.from([1, 0x61]), ptr(4), ptr(0)]), 4],
      // A label that spans the pointer's own bytes: the pointer is behind where the walk started.
      ["a label over a pointer", Buffer.from([4, 0xc0, 0x00, 0x61, 0x62, 0xc0, 0x01]), 5],
      ["a pointer past the end", ptr(200), 0],
      ["a pointer cut short", Buffer.from([0xc0]), 0],
      ["a label past the end", Buffer.from([5, 0x61, 0x62]), 0],
      ["no terminating zero", Buffer.from([1, 0x61]), 0],
      ["the reserved 0x40 label type", Buffer.from([0x41, 0x61, 0]), 0],
      ["the reserved 0x80 label type", Buffer.from([0x81, 0x61, 0]), 0],
      [
        "a name over 255 bytes",
        Buffer.concat([...Array(5).fill(Buffer.concat([Buffer.from([60]), Buffer.alloc(60, 0x61)])), Buffer.from([0])]),
        0,
      ],
      ["an empty buffer", Buffer.alloc(0), 0],
    ];
    for (const [what, b, off] of bad) {
      const m = bytes(b);
      assert.equal(dnsSkipName(m, off, b.length), -1, what);
      assert.equal(dnsNameText(m, off, b.length), undefined, what);
      assert.ok(!dnsNameIs(m, off, b.length, "a"), what);
    }
  });

  it("a name with bytes outside letters, digits, '-' and '_' has no text form", () => {
    const b = Buffer.from([3, 0x61, 0x2e, 0x62, 0]);
    assert.equal(dnsSkipName(bytes(b), 0, b.length), 5);
    assert.equal(dnsNameText(bytes(b), 0, b.length), undefined);
  });

  it("every reader is total over any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(80), (u, off) => {
        const m = u as unknown as Bytes;
        const end = u.length;
        const e = dnsSkipName(m, off, end);
        assert.ok(e === -1 || (e > off && e <= end));
        const t = dnsNameText(m, off, end);
        if (t !== undefined) {
          assert.ok(e >= 0);
          assert.ok(dnsNameIs(m, off, end, t));
          assert.ok(t.length <= 253);
        }
      }),
      { numRuns: 20000 },
    );
  });

  it("host names as lookup keys", () => {
    assert.equal(hostKey("Example.COM."), "example.com");
    assert.equal(hostKey("_sntp._udp.local"), "_sntp._udp.local");
    for (const bad of ["", ".", "a..b", "-a.b", "a-.b", "a b", "a/b", "x".repeat(64), "é.com"])
      assert.equal(hostKey(bad), undefined, bad);
  });
});

interface Rig {
  net: Net;
  dev: Node;
  servers: number[];
  resolver: Resolver;
  lookup(name: string): { err: number; addr: string; ttl: number }[];
}

function rig(servers = ["10.0.0.53"]): Rig {
  const net = new Net();
  const dev = net.node(1, "10.0.0.1/24");
  const list = servers.map(ip);
  const resolver = new Resolver(dev.stack, () => list, defaultResolverConfig());
  return {
    net,
    dev,
    servers: list,
    resolver,
    lookup(name) {
      const out: { err: number; addr: string; ttl: number }[] = [];
      resolver.lookup(name, (err, addr, ttl) => out.push({ err, addr: formatIPv4(addr), ttl }));
      return out;
    },
  };
}

function server(r: Rig, last: number, cidr: string, answer: (q: Query) => Reply | Reply[] | undefined): Query[] {
  const node = r.net.node(last, cidr);
  return serveDns(node, answer);
}

const A = 1;
const CNAME = 5;

describe("the stub resolver", () => {
  it("asks for an A record and answers from the reply, then from its cache", () => {
    const r = rig();
    const seen = server(r, 53, "10.0.0.53/24", (q) => ({
      answers: [{ name: q.name, type: A, ttl: 300, data: a("10.0.0.7") }],
    }));
    const out = r.lookup("printer.lan");
    assert.equal(out.length, 0, "never called before lookup returns");
    r.net.clock.advance(100);
    assert.deepEqual(out, [{ err: DNS_OK, addr: "10.0.0.7", ttl: 300 }]);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].name, "printer.lan");
    assert.equal(seen[0].type, A);
    assert.equal(seen[0].flags & 0x0100, 0x0100, "recursion desired");
    assert.ok(seen[0].port >= 49152, "from an ephemeral port");
    r.net.clock.advance(100_000);
    const again = r.lookup("PRINTER.lan.");
    r.net.clock.advance(1);
    assert.deepEqual(again, [{ err: DNS_OK, addr: "10.0.0.7", ttl: 200 }]);
    assert.equal(seen.length, 1, "from the cache");
    assert.equal(r.resolver.stats.cacheHits, 1);
    r.net.clock.advance(201_000);
    r.lookup("printer.lan");
    r.net.clock.advance(100);
    assert.equal(seen.length, 2, "asked again once the TTL ran out");
  });

  it("a literal address needs no server; a bad name and no server are refused at once", () => {
    const r = rig([]);
    const lit = r.lookup("192.168.1.9");
    const bad = r.lookup("not a name");
    const none = r.lookup("example.com");
    r.net.clock.advance(1);
    assert.deepEqual(lit, [{ err: DNS_OK, addr: "192.168.1.9", ttl: 0 }]);
    assert.equal(bad[0].err, DNS_EBADNAME);
    assert.equal(none[0].err, DNS_ENOSERVER);
  });

  it("follows a CNAME chain within the answer, keeping the smallest TTL", () => {
    const r = rig();
    server(r, 53, "10.0.0.53/24", (q) => ({
      answers: [
        { name: 12, type: CNAME, ttl: 600, data: encodeName("b.example") },
        { name: "c.example", type: A, ttl: 900, data: a("10.9.9.9") },
        { name: "b.example", type: CNAME, ttl: 120, data: encodeName("c.example") },
        { name: q.name, type: 16, ttl: 5, data: Buffer.from("text") },
      ],
    }));
    const out = r.lookup("a.example");
    r.net.clock.advance(100);
    assert.deepEqual(out, [{ err: DNS_OK, addr: "10.9.9.9", ttl: 120 }]);
  });

  it("asks again for a CNAME's target the server did not resolve", () => {
    const r = rig();
    const seen = server(r, 53, "10.0.0.53/24", (q) =>
      q.name === "alias.example"
        ? { answers: [{ name: 12, type: CNAME, ttl: 60, data: encodeName("real.example") }] }
        : { answers: [{ name: 12, type: A, ttl: 60, data: a("10.1.2.3") }] },
    );
    const out = r.lookup("alias.example");
    r.net.clock.advance(100);
    assert.deepEqual(out, [{ err: DNS_OK, addr: "10.1.2.3", ttl: 60 }]);
    assert.deepEqual(
      seen.map((q) => q.name),
      ["alias.example", "real.example"],
    );
    assert.notEqual(seen[0].id, seen[1].id, "a new id for the new question");
  });

  it("a CNAME loop ends in ELOOP, not a hang", () => {
    const r = rig();
    server(r, 53, "10.0.0.53/24", (q) => ({
      answers: [
        { name: 12, type: CNAME, ttl: 60, data: encodeName("x.example") },
        { name: "x.example", type: CNAME, ttl: 60, data: encodeName(q.name) },
      ],
    }));
    const out = r.lookup("loop.example");
    r.net.clock.advance(100);
    assert.equal(out[0].err, DNS_ELOOP);
  });

  it("NXDOMAIN is ENOTFOUND; a name with no A record is ENODATA", () => {
    const r = rig();
    server(r, 53, "10.0.0.53/24", (q) =>
      q.name === "gone.example" ? { rcode: 3 } : { answers: [{ name: 12, type: 28, ttl: 60, data: Buffer.alloc(16) }] },
    );
    const gone = r.lookup("gone.example");
    const v6 = r.lookup("v6only.example");
    // ARP holds one frame per neighbour: the second lookup's first try waits for its retransmission.
    r.net.clock.advance(1500);
    assert.equal(gone[0].err, DNS_ENOTFOUND);
    assert.equal(v6[0].err, DNS_ENODATA);
  });

  it("a failing server is left for the next at once; all failing is ESERVFAIL", () => {
    const r = rig(["10.0.0.53", "10.0.0.54"]);
    const bad = server(r, 53, "10.0.0.53/24", () => ({ rcode: 2 }));
    const good = server(r, 54, "10.0.0.54/24", () => ({
      answers: [{ name: 12, type: A, ttl: 60, data: a("10.0.0.8") }],
    }));
    const out = r.lookup("x.example");
    r.net.clock.advance(100);
    assert.deepEqual(out, [{ err: DNS_OK, addr: "10.0.0.8", ttl: 60 }]);
    assert.equal(bad.length, 1);
    assert.equal(good.length, 1);

    const r2 = rig(["10.0.0.53"]);
    const refused = server(r2, 53, "10.0.0.53/24", () => ({ rcode: 5 }));
    const out2 = r2.lookup("x.example");
    r2.net.clock.advance(100);
    assert.equal(out2[0].err, DNS_ESERVFAIL);
    assert.equal(refused.length, 3, "one try per round");
  });

  it("retransmits round the servers, doubling the wait each round, then ETIMEOUT", () => {
    const r = rig(["10.0.0.53", "10.0.0.54"]);
    const s1 = server(r, 53, "10.0.0.53/24", () => undefined);
    const s2 = server(r, 54, "10.0.0.54/24", () => undefined);
    const at: number[] = [];
    r.net.segment.filter = () => {
      at.push(r.net.clock.now());
      return false;
    };
    const out = r.lookup("x.example");
    r.net.clock.advance(13_999);
    assert.equal(out.length, 0);
    r.net.clock.advance(2);
    assert.equal(out[0].err, DNS_ETIMEOUT);
    assert.equal(s1.length, 3);
    assert.equal(s2.length, 3);
    assert.ok(s1.every((q) => q.id === s1[0].id) && s2.every((q) => q.id === s1[0].id), "one id for every try");
    assert.equal(r.resolver.stats.timeouts, 1);
  });

  it("a late answer to an earlier try is taken", () => {
    const r = rig(["10.0.0.53", "10.0.0.54"]);
    const slow = r.net.node(53, "10.0.0.53/24");
    const first = serveDns(slow, () => undefined);
    const other = server(r, 54, "10.0.0.54/24", () => undefined);
    const out = r.lookup("late.example");
    r.net.clock.advance(1500);
    assert.equal(other.length, 1, "the second server has been asked");
    sendReply(slow, first[0], { answers: [{ name: 12, type: A, ttl: 60, data: a("10.0.0.15") }] });
    r.net.clock.advance(10);
    assert.deepEqual(out, [{ err: DNS_OK, addr: "10.0.0.15", ttl: 60 }]);
  });

  it("believes only a reply with its id and its question, to a query", () => {
    const r = rig(["10.0.0.53"]);
    const bad: Reply[] = [
      { id: -1 }, // replaced below by a wrong id (the real one is random)
      { question: Buffer.concat([encodeName("other.example"), Buffer.from([0, 1, 0, 1])]) },
      { question: Buffer.concat([encodeName("x.example"), Buffer.from([0, 28, 0, 1])]) },
      { question: Buffer.concat([encodeName("x.example"), Buffer.from([0, 1, 0, 3])]) },
      { question: null },
      { flags: 0x0100 }, // a query, not a response
      { flags: 0x8980 }, // opcode 1
      { raw: Buffer.from([1, 2, 3]) },
    ];
    server(r, 53, "10.0.0.53/24", (q) => [
      ...bad.map((b) => (b.id === -1 ? { ...b, id: (q.id + 1) & 0xffff } : b)),
      { answers: [{ name: 12, type: A, ttl: 60, data: a("10.0.0.9") }] },
    ]);
    const out = r.lookup("x.example");
    r.net.clock.advance(100);
    assert.deepEqual(out, [{ err: DNS_OK, addr: "10.0.0.9", ttl: 60 }]);
    assert.equal(r.resolver.stats.dropped, bad.length);
    assert.equal(r.resolver.stats.queries, 1);
  });

  it("a reply from a host it did not ask is dropped, even with the right port and id", () => {
    const r = rig(["10.0.0.53"]);
    let n = 0;
    const seen = server(r, 53, "10.0.0.53/24", () =>
      ++n === 1 ? undefined : { answers: [{ name: 12, type: A, ttl: 60, data: a("10.0.0.16") }] },
    );
    const spoofer = r.net.node(66, "10.0.0.66/24");
    const out = r.lookup("x.example");
    r.net.clock.advance(10);
    sendReply(spoofer, seen[0], { answers: [{ name: 12, type: A, ttl: 60, data: a("6.6.6.6") }] });
    r.net.clock.advance(10);
    assert.equal(out.length, 0);
    assert.equal(r.resolver.stats.dropped, 1);
    r.net.clock.advance(1500);
    assert.deepEqual(out, [{ err: DNS_OK, addr: "10.0.0.16", ttl: 60 }]);
  });

  it("a truncated answer with an address is used but not cached; without one it is ETRUNC", () => {
    const r = rig();
    const seen = server(r, 53, "10.0.0.53/24", (q) =>
      q.name === "big.example"
        ? { flags: 0x8380, answers: [{ name: 12, type: A, ttl: 60, data: a("10.0.0.10") }] }
        : { flags: 0x8380 },
    );
    const big = r.lookup("big.example");
    const empty = r.lookup("empty.example");
    r.net.clock.advance(1500);
    assert.deepEqual(big, [{ err: DNS_OK, addr: "10.0.0.10", ttl: 60 }]);
    assert.equal(empty[0].err, DNS_ETRUNC);
    r.lookup("big.example");
    r.net.clock.advance(100);
    assert.equal(seen.filter((q) => q.name === "big.example").length, 2, "not cached");
  });

  it("a compression loop or a record past the end is dropped, and the lookup goes on", () => {
    const r = rig();
    let n = 0;
    server(r, 53, "10.0.0.53/24", () => {
      n++;
      if (n === 1) return { answers: [{ name: 40, type: A, ttl: 60, data: a("6.6.6.6") }] }; // pointer forwards
      if (n === 2) return { answers: [{ name: 12, type: A, ttl: 60, data: Buffer.alloc(3) }] }; // an A of 3 bytes
      return { answers: [{ name: 12, type: A, ttl: 60, data: a("10.0.0.11") }] };
    });
    const out = r.lookup("x.example");
    r.net.clock.advance(5000);
    assert.deepEqual(out, [{ err: DNS_OK, addr: "10.0.0.11", ttl: 60 }]);
    assert.equal(r.resolver.stats.dropped, 2);
  });

  it("joins lookups of one name; refuses more names than it can track", () => {
    const r = rig();
    const seen = server(r, 53, "10.0.0.53/24", () => ({
      answers: [{ name: 12, type: A, ttl: 60, data: a("10.0.0.12") }],
    }));
    const one = r.lookup("same.example");
    const two = r.lookup("same.example");
    const outs = [1, 2, 3, 4].map((i) => r.lookup(`n${i}.example`));
    r.net.clock.advance(5000);
    assert.equal(seen.filter((q) => q.name === "same.example").length, 1);
    assert.deepEqual(
      [...one, ...two],
      [
        { err: DNS_OK, addr: "10.0.0.12", ttl: 60 },
        { err: DNS_OK, addr: "10.0.0.12", ttl: 60 },
      ],
    );
    assert.equal(outs[3][0].err, DNS_EBUSY);
    assert.equal(outs[2][0].err, DNS_OK);
  });

  it("frees its port when idle and takes a new one for the next burst", () => {
    const r = rig();
    const seen = server(r, 53, "10.0.0.53/24", () => ({
      answers: [{ name: 12, type: A, ttl: 0, data: a("10.0.0.13") }],
    }));
    r.lookup("a.example");
    r.net.clock.advance(100);
    r.lookup("a.example");
    r.net.clock.advance(100);
    assert.equal(seen.length, 2, "a TTL of 0 is not cached");
    assert.notEqual(seen[0].port, seen[1].port);
    assert.equal(
      r.dev.stack.udp.bind(seen[0].port, () => undefined, undefined),
      0,
      "the first port is free again",
    );
  });

  it("any reply bytes leave it working", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (junk, keepHeader) => {
        const r = rig();
        let n = 0;
        server(r, 53, "10.0.0.53/24", (q) => {
          n++;
          if (n > 1) return { answers: [{ name: 12, type: A, ttl: 60, data: a("10.0.0.14") }] };
          const b = Buffer.from(junk);
          if (keepHeader && b.length >= 2) b.writeUInt16BE(q.id, 0);
          return { raw: b };
        });
        const out = r.lookup("x.example");
        r.net.clock.advance(5000);
        assert.equal(out.length, 1);
        assert.ok(
          out[0].err === DNS_OK ||
            out[0].err === DNS_ENOTFOUND ||
            out[0].err === DNS_ENODATA ||
            out[0].err === DNS_ESERVFAIL ||
            out[0].err === DNS_ETRUNC ||
            out[0].err === DNS_ELOOP,
        );
      }),
      { numRuns: 300 },
    );
  });
});
