// The one way events travel in the device: a listener object with optional
// methods, registered on the stack's NetEvents. Publishing walks a short
// array and calls a method: nothing is allocated per event, and a listener
// ignores what it does not implement.
import type { Bytes } from "../../hal/types";
import type { DhcpClient } from "../dhcp/client";
import type { DhcpLease } from "../dhcp/lease";
import type { Ifnet } from "./ifnet";
import type { InAddr } from "./inaddr";
import type { In6Addr } from "./in6addr";
import type { Nd6Entry } from "./nd6-cache";
import type { Learned6 } from "./slaac6";
import type { Route } from "./route";

export interface NetListener {
  /** IFEV_*: an interface appeared, went, or changed (`changeMask`: the flags that changed). */
  link?(kind: number, ifp: Ifnet, changeMask: number): void;
  /** ADDR_NEW, ADDR_DEL or ADDR_CHANGE (lifetimes). */
  addr?(kind: number, ia: InAddr): void;
  /** An IPv6 address (a build with IPv6): ADDR_NEW, ADDR_DEL, or ADDR_CHANGE (state, lifetimes). */
  addr6?(kind: number, a: In6Addr): void;
  /** A default router, on-link prefix or DNS server (LEARNED_* of slaac6.ts) learned (ADDR_NEW) or gone (ADDR_DEL). */
  learned6?(kind: number, e: Learned6, what: number): void;
  /** An IPv6 neighbour of `ifp` appeared (ND6_EV_NEW), changed, or went (ND6_EV_DELETE). */
  neigh6?(kind: number, ifp: Ifnet, e: Nd6Entry): void;
  /** An lltable entry of `ifp` resolved/changed (LLE_EVENT_RESOLVED) or is being deleted. */
  neigh?(kind: number, ifp: Ifnet, slot: number): void;
  route?(kind: number, r: Route): void;
  /** ARP saw another host claim `ip`, one of our addresses on `ifp` (RFC 5227 2.4). */
  conflict?(ifp: Ifnet, ip: number, mac: Bytes): void;
  /** A DHCP client's DHCP_EV_* with the lease it concerns. */
  dhcp?(kind: number, client: DhcpClient, lease: DhcpLease): void;
}

/** The arguments of listener method `K`, padded to three (a missing one is undefined). */
type Arg<K extends keyof NetListener, I extends number> = I extends keyof Parameters<NonNullable<NetListener[K]>>
  ? Parameters<NonNullable<NetListener[K]>>[I]
  : undefined;

type Method = (this: NetListener, a: unknown, b: unknown, c: unknown) => void;

export class NetEvents {
  private readonly list: NetListener[] = [];

  add(l: NetListener): void {
    this.list.push(l);
  }

  remove(l: NetListener): void {
    for (let i = 0; i < this.list.length; i++)
      if (this.list[i] === l) {
        this.list.splice(i, 1);
        return;
      }
  }

  /**
   * Calls method `m` of every listener that has one. One function for every
   * kind of event: on the boards each function costs memory, and a kind
   * added to NetListener needs nothing here.
   */
  emit<K extends keyof NetListener>(m: K, a: Arg<K, 0>, b: Arg<K, 1>, c: Arg<K, 2>): void {
    for (let i = 0; i < this.list.length; i++) {
      const l = this.list[i];
      const f = l[m] as Method | undefined;
      if (f !== undefined) f.call(l, a, b, c);
    }
  }
}
