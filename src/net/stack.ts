// The IPv4 stack of one device: interfaces (lo is index 1), addresses,
// routes, one lltable per Ethernet interface, ARP, IPv4/ICMP, UDP. MAC
// drivers hand frames to input(); every received frame ends in exactly one
// interface counter (delivered, error, dropped, no handler).
import { get16, get8, len, set8 } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes, Clock, Log, Mac, MacOptions, Random } from "../../hal/types";
import { LOG_ERROR, LOG_WARN } from "../../hal/types";
import { Arp, type FrameSender, type ProbeParams, rfc5227Params } from "./arp";
import {
  ETH_DST,
  ETH_HLEN,
  ETH_SRC,
  ETH_TYPE,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  isAllHostsMac,
  isBroadcastMac,
  isGroupMac,
  sameMac,
} from "../wire/ether";
import {
  ARPHRD_ETHER,
  ARPHRD_LOOPBACK,
  IFF_BROADCAST,
  IFF_LOOPBACK,
  IFF_LOWER_UP,
  IFF_MULTICAST,
  IFF_NOARP,
  IFF_PROMISC,
  IFF_RUNNING,
  IFF_UP,
  IFEV_CHANGE,
  Ifnet,
  Interfaces,
  RX_DROPPED,
  RX_ERROR,
  RX_NOHANDLER,
  countRx,
} from "./ifnet";
import { NetEvents } from "./events";
import type { Udp6 } from "./udp6";
import { ADDR_NEW, AddrTable, addrRequest, type InAddr } from "./inaddr";
import { Ipv4 } from "./ipv4";
import { LLE_IFADDR, LLE_STATIC, Lltable, type LltableHost, type LltableParams } from "./lltable";
import { RouteTable } from "./route";
import { type NetStats, zeroNetStats } from "./stats";
import { Udp } from "./udp";

export interface StackConfig {
  maxInterfaces: number;
  maxAddresses: number;
  maxRoutes: number;
  udpSlots: number;
  probe: ProbeParams;
}

export function defaultStackConfig(): StackConfig {
  return { maxInterfaces: 4, maxAddresses: 8, maxRoutes: 8, udpSlots: 4, probe: rfc5227Params() };
}

/** What the stack needs of IPv6 (src/net/ipv6.ts), so that builds without it carry none of it. */
export interface Ipv6Input {
  input(ifp: Ifnet, f: Bytes, n: number): number;
  /** UDP over IPv6, where the program's sockets bind their port too. */
  readonly udp?: Udp6;
  /** Is this group MAC one of IPv6's groups joined on ifp? */
  wantsGroup(ifp: Ifnet, f: Bytes): boolean;
}

export class NetStack implements FrameSender {
  readonly stats: NetStats = zeroNetStats();
  readonly ifs: Interfaces;
  readonly routes: RouteTable;
  readonly addrs: AddrTable;
  readonly arp: Arp;
  readonly ip: Ipv4;
  readonly udp: Udp;
  /** IPv6 (a board feature, src/net/ipv6.ts); absent from builds without it. */
  ip6: Ipv6Input | undefined = undefined;
  readonly lo: Ifnet;
  /** Link, address, neighbour, route, conflict and DHCP events: add a NetListener here. */
  readonly events = new NetEvents();

  constructor(
    readonly clock: Clock,
    readonly random: Random,
    readonly log: Log,
    cfg: StackConfig,
  ) {
    const ev = this.events;
    // The stack's own reactions come first: announcing our addresses, forgetting neighbours off the wire.
    ev.add({
      link: (_kind, ifp, mask) => this.linkChanged(ifp, mask),
      addr: (kind, ia) => {
        if (kind === ADDR_NEW && !ia.ifp.has(IFF_LOOPBACK) && !ia.ifp.has(IFF_NOARP)) this.ownAddressAdded(ia);
      },
    });
    this.ifs = new Interfaces(Math.max(1, cfg.maxInterfaces), ev);
    this.routes = new RouteTable(cfg.maxRoutes, this.ifs, ev);
    this.addrs = new AddrTable(cfg.maxAddresses, this.ifs, this.routes, clock, ev);
    this.arp = new Arp(this.addrs, this, clock, random, this.stats, cfg.probe, ev);
    this.ip = new Ipv4(this.ifs, this.addrs, this.routes, this, clock, this.stats);
    const lo = this.ifs.attach(
      "lo",
      ARPHRD_LOOPBACK,
      undefined,
      IFF_UP + IFF_LOOPBACK + IFF_RUNNING + IFF_LOWER_UP,
      65536,
      68,
      65536,
      undefined,
    );
    this.lo = lo as Ifnet; // the list is empty and its capacity at least 1: attach cannot fail

    this.udp = new Udp(this.ip, this.stats, cfg.udpSlots, this.lo);
    this.ip.udp = this.udp;
    this.addrs.add(this.lo, addrRequest(0x7f000001, 8));
  }

