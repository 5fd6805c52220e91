// MLD for a host (RFC 3810), as small as a switch that snoops it allows:
// reports for the solicited-node groups of our addresses when they are
// joined and left, and answers to queries, so that a snooping switch keeps
// forwarding Neighbor Solicitations to us after its membership interval.
// An MLDv1 query (RFC 2710) gets MLDv1 reports; joins and leaves stay MLDv2.
import { alloc, compare, copy, fill, get8, get16, set8, set16 } from "@hal/bytes";
import type { Bytes, Clock, Random, TimerId } from "../../hal/types";
import * as A6 from "./addr6";
import type { Ifnet } from "./ifnet";
import { RX_DELIVERED, RX_DROPPED } from "./ifnet";
import { IN6_DUPLICATE } from "./in6addr";
import type { Ipv6 } from "./ipv6";
import { upperChecksum } from "./ipv6-walk";
import * as I from "../wire/icmp6";
import { ETH_HLEN } from "../wire/ether";
import * as W from "../wire/ipv6";

const IP6_OFF = ETH_HLEN;
const IP6_PAYLOAD = ETH_HLEN + W.IPV6_HLEN;
/** The hop-by-hop header in front of every report: the Router Alert, padded to 8 bytes. */
const HBH_LEN = 8;
/** An MLDv1 report (RFC 2710 3): type, code, checksum, delay, reserved, the group. */
const MLD1_LEN = 24;
/** Router Alert's value for MLD (RFC 2711). */
const RTALERT_MLD = 0;

/** A response owed to a query on one interface: when, for which group (:: is every group), in which version. */
class Pending {
  timer: TimerId = -1;
  at = 0;
  readonly group: Bytes = alloc(W.IPV6_ALEN);
  v1 = false;
  constructor(readonly ifp: Ifnet) {}
}

export interface Mld6Stats {
  /** Queries answered (scheduled) and queries dropped as RFC 3810 5.1.14 / 6.2 say. */
  queriesIn: number;
  queriesBad: number;
  reportsOut: number;
}

export class Mld6 {
  readonly stats: Mld6Stats = { queriesIn: 0, queriesBad: 0, reportsOut: 0 };
  /** Dense: at most one per interface. */
  private readonly pending: Pending[] = [];

