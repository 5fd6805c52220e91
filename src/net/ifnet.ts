// Network interfaces: index, name, Linux IFF_* flags, MTU within the
// driver's limits, hardware address, carrier and operational state (RFC 2863
// as Linux reports it), counters, and events with the mask of changed flags
// so the control channel can publish RTM_NEWLINK with ifi_change.
import { alloc } from "@hal/bytes";
import { band, bor, bxor } from "@hal/u32";
import type { NetEvents } from "./events";
import type { Bytes, Mac } from "../../hal/types";
import type { Lltable } from "./lltable";

export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;
/** The driver has a link but cannot pass traffic yet (Wi-Fi: not associated). */
export const IFF_DORMANT = 0x20000;
/** Flags an administrator may change; the rest follow the driver. */
export const IFF_ADMIN_MASK = IFF_UP + IFF_PROMISC;

export const IF_OPER_UNKNOWN = 0;
export const IF_OPER_DOWN = 2;
export const IF_OPER_LOWERLAYERDOWN = 3;
export const IF_OPER_DORMANT = 5;
export const IF_OPER_UP = 6;

export const ARPHRD_ETHER = 1;
export const ARPHRD_LOOPBACK = 772;

export const IFEV_ATTACH = 1;
export const IFEV_DETACH = 2;
/** Carrier gained or lost (the mask holds LOWER_UP and RUNNING). */
export const IFEV_LINK = 3;
/** Administrative flags, MTU or alias changed. */
export const IFEV_CHANGE = 4;

export interface IfCounters {
  rxPackets: number;
  rxBytes: number;
  /** Malformed: too short, bad checksum, bad lengths. */
  rxErrors: number;
  /** Well formed but refused: not for us, fragments, interface down, queue full. */
  rxDropped: number;
  rxMulticast: number;
  /** No protocol or port wanted it. */
  rxNoHandler: number;
  /** Taken by a protocol. With the three above, every received frame is accounted for. */
  rxDelivered: number;
  txPackets: number;
  txBytes: number;
  txErrors: number;
  txDropped: number;
}

/** How a received frame ended; the stack adds it to the matching counter. */
export const RX_DELIVERED = 0;
export const RX_ERROR = 1;
export const RX_DROPPED = 2;
export const RX_NOHANDLER = 3;

export function countRx(c: IfCounters, outcome: number): void {
  if (outcome === RX_DELIVERED) c.rxDelivered++;
  else if (outcome === RX_ERROR) c.rxErrors++;
  else if (outcome === RX_DROPPED) c.rxDropped++;
  else c.rxNoHandler++;
}

export function zeroIfCounters(): IfCounters {
  return {
    rxPackets: 0,
    rxBytes: 0,
    rxErrors: 0,
    rxDropped: 0,
    rxMulticast: 0,
    rxNoHandler: 0,
    rxDelivered: 0,
    txPackets: 0,
    txBytes: 0,
    txErrors: 0,
    txDropped: 0,
  };
}

export class Ifnet {
  flags: number;
  mtu: number;
  alias = "";
  carrierChanges = 0;
  /** Of carrierChanges, the ones that brought carrier up (IFLA_CARRIER_UP_COUNT). */
  carrierUps = 0;
  readonly counters: IfCounters = zeroIfCounters();
  /** The ARP cache; loopback and NOARP interfaces have none. */
  lltable: Lltable | undefined = undefined;
  /**
   * Deliver UDP sent to any unicast address (a DHCP client before it has
   * one: servers may send the OFFER to the address they offer). Nothing
   * else is accepted that way, so pings to the offered address stay
   * unanswered.
   */
  acceptUdpToAny = false;
  /** IPv4 multicast groups joined besides all-hosts (absent until the first join: most boards join none). */
  groups?: number[];
  /**
   * Set by the first join (mcast.ts), so boards that join nothing carry no
   * code for it: whether the frame's destination MAC (`f` given) or the
   * group address `group` is one joined here.
   */
  joined?: (f: Bytes | undefined, group: number) => boolean;
  readonly txqlen: number;

  constructor(
    readonly index: number,
    readonly name: string,
    readonly type: number,
    readonly hwaddr: Bytes,
    flags: number,
    mtu: number,
    readonly minMtu: number,
    readonly maxMtu: number,
    readonly mac: Mac | undefined,
  ) {
    this.flags = flags;
    this.mtu = mtu;
    this.txqlen = mac === undefined ? 0 : 1;
  }

  has(flag: number): boolean {
    return band(this.flags, flag) !== 0;
  }

  /** Admin up and carrier present: frames may flow. */
  running(): boolean {
    return this.has(IFF_RUNNING);
  }

