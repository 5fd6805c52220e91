// Random and mutated frames into the Ethernet/ARP/IPv4/UDP/ICMP input path:
// nothing escapes, every frame lands in exactly one interface counter, and
// the stack still works afterwards.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { alloc, set8, set16, set32 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { checksum } from "../../src/net/cksum";
import { ip, macOf, Net, sendUdp } from "./helpers";

const US = "192.0.2.1";
const PEER = "192.0.2.2";

function ether(dst: Bytes, src: Bytes, type: number, n: number): Bytes {
  const f = alloc(14 + n);
  for (let i = 0; i < 6; i++) {
    set8(f, i, (dst as unknown as Uint8Array)[i]);
    set8(f, 6 + i, (src as unknown as Uint8Array)[i]);
  }
  set16(f, 12, type);
  return f;
}

function ipv4(proto: number, payload: Uint8Array, us: Bytes): Bytes {
  const f = ether(us, macOf(2), 0x0800, 20 + payload.length);
  set8(f, 14, 0x45);
  set16(f, 16, 20 + payload.length);
  set8(f, 22, 64);
  set8(f, 23, proto);
  set32(f, 26, ip(PEER));
  set32(f, 30, ip(US));
  set16(f, 24, checksum(f, 14, 20));
  (f as unknown as Uint8Array).set(payload, 34);
  return f;
}

/** Well-formed frames of every kind the stack handles: the seeds for mutation. */
function seeds(us: Bytes): Bytes[] {
  const bcast = alloc(6);
  (bcast as unknown as Uint8Array).fill(0xff);
  const arp = ether(bcast, macOf(2), 0x0806, 28);
  const a = arp as unknown as Uint8Array;
  a.set([0, 1, 8, 0, 6, 4, 0, 1], 14);
  a.set(macOf(2) as unknown as Uint8Array, 22);
  set32(arp, 28, ip(PEER));
  set32(arp, 38, ip(US));
  const echo = new Uint8Array(16);
  echo[0] = 8;
  echo.set([0, 1, 0, 1, 0x61, 0x62], 4);
  const ec = checksum(echo as unknown as Bytes, 0, 16);
  echo[2] = ec >> 8;
  echo[3] = ec & 0xff;
  const udp = new Uint8Array(12);
  udp.set([0x9c, 0x40, 0, 7, 0, 12, 0, 0, 1, 2, 3, 4]);
  return [arp, ipv4(1, echo, us), ipv4(17, udp, us)];
}

describe("input path (property)", function () {
  it("survives random and mutated frames, and accounts for every one", function () {
    const net = new Net();
    const n = net.node(1, `${US}/24`);
    const peer = net.node(2, `${PEER}/24`);
    const got: number[] = [];
    n.stack.udp.bind(7, (d) => got.push(d.n), undefined);
    const base = seeds(n.eth.hwaddr);
    const random = fc.uint8Array({ minLength: 0, maxLength: 120 }).map((u) => u as unknown as Bytes);
    const mutated = fc
      .tuple(
        fc.integer({ min: 0, max: base.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.integer({ min: -8, max: 8 }),
      )
      .map(([k, edits, resize]) => {
        const src = base[k] as unknown as Uint8Array;
        const out = new Uint8Array(Math.max(0, src.length + resize));
        out.set(src.subarray(0, Math.min(src.length, out.length)));
        for (const [at, v] of edits) if (out.length > 0) out[at % out.length] = v;
        return out as unknown as Bytes;
      });
    fc.assert(
      fc.property(fc.oneof(random, mutated), (f) => {
        n.stack.input(n.eth, f);
        net.clock.advance(1);
        const c = n.eth.counters;
        assert.equal(c.rxPackets, c.rxDelivered + c.rxErrors + c.rxDropped + c.rxNoHandler);
      }),
      { numRuns: 3000 },
    );
    // Still healthy: the unmutated seeds are delivered and a peer can talk to us.
    const before = n.eth.counters.rxDelivered;
    for (const f of seeds(n.eth.hwaddr)) n.stack.input(n.eth, f);
    assert.equal(n.eth.counters.rxDelivered - before, 3);
    got.length = 0;
    assert.equal(sendUdp(peer, US, 7, 20), 0);
    net.clock.advance(100);
    assert.deepEqual(got, [20]);
  });

  it("counts the classic malformations where they belong", function () {
    const net = new Net();
    const n = net.node(1, `${US}/24`);
    const [, echo, udp] = seeds(n.eth.hwaddr);
    const st = n.stack.stats;
    const c = n.eth.counters;
    const clone = (f: Bytes) => (f as unknown as Uint8Array).slice() as unknown as Bytes;
    const badSum = clone(echo);
    set8(badSum, 24, 0);
    n.stack.input(n.eth, badSum);
    assert.equal(st.ipInHdrErrors, 1);
    const frag = clone(udp);
    set16(frag, 20, 0x2000);
    set16(frag, 24, 0);
    set16(frag, 24, checksum(frag, 14, 20));
    n.stack.input(n.eth, frag);
    assert.equal(st.ipReasmFails, 1);
    const shortUdp = clone(udp);
    set16(shortUdp, 38, 40);
    n.stack.input(n.eth, shortUdp);
    assert.equal(st.udpInErrors, 1);
    n.stack.input(n.eth, udp);
    assert.equal(st.udpNoPorts, 1);
    assert.equal(st.icmpOutDestUnreachs, 1, "port unreachable sent for a unicast datagram");
    n.stack.input(n.eth, alloc(10));
    assert.equal(c.rxErrors, 3);
    assert.equal(c.rxDropped, 1);
    assert.equal(c.rxNoHandler, 1);
  });
});
