// The stored settings record: what the encoder writes decodes back to the
// same settings and re-encodes to the same bytes; a truncated, bit-flipped,
// foreign, older or newer record is named, never applied in part.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { alloc, get8, len, set8 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import {
  decodeSettings,
  DeviceSettings,
  encodeSettings,
  SETTINGS_ADDR_MAX,
  SETTINGS_BAD_FIELD,
  SETTINGS_DAMAGED,
  SETTINGS_NEIGH_MAX,
  SETTINGS_NEWER,
  SETTINGS_NONE,
  SETTINGS_NOT_SETTINGS,
  SETTINGS_OK,
  SETTINGS_OLDER,
  SETTINGS_TRUNCATED,
} from "../../src/config/settings";
import { crc16 } from "../../src/netlink/frame";

const hex = (b: Bytes): string => Buffer.from(b as unknown as Uint8Array).toString("hex");
const bytes = (h: string): Bytes => Uint8Array.from(Buffer.from(h, "hex")) as unknown as Bytes;

function full(): DeviceSettings {
  const s = new DeviceSettings();
  s.dhcp = 0;
  s.addrs.push(0xc000020a, 0xc6336401);
  s.prefixLens.push(24, 32);
  s.gateway = 0xc0000201;
  s.hostname = "sensor-7";
  (s.mac as unknown as Uint8Array).set([2, 0, 0, 0, 0, 0x42]);
  s.macSet = true;
  s.profile = 1;
  s.probe = 2;
  s.neighIps.push(0xc0000263);
  for (let i = 0; i < 6; i++) set8(s.neighMacs, i, [2, 0, 0, 0, 0, 0x63][i]);
  return s;
}

function view(s: DeviceSettings): unknown {
  return {
    dhcp: s.dhcp,
    addrs: s.addrs.slice(),
    plens: s.prefixLens.slice(),
    gw: s.gateway,
    host: s.hostname,
    mac: s.macSet ? hex(s.mac) : "",
    profile: s.profile,
    probe: s.probe,
    neigh: s.neighIps.map((ip, i) => [ip, hex(s.neighMacs).slice(i * 12, i * 12 + 12)]),
  };
}

const arbSettings = fc
  .record({
    dhcp: fc.integer({ min: -1, max: 1 }),
    addrs: fc.array(fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 0, max: 32 })), { maxLength: SETTINGS_ADDR_MAX }),
    gw: fc.nat(0xffffffff),
    host: fc.stringMatching(/^[!-~]{0,32}$/),
    // A unicast, non-zero MAC, or none.
    mac: fc.option(
      fc.uint8Array({ minLength: 6, maxLength: 6 }).filter((m) => m[0] % 2 === 0 && m.some((x) => x !== 0)),
    ),
    profile: fc.integer({ min: -1, max: 1 }),
    probe: fc.integer({ min: -1, max: 2 }),
    neigh: fc.array(fc.tuple(fc.nat(0xffffffff), fc.uint8Array({ minLength: 6, maxLength: 6 })), {
      maxLength: SETTINGS_NEIGH_MAX,
    }),
  })
  .map((r) => {
    const s = new DeviceSettings();
    s.dhcp = r.dhcp;
    for (const [a, l] of r.addrs) {
      s.addrs.push(a);
      s.prefixLens.push(l);
    }
    s.gateway = r.gw;
    s.hostname = r.host;
    if (r.mac !== null) {
      (s.mac as unknown as Uint8Array).set(r.mac);
      s.macSet = true;
    }
    s.profile = r.profile;
    s.probe = r.probe;
    r.neigh.forEach(([ip, mac], i) => {
      s.neighIps.push(ip);
      for (let k = 0; k < 6; k++) set8(s.neighMacs, i * 6 + k, mac[k]);
    });
    return s;
  });

describe("the settings record", function () {
  it("round-trips: decode(encode(s)) is s, and re-encodes to the same bytes (property)", function () {
    fc.assert(
      fc.property(arbSettings, (s) => {
        const b = encodeSettings(s)!;
        const back = new DeviceSettings();
        assert.equal(decodeSettings(b, back), SETTINGS_OK);
        assert.deepEqual(view(back), view(s));
        assert.equal(hex(encodeSettings(back)!), hex(b));
      }),
      { numRuns: 3000, seed: 18 },
    );
  });

  it("a record cut short anywhere, or with any one bit flipped, is named and not applied", function () {
    const b = encodeSettings(full())!;
    const s = new DeviceSettings();
    for (let n = 1; n < len(b); n++) {
      const cut = alloc(n);
      for (let i = 0; i < n; i++) set8(cut, i, get8(b, i));
      const r = decodeSettings(cut, s);
      assert.ok(r === SETTINGS_TRUNCATED || r === SETTINGS_NOT_SETTINGS, `cut at ${n}: ${r}`);
      assert.deepEqual(view(s), view(new DeviceSettings()), "nothing applied in part");
    }
    for (let bit = 0; bit < len(b) * 8; bit++) {
      const f = bytes(hex(b));
      set8(f, bit >> 3, get8(f, bit >> 3) ^ (1 << (bit & 7)));
      assert.notEqual(decodeSettings(f, s), SETTINGS_OK, `bit ${bit} flipped`);
    }
  });

  it("names none, a foreign record, an older and a newer format, trailing bytes and a bad field", function () {
    const s = new DeviceSettings();
    assert.equal(decodeSettings(undefined, s), SETTINGS_NONE);
    assert.equal(decodeSettings(alloc(0), s), SETTINGS_NONE);
    assert.equal(decodeSettings(bytes("01c0000214180000"), s), SETTINGS_NOT_SETTINGS, "a lease record is not one");
    const b = encodeSettings(full())!;
    const v = (version: number): Bytes => {
      const c = bytes(hex(b));
      set8(c, 2, version);
      return c;
    };
    assert.equal(decodeSettings(v(0), s), SETTINGS_OLDER);
    assert.equal(decodeSettings(v(2), s), SETTINGS_NEWER);
    assert.equal(decodeSettings(bytes(hex(b) + "00"), s), SETTINGS_DAMAGED);
    // Well-formed records (right CRC) with a field this version never writes: a prefix length of 33,
    // a multicast, a zero or a short MAC, a hostname with a space, two MACs.
    for (const body of [
      "0205c000020a21",
      "0506010000000042",
      "0506000000000000",
      "050502000000",
      "0408" + Buffer.from("sensor 7").toString("hex"),
      "05060200000000420506020000000043",
    ]) {
      const rec = bytes(`6e7301${(body.length / 2).toString(16).padStart(4, "0")}0000${body}`);
      const crc = crc16(rec, 7, body.length / 2);
      set8(rec, 5, crc >> 8);
      set8(rec, 6, crc & 255);
      assert.equal(decodeSettings(rec, s), SETTINGS_BAD_FIELD, body);
      assert.deepEqual(view(s), view(new DeviceSettings()));
    }
  });

  it("the format, byte for byte (docs/CONTROL-PROTOCOL.md shows this record)", function () {
    assert.equal(
      hex(encodeSettings(full())!),
      // magic "ns", version 1, 59 bytes of body, CRC-16/GENIBUS 0xb0cb (Python: crc_hqx(body, 0xffff) ^ 0xffff)
      "6e7301003b" +
        "b0cb" +
        "010100" +
        "0205c000020a18" +
        "0205c633640120" +
        "0304c0000201" +
        "0408" +
        Buffer.from("sensor-7").toString("hex") +
        "0506020000000042" +
        "060101" +
        "070102" +
        "080ac0000263020000000063",
    );
  });
});
