// Ethernet II framing: 14-byte header, no FCS (the MAC strips and adds it).
import { compare, get8, get16, set8, set16 } from "@hal/bytes";
import { band, shr } from "@hal/u32";
import type { Bytes } from "../../hal/types";

// Header fields.
export const ETH_DST = 0;
export const ETH_SRC = 6;
export const ETH_TYPE = 12;
export const ETH_HLEN = 14;
/** A MAC address's length. */
export const ETH_ALEN = 6;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;
/** Smallest frame on the wire without FCS; shorter ones are padded. */
export const ETH_ZLEN = 60;

export function isBroadcastMac(b: Bytes, off: number): boolean {
  for (let i = 0; i < 6; i++) if (get8(b, off + i) !== 0xff) return false;
  return true;
}

/** Group bit: multicast or broadcast. */
export function isGroupMac(b: Bytes, off: number): boolean {
  return get8(b, off) % 2 === 1;
}

export function isZeroMac(b: Bytes, off: number): boolean {
  for (let i = 0; i < 6; i++) if (get8(b, off + i) !== 0) return false;
  return true;
}

export function sameMac(a: Bytes, aOff: number, b: Bytes, bOff: number): boolean {
  return compare(a, aOff, b, bOff, 6) === 0;
}

export function setBroadcastMac(b: Bytes, off: number): void {
  for (let i = 0; i < 6; i++) set8(b, off + i, 0xff);
}

/** RFC 1112 mapping of an IPv4 group to 01:00:5e + its low 23 bits. */
export function setMulticastMac(b: Bytes, off: number, group: number): void {
  set8(b, off, 0x01);
  set8(b, off + 1, 0x00);
  set8(b, off + 2, 0x5e);
  set8(b, off + 3, band(shr(group, 16), 0x7f));
  set8(b, off + 4, band(shr(group, 8), 0xff));
  set8(b, off + 5, band(group, 0xff));
}

/** Writes the source address and type; the destination is filled in once resolved. */
export function setEtherHeader(frame: Bytes, src: Bytes, type: number): void {
  for (let i = 0; i < ETH_ALEN; i++) set8(frame, ETH_SRC + i, get8(src, i));
  set16(frame, ETH_TYPE, type);
}

/** 01:00:5e:00:00:01, the all-hosts group's MAC (RFC 1112). */
export function isAllHostsMac(b: Bytes, off: number): boolean {
  return get16(b, off) === 0x0100 && get16(b, off + 2) === 0x5e00 && get16(b, off + 4) === 0x0001;
}
