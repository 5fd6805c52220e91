// ARP (RFC 826) for IPv4 over Ethernet: answers for our addresses and for
// published (proxy) entries, merges what it hears into the lltable as the
// RFC's algorithm says, sends requests and gratuitous announcements, and
// runs RFC 5227 address probes for the DHCP client.
import { alloc, get8, get16, get32, set8, set16, set32 } from "@hal/bytes";
import type { NetEvents } from "./events";
import type { Bytes, Clock, Random } from "../../hal/types";
import { AddrTable, INADDR_ANY } from "./inaddr";
import {
  ARP_ETHER_HLN,
  ARP_HLN,
  ARP_HTYPE,
  ARP_IPV4_PLN,
  ARP_LEN,
  ARP_OP,
  ARP_PLN,
  ARP_PTYPE,
  ARP_SHA,
  ARP_SPA,
  ARP_THA,
  ARP_TPA,
  ARPHRD_ETHER,
  ARPOP_REPLY,
  ARPOP_REQUEST,
} from "../wire/arp";
import {
  ETH_ALEN,
  ETH_DST,
  ETH_HLEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  isGroupMac,
  sameMac,
  setBroadcastMac,
  setEtherHeader,
} from "../wire/ether";
import { IFF_NOARP, RX_DELIVERED, RX_DROPPED, RX_ERROR, RX_NOHANDLER, type Ifnet } from "./ifnet";
import { LLE_PUB } from "./lltable";
import type { NetStats } from "./stats";

// The ARP packet's fields in a frame.
const OP = ETH_HLEN + ARP_OP;
const SHA = ETH_HLEN + ARP_SHA;
const SPA = ETH_HLEN + ARP_SPA;
const THA = ETH_HLEN + ARP_THA;
const TPA = ETH_HLEN + ARP_TPA;

export interface FrameSender {
  /** Transmits a complete frame on `ifp`, counting it; false when the MAC refused. */
  sendFrame(ifp: Ifnet, frame: Bytes): boolean;
}

/** RFC 5227 timing (ms); a board may shorten it. */
export interface ProbeParams {
  probeWait: number;
  probeNum: number;
  probeMin: number;
  probeMax: number;
  announceWait: number;
  announceNum: number;
  announceInterval: number;
}

export function rfc5227Params(): ProbeParams {
  return {
    probeWait: 1000,
    probeNum: 3,
    probeMin: 1000,
    probeMax: 2000,
    announceWait: 2000,
    announceNum: 2,
    announceInterval: 2000,
  };
}

export const PROBE_FREE = 0;
export const PROBE_CONFLICT = 1;
export const PROBE_CANCELLED = 2;

/** Called once per probe: PROBE_FREE, PROBE_CONFLICT (with the other host's MAC) or PROBE_CANCELLED. */
export type ProbeCallback = (result: number, ip: number, otherMac: Bytes | undefined) => void;
/** Someone else claims one of our addresses. */

class Probe {
  active = false;
  ifp: Ifnet | undefined = undefined;
  ip = 0;
  sent = 0;
  timer = 0;
  done: ProbeCallback | undefined = undefined;
  readonly tick: () => void;
  constructor(
    arp: Arp,
    readonly slot: number,
  ) {
    this.tick = () => arp.probeStep(this);
  }
}

const PROBE_SLOTS = 2;

export class Arp {
  private readonly probes: Probe[] = [];
  /** Every ARP reply from a neighbour (arping listens here). */
  onReply: ((ifp: Ifnet, spa: number, f: Bytes, shaOff: number) => void) | undefined = undefined;

  constructor(
    private readonly addrs: AddrTable,
    private readonly out: FrameSender,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly stats: NetStats,
    readonly probeParams: ProbeParams,
    private readonly events: NetEvents,
  ) {
    for (let i = 0; i < PROBE_SLOTS; i++) this.probes.push(new Probe(this, i));
  }

