import { strict as assert } from "node:assert";
import { alloc, get8, len, set8 } from "../../hal/js/bytes";
import { SimClock } from "../../hal/sim/clock";
import { SimSegment } from "../../hal/sim/link";
import { MemoryLog } from "../../hal/sim/log";
import { SimRandom } from "../../hal/sim/random";
import { simSerialPair } from "../../hal/sim/serial";
import { MemoryStorage } from "../../hal/sim/storage";
import type { Bytes, MacOptions } from "../../hal/types";

function frame(n: number, tag: number): Bytes {
  const f = alloc(n);
  set8(f, 0, tag);
  return f;
}

describe("sim clock", function () {
  it("fires timers in deadline order, equal deadlines in set order", function () {
    const c = new SimClock();
    const seen: string[] = [];
    c.set(() => seen.push("b"), 20);
    c.set(() => seen.push("a"), 10);
    c.set(() => seen.push("c"), 20);
    c.advance(15);
    assert.deepEqual(seen, ["a"]);
    assert.equal(c.now(), 15);
    c.advance(5);
    assert.deepEqual(seen, ["a", "b", "c"]);
    assert.equal(c.pending(), 0);
  });
  it("a timer sees its own deadline as now, and may set more", function () {
    const c = new SimClock();
    const at: number[] = [];
    const tick = (): void => {
      at.push(c.now());
      if (at.length < 5) c.set(tick, 1000);
    };
    c.set(tick, 1000);
    c.advance(10_000);
    assert.deepEqual(at, [1000, 2000, 3000, 4000, 5000]);
  });
  it("clear cancels; clearing twice or an unknown id is harmless", function () {
    const c = new SimClock();
    let fired = 0;
    const id = c.set(() => fired++, 5);
    c.clear(id);
    c.clear(id);
    c.clear(12345);
    c.advance(10);
    assert.equal(fired, 0);
  });
  it("runs 30 virtual days of hourly timers in milliseconds", function () {
    const c = new SimClock();
    let n = 0;
    const tick = (): void => {
      n++;
      c.set(tick, 3_600_000);
    };
    c.set(tick, 3_600_000);
    c.advance(30 * 24 * 3_600_000);
    assert.equal(n, 720);
    assert.equal(c.pending(), 1);
  });
  it("runUntilIdle stops at its limit", function () {
    const c = new SimClock();
    c.set(() => undefined, 100);
    c.set(() => undefined, 5000);
    assert.equal(c.runUntilIdle(1000), 100);
    assert.equal(c.pending(), 1);
  });
});

