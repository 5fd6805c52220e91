// The one way events travel in the device: a listener object with optional
// methods, registered on the stack's NetEvents. Publishing walks a short
// array and calls a method: nothing is allocated per event, and a listener
// ignores what it does not implement.
import type { Bytes } from "../../hal/types";
import type { DhcpClient } from "../dhcp/client";
import type { DhcpLease } from "../dhcp/lease";
import type { Ifnet } from "./ifnet";
import type { InAddr } from "./inaddr";
import type { Route } from "./route";

export interface NetListener {
  /** IFEV_*: an interface appeared, went, or changed (`changeMask`: the flags that changed). */
  link?(kind: number, ifp: Ifnet, changeMask: number): void;
  /** ADDR_NEW, ADDR_DEL or ADDR_CHANGE (lifetimes). */
  addr?(kind: number, ia: InAddr): void;
  /** An lltable entry of `ifp` resolved/changed (LLE_EVENT_RESOLVED) or is being deleted. */
  neigh?(kind: number, ifp: Ifnet, slot: number): void;
  route?(kind: number, r: Route): void;
  /** ARP saw another host claim `ip`, one of our addresses on `ifp` (RFC 5227 2.4). */
  conflict?(ifp: Ifnet, ip: number, mac: Bytes): void;
  /** A DHCP client's DHCP_EV_* with the lease it concerns. */
  dhcp?(kind: number, client: DhcpClient, lease: DhcpLease): void;
}

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

  link(kind: number, ifp: Ifnet, changeMask: number): void {
    for (let i = 0; i < this.list.length; i++) {
      const l = this.list[i];
      if (l.link !== undefined) l.link(kind, ifp, changeMask);
    }
  }

  addr(kind: number, ia: InAddr): void {
    for (let i = 0; i < this.list.length; i++) {
      const l = this.list[i];
      if (l.addr !== undefined) l.addr(kind, ia);
    }
  }

  neigh(kind: number, ifp: Ifnet, slot: number): void {
    for (let i = 0; i < this.list.length; i++) {
      const l = this.list[i];
      if (l.neigh !== undefined) l.neigh(kind, ifp, slot);
    }
  }

  route(kind: number, r: Route): void {
    for (let i = 0; i < this.list.length; i++) {
      const l = this.list[i];
      if (l.route !== undefined) l.route(kind, r);
    }
  }

  conflict(ifp: Ifnet, ip: number, mac: Bytes): void {
    for (let i = 0; i < this.list.length; i++) {
      const l = this.list[i];
      if (l.conflict !== undefined) l.conflict(ifp, ip, mac);
    }
  }

  dhcp(kind: number, client: DhcpClient, lease: DhcpLease): void {
    for (let i = 0; i < this.list.length; i++) {
      const l = this.list[i];
      if (l.dhcp !== undefined) l.dhcp(kind, client, lease);
    }
  }
}
