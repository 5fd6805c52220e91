// The W5500 driver against the register-level model of the chip.
import { strict as assert } from "node:assert";
import { W5500Mac } from "../../hal/drivers/w5500";
import { SimClock } from "../../hal/sim/clock";
import { SimGpio } from "../../hal/sim/gpio";
import type { Bytes } from "../../hal/types";
import { W5500Model } from "./w5500-model";

const MAC = Uint8Array.from([2, 0, 0, 0, 0x55, 0]);

function frame(n: number, to: Uint8Array = MAC, seq = 0): Uint8Array {
  const f = new Uint8Array(n);
  f.set(to, 0);
  f.set([2, 0, 0, 0, 0, 9], 6);
  f[12] = 0x08;
  for (let i = 14; i < n; i++) f[i] = (i + seq) & 0xff;
  return f;
}

function rig(opts: { link?: boolean } = {}) {
  const clock = new SimClock();
  const wire: Uint8Array[] = [];
  const chip = new W5500Model((f) => wire.push(f));
  if (opts.link === false) chip.setLink(false);
  const links: boolean[] = [];
  let readable = 0;
  const errors: string[] = [];
  const mac = new W5500Mac({
    spi: chip,
    clock,
    // A copy: a test may change the unit's address.
    hwaddr: Uint8Array.from(MAC) as unknown as Bytes,
    onReadable: () => readable++,
    onLinkChange: (up) => links.push(up),
    onError: (m) => errors.push(m),
  });
  const drain = (): Uint8Array[] => {
    const got: Uint8Array[] = [];
    for (let f = mac.read(); f !== undefined; f = mac.read()) got.push(Uint8Array.from(f as unknown as Uint8Array));
    return got;
  };
  return { clock, chip, mac, wire, links, errors, drain, readable: () => readable };
}

