// Building rtnetlink messages from the stack's state: one link, one address,
// one neighbour, one route. Used for replies, dumps and notifications alike.
// Every attribute is one the kernel emits for the same object, with the
// kernel's size (test/netlink/ checks that against real kernel captures).
import { alloc, get8, set8 } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes } from "../../hal/types";
import { IFF_BROADCAST, IFF_LOOPBACK, IFF_LOWER_UP, IFF_PROMISC, IFF_RUNNING, IFF_UP, type Ifnet } from "../net/ifnet";
import type { AddrTable, InAddr } from "../net/inaddr";
import {
  LLE_IFADDR,
  LLE_PUB,
  LLE_ROUTER,
  LLE_STATIC,
  LLS_DELAY,
  LLS_INCOMPLETE,
  LLS_PROBE,
  LLS_REACHABLE,
  LLS_STALE,
  type Lltable,
} from "../net/lltable";
import { type Route, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from "../net/route";
import * as C from "./constants";
import {
  IFA_CACHEINFO_LEN,
  IFA_FAMILY_F,
  IFA_FLAGS_F,
  IFA_INDEX,
  IFA_PREFIXLEN,
  IFA_SCOPE,
  IFADDRMSG,
  IFI_CHANGE,
  IFI_FAMILY,
  IFI_FLAGS,
  IFI_INDEX,
  IFI_TYPE,
  IFINFOMSG,
  LINK_ATTRS,
  NDA_CACHEINFO_LEN,
  NDM_FAMILY,
  NDM_FLAGS,
  NDM_IFINDEX,
  NDM_STATE,
  NDM_TYPE,
  NDMSG,
  RTM_DST_LEN,
  RTM_FAMILY,
  RTM_PROTOCOL,
  RTM_SCOPE,
  RTM_TABLE,
  RTM_TYPE,
  RTM_FLAGS,
  RTMSG,
  RTNL_LINK_STATS64_LEN,
} from "./schemas";
import { setLe32, setLe64 } from "../wire/endian";
import { NlWriter } from "./writer";
import {
  IFA_CI_CSTAMP,
  IFA_CI_PREFERED,
  IFA_CI_TSTAMP,
  IFA_CI_VALID,
  NDA_CI_CONFIRMED,
  NDA_CI_REFCNT,
  NDA_CI_UPDATED,
  NDA_CI_USED,
  STATS64_RX_NOHANDLER,
  STATS64_U64,
} from "../wire/netlink";

/** Clock milliseconds to the kernel's clock_t (USER_HZ = 100). */
export function ticks(ms: number): number {
  return Math.floor(ms / 10) % 4294967296;
}

/** The driver's name as IFLA_INFO_KIND shows it ("w5500", "udp"…); empty for none. */
export type DriverName = (ifp: Ifnet) => string;

/**
 * One RTM_NEWLINK (or DELLINK) for `ifp`. `change` is ifi_change: the flags
 * that moved (notifications) or 0 (replies), as Linux reports it.
 */
export function putLink(
  w: NlWriter,
  ifp: Ifnet,
  type: number,
  flags: number,
  seq: number,
  pid: number,
  change: number,
  driver: string,
): boolean {
  if (!w.begin(type, flags, seq, pid, IFINFOMSG.hdrLen)) return false;
  w.field(IFI_FAMILY, C.AF_UNSPEC);
  w.field(IFI_TYPE, ifp.type);
  w.field(IFI_INDEX, ifp.index);
  // An interface that is down has no operational state, as Linux reports it; carrier changes are not flag changes.
  const live = IFF_RUNNING + IFF_LOWER_UP;
  w.field(IFI_FLAGS, ifp.has(IFF_UP) ? ifp.flags : ifp.flags - band(ifp.flags, live));
  w.field(IFI_CHANGE, change - band(change, live));
  w.str(C.IFLA_IFNAME, ifp.name);
  w.put(LINK_ATTRS, C.IFLA_TXQLEN, ifp.txqlen);
  w.put(LINK_ATTRS, C.IFLA_OPERSTATE, ifp.operstate());
  w.put(LINK_ATTRS, C.IFLA_LINKMODE, 0);
  w.put(LINK_ATTRS, C.IFLA_MTU, ifp.mtu);
  w.put(LINK_ATTRS, C.IFLA_MIN_MTU, ifp.minMtu);
  w.put(LINK_ATTRS, C.IFLA_MAX_MTU, ifp.maxMtu);
  w.put(LINK_ATTRS, C.IFLA_GROUP, 0);
  w.put(LINK_ATTRS, C.IFLA_PROMISCUITY, ifp.has(IFF_PROMISC) ? 1 : 0);
  w.put(LINK_ATTRS, C.IFLA_ALLMULTI, 0);
  w.put(LINK_ATTRS, C.IFLA_NUM_TX_QUEUES, 1);
  w.put(LINK_ATTRS, C.IFLA_NUM_RX_QUEUES, 1);
  const carrier = ifp.has(IFF_LOWER_UP) ? 1 : 0;
  w.put(LINK_ATTRS, C.IFLA_CARRIER, carrier);
  w.put(LINK_ATTRS, C.IFLA_CARRIER_CHANGES, ifp.carrierChanges);
  w.put(LINK_ATTRS, C.IFLA_CARRIER_UP_COUNT, ifp.carrierUps);
  w.put(LINK_ATTRS, C.IFLA_CARRIER_DOWN_COUNT, ifp.carrierChanges - ifp.carrierUps);
  w.put(LINK_ATTRS, C.IFLA_PROTO_DOWN, 0);
  w.bytes(C.IFLA_ADDRESS, ifp.hwaddr, 0, 6);
  // ff:ff:ff:ff:ff:ff, or the loopback's zeros whatever its own address is set to (as Linux's).
  const brd = w.reserve(C.IFLA_BROADCAST, 6);
  const octet = ifp.has(IFF_BROADCAST) ? 0xff : 0;
  for (let i = 0; brd >= 0 && i < 6; i++) set8(w.buf, brd + i, octet);
  const s = w.reserve(C.IFLA_STATS64, RTNL_LINK_STATS64_LEN);
  if (s >= 0) {
    const c = ifp.counters;
    // rtnl_link_stats64: rx/tx packets, rx/tx bytes, rx/tx errors, rx/tx dropped, multicast …, rx_nohandler.
    const order = [
      c.rxPackets,
      c.txPackets,
      c.rxBytes,
      c.txBytes,
      c.rxErrors,
      c.txErrors,
      c.rxDropped,
      c.txDropped,
      c.rxMulticast,
    ];
    for (let i = 0; i < order.length; i++) setLe64(w.buf, s + i * STATS64_U64, order[i]);
    setLe64(w.buf, s + STATS64_RX_NOHANDLER, c.rxNoHandler);
  }
  w.str(C.IFLA_QDISC, "noqueue");
  if (ifp.alias !== "") w.str(C.IFLA_IFALIAS, ifp.alias);
  if (driver !== "" && !ifp.has(IFF_LOOPBACK)) {
    const n = w.nest(C.IFLA_LINKINFO);
    w.str(C.IFLA_INFO_KIND, driver);
    w.endNest(n);
  }
  return w.end() > 0;
}

/** Linux's scope for an IPv4 address: host for 127/8, else universe. */
export function addrScope(ia: InAddr): number {
  return ia.addr >= 0x7f000000 && ia.addr < 0x80000000 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
}

export function putAddr(
  w: NlWriter,
  addrs: AddrTable,
  ia: InAddr,
  type: number,
  flags: number,
  seq: number,
  pid: number,
): boolean {
  if (!w.begin(type, flags, seq, pid, IFADDRMSG.hdrLen)) return false;
  const f = ia.flags();
  w.field(IFA_FAMILY_F, C.AF_INET);
  w.field(IFA_PREFIXLEN, ia.prefixLen);
  w.field(IFA_FLAGS_F, f % 256);
  w.field(IFA_SCOPE, addrScope(ia));
  w.field(IFA_INDEX, ia.ifp.index);
  w.inAddr(C.IFA_ADDRESS, ia.dst !== 0 && !ia.ifp.has(IFF_LOOPBACK) ? ia.dst : ia.addr);
  w.inAddr(C.IFA_LOCAL, ia.addr);
  if (ia.ifp.has(IFF_BROADCAST) && ia.broadcast !== 0) w.inAddr(C.IFA_BROADCAST, ia.broadcast);
  w.str(C.IFA_LABEL, ia.label !== "" ? ia.label : ia.ifp.name);
  w.int(C.IFA_FLAGS, 4, f);
  const ci = w.reserve(C.IFA_CACHEINFO, IFA_CACHEINFO_LEN);
  if (ci >= 0) {
    setLe32(w.buf, ci + IFA_CI_PREFERED, addrs.remaining(ia.preferredUntil));
    setLe32(w.buf, ci + IFA_CI_VALID, addrs.remaining(ia.validUntil));
    setLe32(w.buf, ci + IFA_CI_CSTAMP, ticks(ia.created));
    setLe32(w.buf, ci + IFA_CI_TSTAMP, ticks(ia.updated));
  }
  return w.end() > 0;
}

/** Linux NUD_* for an lltable entry: static ones are PERMANENT, as `ip neigh` expects. */
export function nudState(t: Lltable, slot: number): number {
  if (band(t.flagsAt(slot), LLE_STATIC) !== 0) return C.NUD_PERMANENT;
  const s = t.stateAt(slot);
  if (s === LLS_INCOMPLETE) return C.NUD_INCOMPLETE;
  if (s === LLS_REACHABLE) return C.NUD_REACHABLE;
  if (s === LLS_STALE) return C.NUD_STALE;
  if (s === LLS_DELAY) return C.NUD_DELAY;
  if (s === LLS_PROBE) return C.NUD_PROBE;
  return C.NUD_NONE;
}

/** NTF_* flags: proxy (published) entries and routers, as the FreeBSD seed maps them. */
export function ntfFlags(t: Lltable, slot: number): number {
  const f = t.flagsAt(slot);
  let n = 0;
  if (band(f, LLE_PUB) !== 0) n += C.NTF_PROXY;
  if (band(f, LLE_ROUTER) !== 0) n += C.NTF_ROUTER;
  return n;
}

/** A proxy-ARP entry: Linux keeps these in a table of their own, listed and announced apart. */
export function isProxyEntry(t: Lltable, slot: number): boolean {
  return band(t.flagsAt(slot), LLE_PUB) !== 0;
}

/** Our own addresses live in the lltable too; neither Linux nor we list them as neighbours. */
export function isOwnEntry(t: Lltable, slot: number): boolean {
  return band(t.flagsAt(slot), LLE_IFADDR) !== 0;
}

const MAC = alloc(6);

export function putNeigh(
  w: NlWriter,
  ifp: Ifnet,
  t: Lltable,
  slot: number,
  type: number,
  flags: number,
  seq: number,
  pid: number,
  /** An administrator's delete: Linux reports the entry FAILED, without its address. */
  failed?: boolean,
): boolean {
  if (!w.begin(type, flags, seq, pid, NDMSG.hdrLen)) return false;
  w.field(NDM_FAMILY, C.AF_INET);
  w.field(NDM_IFINDEX, ifp.index);
  // A proxy entry is an address answered for, not a neighbour: no state, no link-layer address (as Linux's).
  const proxy = isProxyEntry(t, slot);
  let state = failed === true ? C.NUD_FAILED : nudState(t, slot);
  if (proxy) state = 0;
  w.field(NDM_STATE, state);
  w.field(NDM_FLAGS, ntfFlags(t, slot));
  w.field(NDM_TYPE, C.RTN_UNICAST);
  w.inAddr(C.NDA_DST, t.ipAt(slot));
  if (failed !== true && !proxy && t.validAt(slot)) {
    t.macInto(slot, MAC, 0);
    w.bytes(C.NDA_LLADDR, MAC, 0, 6);
  }
  w.int(C.NDA_PROBES, 4, t.probesAt(slot));
  const ci = w.reserve(C.NDA_CACHEINFO, NDA_CACHEINFO_LEN);
  if (ci >= 0) {
    const used = ticks(t.idleMs(slot));
    setLe32(w.buf, ci + NDA_CI_CONFIRMED, used);
    setLe32(w.buf, ci + NDA_CI_USED, used);
    setLe32(w.buf, ci + NDA_CI_UPDATED, used);
    setLe32(w.buf, ci + NDA_CI_REFCNT, 0);
  }
  return w.end() > 0;
}

/** `get`: 1 for a `route get` answer (marked cloned, as Linux does), 2 for one about the device's own address (type local). */
export function putRoute(
  w: NlWriter,
  r: Route,
  type: number,
  flags: number,
  seq: number,
  pid: number,
  get?: number,
): boolean {
  if (!w.begin(type, flags, seq, pid, RTMSG.hdrLen)) return false;
  w.field(RTM_FAMILY, C.AF_INET);
  w.field(RTM_DST_LEN, r.prefixLen);
  // The loopback route is a local one: Linux keeps it in its local table, as type local, scope host.
  const local = get === 2 || (r.prefixLen > 0 && Math.floor(r.dst / 16777216) === 127);
  // A `route get` answer is in the main table with universe scope, local or not, as Linux's.
  const table = local && get === undefined ? C.RT_TABLE_LOCAL : C.RT_TABLE_MAIN;
  w.field(RTM_TABLE, table);
  w.field(RTM_PROTOCOL, r.protocol);
  let scope = r.gateway === 0 && r.prefixLen > 0 ? RT_SCOPE_LINK : r.scope;
  if (local) scope = RT_SCOPE_HOST;
  w.field(RTM_SCOPE, get !== undefined ? RT_SCOPE_UNIVERSE : scope);
  w.field(RTM_TYPE, local ? C.RTN_LOCAL : C.RTN_UNICAST);
  if (get !== undefined) w.field(RTM_FLAGS, C.RTM_F_CLONED);
  w.int(C.RTA_TABLE, 4, table);
  if (r.prefixLen > 0) w.inAddr(C.RTA_DST, r.dst);
  if (r.metric !== 0) w.int(C.RTA_PRIORITY, 4, r.metric);
  if (r.prefsrc !== 0) w.inAddr(C.RTA_PREFSRC, r.prefsrc);
  if (r.gateway !== 0) w.inAddr(C.RTA_GATEWAY, r.gateway);
  w.int(C.RTA_OIF, 4, r.ifindex);
  return w.end() > 0;
}

/** Reads six bytes of an attribute payload into a MAC buffer. */
export function readMac(src: Bytes, off: number, dst: Bytes): void {
  for (let i = 0; i < 6; i++) set8(dst, i, get8(src, off + i));
}
