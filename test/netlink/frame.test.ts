// Serial framing: COBS + CRC-16. Frames survive any split of the byte
// stream; noise costs only the frames it touches; nothing corrupted is
// ever delivered (property tests).
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { alloc, get8, len, set8 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { crc16, encodedMax, encodeFrame, FrameDecoder, PROTO_GENERIC, PROTO_ROUTE } from "../../src/netlink/frame";
import { fromHex, toHex } from "../../src/util/hex";

const MAX = 300;

function encode(proto: number, msg: Uint8Array): Uint8Array {
  const out = alloc(encodedMax(msg.length + 3));
  const n = encodeFrame(proto, msg as unknown as Bytes, 0, msg.length, out, alloc(MAX + 4));
  assert.ok(n > 0);
  return (out as unknown as Uint8Array).slice(0, n);
}

function collector(): { dec: FrameDecoder; got: [number, string][] } {
  const got: [number, string][] = [];
  const dec = new FrameDecoder(MAX, (p, m, n) => got.push([p, toHex(m, 0, n)]));
  return { dec, got };
}

const feed = (dec: FrameDecoder, bytes: Uint8Array): void => dec.push(bytes as unknown as Bytes, 0, bytes.length);

describe("serial framing (COBS + CRC-16)", function () {
  it("a stray 0x01 before the delimiter (a trailing zero once decoded) never passes the check", function () {
    const c = { ok: 0 };
    const dec = new FrameDecoder(512, () => c.ok++);
    let seed = 7;
    for (let k = 0; k < 2000; k++) {
      const n = 1 + (k % 200);
      const msg = alloc(n);
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        set8(msg, i, seed % 256);
      }
      const out = alloc(encodedMax(n + 3) + 1);
      const m = encodeFrame(PROTO_ROUTE, msg, 0, n, out, alloc(n + 3));
      // [frame without its 0x00][0x01][0x00]
      set8(out, m - 1, 1);
      set8(out, m, 0);
      dec.push(out, 0, m + 1);
    }
    assert.equal(c.ok, 0);
    assert.equal(dec.counters.crcErrors + dec.counters.malformed, 2000);
  });

  it('computes CRC-16/GENIBUS (check value 0xd64e for "123456789")', function () {
    assert.equal(crc16(fromHex("313233343536373839")!, 0, 9), 0xd64e);
  });

  it("encodes with no zero byte inside a frame and one delimiter at its end", function () {
    const f = encode(PROTO_ROUTE, new Uint8Array(600 > MAX ? MAX : 600));
    assert.equal(f[f.length - 1], 0);
    assert.ok(f.slice(0, -1).every((b) => b !== 0));
  });

  it("round-trips any message, however the stream is split (property)", function () {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(PROTO_ROUTE, PROTO_GENERIC), fc.uint8Array({ maxLength: MAX })), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.nat({ max: 40 }), { maxLength: 10 }),
        (frames, cuts) => {
          const { dec, got } = collector();
          const stream = Buffer.concat(frames.map(([p, m]) => encode(p, m)));
          let at = 0;
          for (const c of cuts) {
            const end = Math.min(stream.length, at + c);
            feed(dec, stream.subarray(at, end));
            at = end;
          }
          feed(dec, stream.subarray(at));
          assert.deepEqual(
            got,
            frames.map(([p, m]) => [p, Buffer.from(m).toString("hex")]),
          );
          assert.equal(dec.counters.frames, frames.length);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });

  it("never delivers a corrupted frame, counts it, and resynchronises at the next delimiter (property)", function () {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.uint8Array({ maxLength: 50 }),
        (msg, flips, noise) => {
          const { dec, got } = collector();
          const bad = encode(PROTO_ROUTE, msg);
          for (const [i, x] of flips) bad[i % (bad.length - 1)] ^= x;
          const good = encode(PROTO_GENERIC, Uint8Array.from([1, 2, 3]));
          // Noise, a delimiter, the damaged frame, then a good frame.
          feed(dec, Uint8Array.from([...noise, 0]));
          feed(dec, bad);
          feed(dec, good);
          const original = Buffer.from(msg).toString("hex");
          for (const [p, m] of got.slice(0, -1))
            assert.ok(p === PROTO_ROUTE && m === original, "only the original may come through");
          assert.deepEqual(got[got.length - 1], [PROTO_GENERIC, "010203"], "the next good frame arrives");
          const c = dec.counters;
          assert.ok(c.frames >= 1 && c.frames + c.crcErrors + c.malformed + c.oversize >= 2);
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });

  it("drops an oversize frame whole and counts it", function () {
    const { dec, got } = collector();
    feed(dec, new Uint8Array(2000).fill(7));
    feed(dec, Uint8Array.from([0]));
    feed(dec, encode(PROTO_ROUTE, Uint8Array.from([9])));
    assert.equal(dec.counters.oversize, 1);
    assert.deepEqual(got, [[PROTO_ROUTE, "09"]]);
  });

  it("takes a message of exactly the largest size, with or without zeros in it; one byte more is oversize", function () {
    for (const fill of [0x41, 0]) {
      for (const n of [MAX, MAX + 1]) {
        const { dec, got } = collector();
        feed(dec, encode(PROTO_ROUTE, new Uint8Array(n).fill(fill)));
        assert.equal(got.length, n === MAX ? 1 : 0, `${n} bytes of ${fill}`);
        assert.equal(dec.counters.oversize, n === MAX ? 0 : 1, `${n} bytes of ${fill}`);
        assert.equal(dec.counters.malformed, 0);
      }
    }
  });

  it("refuses to encode into a buffer that is too small", function () {
    const msg = alloc(100);
    assert.equal(encodeFrame(0, msg, 0, 100, alloc(50), alloc(200)), -1);
    assert.equal(len(msg), 100);
    assert.equal(get8(msg, 0), 0);
  });
});