  /** Handles one ARP frame received on `ifp`; returns an RX_* outcome. */
  input(ifp: Ifnet, f: Bytes, n: number): number {
    if (n < ETH_HLEN + ARP_LEN) return RX_ERROR;
    if (
      get16(f, ETH_HLEN + ARP_HTYPE) !== ARPHRD_ETHER ||
      get16(f, ETH_HLEN + ARP_PTYPE) !== ETHERTYPE_IPV4 ||
      get8(f, ETH_HLEN + ARP_HLN) !== ARP_ETHER_HLN ||
      get8(f, ETH_HLEN + ARP_PLN) !== ARP_IPV4_PLN
    )
      return RX_NOHANDLER;
    const op = get16(f, OP);
    if (op !== ARPOP_REQUEST && op !== ARPOP_REPLY) return RX_NOHANDLER;
    if (ifp.has(IFF_NOARP)) return RX_DROPPED;
    // A sender hardware address that is a group address is a lie; one that is ours is our own frame.
    if (isGroupMac(f, SHA)) return RX_ERROR;
    if (sameMac(f, SHA, ifp.hwaddr, 0)) return RX_DROPPED;
    this.stats.arpIn++;
    const spa = get32(f, SPA);
    const tpa = get32(f, TPA);
    this.watchProbes(ifp, f, op, spa, tpa);

    if (spa !== INADDR_ANY && this.addrs.findOn(ifp, spa) !== undefined) {
      // Another host uses one of our addresses (RFC 5227 section 2.4): report it, never learn it.
      this.stats.arpConflicts++;
      this.events.emit("conflict", ifp, spa, slice6(f, SHA));
      return RX_DELIVERED;
    }
    const forUs = this.addrs.findOn(ifp, tpa) !== undefined;
    if (spa === INADDR_ANY) {
      // A probe: answer it if it asks for our address, so the prober sees the conflict (as Linux does).
      if (op === ARPOP_REQUEST && forUs) this.reply(ifp, f, ifp.hwaddr, 0);
      return RX_DELIVERED;
    }
    const llt = ifp.lltable;
    if (llt !== undefined) llt.input(spa, f, SHA, op === ARPOP_REPLY && forUs, forUs);
    if (op === ARPOP_REPLY && this.onReply !== undefined) this.onReply(ifp, spa, f, SHA);
    if (op !== ARPOP_REQUEST) return RX_DELIVERED;
    if (forUs) {
      this.reply(ifp, f, ifp.hwaddr, 0);
      return RX_DELIVERED;
    }
    if (llt !== undefined) {
      const s = llt.lookup(tpa);
      if (s >= 0 && llt.validAt(s) && Math.floor(llt.flagsAt(s) / LLE_PUB) % 2 === 1) {
        this.stats.arpProxyReplies++;
        this.reply(ifp, f, llt.store, llt.macOff(s));
      }
    }
    return RX_DELIVERED;
  }

  // Turns the request in `f` into the reply, in place: the frame is ours once received.
  private reply(ifp: Ifnet, f: Bytes, mac: Bytes, macOff: number): void {
    const spa = get32(f, SPA);
    const tpa = get32(f, TPA);
    for (let i = 0; i < ETH_ALEN; i++) {
      const sender = get8(f, SHA + i);
      set8(f, ETH_DST + i, sender);
      set8(f, THA + i, sender);
      set8(f, SHA + i, get8(mac, macOff + i));
    }
    setEtherHeader(f, ifp.hwaddr, ETHERTYPE_ARP);
    set16(f, OP, ARPOP_REPLY);
    set32(f, SPA, tpa);
    set32(f, TPA, spa);
    this.stats.arpRepliesSent++;
    this.out.sendFrame(ifp, f);
  }

