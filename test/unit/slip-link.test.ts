// The host side of the SLIP frame link (tools/lib/slip-link.ts): frames
// survive encoding and any cutting of the byte stream; noise is dropped and
// counted, never a crash.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { slipEncode, SlipDecoder } from "../../tools/lib/slip-link";

describe("SLIP frame link (host side)", function () {
  it("decodes what it encoded, however the stream is cut", function () {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }),
        (frames, cuts) => {
          const got: Buffer[] = [];
          const d = new SlipDecoder((f) => got.push(f));
          const stream = Buffer.concat(frames.map((f) => slipEncode(f)));
          for (let off = 0, i = 0; off < stream.length; i++) {
            const n = cuts[i % cuts.length];
            d.push(stream.subarray(off, off + n));
            off += n;
          }
          assert.deepEqual(
            got.map((f) => [...f]),
            frames.map((f) => [...f]),
          );
          assert.equal(d.errors, 0);
        },
      ),
    );
  });

  it("escapes END and ESC", function () {
    assert.deepEqual([...slipEncode(Uint8Array.from([1, 0xc0, 0xdb, 2]))], [0xc0, 1, 0xdb, 0xdc, 0xdb, 0xdd, 2, 0xc0]);
  });

  it("drops and counts a frame with a bad escape or over the limit, and goes on", function () {
    const got: number[][] = [];
    const d = new SlipDecoder((f) => got.push([...f]), 4);
    d.push(Uint8Array.from([0xc0, 1, 0xdb, 0x05, 2, 0xc0, 3, 0xc0, 1, 2, 3, 4, 5, 0xc0, 9, 0xc0]));
    assert.deepEqual(got, [[3], [9]]);
    assert.equal(d.errors, 2);
  });

  it("never throws on noise", function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (noise) => {
        const d = new SlipDecoder(() => undefined, 1514);
        d.push(noise);
      }),
    );
  });
});