describe("W5500 driver on the chip model", function () {
  it("resets the chip, programs the MAC address and opens socket 0 in MACRAW with the filter on", function () {
    const r = rig();
    assert.equal(r.mac.start(), undefined);
    assert.deepEqual(r.chip.stats.errors, []);
    assert.deepEqual(r.links, [true]);
    assert.equal(r.mac.carrier(), true);
    assert.equal(r.chip.rxPointers().size, 16384);
    // The filter: a frame for another unicast address never reaches the buffer.
    r.chip.fromWire(frame(60, Uint8Array.from([2, 0, 0, 0, 0x66, 1])));
    r.chip.fromWire(frame(60, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])));
    assert.equal(r.chip.stats.rxFiltered, 1);
    assert.equal(r.drain().length, 1);
  });

  it("a new MAC address is programmed at once: the filter follows it (ip link set dev eth0 address)", function () {
    const r = rig();
    r.mac.start();
    const next = Uint8Array.from([2, 0, 0, 0, 0x66, 1]);
    (r.mac.hwaddr as unknown as Uint8Array).set(next);
    r.mac.hwaddrChanged();
    r.chip.fromWire(frame(60, MAC, 1));
    r.chip.fromWire(frame(60, next, 2));
    r.clock.advance(10);
    assert.equal(r.chip.stats.rxFiltered, 1, "the old address is another host's now");
    assert.deepEqual(r.drain(), [frame(60, next, 2)]);
    assert.deepEqual(r.chip.stats.errors, []);
  });

  it("a MAC changed before the chip is up is the one it is brought up with", function () {
    const r = rig();
    const next = Uint8Array.from([2, 0, 0, 0, 0x66, 2]);
    (r.mac.hwaddr as unknown as Uint8Array).set(next);
    r.mac.hwaddrChanged();
    r.mac.start();
    r.chip.fromWire(frame(60, MAC, 1));
    r.chip.fromWire(frame(60, next, 2));
    r.clock.advance(10);
    assert.deepEqual(r.drain(), [frame(60, next, 2)]);
    assert.deepEqual(r.chip.stats.errors, []);
  });

  it("says so when no W5500 answers", function () {
    const clock = new SimClock();
    for (const miso of [0x00, 0xff]) {
      // Nothing drives MISO: every byte reads as the line's pull.
      const silent = {
        transfer: (b: Bytes, off: number, nOut: number, nIn: number) =>
          (b as unknown as Uint8Array).fill(miso, off + nOut, off + nOut + nIn),
      };
      const mac = new W5500Mac({
        spi: silent,
        clock,
        hwaddr: MAC as unknown as Bytes,
        onReadable: () => undefined,
        onLinkChange: () => undefined,
      });
      assert.equal(mac.start(), `w5500: no chip answers (VERSIONR ${miso}, expected 4)`);
    }
    assert.equal(clock.pending(), 0, "no polling of a chip that is not there");
  });

  it("receives back-to-back frames in order, signalled by the poll", function () {
    const r = rig();
    r.mac.start();
    const sent = [60, 1514, 300, 64].map((n, i) => frame(n, MAC, i));
    for (const f of sent) r.chip.fromWire(f);
    const before = r.readable();
    r.clock.advance(10);
    assert.ok(r.readable() > before);
    assert.deepEqual(r.drain(), sent);
    assert.equal(r.mac.counters.rxPackets, 4);
    assert.equal(r.mac.counters.rxBytes, 60 + 1514 + 300 + 64);
    const p = r.chip.rxPointers();
    assert.equal(p.rd, p.wr, "everything read was given back with RECV");
  });

  it("reads frames across the wrap of the 16 KB receive ring, many times round", function () {
    const r = rig();
    r.mac.start();
    let expectSeq = 0;
    let wraps = 0;
    let last = 0;
    for (let round = 0; round < 200; round++) {
      const n = 60 + ((round * 337) % 1455);
      r.chip.fromWire(frame(n, MAC, round));
      const got = r.drain();
      assert.equal(got.length, 1);
      assert.deepEqual(got[0], frame(n, MAC, expectSeq++));
      const wr = r.chip.rxPointers().wr;
      if (wr % 16384 < last % 16384) wraps++;
      last = wr;
    }
    assert.ok(wraps >= 5, `the ring wrapped ${wraps} times`);
    assert.deepEqual(r.chip.stats.errors, []);
  });

  it("a full ring drops at the chip; the driver reads what is there, and the burst limit leaves the rest for the next poll", function () {
    const r = rig();
    r.mac.start();
    for (let i = 0; i < 12; i++) r.chip.fromWire(frame(1514, MAC, i));
    assert.equal(r.chip.stats.rxFrames, 10); // 10 × 1516 fits in 16384, the 11th does not
    assert.equal(r.chip.stats.rxOverflow, 2);
    const first = r.drain();
    assert.equal(first.length, 8, "a burst of 8, then the poll's turn");
    r.clock.advance(10);
    const rest = r.drain();
    assert.deepEqual(
      [...first, ...rest],
      Array.from({ length: 10 }, (_, i) => frame(1514, MAC, i)),
    );
  });

  it("runts and oversize frames never reach the buffer; a corrupt length resyncs the socket and counts an error", function () {
    const r = rig();
    r.mac.start();
    r.chip.fromWire(frame(59));
    r.chip.fromWire(frame(1515));
    assert.equal(r.chip.stats.rxRunts, 1);
    assert.equal(r.chip.stats.rxOversize, 1);
    r.chip.fromWire(frame(100));
    r.chip.corruptNextLength(5000);
    assert.deepEqual(r.drain(), []);
    assert.equal(r.mac.counters.rxErrors, 1);
    assert.equal(r.mac.resyncs, 1);
    // The socket is open again and receives.
    r.chip.fromWire(frame(100, MAC, 7));
    assert.deepEqual(r.drain(), [frame(100, MAC, 7)]);
    assert.deepEqual(r.chip.stats.errors, []);
  });

  it("transmits a frame, then waits for SEND_OK before the next; frames in between wait in a short queue", function () {
    const r = rig();
    r.mac.start();
    r.chip.holdSends = true;
    assert.equal(r.mac.write(frame(60, MAC, 1) as unknown as Bytes), true);
    assert.equal(r.wire.length, 1);
    for (let i = 2; i <= 6; i++) assert.equal(r.mac.write(frame(60, MAC, i) as unknown as Bytes), i <= 5, `frame ${i}`);
    assert.equal(r.mac.counters.txDropped, 1, "the queue holds 4");
    assert.equal(r.wire.length, 1);
    for (let i = 0; i < 4; i++) {
      r.chip.completeSend();
      r.clock.advance(10);
    }
    r.chip.completeSend();
    assert.deepEqual(
      r.wire,
      [1, 2, 3, 4, 5].map((i) => frame(60, MAC, i)),
    );
    assert.equal(r.mac.counters.txPackets, 5);
    assert.deepEqual(r.chip.stats.errors, [], "never a SEND before SEND_OK");
  });

  it("TX wraps its ring too: 100 full frames go out intact", function () {
    const r = rig();
    r.mac.start();
    for (let i = 0; i < 100; i++) {
      assert.ok(r.mac.write(frame(1514, MAC, i) as unknown as Bytes));
      r.clock.advance(10);
    }
    assert.equal(r.wire.length, 100);
    r.wire.forEach((f, i) => assert.deepEqual(f, frame(1514, MAC, i)));
    // Short frames leave padded to 60 bytes by the chip.
    r.mac.write(frame(42) as unknown as Bytes);
    assert.equal(r.wire[100].length, 60);
    assert.equal(r.mac.write(frame(1515) as unknown as Bytes), false, "beyond MTU + header");
  });

  it("reports link loss and return from the PHY; sends while down are dropped and counted", function () {
    const r = rig();
    r.mac.start();
    r.chip.setLink(false);
    r.clock.advance(10);
    assert.deepEqual(r.links, [true, false]);
    assert.equal(r.mac.write(frame(60) as unknown as Bytes), false);
    assert.equal(r.mac.counters.txDropped, 1);
    r.chip.fromWire(frame(60));
    assert.equal(r.chip.stats.rxFrames, 0, "no carrier, nothing received");
    r.chip.setLink(true);
    r.clock.advance(10);
    assert.deepEqual(r.links, [true, false, true]);
    assert.ok(r.mac.write(frame(60) as unknown as Bytes));
  });

  it("starts with the cable out and reports the link when it comes", function () {
    const r = rig({ link: false });
    assert.equal(r.mac.start(), undefined);
    assert.deepEqual(r.links, []);
    r.chip.setLink(true);
    r.clock.advance(10);
    assert.deepEqual(r.links, [true]);
  });

  it("close() closes the socket and stops polling", function () {
    const r = rig();
    r.mac.start();
    r.mac.close();
    assert.equal(r.clock.pending(), 0);
    r.chip.fromWire(frame(60));
    assert.equal(r.chip.stats.rxFrames, 0);
  });
});