  /** Sends a request for `tpa` from `spa`: broadcast, or unicast to `to` (the lltable's PROBE state). */
  request(ifp: Ifnet, spa: number, tpa: number, to: Bytes | undefined, toOff: number): void {
    const f = alloc(ETH_HLEN + ARP_LEN);
    if (to === undefined) setBroadcastMac(f, ETH_DST);
    else for (let i = 0; i < ETH_ALEN; i++) set8(f, ETH_DST + i, get8(to, toOff + i));
    setEtherHeader(f, ifp.hwaddr, ETHERTYPE_ARP);
    set16(f, ETH_HLEN + ARP_HTYPE, ARPHRD_ETHER);
    set16(f, ETH_HLEN + ARP_PTYPE, ETHERTYPE_IPV4);
    set8(f, ETH_HLEN + ARP_HLN, ARP_ETHER_HLN);
    set8(f, ETH_HLEN + ARP_PLN, ARP_IPV4_PLN);
    set16(f, OP, ARPOP_REQUEST);
    for (let i = 0; i < ETH_ALEN; i++) set8(f, SHA + i, get8(ifp.hwaddr, i));
    set32(f, SPA, spa);
    set32(f, TPA, tpa);
    this.stats.arpRequestsSent++;
    this.out.sendFrame(ifp, f);
  }

  /** A gratuitous ARP announcing `ip` as ours (RFC 5227 announcement: sender and target both `ip`). */
  announce(ifp: Ifnet, ip: number): void {
    if (!ifp.has(IFF_NOARP) && ifp.running()) this.request(ifp, ip, ip, undefined, 0);
  }

  // --- RFC 5227 probing ------------------------------------------------

  /**
   * Probes whether `ip` is free on `ifp`: waits a random part of PROBE_WAIT,
   * sends PROBE_NUM probes PROBE_MIN..PROBE_MAX apart, then waits
   * ANNOUNCE_WAIT. `done` gets PROBE_FREE, or PROBE_CONFLICT as soon as
   * another host answers for or probes the same address. Returns a handle
   * for cancelProbe, or -1 when all probe slots are busy.
   */
  probe(ifp: Ifnet, ip: number, done: ProbeCallback): number {
    for (let i = 0; i < this.probes.length; i++) {
      const p = this.probes[i];
      if (p.active) continue;
      p.active = true;
      p.ifp = ifp;
      p.ip = ip;
      p.sent = 0;
      p.done = done;
      p.timer = this.clock.set(p.tick, this.randomBetween(0, this.probeParams.probeWait));
      return i;
    }
    return -1;
  }

  cancelProbe(handle: number): void {
    const p = this.probes[handle];
    if (p === undefined || !p.active) return;
    this.clock.clear(p.timer);
    this.finish(p, PROBE_CANCELLED, undefined);
  }

  /** Timer step of one probe (public for the Probe's bound callback). */
  probeStep(p: Probe): void {
    const ifp = p.ifp;
    if (!p.active || ifp === undefined) return;
    const pp = this.probeParams;
    if (p.sent >= pp.probeNum) {
      this.finish(p, PROBE_FREE, undefined);
      return;
    }
    if (ifp.running()) this.request(ifp, INADDR_ANY, p.ip, undefined, 0);
    p.sent++;
    const wait = p.sent >= pp.probeNum ? pp.announceWait : this.randomBetween(pp.probeMin, pp.probeMax);
    p.timer = this.clock.set(p.tick, wait);
  }

  private finish(p: Probe, result: number, other: Bytes | undefined): void {
    p.active = false;
    const cb = p.done;
    p.done = undefined;
    p.ifp = undefined;
    if (cb !== undefined) cb(result, p.ip, other);
  }

  // A conflict is any ARP whose sender claims the address, or another host's probe for it.
  private watchProbes(ifp: Ifnet, f: Bytes, op: number, spa: number, tpa: number): void {
    for (let i = 0; i < this.probes.length; i++) {
      const p = this.probes[i];
      if (!p.active || p.ifp !== ifp) continue;
      if (spa === p.ip || (spa === INADDR_ANY && op === ARPOP_REQUEST && tpa === p.ip)) {
        this.clock.clear(p.timer);
        this.finish(p, PROBE_CONFLICT, slice6(f, SHA));
      }
    }
  }

  private randomBetween(lo: number, hi: number): number {
    if (hi <= lo) return lo;
    return lo + (this.random.u32() % (hi - lo + 1));
  }
}

function slice6(f: Bytes, off: number): Bytes {
  const m = alloc(6);
  for (let i = 0; i < 6; i++) set8(m, i, get8(f, off + i));
  return m;
}
