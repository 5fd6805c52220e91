// The SNTP client on a simulated segment against a scripted server: the
// offset and round trip, the origin check, kiss-o'-death, refusals, backoff.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { copy } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { defaultSntpConfig, SntpClient, unixMs } from "../../src/apps/sntp";
import { UDP_PAYLOAD, type UdpDatagram } from "../../src/net/udp";
import { ip, Net, type Node } from "../net/helpers";

const NTP_EPOCH = 2208988800;

interface Request {
  at: number;
  from: number;
  port: number;
  transmit: Buffer;
  first: number;
}

/** What a reply may change from a good one. */
interface Shape {
  li?: number;
  version?: number;
  mode?: number;
  stratum?: number;
  refid?: string;
  origin?: Buffer;
  rootDelay?: number;
  rootDisp?: number;
  zeroTransmit?: boolean;
  raw?: Buffer;
  hold?: number; // ms the server "holds" the request between receive and transmit
}

function ts(unixMillis: number): Buffer {
  const b = Buffer.alloc(8);
  const s = Math.floor(unixMillis / 1000);
  b.writeUInt32BE((s + NTP_EPOCH) % 2 ** 32, 0);
  b.writeUInt32BE(Math.floor(((unixMillis - s * 1000) / 1000) * 2 ** 32), 4);
  return b;
}

/** An NTP server on `node` whose clock reads `trueTime(clockNow)`; `shape` decides each reply. */
function serveNtp(node: Node, trueTime: () => number, shape: (r: Request) => Shape | undefined): Request[] {
  const seen: Request[] = [];
  node.stack.udp.bind(
    123,
    (d: UdpDatagram) => {
      const q = Buffer.from((d.f as unknown as Uint8Array).subarray(d.off, d.off + d.n));
      const r = { at: trueTime(), from: d.src, port: d.srcPort, transmit: q.subarray(40, 48), first: q[0] };
      seen.push(r);
      const s = shape(r);
      if (s === undefined) return;
      let out: Buffer;
      if (s.raw !== undefined) out = s.raw;
      else {
        out = Buffer.alloc(48);
        out[0] = ((s.li ?? 0) << 6) | ((s.version ?? 4) << 3) | (s.mode ?? 4);
        out[1] = s.stratum ?? 2;
        out.writeUInt32BE(s.rootDelay ?? 0x100, 4);
        out.writeUInt32BE(s.rootDisp ?? 0x100, 8);
        out.write(s.refid ?? "GPS\0", 12, "latin1");
        (s.origin ?? r.transmit).copy(out, 24);
        ts(r.at).copy(out, 32);
        if (!s.zeroTransmit) ts(r.at + (s.hold ?? 0)).copy(out, 40);
      }
      const send = () => {
        const f = node.stack.udp.alloc(out.length);
        copy(f, UDP_PAYLOAD, out as unknown as Bytes, 0, out.length);
        node.stack.udp.send(f, out.length, -1, 123, d.src, d.srcPort, undefined);
      };
      if (s.hold) node.stack.clock.set(send, s.hold);
      else send();
    },
    undefined,
  );
  return seen;
}

const TRUE_OFFSET = 1_800_000_000_000; // the servers' wall time at sim clock 0

function rig(servers = ["10.0.0.123"], latency = 5) {
  const net = new Net(latency);
  const dev = net.node(1, "10.0.0.1/24");
  const list = servers.map(ip);
  const walls: number[] = [];
  const syncs: string[] = [];
  const client = new SntpClient(
    dev.stack,
    () => list,
    (w) => walls.push(w),
    defaultSntpConfig(),
    (w, s) => syncs.push(`${w} ${s}`),
  );
  const server = (last: number, addr: string, shape: (r: Request) => Shape | undefined = () => ({})) =>
    serveNtp(net.node(last, `${addr}/24`), () => TRUE_OFFSET + net.clock.now(), shape);
  return { net, dev, client, walls, syncs, server, list };
}