describe("sim link", function () {
  function port(seg: SimSegment, mac: number, got: Bytes[], links: boolean[] = []) {
    const hw = alloc(6);
    set8(hw, 5, mac);
    const o: MacOptions = {
      onReadable: () => {
        let f = m.read();
        while (f !== undefined) {
          got.push(f);
          f = m.read();
        }
      },
      onLinkChange: (up) => links.push(up),
    };
    const m = seg.attach(hw, o, 1500);
    return m;
  }

  it("delivers a frame to every other port after the latency, as a copy", function () {
    const c = new SimClock();
    const seg = new SimSegment(c, 2);
    const a: Bytes[] = [];
    const b: Bytes[] = [];
    const x: Bytes[] = [];
    const pa = port(seg, 1, a);
    port(seg, 2, b);
    port(seg, 3, x);
    const f = frame(60, 0x42);
    assert.ok(pa.write(f));
    set8(f, 0, 0); // the sender reusing its buffer must not change what was sent
    c.advance(1);
    assert.equal(b.length, 0);
    c.advance(1);
    assert.equal(b.length, 1);
    assert.equal(x.length, 1);
    assert.equal(a.length, 0);
    assert.equal(get8(b[0], 0), 0x42);
    assert.equal(pa.counters.txPackets, 1);
  });
  it("no carrier: nothing sent or received, and link changes are reported", function () {
    const c = new SimClock();
    const seg = new SimSegment(c, 0);
    const got: Bytes[] = [];
    const links: boolean[] = [];
    const pa = port(seg, 1, []);
    const pb = port(seg, 2, got, links);
    pb.setCarrier(false);
    pa.write(frame(60, 1));
    c.advance(1);
    assert.equal(got.length, 0);
    assert.equal(pb.write(frame(60, 2)), false);
    assert.equal(pb.counters.txDropped, 1);
    pb.setCarrier(true);
    assert.deepEqual(links, [false, true]);
  });
  it("bounds the receive queue and counts drops; rejects runts and oversize frames", function () {
    const c = new SimClock();
    const seg = new SimSegment(c, 0);
    const pa = port(seg, 1, []);
    const hw = alloc(6);
    const pb = seg.attach(hw, { onReadable: () => undefined, onLinkChange: () => undefined }, 1500);
    for (let i = 0; i < 20; i++) pa.write(frame(60, i));
    c.advance(1);
    assert.equal(pb.counters.rxPackets, 8);
    assert.equal(pb.counters.rxDropped, 12);
    assert.equal(pa.write(frame(13, 0)), false);
    assert.equal(pa.write(frame(1515, 0)), false);
    assert.equal(pa.write(frame(1514, 0)), true);
    assert.equal(pa.setMtu(67), false);
    assert.equal(pa.setMtu(576), true);
    assert.equal(pa.write(frame(1514, 0)), false);
  });
  it("loss injection drops frames on the wire", function () {
    const c = new SimClock();
    const seg = new SimSegment(c, 0);
    const got: Bytes[] = [];
    const pa = port(seg, 1, []);
    port(seg, 2, got);
    let n = 0;
    seg.filter = () => n++ % 2 === 0;
    for (let i = 0; i < 6; i++) pa.write(frame(60, i));
    c.advance(1);
    assert.equal(got.length, 3);
    assert.equal(seg.dropped, 3);
  });
});

describe("sim storage, serial, random, log", function () {
  it("storage keeps copies and refuses writes past its capacity", function () {
    const s = new MemoryStorage(10);
    const v = frame(6, 7);
    assert.ok(s.write("lease", v));
    set8(v, 0, 0);
    assert.equal(get8(s.read("lease")!, 0), 7);
    assert.equal(s.write("other", frame(5, 1)), false);
    assert.ok(s.write("lease", frame(10, 1)));
    s.remove("lease");
    assert.equal(s.read("lease"), undefined);
  });
  it("serial pair carries bytes both ways, bounded, and reports readable on the clock", function () {
    const c = new SimClock();
    const counts: number[] = [];
    const [a, b] = simSerialPair(
      c,
      { port: "a", baud: 115200, onReadable: () => undefined },
      { port: "b", baud: 115200, onReadable: (n) => counts.push(n) },
      4,
    );
    a.write(frame(3, 9));
    a.write(frame(3, 8));
    assert.deepEqual(counts, []);
    c.advance(0);
    assert.deepEqual(counts, [4]);
    assert.equal(b.overruns, 2);
    const got = b.read()!;
    assert.equal(len(got), 4);
    assert.equal(get8(got, 0), 9);
    assert.equal(get8(got, 3), 8);
    assert.equal(b.read(), undefined);
  });
  it("random is deterministic per seed and spreads over 32 bits", function () {
    const r1 = new SimRandom(1);
    const r2 = new SimRandom(1);
    let high = 0;
    for (let i = 0; i < 1000; i++) {
      const v = r1.u32();
      assert.equal(v, r2.u32());
      assert.ok(v >= 0 && v <= 0xffffffff && Number.isInteger(v));
      if (v >= 0x80000000) high++;
    }
    assert.ok(high > 400 && high < 600, `${high}`);
    assert.notEqual(new SimRandom(2).u32(), new SimRandom(1).u32());
  });
  it("log keeps the last lines with virtual time", function () {
    const c = new SimClock();
    const log = new MemoryLog(c, 2);
    log.write(1, "a");
    c.advance(5);
    log.write(2, "b");
    log.write(3, "c");
    assert.deepEqual(log.lines, ["5 warn b", "5 error c"]);
  });
});
