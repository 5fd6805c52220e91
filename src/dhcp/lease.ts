// A DHCP lease: the record the client holds while bound, and its stored form
// (kept across reboots so INIT-REBOOT can ask for the same address).
import { alloc, get8, get32, len, set8, set32 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { maskOf, prefixLenOf } from "../net/route";
import { asciiText } from "../util/text";

export class DhcpLease {
  addr = 0;
  mask = 0;
  server = 0;
  routers: number[] = [];
  dns: number[] = [];
  /**
   * NTP servers (option 42), absent when the server sent none (most leases
   * on most boards: nothing held for them). Not in the stored record: a
   * lease renewed after a reboot brings them again.
   */
  ntp?: number[];
  domain = "";
  mtu = -1;
  /** Seconds; LIFETIME_INFINITE for a lease that never ends. */
  leaseSecs = 0;
  t1Secs = 0;
  t2Secs = 0;
  /** Clock time (ms) the lease was granted. */
  boundAt = 0;
}

export function copyLease(from: DhcpLease, to: DhcpLease): void {
  to.addr = from.addr;
  to.mask = from.mask;
  to.server = from.server;
  to.routers.splice(0, to.routers.length);
  for (let i = 0; i < from.routers.length; i++) to.routers.push(from.routers[i]);
  to.dns.splice(0, to.dns.length);
  for (let i = 0; i < from.dns.length; i++) to.dns.push(from.dns[i]);
  to.ntp = from.ntp;
  to.domain = from.domain;
  to.mtu = from.mtu;
  to.leaseSecs = from.leaseSecs;
  to.t1Secs = from.t1Secs;
  to.t2Secs = from.t2Secs;
  to.boundAt = from.boundAt;
}

/** A host address a server may hand out: not 0/8, loopback, multicast, class E or broadcast. */
export function usableAddress(a: number): boolean {
  const first = Math.floor(a / 16777216);
  return first !== 0 && first !== 127 && first < 224;
}

// The stored record: version, address, prefix length, server, lease seconds,
// the epoch second it was granted (EPOCH_UNKNOWN when the device had no wall
// clock), then routers, DNS servers (a count byte, 4 bytes each) and the
// domain (a length byte, its characters).
const LEASE_RECORD_VERSION = 1;
const REC_VERSION = 0;
const REC_ADDR = 1;
const REC_PREFIXLEN = 5;
const REC_SERVER = 6;
const REC_LEASE = 10;
const REC_GRANTED = 14;
const REC_LISTS = 18;
/** The granted time of a lease stored by a device without a wall clock. */
export const EPOCH_UNKNOWN = 0xffffffff;
/** Longest list and domain a record holds (one length byte each). */
const REC_LIST_MAX = 255;
/** A list's or the domain's count byte, then its entries (addresses of 4 bytes). */
const REC_COUNT = 1;
const REC_ADDR_LEN = 4;

export function encodeLease(l: DhcpLease, epochNow: number): Bytes {
  const routers = l.routers.length < REC_LIST_MAX ? l.routers.length : REC_LIST_MAX;
  const dns = l.dns.length < REC_LIST_MAX ? l.dns.length : REC_LIST_MAX;
  const dlen = l.domain.length < REC_LIST_MAX ? l.domain.length : REC_LIST_MAX;
  const b = alloc(REC_LISTS + 1 + routers * 4 + 1 + dns * 4 + 1 + dlen);
  set8(b, REC_VERSION, LEASE_RECORD_VERSION);
  set32(b, REC_ADDR, l.addr);
  set8(b, REC_PREFIXLEN, prefixLenOf(l.mask));
  set32(b, REC_SERVER, l.server);
  set32(b, REC_LEASE, l.leaseSecs);
  set32(b, REC_GRANTED, epochNow >= 0 ? epochNow : EPOCH_UNKNOWN);
  let p = putList(b, REC_LISTS, l.routers, routers);
  p = putList(b, p, l.dns, dns);
  set8(b, p++, dlen);
  for (let i = 0; i < dlen; i++) set8(b, p++, l.domain.charCodeAt(i) % 256);
  return b;
}

function putList(b: Bytes, p: number, list: number[], n: number): number {
  set8(b, p, n);
  for (let i = 0; i < n; i++) set32(b, p + REC_COUNT + i * REC_ADDR_LEN, list[i]);
  return p + REC_COUNT + n * REC_ADDR_LEN;
}

/**
 * Reads a stored record into `l` (boundAt and T1/T2 are not stored: left 0).
 * Returns the epoch second it was granted (EPOCH_UNKNOWN when unknown), or
 * -1 when the record is not one this version wrote whole.
 */
export function decodeLease(b: Bytes, l: DhcpLease): number {
  const n = len(b);
  if (n < REC_LISTS + 3 || get8(b, REC_VERSION) !== LEASE_RECORD_VERSION) return -1;
  const plen = get8(b, REC_PREFIXLEN);
  if (plen > 32) return -1;
  let p = REC_LISTS;
  const nr = get8(b, p);
  if (p + 1 + nr * 4 + 2 > n) return -1;
  p += 1 + nr * 4;
  const nd = get8(b, p);
  if (p + 1 + nd * 4 + 1 > n) return -1;
  p += 1 + nd * 4;
  const dlen = get8(b, p);
  if (p + 1 + dlen !== n) return -1;
  // Only printable ASCII is ever stored (the DHCP parser keeps no other): anything else is damage.
  for (let i = 0; i < dlen; i++) {
    const c = get8(b, p + REC_COUNT + i);
    if (c < 32 || c > 126) return -1;
  }
  l.addr = get32(b, REC_ADDR);
  l.mask = maskOf(plen);
  l.server = get32(b, REC_SERVER);
  l.leaseSecs = get32(b, REC_LEASE);
  l.t1Secs = 0;
  l.t2Secs = 0;
  l.boundAt = 0;
  l.mtu = -1;
  getList(b, REC_LISTS, l.routers);
  getList(b, REC_LISTS + 1 + nr * 4, l.dns);
  l.domain = asciiText(b, p + REC_COUNT, dlen);
  return get32(b, REC_GRANTED);
}

function getList(b: Bytes, p: number, into: number[]): void {
  into.splice(0, into.length);
  const k = get8(b, p);
  for (let i = 0; i < k; i++) into.push(get32(b, p + REC_COUNT + i * REC_ADDR_LEN));
}