  constructor(
    private readonly ip6: Ipv6,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** An MLDv2 report with one record for the solicited-node group of `addr`: a join (CHANGE_TO_EXCLUDE) or a leave (CHANGE_TO_INCLUDE). */
  change(ifp: Ifnet, addr: Bytes, recordType: number): void {
    const g = alloc(W.IPV6_ALEN);
    A6.solicitedNode6(addr, 0, g, 0);
    this.reportV2(ifp, recordType, [g]);
  }

  /**
   * A query (type 130) at f[off…], m bytes, its hop limit and Router Alert
   * value (-1: none) as the header walk read them. RFC 3810 6.2: from a
   * link-local source, hop limit 1, with MLD's Router Alert, else dropped;
   * 24 bytes is MLDv1's, 28 or more MLDv2's, other lengths dropped.
   */
  query(ifp: Ifnet, f: Bytes, off: number, m: number, routerAlert: number): number {
    const v1 = m === MLD1_LEN;
    if (
      (!v1 && m < I.MLD2_QUERY_LEN) ||
      !A6.isLinkLocal6(f, IP6_OFF + W.IPV6_SRC) ||
      get8(f, IP6_OFF + W.IPV6_HLIM) !== 1 ||
      routerAlert !== RTALERT_MLD
    ) {
      this.stats.queriesBad++;
      return RX_DROPPED;
    }
    const group = off + I.MLD_GROUP;
    const general = A6.isUnspecified6(f, group);
    // A query for a group we are not in asks nothing of us.
    if (!general && !this.member(ifp, f, group)) return RX_DELIVERED;
    this.stats.queriesIn++;
    const code = get16(f, off + I.MLD_MAXDELAY);
    const delay = this.random.u32() % (maxResponseDelay(code, v1) + 1);
    this.schedule(ifp, f, group, general, v1, this.clock.now() + delay);
    return RX_DELIVERED;
  }

  /** Forgets what was owed on ifp (it left the wire). */
  forget(ifp: Ifnet): void {
    const i = this.indexOf(ifp);
    if (i < 0) return;
    this.clock.clear(this.pending[i].timer);
    this.pending.splice(i, 1);
  }

  /** RFC 3810 6.2's rules, for one response per interface: a general one covers a group's. */
  private schedule(ifp: Ifnet, f: Bytes, group: number, general: boolean, v1: boolean, at: number): void {
    let p: Pending;
    const i = this.indexOf(ifp);
    if (i < 0) {
      p = new Pending(ifp);
      this.pending.push(p);
      copy(p.group, 0, f, group, W.IPV6_ALEN);
      p.at = at;
    } else {
      p = this.pending[i];
      const pendingGeneral = A6.isUnspecified6(p.group, 0);
      // A general response due sooner already says everything.
      if (pendingGeneral && p.at <= at) return;
      // A query for another group than the one owed: answer for every group, at the earlier time.
      if (general || compare(p.group, 0, f, group, W.IPV6_ALEN) !== 0) fill(p.group, 0, 0, W.IPV6_ALEN);
      p.at = at < p.at ? at : p.at;
      this.clock.clear(p.timer);
    }
    p.v1 = v1;
    p.timer = this.clock.set(() => this.respond(p), p.at - this.clock.now());
  }

  private respond(p: Pending): void {
    const i = this.indexOf(p.ifp);
    if (i < 0 || this.pending[i] !== p) return;
    this.pending.splice(i, 1);
    const groups = this.groupsOn(p.ifp, p.group, 0);
    if (groups.length === 0) return;
    if (!p.v1) {
      this.reportV2(p.ifp, I.MLD2_MODE_IS_EXCLUDE, groups);
      return;
    }
    for (let k = 0; k < groups.length; k++) this.reportV1(p.ifp, groups[k]);
  }

  /** The distinct solicited-node groups of our usable addresses on ifp; only only[at…] unless it is ::. */
  private groupsOn(ifp: Ifnet, only: Bytes, at: number): Bytes[] {
    const out: Bytes[] = [];
    const addrs = this.ip6.addrs;
    const all = A6.isUnspecified6(only, at);
    for (let i = 0; i < addrs.length; i++) {
      const a = addrs[i];
      if (a.ifp !== ifp || a.state === IN6_DUPLICATE) continue;
      const g = alloc(W.IPV6_ALEN);
      A6.solicitedNode6(a.addr, 0, g, 0);
      if (!all && compare(g, 0, only, at, W.IPV6_ALEN) !== 0) continue;
      let seen = false;
      for (let k = 0; k < out.length; k++) if (compare(out[k], 0, g, 0, W.IPV6_ALEN) === 0) seen = true;
      if (!seen) out.push(g);
    }
    return out;
  }

  private member(ifp: Ifnet, f: Bytes, group: number): boolean {
    return A6.isSolicitedNode6(f, group) && this.groupsOn(ifp, f, group).length > 0;
  }

  private indexOf(ifp: Ifnet): number {
    for (let i = 0; i < this.pending.length; i++) if (this.pending[i].ifp === ifp) return i;
    return -1;
  }

  /** An MLDv2 report (RFC 3810 5.2) to ff02::16 with one record of `recordType` (no sources) per group. */
  private reportV2(ifp: Ifnet, recordType: number, groups: Bytes[]): void {
    const dst = alloc(W.IPV6_ALEN);
    A6.putBytes6(dst, 0, A6.ALL_MLDV2_ROUTERS6);
    const n = I.MLD2_RECORDS + groups.length * I.MLD2_REC_LEN;
    const f = this.ip6.allocPacket(HBH_LEN + n);
    const m = IP6_PAYLOAD + HBH_LEN;
    set8(f, m + I.ICMP6_TYPE, I.MLD_LISTENER_REPORT_V2);
    set16(f, m + I.MLD2_NRECORDS, groups.length);
    for (let k = 0; k < groups.length; k++) {
      const r = m + I.MLD2_RECORDS + k * I.MLD2_REC_LEN;
      set8(f, r + I.MLD2_REC_TYPE, recordType);
      copy(f, r + I.MLD2_REC_GROUP, groups[k], 0, W.IPV6_ALEN);
    }
    this.send(ifp, f, dst, n);
  }

  /** An MLDv1 report (RFC 2710 3) for `group`, to the group. */
  private reportV1(ifp: Ifnet, group: Bytes): void {
    const f = this.ip6.allocPacket(HBH_LEN + MLD1_LEN);
    const m = IP6_PAYLOAD + HBH_LEN;
    set8(f, m + I.ICMP6_TYPE, I.MLD_LISTENER_REPORT_V1);
    copy(f, m + I.MLD_GROUP, group, 0, W.IPV6_ALEN);
    this.send(ifp, f, group, MLD1_LEN);
  }

  /**
   * Sends the report at f[IP6_PAYLOAD + HBH_LEN…] (n bytes) to dst: hop
   * limit 1, a Router Alert, from our link-local address, or from :: while
   * none is ours yet (RFC 3810 5.2.13).
   */
  private send(ifp: Ifnet, f: Bytes, dst: Bytes, n: number): void {
    const h = IP6_PAYLOAD;
    set8(f, h + W.IP6E_NXT, W.IPPROTO_ICMPV6);
    set8(f, h + W.IP6E_LEN, 0);
    set8(f, h + W.IP6OPT_DATA + W.IP6OPT_TYPE, W.IP6OPT_ROUTER_ALERT);
    set8(f, h + W.IP6OPT_DATA + W.IP6OPT_LEN, W.IP6OPT_RTALERT_LEN);
    set8(f, h + W.IP6OPT_DATA + W.IP6OPT_DATA + W.IP6OPT_RTALERT_LEN + W.IP6OPT_TYPE, W.IP6OPT_PADN);
    const from = this.ip6.sourceOn(ifp);
    const src = from !== undefined ? from.addr : alloc(W.IPV6_ALEN);
    // The addresses first: the checksum covers them.
    copy(f, IP6_OFF + W.IPV6_SRC, src, 0, W.IPV6_ALEN);
    copy(f, IP6_OFF + W.IPV6_DST, dst, 0, W.IPV6_ALEN);
    const m = IP6_PAYLOAD + HBH_LEN;
    set16(f, m + I.ICMP6_CKSUM, upperChecksum(f, IP6_OFF, W.IPPROTO_ICMPV6, m, n));
    this.stats.reportsOut++;
    this.ip6.send(ifp, f, src, dst, W.IPPROTO_HOPOPTS, HBH_LEN + n, 1);
  }
}

/**
 * The longest a response may wait (ms): MLDv1's field is milliseconds;
 * MLDv2's Maximum Response Code is too below 32768, else a floating-point
 * value (RFC 3810 5.1.3: mantissa and exponent).
 */
export function maxResponseDelay(code: number, v1: boolean): number {
  if (v1 || code < 32768) return code;
  const exp = Math.floor(code / 4096) % 8;
  const mant = code % 4096;
  let scale = 8;
  for (let i = 0; i < exp; i++) scale *= 2;
  return (mant + 4096) * scale;
}