  /**
   * Opens a MAC through `open` and attaches it as an Ethernet interface with
   * an lltable of `ll.capacity` entries; undefined when the interface list is full.
   */
  attachEthernet(name: string, open: (o: MacOptions) => Mac, ll: LltableParams): Ifnet | undefined {
    let ifp: Ifnet | undefined = undefined;
    const mac = open({
      onReadable: () => {
        if (ifp !== undefined) this.drain(ifp);
      },
      onLinkChange: (up) => {
        if (ifp !== undefined) this.ifs.setCarrier(ifp, up);
      },
      onDormantChange: (dormant) => {
        if (ifp !== undefined) this.ifs.setDormant(ifp, dormant);
      },
      onError: (msg) => this.log.write(LOG_WARN, name + ": " + msg),
    });
    ifp = this.ifs.attach(
      name,
      ARPHRD_ETHER,
      mac.hwaddr,
      IFF_UP + IFF_BROADCAST + IFF_MULTICAST,
      mac.mtu(),
      mac.minMtu,
      mac.maxMtu,
      mac,
    );
    if (ifp === undefined) {
      mac.close();
      return undefined;
    }
    ifp.lltable = new Lltable(ll, this.clock, this.lltableHost(ifp));
    // A Wi-Fi MAC starts dormant: carrier (the radio) without RUNNING until it associates.
    if (mac.dormant !== undefined && mac.dormant()) this.ifs.setDormant(ifp, true);
    if (mac.carrier()) this.ifs.setCarrier(ifp, true);
    return ifp;
  }

  /** Removes an interface: its addresses, routes and ARP entries go with it; the MAC is closed. */
  detach(ifp: Ifnet): void {
    if (ifp === this.lo) return;
    this.addrs.flush(ifp);
    this.routes.removeWhere(ifp.index, () => true);
    if (ifp.lltable !== undefined) ifp.lltable.flush(true);
    if (ifp.mac !== undefined) ifp.mac.close();
    this.ifs.detach(ifp);
  }

  private lltableHost(ifp: Ifnet): LltableHost {
    return {
      solicit: (ip, to, toOff) => this.arp.request(ifp, this.addrs.sourceFor(ifp, ip), ip, to, toOff),
      transmit: (f) => {
        this.sendFrame(ifp, f);
      },
      onLink: (ip) => {
        const r = this.routes.lookupOn(ip, ifp.index);
        return r !== undefined && r.gateway === 0;
      },
      event: (kind, slot) => this.events.emit("neigh", kind, ifp, slot),
    };
  }

  private drain(ifp: Ifnet): void {
    const mac = ifp.mac;
    if (mac === undefined) return;
    let f = mac.read();
    while (f !== undefined) {
      // The MAC's callback is where the runtime enters: nothing thrown below may end the
      // program (Node) or reboot the board (NodeMCU). Counted, logged, the next frame read.
      try {
        this.input(ifp, f);
      } catch (e) {
        this.stats.inputFaults++;
        ifp.counters.rxDropped++;
        this.log.write(LOG_ERROR, ifp.name + ": frame handler failed: " + e);
      }
      f = mac.read();
    }
  }

  /** One received Ethernet frame (no FCS). Never throws on bad input; the outcome is counted. */
  input(ifp: Ifnet, f: Bytes): void {
    const n = len(f);
    ifp.counters.rxPackets++;
    ifp.counters.rxBytes += n;
    countRx(ifp.counters, this.classify(ifp, f, n));
  }