  /** RFC 2863 operational state, as Linux derives it. */
  operstate(): number {
    if (this.has(IFF_LOOPBACK)) return IF_OPER_UNKNOWN;
    if (!this.has(IFF_UP)) return IF_OPER_DOWN;
    if (!this.has(IFF_LOWER_UP)) return IF_OPER_LOWERLAYERDOWN;
    if (this.has(IFF_DORMANT)) return IF_OPER_DORMANT;
    return IF_OPER_UP;
  }
}

/** The interface list. Index 1 is the loopback, as on Linux. */
export class Interfaces {
  readonly list: Ifnet[] = [];
  private nextIndex = 1;

  constructor(
    readonly capacity: number,
    private readonly events: NetEvents,
  ) {}

  private emit(kind: number, ifp: Ifnet, mask: number): void {
    this.events.emit("link", kind, ifp, mask);
  }

  /** Adds an interface, or returns undefined when the list is full or the name is taken. */
  attach(
    name: string,
    type: number,
    hwaddr: Bytes | undefined,
    flags: number,
    mtu: number,
    minMtu: number,
    maxMtu: number,
    mac: Mac | undefined,
  ): Ifnet | undefined {
    if (this.list.length >= this.capacity || this.byName(name) !== undefined) return undefined;
    const hw = hwaddr !== undefined ? hwaddr : alloc(6);
    const ifp = new Ifnet(this.nextIndex++, name, type, hw, flags, mtu, minMtu, maxMtu, mac);
    this.list.push(ifp);
    this.emit(IFEV_ATTACH, ifp, 0xffffffff);
    return ifp;
  }

  detach(ifp: Ifnet): boolean {
    for (let i = 0; i < this.list.length; i++) {
      if (this.list[i] === ifp) {
        this.list.splice(i, 1);
        this.emit(IFEV_DETACH, ifp, 0xffffffff);
        return true;
      }
    }
    return false;
  }

  byIndex(index: number): Ifnet | undefined {
    for (let i = 0; i < this.list.length; i++) if (this.list[i].index === index) return this.list[i];
    return undefined;
  }

  byName(name: string): Ifnet | undefined {
    for (let i = 0; i < this.list.length; i++) if (this.list[i].name === name) return this.list[i];
    return undefined;
  }

  /** Sets the administrative flags selected by `change` (only UP and PROMISC); returns the changed mask. */
  setFlags(ifp: Ifnet, flags: number, change: number): number {
    const sel = band(change, IFF_ADMIN_MASK);
    const next = bor(band(ifp.flags, bxor(0xffffffff, sel)), band(flags, sel));
    return this.update(ifp, next, IFEV_CHANGE);
  }

  /** The driver reports carrier. */
  setCarrier(ifp: Ifnet, up: boolean): number {
    if (ifp.has(IFF_LOWER_UP) === up) return 0;
    ifp.carrierChanges++;
    if (up) ifp.carrierUps++;
    const next = up ? bor(ifp.flags, IFF_LOWER_UP) : band(ifp.flags, bxor(0xffffffff, IFF_LOWER_UP));
    return this.update(ifp, next, IFEV_LINK);
  }

  /** The driver reports dormancy (Wi-Fi: radio up, not associated); RUNNING waits for it to end, as on Linux. */
  setDormant(ifp: Ifnet, dormant: boolean): number {
    if (ifp.has(IFF_DORMANT) === dormant) return 0;
    const next = dormant ? bor(ifp.flags, IFF_DORMANT) : band(ifp.flags, bxor(0xffffffff, IFF_DORMANT));
    return this.update(ifp, next, IFEV_LINK);
  }

  /** Sets the MTU within the driver's limits; false when out of range or refused by the driver. */
  setMtu(ifp: Ifnet, mtu: number): boolean {
    if (mtu < ifp.minMtu || mtu > ifp.maxMtu || mtu !== Math.floor(mtu)) return false;
    if (mtu === ifp.mtu) return true;
    if (ifp.mac !== undefined && !ifp.mac.setMtu(mtu)) return false;
    ifp.mtu = mtu;
    this.emit(IFEV_CHANGE, ifp, 0);
    return true;
  }

  setAlias(ifp: Ifnet, alias: string): void {
    if (ifp.alias === alias) return;
    ifp.alias = alias;
    this.emit(IFEV_CHANGE, ifp, 0);
  }

  // RUNNING follows UP and LOWER_UP, and not DORMANT; the event carries every flag that moved.
  private update(ifp: Ifnet, flags: number, kind: number): number {
    const running = band(flags, IFF_UP) !== 0 && band(flags, IFF_LOWER_UP) !== 0 && band(flags, IFF_DORMANT) === 0;
    const next = running ? bor(flags, IFF_RUNNING) : band(flags, bxor(0xffffffff, IFF_RUNNING));
    const mask = bxor(ifp.flags, next);
    if (mask === 0) return 0;
    ifp.flags = next;
    this.emit(kind, ifp, mask);
    return mask;
  }
}
