// The receive side's reading of an IPv6 packet (RFC 8200): the header
// checks and the walk along the extension headers to the upper layer, with
// RFC 8200's verdicts. Total: any bytes give a verdict, never an exception;
// nothing is allocated (the result goes in a record the caller keeps).
import { get8, get16, sum16 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { finish } from "./cksum";
import { ICMP6_PARAMPROB_HEADER, ICMP6_PARAMPROB_NEXTHEADER, ICMP6_PARAMPROB_OPTION } from "../wire/icmp6";
import {
  IP6E_LEN,
  IP6E_NXT,
  IP6F_LEN,
  IP6OPT_ACTION_DISCARD,
  IP6OPT_ACTION_ICMP,
  IP6OPT_ACTION_SKIP,
  IP6OPT_DATA,
  IP6OPT_LEN,
  IP6OPT_PAD1,
  IP6OPT_TYPE,
  IP6OPT_ROUTER_ALERT,
  IP6OPT_RTALERT_LEN,
  IP6R_SEGLEFT,
  IP6R_TYPE,
  IPPROTO_DSTOPTS,
  IPPROTO_FRAGMENT,
  IPPROTO_HOPOPTS,
  IPPROTO_NONE,
  IPPROTO_ROUTING,
  IPV6_ALEN,
  IPV6_HLEN,
  IPV6_NXT,
  IPV6_PLEN,
  IPV6_SRC,
  IPV6_VFC,
} from "../wire/ipv6";

/** The upper layer was reached: proto, off and len say where it is. */
export const WALK_UPPER = 0;
/** Discard silently (a malformed header, no next header, an option that says so). */
export const WALK_DROP = 1;
/** Discard and answer with Parameter Problem `code` at `pointer`. */
export const WALK_PARAMPROB = 2;
/** A fragment: not reassembled here, dropped and counted. */
export const WALK_FRAGMENT = 3;

export class Ip6Walk {
  verdict = WALK_DROP;
  /** The upper layer's protocol (-1 before it is reached), where it starts in the frame, and its length. */
  proto = -1;
  off = 0;
  len = 0;
  /** For WALK_PARAMPROB: the code; for that and for an unknown upper layer: the offset into the packet to point at. */
  code = 0;
  pointer = 0;
  /** A hop-by-hop Router Alert's value (RFC 2711; 0 is MLD's), -1 without one. */
  routerAlert = -1;
}

/**
 * Walks the packet whose IPv6 header starts at f[ip] with `avail` bytes
 * there (a frame's padding beyond the payload length is ignored).
 * `multicastDst`: the destination is a group (an option's action 11 then
 * only discards). An unknown upper layer (ESP and AH included: no IPsec
 * here) comes back as WALK_UPPER with `pointer` at the next-header field
 * that named it, for the caller's Parameter Problem code 1.
 */
export function walkIpv6(f: Bytes, ip: number, avail: number, multicastDst: boolean, w: Ip6Walk): number {
  // Nothing of the last packet stays in the record.
  w.verdict = WALK_DROP;
  w.proto = -1;
  w.off = 0;
  w.len = 0;
  w.code = 0;
  w.pointer = 0;
  w.routerAlert = -1;
  if (avail < IPV6_HLEN || Math.floor(get8(f, ip + IPV6_VFC) / 16) !== 6) return WALK_DROP;
  const plen = get16(f, ip + IPV6_PLEN);
  // A payload length of 0 is a jumbogram's (RFC 2675), which no link of ours carries.
  if (plen === 0 || IPV6_HLEN + plen > avail) return WALK_DROP;
  const end = ip + IPV6_HLEN + plen;
  let nxt = get8(f, ip + IPV6_NXT);
  let nxtField = ip + IPV6_NXT;
  let at = ip + IPV6_HLEN;
  let first = true;
  for (;;) {
    if (nxt === IPPROTO_HOPOPTS && !first) return paramProb(w, ICMP6_PARAMPROB_NEXTHEADER, nxtField - ip);
    if (nxt === IPPROTO_NONE) return WALK_DROP;
    if (nxt === IPPROTO_FRAGMENT) {
      if (at + IP6F_LEN > end) return WALK_DROP;
      w.verdict = WALK_FRAGMENT;
      return WALK_FRAGMENT;
    }
    if (nxt !== IPPROTO_HOPOPTS && nxt !== IPPROTO_DSTOPTS && nxt !== IPPROTO_ROUTING) {
      w.verdict = WALK_UPPER;
      w.proto = nxt;
      w.off = at;
      w.len = end - at;
      w.pointer = nxtField - ip;
      return WALK_UPPER;
    }
    if (at + 8 > end) return WALK_DROP;
    const hl = (get8(f, at + IP6E_LEN) + 1) * 8;
    if (at + hl > end) return WALK_DROP;
    if (nxt === IPPROTO_ROUTING) {
      // A host is never a waypoint: segments left means a type we cannot follow.
      if (get8(f, at + IP6R_SEGLEFT) !== 0) return paramProb(w, ICMP6_PARAMPROB_HEADER, at + IP6R_TYPE - ip);
    } else {
      const v = options(f, ip, at + 2, at + hl, multicastDst, nxt === IPPROTO_HOPOPTS, w);
      if (v !== WALK_UPPER) return v;
    }
    nxtField = at + IP6E_NXT;
    nxt = get8(f, at + IP6E_NXT);
    at += hl;
    first = false;
  }
}

/** The options of a hop-by-hop or destination options header in f[o, end): WALK_UPPER to go on. */
function options(
  f: Bytes,
  ip: number,
  o: number,
  end: number,
  multicastDst: boolean,
  hopByHop: boolean,
  w: Ip6Walk,
): number {
  let i = o;
  while (i < end) {
    const type = get8(f, i + IP6OPT_TYPE);
    if (type === IP6OPT_PAD1) {
      i++;
      continue;
    }
    if (i + IP6OPT_DATA > end) return WALK_DROP;
    const next = i + IP6OPT_DATA + get8(f, i + IP6OPT_LEN);
    if (next > end) return WALK_DROP;
    // PadN and the options a host may ignore (Router Alert among them) have action 00.
    const action = Math.floor(type / 64);
    if (action === IP6OPT_ACTION_DISCARD) return WALK_DROP;
    if (action === IP6OPT_ACTION_ICMP || (action !== IP6OPT_ACTION_SKIP && !multicastDst))
      return paramProb(w, ICMP6_PARAMPROB_OPTION, i - ip);
    if (action !== IP6OPT_ACTION_SKIP) return WALK_DROP;
    if (hopByHop && type === IP6OPT_ROUTER_ALERT && get8(f, i + IP6OPT_LEN) === IP6OPT_RTALERT_LEN)
      w.routerAlert = get16(f, i + IP6OPT_DATA);
    i = next;
  }
  return WALK_UPPER;
}

function paramProb(w: Ip6Walk, code: number, pointer: number): number {
  w.verdict = WALK_PARAMPROB;
  w.code = code;
  w.pointer = pointer;
  return WALK_PARAMPROB;
}

/** The checksum of an upper-layer message at f[off, off + n) of the packet at f[ip]: 0 when it is right. */
export function upperChecksum(f: Bytes, ip: number, proto: number, off: number, n: number): number {
  // The pseudo-header (RFC 8200 8.1): both addresses, the upper-layer length (32 bits), the next header.
  const pseudo = sum16(f, ip + IPV6_SRC, 2 * IPV6_ALEN, 0) + Math.floor(n / 65536) + (n % 65536) + proto;
  return finish(sum16(f, off, n, pseudo));
}