  private classify(ifp: Ifnet, f: Bytes, n: number): number {
    if (n < ETH_HLEN) return RX_ERROR;
    if (!ifp.has(IFF_UP)) return RX_DROPPED;
    const promisc = ifp.has(IFF_PROMISC);
    if (isGroupMac(f, ETH_DST)) {
      ifp.counters.rxMulticast++;
      // Of the groups, only broadcast, all-hosts (01:00:5e:00:00:01) and those joined are ours.
      const joined = ifp.joined;
      const ip6 = this.ip6;
      if (
        !isBroadcastMac(f, ETH_DST) &&
        !promisc &&
        !isAllHostsMac(f, ETH_DST) &&
        !(joined !== undefined && joined(f, -1)) &&
        !(ip6 !== undefined && ip6.wantsGroup(ifp, f))
      )
        return RX_DROPPED;
    } else if (!promisc && !sameMac(f, ETH_DST, ifp.hwaddr, 0)) return RX_DROPPED;
    if (sameMac(f, ETH_SRC, ifp.hwaddr, 0)) return RX_DROPPED;
    const type = get16(f, ETH_TYPE);
    if (type === ETHERTYPE_ARP) return this.arp.input(ifp, f, n);
    if (type === ETHERTYPE_IPV4) return this.ip.input(ifp, f, n);
    const ip6 = this.ip6;
    if (type === ETHERTYPE_IPV6 && ip6 !== undefined) return ip6.input(ifp, f, n);
    return RX_NOHANDLER;
  }

  sendFrame(ifp: Ifnet, f: Bytes): boolean {
    const mac = ifp.mac;
    if (mac === undefined || !ifp.running()) {
      ifp.counters.txDropped++;
      return false;
    }
    if (!mac.write(f)) {
      ifp.counters.txDropped++;
      return false;
    }
    ifp.counters.txPackets++;
    ifp.counters.txBytes += len(f);
    return true;
  }

  /**
   * An administrator's up or down. Down, as Linux: the interface's
   * neighbours go (permanent ones too) and its routes; up, its prefix
   * routes return. After the link's own change, so it is announced first.
   */
  setUp(ifp: Ifnet, up: boolean): void {
    const was = ifp.has(IFF_UP);
    this.ifs.setFlags(ifp, up ? IFF_UP : 0, IFF_UP);
    if (was === up || ifp.has(IFF_LOOPBACK)) return;
    if (up) this.addrs.ifUp(ifp);
    else {
      if (ifp.lltable !== undefined) ifp.lltable.flushAllButOwn();
      this.addrs.ifDown(ifp);
    }
  }

  /**
   * A new MAC (ip link set dev X address). As Linux, the neighbour table is
   * flushed (permanent entries too: they were set up for the old identity);
   * our own entries take the new address and the neighbours are told it.
   */
  setHwaddr(ifp: Ifnet, b: Bytes, off: number): void {
    for (let i = 0; i < 6; i++) set8(ifp.hwaddr, i, get8(b, off + i));
    // The driver's receive filter follows (the chips filter on it; the host links need not).
    if (ifp.mac !== undefined && ifp.mac.hwaddrChanged !== undefined) ifp.mac.hwaddrChanged();
    this.events.emit("link", IFEV_CHANGE, ifp, 0);
    if (ifp.lltable !== undefined) ifp.lltable.flushAllButOwn();
    const as = this.addrs.list;
    for (let i = 0; i < as.length; i++) if (as[i].ifp === ifp) this.ownAddressAdded(as[i]);
  }

  private ownAddressAdded(ia: InAddr): void {
    const llt = ia.ifp.lltable;
    if (llt !== undefined) llt.addStatic(ia.addr, ia.ifp.hwaddr, 0, LLE_STATIC + LLE_IFADDR);
    this.announce(ia.ifp, ia.addr, this.arp.probeParams.announceNum);
  }

  /** RFC 5227 2.3: ANNOUNCE_NUM announcements ANNOUNCE_INTERVAL apart, while the address stays ours. */
  private announce(ifp: Ifnet, ip: number, left: number): void {
    this.arp.announce(ifp, ip);
    if (left <= 1) return;
    this.clock.set(() => {
      if (this.addrs.findOn(ifp, ip) !== undefined) this.announce(ifp, ip, left - 1);
    }, this.arp.probeParams.announceInterval);
  }

  private linkChanged(ifp: Ifnet, mask: number): void {
    if (band(mask, IFF_RUNNING) !== 0) {
      if (ifp.running()) {
        // Back on a wire: tell the neighbours who we are.
        for (let i = 0; i < this.addrs.list.length; i++)
          if (this.addrs.list[i].ifp === ifp)
            this.announce(ifp, this.addrs.list[i].addr, this.arp.probeParams.announceNum);
      } else if (ifp.lltable !== undefined) {
        // Off the wire: what we learned may not hold on the next one.
        ifp.lltable.flush(false);
      }
    }
  }
}
