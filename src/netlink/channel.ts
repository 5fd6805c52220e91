// The control channel on a serial line: framed bytes in (frame.ts), route
// family requests to rtnl.ts, our generic family (subscriptions, DHCP) here;
// replies and notifications framed back out. The line is paced on the HAL
// clock from the baud rate, so a dump never queues more than one frame
// ahead of the UART and memory stays fixed.
import { alloc, view } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes, Clock, Random, Storage } from "../../hal/types";
import { type DhcpClient } from "../dhcp/client";
import { EINVAL, ENODEV, EOPNOTSUPP, EPERM } from "../net/errno";
import type { Ifnet } from "../net/ifnet";
import { ADDR_CHANGE, ADDR_DEL, ADDR_NEW, type InAddr } from "../net/inaddr";
import { LLE_EVENT_RESOLVED, LLE_IFADDR, LLE_PUB } from "../net/lltable";
import { prefixLenOf, type Route, ROUTE_NEW } from "../net/route";
import type { NetStack } from "../net/stack";
import * as C from "./constants";
import { encodedMax, encodeFrame, FrameDecoder, PROTO_GENERIC, PROTO_ROUTE } from "./frame";
import { putAddr, putLink, putNeigh, putRoute } from "./messages";
import { authChallenge, authEnd, authResponse, ControlAuth, mayMutate, setKey } from "./auth";
import { ANSWER_LATER, findHandler, Handler, REPLY_SENT } from "./handler";
import { Rtnl, type RtnlHost } from "./rtnl";
import { NLMSG_TYPE_OFF } from "../wire/netlink";
import {
  GENL_ATTRS,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_ADDRESS,
  NETRT_A_DHCP_EVENT,
  NETRT_A_DHCP_STATE,
  NETRT_A_DNS,
  NETRT_A_DOMAIN,
  NETRT_A_GROUPS,
  NETRT_A_IFINDEX,
  NETRT_A_LEASE,
  NETRT_A_PREFIXLEN,
  NETRT_A_REMAINING,
  NETRT_A_ROUTER,
  NETRT_A_SERVER,
  NETRT_A_STATE_NAME,
  NETRT_A_T1,
  NETRT_A_T2,
  NETRT_CMD_AUTH_CHALLENGE,
  NETRT_CMD_AUTH_END,
  NETRT_CMD_AUTH_RESPONSE,
  NETRT_CMD_DHCP_GET,
  NETRT_CMD_DHCP_RELEASE,
  NETRT_CMD_DHCP_RENEW,
  NETRT_CMD_DHCP_RESTART,
  NETRT_CMD_DHCP_STATE,
  NETRT_CMD_SET_KEY,
  NETRT_CMD_SUBSCRIBE,
  NETRT_GENL_TYPE,
  NETRT_GROUP_DHCP,
} from "./family";
import { DHCP_BOUND, DHCP_REBINDING, DHCP_RENEWING, DHCP_STOPPED, dhcpStateName } from "../dhcp/states";
import { type DhcpLease } from "../dhcp/lease";
import { type NlAttrSet } from "./policy";
import { NlMsg, parseMessage } from "./parse";
import { type NlWriter } from "./writer";

export interface ChannelConfig {
  baud: number;
  /** Longest netlink message (and frame payload) either way. */
  maxMessage: number;
}

export interface ChannelHooks {
  write(data: Bytes): void;
  driverName(ifp: Ifnet): string;
}

export class ControlChannel {
  readonly rtnl: Rtnl;
  readonly decoder: FrameDecoder;
  private readonly tx: Bytes;
  private readonly scratch: Bytes;
  private busyUntil = 0;
  private pumpArmed = false;
  private readonly onPump: () => void;
  private readonly m = new NlMsg();
  private readonly msPerByte: number;
  /** The DHCP clients, one per interface that runs one. */
  readonly dhcp: DhcpClient[] = [];
  private readonly handlers: Handler<ControlChannel>[] = [];

  /** The device key, the challenge in play and the session it opened. */
  readonly auth: ControlAuth;