describe("W5500 driver with its reset and interrupt lines (sim GPIO)", function () {
  function wiredRig() {
    const clock = new SimClock();
    const wire: Uint8Array[] = [];
    const chip = new W5500Model(
      (f) => wire.push(f),
      () => clock.now(),
    );
    const gpio = new SimGpio();
    gpio.connect("RST", (high) => chip.setReset(!high));
    chip.onInt = (low) => gpio.drive("INT", !low);
    const got: Uint8Array[] = [];
    const errors: string[] = [];
    const mac: W5500Mac = new W5500Mac({
      spi: chip,
      clock,
      hwaddr: MAC as unknown as Bytes,
      gpio,
      pins: { reset: "RST", int: "INT" },
      // Frames are read as soon as the stack hears of them, as the stack does.
      onReadable: () => {
        for (let f = mac.read(); f !== undefined; f = mac.read()) got.push(Uint8Array.from(f as unknown as Uint8Array));
      },
      onLinkChange: () => undefined,
      onError: (m) => errors.push(m),
    });
    return { clock, chip, gpio, mac, wire, got, errors };
  }

  it("resets the chip through RSTn (low 1 ms, 2 ms to settle) before touching it", function () {
    const r = wiredRig();
    assert.equal(r.mac.start(), undefined);
    assert.equal(r.gpio.level("RST"), false, "held in reset");
    r.clock.advance(1);
    assert.equal(r.gpio.level("RST"), true);
    assert.equal(r.chip.hardResets, 1);
    r.clock.advance(2);
    assert.equal(r.mac.carrier(), true);
    assert.deepEqual(r.chip.stats.errors, [], "no access while in reset or before the PLL locked");
    assert.deepEqual(r.errors, []);
  });

  it("INTn brings each frame in at once, without waiting for the (now 100 ms) poll", function () {
    const r = wiredRig();
    r.mac.start();
    r.clock.advance(3);
    for (let i = 0; i < 3; i++) {
      r.chip.fromWire(frame(100, MAC, i));
      assert.equal(r.got.length, i + 1, `frame ${i} read on the interrupt`);
    }
    assert.deepEqual(
      r.got,
      [0, 1, 2].map((i) => frame(100, MAC, i)),
    );
    assert.equal(r.chip.intLow(), false, "every interrupt acknowledged");
  });

  it("SEND_OK on INTn starts the next queued frame at once", function () {
    const r = wiredRig();
    r.mac.start();
    r.clock.advance(3);
    r.chip.holdSends = true;
    r.mac.write(frame(60, MAC, 1) as unknown as Bytes);
    r.mac.write(frame(60, MAC, 2) as unknown as Bytes);
    assert.equal(r.wire.length, 1);
    r.chip.completeSend();
    assert.equal(r.wire.length, 2, "sent on the interrupt, no clock advance");
    assert.deepEqual(r.chip.stats.errors, []);
  });

  it("an access within 1 ms of RSTn's release is what the model flags", function () {
    const clock = new SimClock();
    const chip = new W5500Model(
      () => undefined,
      () => clock.now(),
    );
    chip.setReset(true);
    chip.setReset(false);
    const mac = new W5500Mac({
      spi: chip,
      clock,
      hwaddr: MAC as unknown as Bytes,
      onReadable: () => undefined,
      onLinkChange: () => undefined,
    });
    assert.notEqual(mac.start(), undefined);
    assert.match(chip.stats.errors[0], /within 1 ms of RSTn's release/);
  });
});
