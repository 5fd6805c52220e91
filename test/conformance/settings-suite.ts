// The stored settings record on every runtime: the reference record (made
// and checked against Python's CRC in test/unit/settings-record.test.ts)
// decodes to its values and re-encodes to the same bytes, and every
// truncation, every single flipped bit, an older or newer format, trailing
// bytes and a field out of range are named and applied in no part: what a
// device meets in its flash after a power cut, on the interpreter it runs.
import * as B from "@hal/bytes";
import {
  decodeSettings,
  DeviceSettings,
  encodeSettings,
  SETTINGS_BAD_FIELD,
  SETTINGS_DAMAGED,
  SETTINGS_NEWER,
  SETTINGS_NOT_SETTINGS,
  SETTINGS_OK,
  SETTINGS_OLDER,
  SETTINGS_TRUNCATED,
} from "../../src/config/settings";
import type { Bytes } from "../../hal/types";
import { formatIPv4 } from "../../src/net/addr";
import { fromHex, toHex } from "../../src/util/hex";
import type { Checker } from "./net-suites";

const RECORD =
  "6e7301003bb0cb0101000205c000020a180205c6336401200304c0000201040873656e736f722d370506020000000042060101070102080ac0000263020000000063";
/** A record with a right CRC (Python's) whose one field holds a prefix length of 33. */
const BAD_FIELD = "6e73010007ab830205c000020a21";
/** And one whose MAC is a multicast address. */
const BAD_MAC = "6e730100080a7c0506010000000042";

function empty(s: DeviceSettings): boolean {
  return (
    s.dhcp === -1 &&
    s.addrs.length === 0 &&
    s.gateway === 0 &&
    s.hostname === "" &&
    !s.macSet &&
    s.neighIps.length === 0
  );
}

function copyOf(b: Bytes, n: number): Bytes {
  const c = B.alloc(n);
  for (let i = 0; i < n && i < B.len(b); i++) B.set8(c, i, B.get8(b, i));
  return c;
}

export function runSettings(s: Checker): void {
  const rec = fromHex(RECORD)!;
  const d = new DeviceSettings();
  s.check(decodeSettings(rec, d) === SETTINGS_OK, "the reference record decodes");
  s.check(d.dhcp === 0 && d.profile === 1 && d.probe === 2, "dhcp, profile, probe");
  s.check(d.addrs.length === 2 && formatIPv4(d.addrs[0]) === "192.0.2.10" && d.prefixLens[0] === 24, "address 1");
  s.check(formatIPv4(d.addrs[1]) === "198.51.100.1" && d.prefixLens[1] === 32, "address 2");
  s.check(formatIPv4(d.gateway) === "192.0.2.1", "gateway");
  s.check(d.hostname === "sensor-7", "hostname " + d.hostname);
  s.check(d.macSet && toHex(d.mac, 0, 6) === "020000000042", "MAC");
  s.check(d.neighIps.length === 1 && formatIPv4(d.neighIps[0]) === "192.0.2.99", "neighbour");
  s.check(toHex(d.neighMacs, 0, 6) === "020000000063", "neighbour's MAC");
  const again = encodeSettings(d);
  s.check(again !== undefined && toHex(again, 0, B.len(again)) === RECORD, "re-encodes to the same bytes");
  const n = B.len(rec);
  for (let k = 1; k < n; k++) {
    const r = decodeSettings(copyOf(rec, k), d);
    s.check((r === SETTINGS_TRUNCATED || r === SETTINGS_NOT_SETTINGS) && empty(d), "cut at " + k + ": " + r);
  }
  for (let bit = 0; bit < n * 8; bit++) {
    const f = copyOf(rec, n);
    const at = Math.floor(bit / 8);
    const mask = [1, 2, 4, 8, 16, 32, 64, 128][bit % 8];
    const v = B.get8(f, at);
    B.set8(f, at, Math.floor(v / mask) % 2 === 1 ? v - mask : v + mask);
    const r = decodeSettings(f, d);
    s.check(r !== SETTINGS_OK && empty(d), "bit " + bit + " flipped: " + r);
  }
  const version = (v: number): Bytes => {
    const c = copyOf(rec, n);
    B.set8(c, 2, v);
    return c;
  };
  s.check(decodeSettings(version(0), d) === SETTINGS_OLDER, "an older format");
  s.check(decodeSettings(version(2), d) === SETTINGS_NEWER, "a newer format");
  s.check(decodeSettings(copyOf(rec, n + 1), d) === SETTINGS_DAMAGED, "a trailing byte");
  s.check(decodeSettings(fromHex(BAD_FIELD)!, d) === SETTINGS_BAD_FIELD && empty(d), "a field out of range");
  s.check(decodeSettings(fromHex(BAD_MAC)!, d) === SETTINGS_BAD_FIELD && empty(d), "a multicast MAC");
}
