// Random and mutated DHCP replies: the parser and the client never throw,
// and the client binds only to a reply that a separate statement of the
// rules (below, written from RFC 2131 rather than from the client) accepts.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { MemoryStorage } from "../../hal/sim/storage";
import type { Bytes } from "../../hal/types";
import { DhcpClient } from "../../src/dhcp/client";
import { DhcpReply, parseDhcp } from "../../src/dhcp/message";
import { checksum } from "../../src/net/cksum";
import { ip, Net } from "../net/helpers";
import { DHCP_BOUND, DHCP_REQUESTING } from "../../src/dhcp/states";
import { PROBE_OFF, rfc2131Profile } from "../../src/dhcp/config";

const SERVER = ip("192.0.2.1");
const CLIENT_MAC = [2, 0, 0, 0, 0, 2];

function dhcpPayload(type: number, xid: number, yiaddr: number, opts: [number, number[]][]): Buffer {
  const b = Buffer.alloc(300);
  b[0] = 2;
  b[1] = 1;
  b[2] = 6;
  b.writeUInt32BE(xid, 4);
  b.writeUInt32BE(yiaddr, 16);
  Buffer.from(CLIENT_MAC).copy(b, 28);
  b.writeUInt32BE(0x63825363, 236);
  let p = 240;
  for (const [code, data] of [[53, [type]] as [number, number[]], ...opts]) {
    b[p] = code;
    b[p + 1] = data.length;
    Buffer.from(data).copy(b, p + 2);
    p += 2 + data.length;
  }
  b[p] = 255;
  return b;
}

const be = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

function goodOptions(): [number, number[]][] {
  return [
    [54, be(SERVER)],
    [51, be(3600)],
    [1, be(ip("255.255.255.0"))],
    [3, be(SERVER)],
    [6, be(ip("192.0.2.53"))],
  ];
}

/** The payload inside Ethernet/IPv4/UDP, broadcast from the server. */
function frame(payload: Buffer): Bytes {
  const f = Buffer.alloc(42 + payload.length);
  f.fill(0xff, 0, 6);
  Buffer.from([2, 0, 0, 0, 0, 1]).copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(28 + payload.length, 16);
  f[22] = 64;
  f[23] = 17;
  f.writeUInt32BE(SERVER, 26);
  f.writeUInt32BE(0xffffffff, 30);
  f.writeUInt16BE(checksum(new Uint8Array(f) as unknown as Bytes, 14, 20), 24);
  f.writeUInt16BE(67, 34);
  f.writeUInt16BE(68, 36);
  f.writeUInt16BE(8 + payload.length, 38);
  payload.copy(f, 42);
  return new Uint8Array(f) as unknown as Bytes;
}

/** RFC 2131's rules for an ACK that may be bound to, restated independently. */
function bindable(p: Buffer, xid: number, offeredServer: number): boolean {
  if (p.length < 240 || p[0] !== 2 || p[1] !== 1 || p[2] !== 6 || p.readUInt32BE(4) !== xid) return false;
  if (!p.subarray(28, 34).equals(Buffer.from(CLIENT_MAC)) || p.readUInt32BE(236) !== 0x63825363) return false;
  const opts = new Map<number, number[]>();
  const walk = (from: number, to: number): boolean => {
    let i = from;
    while (i < to && p[i] !== 255) {
      if (p[i] === 0) {
        i++;
        continue;
      }
      if (i + 1 >= to || i + 2 + p[i + 1] > to) return false;
      opts.set(p[i], [...(opts.get(p[i]) ?? []), ...p.subarray(i + 2, i + 2 + p[i + 1])]);
      i += 2 + p[i + 1];
    }
    return true;
  };
  if (!walk(240, p.length)) return false;
  // Option 52 overloads file (1), sname (2) or both (3): RFC 2132 defines no other value, and one is ignored.
  const ov = opts.get(52)?.[0] ?? 0;
  if ((ov === 1 || ov === 3) && !walk(108, 236)) return false;
  if ((ov === 2 || ov === 3) && !walk(44, 108)) return false;
  const u32 = (c: number) => {
    const v = opts.get(c);
    return v !== undefined && v.length >= 4 ? Buffer.from(v).readUInt32BE(0) : -1;
  };
  if (opts.get(53)?.[0] !== 5) return false;
  if (u32(54) !== offeredServer) return false;
  const y = p.readUInt32BE(16);
  if (y >>> 24 === 0 || y >>> 24 === 127 || y >>> 24 >= 224) return false;
  if (u32(51) < 0) return false;
  let mask = u32(1);
  if (mask >= 0) {
    const inv = ~mask >>> 0;
    if (mask === 0 || (inv & (inv + 1)) !== 0) return false;
  } else mask = y < 0x80000000 ? 0xff000000 : y < 0xc0000000 ? 0xffff0000 : 0xffffff00;
  if (p.readUInt32BE(24) === 0 && (offeredServer & mask) >>> 0 !== (y & mask) >>> 0) return false;
  return true;
}

describe("DHCP replies (property)", function () {
  it("parseDhcp never throws on arbitrary bytes", function () {
    const r = new DhcpReply(2, 3);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(8), (u, off) => {
        const b = new Uint8Array(u.length + off);
        b.set(u, off);
        parseDhcp(b as unknown as Bytes, off, u.length, r);
      }),
      { numRuns: 3000 },
    );
  });

  it("the client never throws and binds only to replies the rules allow", function () {
    this.timeout(60000);
    let bindsSeen = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(400), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.integer({ min: -40, max: 40 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 254 }), fc.uint8Array({ maxLength: 12 })), { maxLength: 3 }),
        fc.boolean(),
        (edits, resize, extra, dropGood) => {
          const net = new Net();
          const node = net.node(2);
          net.node(1, "192.0.2.1/24");
          const client = new DhcpClient(
            node.stack,
            node.eth,
            { ...rfc2131Profile(), probe: PROBE_OFF, initDelayMaxMs: 0 },
            net.clock,
            node.stack.random,
            new MemoryStorage(1024),
            node.log,
            () => -1,
          );
          let xid = -1;
          net.segment.filter = (f) => {
            const b = f as unknown as Uint8Array;
            if (xid < 0 && b.length > 50 && b[23] === 17 && b[37] === 67) xid = Buffer.from(b).readUInt32BE(46);
            return false;
          };
          client.start();
          net.clock.advance(5);
          assert.ok(xid >= 0, "no DISCOVER seen");
          node.stack.input(node.eth, frame(dhcpPayload(2, xid, ip("192.0.2.50"), goodOptions())));
          net.clock.advance(5);
          const state = (): number => client.state;
          assert.equal(state(), DHCP_REQUESTING);
          const base = dhcpPayload(5, xid, ip("192.0.2.50"), [
            ...(dropGood ? [] : goodOptions()),
            ...extra.map(([c, d]) => [c, [...d]] as [number, number[]]),
          ]);
          const mutated = Buffer.alloc(Math.max(0, base.length + resize));
          base.copy(mutated, 0, 0, Math.min(base.length, mutated.length));
          for (const [at, v] of edits) if (mutated.length > 0) mutated[at % mutated.length] = v;
          node.stack.input(node.eth, frame(mutated));
          net.clock.advance(5);
          if (state() === DHCP_BOUND) {
            bindsSeen++;
            assert.ok(bindable(mutated, xid, SERVER), `bound to a reply the rules refuse: ${mutated.toString("hex")}`);
          }
        },
      ),
      { numRuns: 400 },
    );
    assert.ok(bindsSeen > 20, `only ${bindsSeen} runs bound: the generator is too destructive to test binding`);
  });
});