describe("SNTP client", () => {
  it("sets the wall clock to the server's time plus half the round trip", () => {
    const r = rig(["10.0.0.123"], 20);
    const seen = r.server(123, "10.0.0.123", () => ({ hold: 30 }));
    assert.equal(r.client.now(), -1);
    r.client.start();
    r.net.clock.advance(500);
    assert.ok(r.client.synced());
    assert.equal(r.walls.length, 1);
    // The first request waited for ARP (a 40 ms round trip) after its time was taken: half of that is the error.
    const first = r.client.now() - (TRUE_OFFSET + r.net.clock.now());
    assert.ok(Math.abs(first) <= 25, `off by ${first} ms`);
    // The second sample, 2 s later, has no ARP wait: 20 ms out, 30 held, 20 back gives the time exactly.
    r.net.clock.advance(2000);
    assert.equal(r.walls.length, 2);
    const err = r.client.now() - (TRUE_OFFSET + r.net.clock.now());
    assert.ok(Math.abs(err) <= 1, `off by ${err} ms`);
    assert.equal(seen.length, 2);
    assert.equal(seen[0].first, (4 << 3) | 3, "version 4, mode 3");
    assert.ok(seen[0].port >= 49152);
    assert.equal(r.client.server, ip("10.0.0.123"));
  });

  it("polls again after the poll interval, from a new port", () => {
    const r = rig();
    const seen = r.server(123, "10.0.0.123");
    r.client.start();
    r.net.clock.advance(1025_000);
    assert.equal(seen.length, 2, "the first two samples");
    r.net.clock.advance(2_000);
    assert.equal(seen.length, 3);
    assert.notDeepEqual(seen[1].transmit, seen[2].transmit, "a new nonce");
    assert.notEqual(seen[1].port, seen[2].port, "a new port");
    assert.equal(r.walls.length, 3);
  });

  it("refuses replies that are not a synchronized server's answer to this request", () => {
    const bad: [string, Shape][] = [
      ["another origin", { origin: Buffer.alloc(8, 1) }],
      ["alarm (unsynchronized)", { li: 3 }],
      ["stratum 16", { stratum: 16 }],
      ["mode 3", { mode: 3 }],
      ["mode 5 (broadcast)", { mode: 5 }],
      ["version 2", { version: 2 }],
      ["a root distance over 16 s", { rootDisp: 17 * 65536 }],
      ["a negative root delay", { rootDelay: 0x80000000 }],
      ["no transmit time", { zeroTransmit: true }],
      ["47 bytes", { raw: Buffer.alloc(47) }],
    ];
    for (const [what, s] of bad) {
      const r = rig();
      r.server(123, "10.0.0.123", () => s);
      r.client.start();
      r.net.clock.advance(2000);
      assert.equal(r.client.synced(), false, what);
      assert.equal(r.client.stats.dropped, 1, what);
    }
  });

  it("a reply from another host with the right nonce is not believed", () => {
    const r = rig();
    const seen = r.server(123, "10.0.0.123", () => undefined);
    const other = r.net.node(66, "10.0.0.66/24");
    r.client.start();
    r.net.clock.advance(100);
    const out = Buffer.alloc(48);
    out[0] = (4 << 3) | 4;
    out[1] = 1;
    seen[0].transmit.copy(out, 24);
    ts(1).copy(out, 32);
    ts(1).copy(out, 40);
    const f = other.stack.udp.alloc(48);
    copy(f, UDP_PAYLOAD, out as unknown as Bytes, 0, 48);
    other.stack.udp.send(f, 48, -1, 123, seen[0].from, seen[0].port, undefined);
    r.net.clock.advance(100);
    assert.equal(r.client.synced(), false);
    assert.equal(r.client.stats.dropped, 1);
  });

  it("an unanswered server is left for the next after the timeout; a round without answers backs off", () => {
    const r = rig(["10.0.0.123", "10.0.0.124"]);
    const a = r.server(123, "10.0.0.123", () => undefined);
    const b = r.server(124, "10.0.0.124", () => undefined);
    r.client.start();
    r.net.clock.advance(2900);
    assert.deepEqual([a.length, b.length], [1, 0]);
    r.net.clock.advance(200);
    assert.deepEqual([a.length, b.length], [1, 1]);
    // Both asked: wait 16 s, then 32, 64… up to the poll interval.
    const starts: number[] = [];
    let last = 2;
    for (let t = 0; t < 4000_000; t += 1000) {
      r.net.clock.advance(1000);
      if (a.length + b.length > last && (a.length + b.length) % 2 === 1) starts.push(r.net.clock.now());
      last = a.length + b.length;
    }
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    // Each round is 6 s of asking plus the wait.
    assert.deepEqual(gaps.slice(0, 7), [38000, 70000, 134000, 262000, 518000, 1030000, 1030000]);
  });

  it("kiss-o'-death: DENY drops the server and asks the next at once; RATE doubles the poll", () => {
    const r = rig(["10.0.0.123", "10.0.0.124"]);
    const denied = r.server(123, "10.0.0.123", () => ({ stratum: 0, refid: "DENY" }));
    const good = r.server(124, "10.0.0.124");
    r.client.start();
    r.net.clock.advance(200);
    assert.ok(r.client.synced());
    assert.equal(r.client.server, ip("10.0.0.124"));
    assert.equal(r.client.stats.kisses, 1);
    r.net.clock.advance(5000_000);
    assert.equal(denied.length, 1, "never asked again");
    assert.ok(good.length >= 4);

    const r2 = rig();
    let n = 0;
    const rated = r2.server(123, "10.0.0.123", () => (n++ === 1 ? { stratum: 0, refid: "RATE" } : {}));
    r2.client.start();
    r2.net.clock.advance(100); // synced
    r2.net.clock.advance(2_000); // the second sample: RATE
    assert.equal(rated.length, 2);
    r2.net.clock.advance(2047_000);
    assert.equal(rated.length, 2, "not asked again before 2048 s");
    r2.net.clock.advance(2_000);
    assert.equal(rated.length, 3);
  });

  it("stop() ends polling and frees the port", () => {
    const r = rig();
    const seen = r.server(123, "10.0.0.123", () => undefined);
    r.client.start();
    r.net.clock.advance(100);
    r.client.stop();
    r.net.clock.advance(100_000);
    assert.equal(seen.length, 1);
    assert.equal(
      r.dev.stack.udp.bind(seen[0].port, () => undefined, undefined),
      0,
    );
  });

  it("timestamps: 1970 and the 2036 era change", () => {
    assert.equal(unixMs(NTP_EPOCH, 0), 0);
    assert.equal(unixMs(NTP_EPOCH + 1, 2 ** 31), 1500);
    // 2036-02-07T06:28:16Z is NTP second 2^32, sent as 0: era 1.
    assert.equal(unixMs(0, 0), (2 ** 32 - NTP_EPOCH) * 1000);
    assert.equal(new Date(unixMs(5, 0)).toISOString(), "2036-02-07T06:28:21.000Z");
  });

  it("any reply bytes leave it working", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.boolean(), (junk, echo) => {
        const r = rig();
        let n = 0;
        r.server(123, "10.0.0.123", (q) => {
          if (n++ > 0) return {};
          const b = Buffer.from(junk);
          if (echo && b.length >= 32) q.transmit.copy(b, 24);
          return { raw: b };
        });
        r.client.start();
        r.net.clock.advance(60_000);
        assert.ok(r.client.synced(), "synced from the good reply after the junk");
      }),
      { numRuns: 300 },
    );
  });
});