  constructor(
    readonly stack: NetStack,
    private readonly clock: Clock,
    private readonly hooks: ChannelHooks,
    readonly cfg: ChannelConfig,
    storage: Storage | undefined,
    random: Random,
  ) {
    this.auth = new ControlAuth(clock, storage, random);
    this.tx = alloc(encodedMax(cfg.maxMessage + 3));
    this.scratch = alloc(cfg.maxMessage + 3);
    this.msPerByte = 10000 / cfg.baud; // 8N1: ten bit times per byte
    const host: RtnlHost = {
      driverName: (ifp) => hooks.driverName(ifp),
      mayMutate: () => mayMutate(this.auth),
      send: (b, n, proto) => this.sendFrame(proto, b, n),
    };
    this.rtnl = new Rtnl(stack, host, cfg.maxMessage);
    this.decoder = new FrameDecoder(cfg.maxMessage, (proto, msg, n) => this.onFrame(proto, msg, n));
    addFamilyHandlers(this.handlers);
    this.onPump = () => {
      this.pumpArmed = false;
      this.rtnl.pump();
      if (this.busy()) this.armPump();
    };
    stack.events.add({
      link: (_kind, ifp, mask) =>
        this.publish(C.RTNLGRP_LINK, (w) => putLink(w, ifp, C.RTM_NEWLINK, 0, 0, 0, mask, hooks.driverName(ifp))),
      addr: (kind, ia) => this.addrEvent(kind, ia),
      neigh: (kind, ifp, slot) => this.neighEvent(kind, ifp, slot),
      route: (kind, r) => this.routeEvent(kind, r),
      dhcp: (kind, d, lease) => this.publish(NETRT_GROUP_DHCP, (w) => this.putDhcp(w, d, lease, kind, 0, 0, 0)),
    });
  }

  private busy(): boolean {
    return this.rtnl.dumping() || this.rtnl.replyWaiting() || this.rtnl.notificationsWaiting();
  }

  /** Bytes from the UART. */
  input(b: Bytes, off: number, n: number): void {
    this.decoder.push(b, off, n);
  }

  /** Sends a notification to a group's subscribers (when the line is free, or later). */
  publish(group: number, build: (w: NlWriter) => boolean): void {
    this.rtnl.notify(group, build);
    if (this.busy()) this.armPump();
  }

  // Notifications carry what the kernel's do: the causing request's seq and port where Linux puts them.

  private addrEvent(kind: number, ia: InAddr): void {
    // A change (new lifetimes) is announced as Linux does: RTM_NEWADDR again.
    if (kind !== ADDR_NEW && kind !== ADDR_DEL && kind !== ADDR_CHANGE) return;
    const r = this.rtnl;
    const seq = r.reqSeq;
    const pid = r.reqPid;
    this.publish(C.RTNLGRP_IPV4_IFADDR, (w) =>
      putAddr(w, this.stack.addrs, ia, kind === ADDR_DEL ? C.RTM_DELADDR : C.RTM_NEWADDR, 0, seq, pid),
    );
  }

  private neighEvent(kind: number, ifp: Ifnet, slot: number): void {
    const t = ifp.lltable;
    // Neither our own addresses nor proxy entries are announced (Linux's proxy table sends no notifications).
    if (t === undefined || band(t.flagsAt(slot), LLE_IFADDR + LLE_PUB) !== 0) return;
    const r = this.rtnl;
    const added = kind === LLE_EVENT_RESOLVED;
    const pid = added ? r.reqPid : 0;
    const failed = !added && r.neighDeleting;
    this.publish(C.RTNLGRP_NEIGH, (w) =>
      putNeigh(w, ifp, t, slot, added ? C.RTM_NEWNEIGH : C.RTM_DELNEIGH, 0, 0, pid, failed),
    );
  }

  private routeEvent(kind: number, route: Route): void {
    const r = this.rtnl;
    const byRequest = r.routeReq;
    const seq = byRequest ? r.reqSeq : 0;
    const pid = byRequest ? r.reqPid : 0;
    // A new route says how it came: NLM_F_REPLACE for a replacement, else CREATE|EXCL, as Linux's do.
    let flags = 0;
    if (kind === ROUTE_NEW)
      flags = byRequest && band(r.reqFlags, C.NLM_F_REPLACE) !== 0 ? C.NLM_F_REPLACE : C.NLM_F_CREATE + C.NLM_F_EXCL;
    this.publish(C.RTNLGRP_IPV4_ROUTE, (w) =>
      putRoute(w, route, kind === ROUTE_NEW ? C.RTM_NEWROUTE : C.RTM_DELROUTE, flags, seq, pid),
    );
  }

