// Neighbor Discovery messages as a host receives them (RFC 4861 6.1, 7.1):
// the validity checks, then the options into a fixed record of offsets into
// the frame (nothing copied, nothing allocated). Total: any bytes give a
// verdict. What the options mean (addresses, lifetimes) is the caller's.
import { get8 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import {
  ICMP6_CODE,
  ICMP6_TYPE,
  ND_HOPLIMIT,
  ND_NA_FLAG_SOLICITED,
  ND_NA_FLAGS,
  ND_NEIGHBOR_ADVERT,
  ND_NEIGHBOR_SOLICIT,
  ND_NS_LEN,
  ND_NS_TARGET,
  ND_OPT_LEN,
  ND_OPT_MTU,
  ND_OPT_PI_LEN,
  ND_OPT_PREFIX_INFORMATION,
  ND_OPT_RDNSS,
  ND_OPT_SOURCE_LINKADDR,
  ND_OPT_TARGET_LINKADDR,
  ND_OPT_TYPE,
  ND_RA_LEN,
  ND_REDIRECT,
  ND_ROUTER_ADVERT,
  ND_ROUTER_SOLICIT,
} from "../wire/icmp6";
import { IPV6_ALEN, IPV6_DST, IPV6_HLIM, IPV6_SRC } from "../wire/ipv6";
import { isLinkLocal6, isMulticast6, isSolicitedNode6, isUnspecified6 } from "./addr6";

/** Prefix information and RDNSS options kept per message; more are ignored and counted. */
export const ND_MAX_PREFIXES = 4;
export const ND_MAX_RDNSS = 3;

/** Where each option of one ND message is (offsets into the frame; -1: absent). */
export class NdOptions {
  slla = -1;
  tlla = -1;
  mtu = -1;
  readonly prefix: number[] = [];
  prefixes = 0;
  readonly rdnss: number[] = [];
  rdnsses = 0;
  /** Options skipped: unknown types, wrong lengths for their type, beyond the record's room. */
  ignored = 0;

  constructor() {
    // Filled up front: a Lua array cannot hold holes.
    for (let i = 0; i < ND_MAX_PREFIXES; i++) this.prefix.push(-1);
    for (let i = 0; i < ND_MAX_RDNSS; i++) this.rdnss.push(-1);
  }

  clear(): void {
    this.slla = -1;
    this.tlla = -1;
    this.mtu = -1;
    this.prefixes = 0;
    this.rdnsses = 0;
    this.ignored = 0;
  }
}

/**
 * Reads the options in f[off, end) into `o`; false when the message must be
 * discarded: an option of length 0, or one that runs past the end (RFC 4861 4.6).
 * Link-layer address options are Ethernet's (8 bytes); a second one of a kind is ignored.
 */
export function parseNdOptions(f: Bytes, off: number, end: number, o: NdOptions): boolean {
  o.clear();
  let i = off;
  while (i < end) {
    if (i + 2 > end) return false;
    const units = get8(f, i + ND_OPT_LEN);
    if (units === 0 || i + units * 8 > end) return false;
    const type = get8(f, i + ND_OPT_TYPE);
    if (type === ND_OPT_SOURCE_LINKADDR && units === 1 && o.slla < 0) o.slla = i;
    else if (type === ND_OPT_TARGET_LINKADDR && units === 1 && o.tlla < 0) o.tlla = i;
    else if (type === ND_OPT_MTU && units === 1 && o.mtu < 0) o.mtu = i;
    else if (type === ND_OPT_PREFIX_INFORMATION && units * 8 === ND_OPT_PI_LEN && o.prefixes < ND_MAX_PREFIXES)
      o.prefix[o.prefixes++] = i;
    // RFC 8106 5.1: at least one address, so a length of 3 or more, and odd.
    else if (type === ND_OPT_RDNSS && units >= 3 && units % 2 === 1 && o.rdnsses < ND_MAX_RDNSS)
      o.rdnss[o.rdnsses++] = i;
    else o.ignored++;
    i += units * 8;
  }
  return true;
}

/**
 * Checks the ND message at f[off, off + n) of the IPv6 packet at f[ip]
 * (its checksum already checked) and reads its options into `o`: the
 * message's type when it is valid, -1 when it must be discarded.
 */
export function checkNd(f: Bytes, ip: number, off: number, n: number, o: NdOptions): number {
  if (n < 8) return -1;
  const type = get8(f, off + ICMP6_TYPE);
  if (get8(f, ip + IPV6_HLIM) !== ND_HOPLIMIT || get8(f, off + ICMP6_CODE) !== 0) return -1;
  const src = ip + IPV6_SRC;
  const dst = ip + IPV6_DST;
  let optsAt: number;
  if (type === ND_ROUTER_SOLICIT) optsAt = 8;
  else if (type === ND_ROUTER_ADVERT) {
    if (!isLinkLocal6(f, src)) return -1;
    optsAt = ND_RA_LEN;
  } else if (type === ND_NEIGHBOR_SOLICIT || type === ND_NEIGHBOR_ADVERT) {
    optsAt = ND_NS_LEN;
    if (n < ND_NS_LEN || isMulticast6(f, off + ND_NS_TARGET)) return -1;
    // Solicited is for a unicast answer; Router and Override may come with a multicast one.
    const solicited = Math.floor(get8(f, off + ND_NA_FLAGS) / ND_NA_FLAG_SOLICITED) % 2 === 1;
    if (type === ND_NEIGHBOR_ADVERT && solicited && isMulticast6(f, dst)) return -1;
  } else if (type === ND_REDIRECT) {
    optsAt = 8 + 2 * IPV6_ALEN;
    if (!isLinkLocal6(f, src)) return -1;
  } else return -1;
  if (n < optsAt) return -1;
  if (!parseNdOptions(f, off + optsAt, off + n, o)) return -1;
  // A solicitation for duplicate address detection comes from :: to the solicited-node group, with no address to learn.
  if (type === ND_NEIGHBOR_SOLICIT && isUnspecified6(f, src) && (!isSolicitedNode6(f, dst) || o.slla >= 0)) return -1;
  if (type === ND_ROUTER_SOLICIT && isUnspecified6(f, src) && o.slla >= 0) return -1;
  return type;
}
