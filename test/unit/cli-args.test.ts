// The CLI's parsers refuse what they cannot read exactly.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { int, prefix, UsageError } from "../../cli/args";
import { formatIPv4 } from "../../src/net/addr";

describe("CLI argument parsers", function () {
  it("prefix: a.b.c.d or a.b.c.d/0..32 exactly; an empty, doubled, exponent, signed, hex or padded length is a usage error", function () {
    assert.deepEqual(prefix("1.2.3.4"), [0x01020304, 32]);
    assert.deepEqual(prefix("1.2.3.4/0"), [0x01020304, 0]);
    assert.deepEqual(prefix("10.0.0.1/24"), [0x0a000001, 24]);
    for (const bad of [
      "1.2.3.4/",
      "1.2.3.4/24/7",
      "1.2.3.4/1e1",
      "1.2.3.4/+8",
      "1.2.3.4/-0",
      "1.2.3.4/0x10",
      "1.2.3.4/ 8",
      "1.2.3.4/08",
      "1.2.3.4/33",
      "1.2.3.4/8.0",
      "/24",
      "1.2.3/24",
    ]) {
      assert.throws(() => prefix(bad), UsageError, bad);
    }
  });
  it("int: decimal digits only", function () {
    assert.equal(int("1400", "mtu", 68, 65535), 1400);
    for (const bad of ["1e3", "0x578", " 1400", "1400 ", "+1400", "1400.0", "", "01400"])
      assert.throws(() => int(bad, "mtu", 0, 65535), UsageError, bad);
  });
  it("prefix accepts exactly what it prints back (property)", function () {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (s) => {
        let got: [number, number] | undefined;
        try {
          got = prefix(s);
        } catch (e) {
          assert.ok(e instanceof UsageError);
          return;
        }
        const back = `${formatIPv4(got[0])}/${got[1]}`;
        assert.ok(s === back || `${s}/32` === back, `${JSON.stringify(s)} read as ${back}`);
      }),
      { numRuns: 20000, seed: 14 },
    );
  });
});