  // --- output -----------------------------------------------------------------

  private sendFrame(proto: number, b: Bytes, n: number): boolean {
    const now = this.clock.now();
    // One frame may be on the wire while the next is queued; beyond that, wait.
    if (this.busyUntil - now > this.msPerByte * this.cfg.maxMessage) {
      this.armPump();
      return false;
    }
    const k = encodeFrame(proto, b, 0, n, this.tx, this.scratch);
    if (k < 0) return false;
    this.hooks.write(view(this.tx, 0, k));
    this.busyUntil = (this.busyUntil > now ? this.busyUntil : now) + k * this.msPerByte;
    this.decoder.counters.bytesOut += k;
    return true;
  }

  private armPump(): void {
    if (this.pumpArmed) return;
    this.pumpArmed = true;
    const wait = this.busyUntil - this.clock.now() - this.msPerByte * this.cfg.maxMessage;
    this.clock.set(this.onPump, wait > 1 ? Math.ceil(wait) : 1);
  }

  // --- input ------------------------------------------------------------------

  private onFrame(proto: number, msg: Bytes, n: number): void {
    if (proto === PROTO_ROUTE) this.rtnl.input(msg, n);
    else if (proto === PROTO_GENERIC) this.generic(msg, n);
    else this.rtnl.replyError(msg, 0, n, -EOPNOTSUPP, "unknown protocol " + proto + " on the control channel", -1);
    if (this.busy()) this.armPump();
  }

  private generic(b: Bytes, n: number): void {
    const r = this.rtnl;
    // Our family's answers go out as our family (a host tells them apart by the protocol byte).
    r.replyProto = PROTO_GENERIC;
    this.genericOne(b, n);
    r.replyProto = PROTO_ROUTE;
  }

  private genericOne(b: Bytes, n: number): void {
    const m = this.m;
    const r = this.rtnl;
    if (!parseMessage(b, 0, n, GENLMSGHDR, m, r.err)) {
      r.replyError(b, 0, n, -r.err.code, r.err.msg, r.err.off);
      return;
    }
    if (m.type !== NETRT_GENL_TYPE) {
      r.replyError(b, 0, n, -EOPNOTSUPP, "unknown generic family " + m.type, NLMSG_TYPE_OFF);
      return;
    }
    const cmd = m.field(GENL_CMD);
    r.err.clear();
    const h = findHandler(this.handlers, cmd);
    let res = 0;
    if (h === undefined) res = r.err.fail(EOPNOTSUPP, "unknown command " + cmd, C.NLMSG_HDRLEN);
    else if (h.mutates && !mayMutate(this.auth))
      res = r.err.fail(EPERM, "this device needs an authenticated session to change state (netrt --key …)", -1);
    else res = h.fn(this, m);
    if (res === ANSWER_LATER) return;
    // A command that answered is still ACKed when asked, as generic netlink does.
    if (res === REPLY_SENT) res = 0;
    if (res < 0 || band(m.flags, C.NLM_F_ACK) !== 0) r.replyError(b, 0, m.len, res, r.err.msg, r.err.off);
  }

  /** Adds a command of our family (a board feature's: the probes). */
  extend(h: Handler<ControlChannel>): void {
    this.handlers.push(h);
  }

  /** The DHCP client a request names (NETRT_A_IFINDEX; the first client when absent), or undefined with the error set. */
  dhcpFor(m: NlMsg): DhcpClient | undefined {
    const index = m.attrs.num(NETRT_A_IFINDEX, 0);
    for (let i = 0; i < this.dhcp.length; i++) if (index === 0 || this.dhcp[i].ifindex() === index) return this.dhcp[i];
    this.rtnl.err.set(
      ENODEV,
      index === 0 ? "DHCP is not enabled on this device" : "no DHCP client on interface " + index,
      -1,
    );
    return undefined;
  }

