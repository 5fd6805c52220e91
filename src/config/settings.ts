// The device's stored settings, as a router keeps its startup configuration:
// what the console changed, saved on request and applied at boot. This is
// the record's codec: a total decoder (every length checked, every value in
// range, the CRC over the body) that says what is wrong with a record
// rather than failing, and an encoder that writes the one canonical form.
import { alloc, get8, get16, get32, len, set8, set16, set32 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { crc16 } from "../netlink/frame";
import { asciiText } from "../util/text";
import { ETH_ALEN, isGroupMac, isZeroMac } from "../wire/ether";
import {
  SET_CRC,
  SET_HLEN,
  SET_LEN,
  SET_MAGIC,
  SET_MAGIC_VALUE,
  SET_VERSION,
  SETF_LEN,
  SETF_TYPE,
  SETF_VALUE,
  SETT_ADDR,
  SETT_ADDR_LEN,
  SETT_ADDR_PLEN,
  SETT_BYTE_LEN,
  SETT_DHCP,
  SETT_GATEWAY,
  SETT_HOSTNAME,
  SETT_MAC,
  SETT_NEIGH,
  SETT_NEIGH_LEN,
  SETT_NEIGH_MAC,
  SETT_PROBE,
  SETT_PROFILE,
} from "../wire/settings";

export const SETTINGS_KEY = "netrt.settings";
/** The format this firmware writes. */
export const SETTINGS_VERSION = 1;
export const SETTINGS_ADDR_MAX = 4;
export const SETTINGS_NEIGH_MAX = 8;
export const SETTINGS_HOSTNAME_MAX = 32;
/** The longest record: header, DHCP, addresses, gateway, hostname, MAC, profile, probe, neighbours. */
export const SETTINGS_MAX =
  SET_HLEN +
  3 +
  SETTINGS_ADDR_MAX * (2 + SETT_ADDR_LEN) +
  6 +
  2 +
  SETTINGS_HOSTNAME_MAX +
  2 +
  ETH_ALEN +
  3 +
  3 +
  SETTINGS_NEIGH_MAX * (2 + SETT_NEIGH_LEN);

// What decodeSettings found.
export const SETTINGS_OK = 0;
export const SETTINGS_NONE = 1;
export const SETTINGS_TRUNCATED = 2;
export const SETTINGS_NOT_SETTINGS = 3;
export const SETTINGS_NEWER = 4;
export const SETTINGS_OLDER = 5;
export const SETTINGS_DAMAGED = 6;
export const SETTINGS_BAD_FIELD = 7;
export const SETTINGS_PROBLEMS = [
  "ok",
  "none stored",
  "truncated",
  "not a settings record",
  "written by a newer firmware",
  "written by an older firmware",
  "damaged (its CRC does not match)",
  "a field is out of range",
];

/** -1 in a number field, "" in the hostname: not set, the board's default applies. */
export class DeviceSettings {
  dhcp = -1;
  readonly addrs: number[] = [];
  readonly prefixLens: number[] = [];
  gateway = 0;
  hostname = "";
  /** eth0's MAC, when `macSet`. */
  readonly mac: Bytes = alloc(ETH_ALEN);
  macSet = false;
  profile = -1;
  probe = -1;
  readonly neighIps: number[] = [];
  /** Their MACs, 6 bytes each, in order. */
  readonly neighMacs: Bytes = alloc(SETTINGS_NEIGH_MAX * 6);

  clear(): void {
    this.dhcp = -1;
    this.addrs.splice(0, this.addrs.length);
    this.prefixLens.splice(0, this.prefixLens.length);
    this.gateway = 0;
    this.hostname = "";
    this.macSet = false;
    this.profile = -1;
    this.probe = -1;
    this.neighIps.splice(0, this.neighIps.length);
  }
}

function putField(b: Bytes, p: number, type: number, n: number): number {
  set8(b, p + SETF_TYPE, type);
  set8(b, p + SETF_LEN, n);
  return p + SETF_VALUE;
}

/** A one-byte field when set (-1: left out). */
function putByte(b: Bytes, p: number, type: number, v: number): number {
  if (v < 0) return p;
  set8(b, putField(b, p, type, SETT_BYTE_LEN), v);
  return p + SETF_VALUE + SETT_BYTE_LEN;
}

/** Writes `s` as a record: its bytes, or undefined when it holds more than a record can (never, within the limits). */
export function encodeSettings(s: DeviceSettings): Bytes | undefined {
  if (s.addrs.length > SETTINGS_ADDR_MAX || s.neighIps.length > SETTINGS_NEIGH_MAX) return undefined;
  if (s.hostname.length > SETTINGS_HOSTNAME_MAX) return undefined;
  const b = alloc(SETTINGS_MAX);
  let p = SET_HLEN;
  p = putByte(b, p, SETT_DHCP, s.dhcp);
  for (let i = 0; i < s.addrs.length; i++) {
    p = putField(b, p, SETT_ADDR, SETT_ADDR_LEN);
    set32(b, p, s.addrs[i]);
    set8(b, p + SETT_ADDR_PLEN, s.prefixLens[i]);
    p += SETT_ADDR_LEN;
  }
  if (s.gateway !== 0) {
    p = putField(b, p, SETT_GATEWAY, 4);
    set32(b, p, s.gateway);
    p += 4;
  }
  if (s.hostname !== "") {
    p = putField(b, p, SETT_HOSTNAME, s.hostname.length);
    for (let i = 0; i < s.hostname.length; i++) set8(b, p++, s.hostname.charCodeAt(i) % 256);
  }
  if (s.macSet) {
    p = putField(b, p, SETT_MAC, ETH_ALEN);
    for (let i = 0; i < ETH_ALEN; i++) set8(b, p++, get8(s.mac, i));
  }
  p = putByte(b, p, SETT_PROFILE, s.profile);
  p = putByte(b, p, SETT_PROBE, s.probe);
  for (let i = 0; i < s.neighIps.length; i++) {
    p = putField(b, p, SETT_NEIGH, SETT_NEIGH_LEN);
    set32(b, p, s.neighIps[i]);
    for (let k = 0; k < ETH_ALEN; k++) set8(b, p + SETT_NEIGH_MAC + k, get8(s.neighMacs, i * ETH_ALEN + k));
    p += SETT_NEIGH_LEN;
  }
  set16(b, SET_MAGIC, SET_MAGIC_VALUE);
  set8(b, SET_VERSION, SETTINGS_VERSION);
  set16(b, SET_LEN, p - SET_HLEN);
  set16(b, SET_CRC, crc16(b, SET_HLEN, p - SET_HLEN));
  const out = alloc(p);
  for (let i = 0; i < p; i++) set8(out, i, get8(b, i));
  return out;
}

/** 1 to SETTINGS_HOSTNAME_MAX printable bytes without spaces at `p`: a hostname we send (DHCP option 12) and store. */
export function hostnameOk(b: Bytes, p: number, n: number): boolean {
  if (n < 1 || n > SETTINGS_HOSTNAME_MAX) return false;
  for (let i = 0; i < n; i++) {
    const c = get8(b, p + i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

/** One field's value into `s`; false when it is not one this version writes. */
function readField(b: Bytes, p: number, type: number, n: number, s: DeviceSettings): boolean {
  if (type === SETT_DHCP || type === SETT_PROFILE || type === SETT_PROBE) {
    const v = n === 1 ? get8(b, p) : 99;
    if (type === SETT_DHCP && v <= 1 && s.dhcp < 0) s.dhcp = v;
    else if (type === SETT_PROFILE && v <= 1 && s.profile < 0) s.profile = v;
    else if (type === SETT_PROBE && v <= 2 && s.probe < 0) s.probe = v;
    else return false;
    return true;
  }
  if (type === SETT_ADDR) {
    if (n !== SETT_ADDR_LEN || s.addrs.length >= SETTINGS_ADDR_MAX || get8(b, p + SETT_ADDR_PLEN) > 32) return false;
    s.addrs.push(get32(b, p));
    s.prefixLens.push(get8(b, p + SETT_ADDR_PLEN));
    return true;
  }
  if (type === SETT_GATEWAY) {
    if (n !== 4 || s.gateway !== 0 || get32(b, p) === 0) return false;
    s.gateway = get32(b, p);
    return true;
  }
  if (type === SETT_HOSTNAME) {
    if (!hostnameOk(b, p, n) || s.hostname !== "") return false;
    s.hostname = asciiText(b, p, n);
    return true;
  }
  if (type === SETT_MAC) {
    // Unicast (bit 0 of the first byte clear) and not all zeros: an address eth0 can take.
    if (n !== ETH_ALEN || s.macSet || isGroupMac(b, p) || isZeroMac(b, p)) return false;
    for (let i = 0; i < ETH_ALEN; i++) set8(s.mac, i, get8(b, p + i));
    s.macSet = true;
    return true;
  }
  if (type === SETT_NEIGH) {
    if (n !== SETT_NEIGH_LEN || s.neighIps.length >= SETTINGS_NEIGH_MAX) return false;
    const k = s.neighIps.length;
    s.neighIps.push(get32(b, p));
    for (let i = 0; i < ETH_ALEN; i++) set8(s.neighMacs, k * ETH_ALEN + i, get8(b, p + SETT_NEIGH_MAC + i));
    return true;
  }
  return false;
}

/**
 * Reads a stored record (undefined: none) into `s`. Returns SETTINGS_OK with
 * `s` filled, or what is wrong, with `s` cleared: a record is applied whole
 * or not at all.
 */
export function decodeSettings(b: Bytes | undefined, s: DeviceSettings): number {
  s.clear();
  if (b === undefined || len(b) === 0) return SETTINGS_NONE;
  const n = len(b);
  if (n < 3) return SETTINGS_TRUNCATED;
  if (get16(b, SET_MAGIC) !== SET_MAGIC_VALUE) return SETTINGS_NOT_SETTINGS;
  const version = get8(b, SET_VERSION);
  if (version > SETTINGS_VERSION) return SETTINGS_NEWER;
  if (version < SETTINGS_VERSION) return SETTINGS_OLDER;
  if (n < SET_HLEN) return SETTINGS_TRUNCATED;
  const body = get16(b, SET_LEN);
  if (SET_HLEN + body > n) return SETTINGS_TRUNCATED;
  // Bytes after the body are damage too: a record is exactly what was written.
  if (SET_HLEN + body < n || crc16(b, SET_HLEN, body) !== get16(b, SET_CRC)) return SETTINGS_DAMAGED;
  let p = SET_HLEN;
  const end = SET_HLEN + body;
  // Fields in the order the encoder writes them (type by type): one record, one form.
  let last = 0;
  while (p < end) {
    if (p + SETF_VALUE > end) break;
    const t = get8(b, p + SETF_TYPE);
    const fl = get8(b, p + SETF_LEN);
    if (t < last || p + SETF_VALUE + fl > end || !readField(b, p + SETF_VALUE, t, fl, s)) break;
    last = t;
    p += SETF_VALUE + fl;
  }
  if (p !== end) {
    s.clear();
    return SETTINGS_BAD_FIELD;
  }
  return SETTINGS_OK;
}