  putDhcp(w: NlWriter, d: DhcpClient, l: DhcpLease, event: number, flags: number, seq: number, pid: number): boolean {
    if (!w.begin(NETRT_GENL_TYPE, flags, seq, pid, GENLMSGHDR.hdrLen)) return false;
    w.field(GENL_CMD, NETRT_CMD_DHCP_STATE);
    const set: NlAttrSet = GENL_ATTRS;
    w.put(set, NETRT_A_IFINDEX, d.ifindex());
    w.put(set, NETRT_A_DHCP_STATE, d.state);
    w.str(NETRT_A_STATE_NAME, dhcpStateName(d.state));
    if (event !== 0) w.put(set, NETRT_A_DHCP_EVENT, event);
    if (l.addr !== 0 && (event !== 0 || d.hasLease())) {
      w.inAddr(NETRT_A_ADDRESS, l.addr);
      w.put(set, NETRT_A_PREFIXLEN, prefixLenOf(l.mask));
      w.inAddr(NETRT_A_SERVER, l.server);
      for (let i = 0; i < l.routers.length; i++) w.inAddr(NETRT_A_ROUTER, l.routers[i]);
      for (let i = 0; i < l.dns.length; i++) w.inAddr(NETRT_A_DNS, l.dns[i]);
      if (l.domain !== "") w.str(NETRT_A_DOMAIN, l.domain);
      w.put(set, NETRT_A_LEASE, l.leaseSecs);
      w.put(set, NETRT_A_T1, l.t1Secs);
      w.put(set, NETRT_A_T2, l.t2Secs);
      w.put(set, NETRT_A_REMAINING, d.remainingSecs());
    }
    return w.end() > 0;
  }
}

function subscribe(c: ControlChannel, m: NlMsg): number {
  c.rtnl.groups = m.attrs.num(NETRT_A_GROUPS, 0);
  return 0;
}

function dhcpGet(c: ControlChannel, m: NlMsg): number {
  const d = c.dhcpFor(m);
  if (d === undefined) return -ENODEV;
  const e = c.rtnl.replyOne((w) => c.putDhcp(w, d, d.lease, 0, 0, m.seq, m.pid));
  return e < 0 ? e : REPLY_SENT;
}

function dhcpRenew(c: ControlChannel, m: NlMsg): number {
  const d = c.dhcpFor(m);
  if (d === undefined) return -ENODEV;
  if (d.state !== DHCP_BOUND && d.state !== DHCP_RENEWING && d.state !== DHCP_REBINDING)
    return c.rtnl.err.fail(EINVAL, "no lease to renew (state " + dhcpStateName(d.state) + ")", -1);
  d.renew();
  return 0;
}

function dhcpRelease(c: ControlChannel, m: NlMsg): number {
  const d = c.dhcpFor(m);
  if (d === undefined) return -ENODEV;
  if (d.state === DHCP_STOPPED) return c.rtnl.err.fail(EINVAL, "the DHCP client is stopped", -1);
  d.release();
  return 0;
}

function dhcpRestart(c: ControlChannel, m: NlMsg): number {
  const d = c.dhcpFor(m);
  if (d === undefined) return -ENODEV;
  d.restart();
  return 0;
}

/** Our family's handler table (exported for the protocol document's test). */
export function addFamilyHandlers(t: Handler<ControlChannel>[]): void {
  t.push(new Handler<ControlChannel>(NETRT_CMD_SUBSCRIBE, "subscribe", false, subscribe));
  t.push(new Handler<ControlChannel>(NETRT_CMD_DHCP_GET, "get dhcp", false, dhcpGet));
  t.push(new Handler<ControlChannel>(NETRT_CMD_DHCP_RENEW, "renew dhcp", true, dhcpRenew));
  t.push(new Handler<ControlChannel>(NETRT_CMD_DHCP_RELEASE, "release dhcp", true, dhcpRelease));
  t.push(new Handler<ControlChannel>(NETRT_CMD_DHCP_RESTART, "restart dhcp", true, dhcpRestart));
  t.push(new Handler<ControlChannel>(NETRT_CMD_AUTH_CHALLENGE, "auth challenge", false, authChallenge));
  t.push(new Handler<ControlChannel>(NETRT_CMD_AUTH_RESPONSE, "auth response", false, authResponse));
  // Setting a key is open on a device without one; mayMutate() says exactly that.
  t.push(new Handler<ControlChannel>(NETRT_CMD_SET_KEY, "set key", true, setKey));
  t.push(new Handler<ControlChannel>(NETRT_CMD_AUTH_END, "auth end", false, authEnd));
}
