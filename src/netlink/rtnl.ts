// The route family's request handlers and their dispatcher: a table of
// (message type, name, handler, mutates), as FreeBSD's netlink declares
// them. Requests arrive one frame at a time; replies go out one frame at a
// time through `send`. A dump that does not fit a frame is continued by
// `pump()` when the transport can take the next frame, so one frame buffer
// serves any table size.
import { alloc, copy, len } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes } from "../../hal/types";
import { EBUSY, EEXIST, EINVAL, ENETUNREACH, ENOBUFS, ENODEV, ENOENT, ENOSPC, EOPNOTSUPP, EPERM } from "../net/errno";
import { IFF_LOOPBACK, IFF_UP, type Ifnet } from "../net/ifnet";
import { addrRequest } from "../net/inaddr";
import { LLE_PUB, LLE_STATIC } from "../net/lltable";
import { type Route, RT_SCOPE_UNIVERSE, RTPROT_BOOT, RTPROT_STATIC } from "../net/route";
import type { NetStack } from "../net/stack";
import * as C from "./constants";
import { groupBit } from "./family";
import {
  align4,
  getLe16,
  getLe32,
  NLE_BAD_HEADER,
  NLE_LEN_BEYOND_FRAME,
  NlError,
  NlMsg,
  NlWriter,
  parseMessage,
  setLe32,
} from "./codec";
import { isOwnEntry, putAddr, putLink, putNeigh, putRoute, readMac } from "./messages";
import {
  IFA_FAMILY_F,
  IFA_INDEX,
  IFA_PREFIXLEN,
  IFI_CHANGE,
  IFI_FLAGS,
  IFI_INDEX,
  NDM_FLAGS,
  NDM_IFINDEX,
  NDM_STATE,
  RTM_DST_LEN,
  RTM_FAMILY,
  RTM_PROTOCOL,
  schemaFor,
} from "./schemas";

/** Handler result: 0 done (ACK if asked), a negative errno, or DUMP_STARTED (replies are under way). */
export const DUMP_STARTED = 1;

export const DUMP_NONE = 0;
const DUMP_LINK = 1;
const DUMP_ADDR = 2;
const DUMP_NEIGH = 3;
const DUMP_ROUTE = 4;

export type RtnlHandlerFn = (r: Rtnl, m: NlMsg) => number;

export class RtnlHandler {
  constructor(
    readonly type: number,
    /** For messages: "get link" gives "Invalid header for get link". */
    readonly name: string,
    readonly mutates: boolean,
    readonly fn: RtnlHandlerFn,
  ) {}
}

export interface RtnlCounters {
  requests: number;
  errors: number;
  /** Frames that did not even hold a netlink header. */
  runts: number;
  dumps: number;
  notifications: number;
  /** Notifications dropped because the transport was busy (netlink's ENOBUFS). */
  notifyDropped: number;
  /** Replies dropped because one was already waiting for the line (a host that does not wait). */
  repliesDropped: number;
}

/** What the channel needs from the device besides the stack. */
export interface RtnlHost {
  /** The driver name shown as IFLA_INFO_KIND. */
  driverName(ifp: Ifnet): string;
  /** May this request change state? (Authentication lives outside; true when open.) */
  mayMutate(): boolean;
  /** Sends one finished frame. False: the transport is full, try again on pump(). */
  send(frame: Bytes, n: number): boolean;
}

export class Rtnl {
  /** Dump frames; a frame the transport refused stays here until pump() sends it. */
  readonly w: NlWriter;
  private pendingLen = 0;
  /** Single replies: ACKs, errors, GETs of one object; one may wait for the line. */
  private readonly rw: NlWriter;
  private replyPendingLen = 0;
  readonly err = new NlError();
  readonly counters: RtnlCounters = {
    requests: 0,
    errors: 0,
    runts: 0,
    dumps: 0,
    notifications: 0,
    notifyDropped: 0,
    repliesDropped: 0,
  };
  readonly handlers: RtnlHandler[] = [];
  /** Subscribed RTNLGRP_* groups, as a bit mask (bit group-1). */
  groups = 0;
  private readonly m = new NlMsg();
  // Dump cursor: what, where, and the request it answers.
  private dumpKind = DUMP_NONE;
  private dumpPos = 0;
  private dumpSub = 0;
  private dumpIfindex = 0;
  private dumpSeq = 0;
  private dumpPid = 0;
  private readonly notifyW: NlWriter;

  constructor(
    readonly stack: NetStack,
    readonly host: RtnlHost,
    maxFrame: number,
  ) {
    this.w = new NlWriter(alloc(maxFrame));
    this.rw = new NlWriter(alloc(maxFrame));
    this.notifyW = new NlWriter(alloc(maxFrame));
    addRouteHandlers(this);
  }

  /**
   * How long an alias `ifp` could take and still have its link message fit
   * one frame: the message rendered without its alias into a scratch
   * writer (a rare request; the buffers in use stay untouched).
   */
  linkRoom(ifp: Ifnet): number {
    const w = new NlWriter(alloc(len(this.rw.buf)));
    const old = ifp.alias;
    ifp.alias = "";
    const fits = putLink(w, ifp, C.RTM_NEWLINK, 0, 0, 0, 0, this.host.driverName(ifp));
    ifp.alias = old;
    if (!fits) return 0;
    // The attribute: its header, the text and its NUL, padded to 4.
    return Math.floor((len(w.buf) - w.pos - C.NLA_HDRLEN) / 4) * 4 - 1;
  }

  register(h: RtnlHandler): void {
    this.handlers.push(h);
  }

  private find(type: number): RtnlHandler | undefined {
    for (let i = 0; i < this.handlers.length; i++) if (this.handlers[i].type === type) return this.handlers[i];
    return undefined;
  }

  dumping(): boolean {
    return this.dumpKind !== DUMP_NONE || this.pendingLen > 0;
  }

  /**
   * One request frame (a datagram: one or more messages). Every message
   * gets an answer unless it asked for none and succeeded: the host on the
   * far end of a serial line must never wait for nothing.
   */
  input(b: Bytes, n: number): void {
    let off = 0;
    if (n < C.NLMSG_HDRLEN) {
      this.counters.runts++;
      this.replyError(b, 0, 0, -EINVAL, "frame shorter than a netlink header", -1);
      return;
    }
    while (n - off >= C.NLMSG_HDRLEN) {
      const used = this.one(b, off, n - off);
      if (used <= 0) return;
      off += used;
    }
  }

  // One message at `off`; returns the bytes it used (0: stop reading this frame).
  private one(b: Bytes, off: number, avail: number): number {
    const m = this.m;
    const err = this.err;
    this.counters.requests++;
    const type = getLe16(b, off + C.NLMSG_TYPE_OFF);
    const h = this.find(type);
    // (A conditional as an argument costs a sparse-array spread in Lua: compute it first.)
    const schema = h !== undefined ? schemaFor(type) : undefined;
    const ok = parseMessage(b, off, avail, schema, m, err);
    if (!ok && m.len < C.NLMSG_HDRLEN) {
      // The header is there (the frame has 16 bytes) though its nlmsg_len is not: answer its seq.
      this.writeError(
        getLe32(b, off + C.NLMSG_SEQ_OFF),
        getLe32(b, off + C.NLMSG_PID_OFF),
        b,
        off,
        0,
        -err.code,
        err.msg,
        err.off,
      );
      return 0;
    }
    if (!ok && err.reason === NLE_LEN_BEYOND_FRAME) {
      this.replyError(b, off, avail, -err.code, err.msg, err.off);
      return 0;
    }
    const used = align4(m.len);
    if (band(m.flags, C.NLM_F_REQUEST) === 0) {
      this.replyError(b, off, m.len, -EINVAL, "not a request (NLM_F_REQUEST unset)", C.NLMSG_FLAGS_OFF);
      return used;
    }
    if (type < C.NLMSG_MIN_TYPE) {
      if (band(m.flags, C.NLM_F_ACK) !== 0) this.replyError(b, off, m.len, 0, "", -1);
      return used;
    }
    if (h === undefined) {
      this.replyError(b, off, m.len, -EOPNOTSUPP, "unknown message type " + type, C.NLMSG_TYPE_OFF);
      return used;
    }
    if (!ok) {
      const msg = err.reason === NLE_BAD_HEADER ? "Invalid header for " + h.name : err.msg;
      this.replyError(b, off, m.len, -err.code, msg, err.off);
      return used;
    }
    if (h.mutates && !this.host.mayMutate()) {
      this.replyError(b, off, m.len, -EPERM, "this device needs an authenticated session to change state", -1);
      return used;
    }
    err.clear();
    const r = h.fn(this, m);
    if (r === DUMP_STARTED) {
      this.counters.dumps++;
      this.pump();
    } else if (r < 0) this.replyError(b, off, m.len, r, err.msg, err.off);
    else if (band(m.flags, C.NLM_F_ACK) !== 0) this.replyError(b, off, m.len, 0, "", -1);
    return used;
  }

  /**
   * NLMSG_ERROR for the request at b[off, off+n): an ACK (error 0) echoes
   * only the header (NLM_F_CAPPED), an error the whole request, plus the
   * extended-ack text and offset when there are any (NLM_F_ACK_TLVS).
   */
  replyError(b: Bytes, off: number, n: number, error: number, msg: string, msgOff: number): void {
    const reqLen = n >= C.NLMSG_HDRLEN ? n : 0;
    this.writeError(
      reqLen > 0 ? getLe32(b, off + C.NLMSG_SEQ_OFF) : 0,
      reqLen > 0 ? getLe32(b, off + C.NLMSG_PID_OFF) : 0,
      b,
      off,
      n,
      error,
      msg,
      msgOff,
    );
  }

  /** replyError with the seq and pid given (an error that ends a dump answers the dump's request). */
  private writeError(
    seq: number,
    pid: number,
    b: Bytes,
    off: number,
    n: number,
    error: number,
    msg: string,
    msgOff: number,
  ): void {
    if (error < 0) this.counters.errors++;
    if (this.replyPendingLen > 0) {
      this.counters.repliesDropped++;
      return;
    }
    const w = this.rw;
    w.reset();
    const reqLen = n >= C.NLMSG_HDRLEN ? n : 0;
    // A request cut short by its frame is echoed as a header only (its nlmsg_len says more).
    const whole = reqLen > 0 && getLe32(b, off + C.NLMSG_LEN_OFF) === reqLen;
    let echo = error === 0 || !whole ? C.NLMSG_HDRLEN : reqLen;
    const tlvs = msg !== "" ? align4(C.NLA_HDRLEN + msg.length + 1) + (msgOff >= 0 ? 8 : 0) : 0;
    if (C.NLMSG_HDRLEN + 4 + align4(echo) + tlvs > len(w.buf)) echo = C.NLMSG_HDRLEN;
    let flags = echo < reqLen || error === 0 || !whole ? C.NLM_F_CAPPED : 0;
    if (tlvs > 0) flags += C.NLM_F_ACK_TLVS;
    w.begin(C.NLMSG_ERROR, flags, seq, pid, 4 + align4(echo));
    setLe32(w.buf, C.NLMSG_HDRLEN, error);
    if (reqLen > 0) copy(w.buf, C.NLMSG_HDRLEN + 4, b, off, echo);
    if (msg !== "") {
      w.str(C.NLMSGERR_ATTR_MSG, msg);
      if (msgOff >= 0) w.int(C.NLMSGERR_ATTR_OFFS, 4, msgOff);
    }
    const total = w.end();
    if (total > 0) this.sendReply(total);
  }

  // A reply the line cannot take now waits in its buffer for pump(); while one waits,
  // the buffer is taken and a further reply is dropped (counted): the host times out
  // on it rather than the device growing a queue.
  private sendReply(n: number): void {
    if (this.host.send(this.rw.buf, n)) return;
    this.replyPendingLen = n;
  }

  /** Whether a reply is waiting for the line (the reply buffer is in use). */
  replyWaiting(): boolean {
    return this.replyPendingLen > 0;
  }

  startDump(kind: number, seq: number, pid: number, ifindex: number): number {
    // One dump at a time (its cursor is the only one); other requests go on meanwhile.
    if (this.dumping()) return this.err.fail(EBUSY, "a dump is still being sent", -1);
    this.dumpKind = kind;
    this.dumpPos = 0;
    this.dumpSub = 0;
    this.dumpIfindex = ifindex;
    this.dumpSeq = seq;
    this.dumpPid = pid;
    return DUMP_STARTED;
  }

  /** Sends the next frames of a dump in progress, as long as the transport takes them. */
  pump(): void {
    if (this.replyPendingLen > 0) {
      if (!this.host.send(this.rw.buf, this.replyPendingLen)) return;
      this.replyPendingLen = 0;
    }
    if (!this.flushNotifications()) return;
    const w = this.w;
    for (;;) {
      if (this.pendingLen > 0) {
        if (!this.host.send(w.buf, this.pendingLen)) return;
        this.pendingLen = 0;
      }
      if (this.dumpKind === DUMP_NONE) return;
      w.reset();
      let done = false;
      for (;;) {
        const mark = w.pos;
        if (!this.dumpOne(w)) {
          done = true;
          break;
        }
        if (w.overflow) {
          w.pos = mark;
          w.overflow = false;
          break;
        }
      }
      if (done) {
        const mark = w.pos;
        if (w.begin(C.NLMSG_DONE, C.NLM_F_MULTI, this.dumpSeq, this.dumpPid, 4)) {
          w.end();
          this.dumpKind = DUMP_NONE;
        } else {
          // NLMSG_DONE goes in a frame of its own.
          w.pos = mark;
          w.overflow = false;
        }
      }
      if (w.pos === 0) {
        // One entry larger than a frame: nothing can ever carry it. End the dump.
        this.dumpKind = DUMP_NONE;
        // The error ends the dump: it carries the dump request's seq, or the host waits for nothing.
        this.writeError(this.dumpSeq, this.dumpPid, w.buf, 0, 0, -ENOSPC, "an entry is larger than the frame size", -1);
        return;
      }
      this.pendingLen = w.pos;
    }
  }

  // Writes the dump's next entry (advancing the cursor when it fits); false when there is none left.
  private dumpOne(w: NlWriter): boolean {
    const st = this.stack;
    const flags = C.NLM_F_MULTI;
    for (;;) {
      if (this.dumpKind === DUMP_LINK) {
        const list = st.ifs.list;
        if (this.dumpPos >= list.length) return false;
        const ifp = list[this.dumpPos];
        if (this.dumpIfindex !== 0 && ifp.index !== this.dumpIfindex) {
          this.dumpPos++;
          continue;
        }
        if (putLink(w, ifp, C.RTM_NEWLINK, flags, this.dumpSeq, this.dumpPid, 0, this.host.driverName(ifp)))
          this.dumpPos++;
        return true;
      }
      if (this.dumpKind === DUMP_ADDR) {
        const list = st.addrs.list;
        if (this.dumpPos >= list.length) return false;
        const ia = list[this.dumpPos];
        if (this.dumpIfindex !== 0 && ia.ifp.index !== this.dumpIfindex) {
          this.dumpPos++;
          continue;
        }
        if (putAddr(w, st.addrs, ia, C.RTM_NEWADDR, flags, this.dumpSeq, this.dumpPid)) this.dumpPos++;
        return true;
      }
      if (this.dumpKind === DUMP_ROUTE) {
        const list = st.routes.routes;
        if (this.dumpPos >= list.length) return false;
        if (putRoute(w, list[this.dumpPos], C.RTM_NEWROUTE, flags, this.dumpSeq, this.dumpPid)) this.dumpPos++;
        return true;
      }
      // Neighbours: interface by interface (dumpPos), slot by slot (dumpSub).
      const list = st.ifs.list;
      if (this.dumpPos >= list.length) return false;
      const ifp = list[this.dumpPos];
      const t = ifp.lltable;
      if (t === undefined || (this.dumpIfindex !== 0 && ifp.index !== this.dumpIfindex) || this.dumpSub >= t.capacity) {
        this.dumpPos++;
        this.dumpSub = 0;
        continue;
      }
      const slot = this.dumpSub;
      if (!t.inUse(slot) || isOwnEntry(t, slot)) {
        this.dumpSub++;
        continue;
      }
      if (putNeigh(w, ifp, t, slot, C.RTM_NEWNEIGH, flags, this.dumpSeq, this.dumpPid)) this.dumpSub++;
      return true;
    }
  }

  /** Sends one message built by `build` into the reply buffer (a GET by index or name). */
  replyOne(build: (w: NlWriter) => boolean): number {
    if (this.replyPendingLen > 0) {
      this.counters.repliesDropped++;
      return 0;
    }
    const w = this.rw;
    w.reset();
    if (!build(w)) return this.err.fail(ENOSPC, "the answer does not fit a frame", -1);
    this.sendReply(w.pos);
    return 0;
  }

  // --- notifications ----------------------------------------------------------

  /**
   * Publishes to a group. Notifications collect in one frame's worth of
   * buffer while the line is busy and go out together (several messages in
   * one frame, as netlink datagrams allow); what does not fit is dropped and
   * counted, and once the line is free the listener is told how many, with
   * an NLMSG_ERROR of ENOBUFS (sequence 0), as a netlink socket would.
   */
  notify(group: number, build: (w: NlWriter) => boolean): void {
    if (band(this.groups, groupBit(group)) === 0) return;
    const w = this.notifyW;
    const mark = w.pos;
    if (!build(w)) {
      w.pos = mark;
      w.overflow = false;
      this.counters.notifyDropped++;
      this.lost++;
      return;
    }
    this.counters.notifications++;
    this.flushNotifications();
  }

  private lost = 0;

  /** Sends collected notifications if the line takes them; true when none remain. */
  flushNotifications(): boolean {
    const w = this.notifyW;
    if (w.pos > 0) {
      if (!this.host.send(w.buf, w.pos)) return false;
      w.reset();
    }
    if (this.lost > 0) {
      const n = this.lost;
      if (!w.begin(C.NLMSG_ERROR, C.NLM_F_CAPPED + C.NLM_F_ACK_TLVS, 0, 0, 4 + C.NLMSG_HDRLEN)) return false;
      setLe32(w.buf, C.NLMSG_HDRLEN, -ENOBUFS);
      w.str(C.NLMSGERR_ATTR_MSG, n + " notifications lost: the line was busy");
      w.end();
      this.lost = 0;
      if (!this.host.send(w.buf, w.pos)) return false;
      w.reset();
    }
    return true;
  }

  /** Whether notifications wait for the line. */
  notificationsWaiting(): boolean {
    return this.notifyW.pos > 0 || this.lost > 0;
  }
}

// --- the handlers ---------------------------------------------------------------

function linkOf(r: Rtnl, m: NlMsg, what: string): Ifnet | undefined {
  const index = m.field(IFI_INDEX);
  const name = m.attrs.str(C.IFLA_IFNAME);
  const alt = m.attrs.str(C.IFLA_ALT_IFNAME);
  const nm = name !== undefined ? name : alt;
  if (index > 0) {
    const ifp = r.stack.ifs.byIndex(index);
    if (ifp === undefined || (nm !== undefined && ifp.name !== nm)) {
      r.err.set(ENODEV, "no interface with index " + index + (nm !== undefined ? " named " + nm : ""), 20);
      return undefined;
    }
    return ifp;
  }
  if (nm !== undefined) {
    const ifp = r.stack.ifs.byName(nm);
    if (ifp === undefined) r.err.set(ENODEV, "no interface named " + nm, -1);
    return ifp;
  }
  r.err.set(EINVAL, what + ": give an interface index or IFLA_IFNAME", -1);
  return undefined;
}

function getLink(r: Rtnl, m: NlMsg): number {
  const index = m.field(IFI_INDEX);
  const named = m.attrs.has(C.IFLA_IFNAME) || m.attrs.has(C.IFLA_ALT_IFNAME);
  if (index === 0 && !named) {
    if (band(m.flags, C.NLM_F_DUMP) === 0) {
      r.err.set(EINVAL, "get link: give an interface index, a name or NLM_F_DUMP", -1);
      return -EINVAL;
    }
    return r.startDump(DUMP_LINK, m.seq, m.pid, 0);
  }
  // The fast path: one interface by index or name, answered without NLM_F_MULTI.
  const ifp = linkOf(r, m, "get link");
  if (ifp === undefined) return -r.err.code;
  return r.replyOne((w) => putLink(w, ifp, C.RTM_NEWLINK, 0, m.seq, m.pid, 0, r.host.driverName(ifp)));
}

function newLink(r: Rtnl, m: NlMsg): number {
  const ifp = linkOf(r, m, "set link");
  if (ifp === undefined) {
    if (r.err.code === ENODEV && band(m.flags, C.NLM_F_CREATE) !== 0)
      r.err.set(EOPNOTSUPP, "interfaces cannot be created on this device", -1);
    return -r.err.code;
  }
  const ifs = r.stack.ifs;
  const change = m.field(IFI_CHANGE);
  const flags = m.field(IFI_FLAGS);
  // ifi_change 0 means "all flags" in old requests (iproute2 sends 0xffffffff).
  const sel = change === 0 ? 0 : change;
  // Everything is checked before anything changes, as the kernel does: a refused request changes nothing.
  const hasMtu = m.attrs.has(C.IFLA_MTU);
  const mtu = hasMtu ? m.attrs.num(C.IFLA_MTU, 0) : 0;
  const mtuAt = hasMtu ? m.attrs.offs[m.attrs.find(C.IFLA_MTU)] - 4 - m.off : -1;
  if (hasMtu && mtu < ifp.minMtu) return r.err.fail(EINVAL, "mtu less than device minimum", mtuAt);
  if (hasMtu && mtu > ifp.maxMtu) return r.err.fail(EINVAL, "mtu greater than device maximum", mtuAt);
  if (band(sel, IFF_UP) !== 0 && ifp.has(IFF_LOOPBACK) && band(flags, IFF_UP) === 0)
    return r.err.fail(EPERM, "the loopback interface stays up", -1);
  const alias = m.attrs.str(C.IFLA_IFALIAS);
  if (alias !== undefined && alias !== ifp.alias) {
    // An alias the link's own message could not carry would make the interface unreportable.
    const room = r.linkRoom(ifp);
    if (alias.length > room)
      return r.err.fail(
        EINVAL,
        "alias too long: this device's frames carry at most " + (room > 0 ? room : 0) + " bytes of it",
        m.attrs.offs[m.attrs.find(C.IFLA_IFALIAS)] - 4 - m.off,
      );
  }
  if (hasMtu && !ifs.setMtu(ifp, mtu)) return r.err.fail(EINVAL, "the driver refused mtu " + mtu, mtuAt);
  if (alias !== undefined) ifs.setAlias(ifp, alias);
  if (band(sel, IFF_UP) !== 0) r.stack.setUp(ifp, band(flags, IFF_UP) !== 0);
  if (sel !== 0) ifs.setFlags(ifp, flags, band(sel, 0xffffffff - IFF_UP));
  return 0;
}

function delLink(r: Rtnl, m: NlMsg): number {
  const ifp = linkOf(r, m, "delete link");
  if (ifp === undefined) return -r.err.code;
  r.err.set(EOPNOTSUPP, ifp.name + " is a physical interface and cannot be deleted", -1);
  return -EOPNOTSUPP;
}

function getAddr(r: Rtnl, m: NlMsg): number {
  const fam = m.field(IFA_FAMILY_F);
  if (fam !== C.AF_UNSPEC && fam !== C.AF_INET) {
    // Nothing of another family: an empty dump, as Linux gives for AF_INET6 with IPv6 off.
    return r.startDump(DUMP_ADDR, m.seq, m.pid, -1);
  }
  return r.startDump(DUMP_ADDR, m.seq, m.pid, m.field(IFA_INDEX));
}

function addrTarget(r: Rtnl, m: NlMsg, what: string): Ifnet | undefined {
  const index = m.field(IFA_INDEX);
  const ifp = r.stack.ifs.byIndex(index);
  if (ifp === undefined) r.err.set(ENODEV, what + ": no interface with index " + index, 20);
  return ifp;
}

function newAddr(r: Rtnl, m: NlMsg): number {
  const ifp = addrTarget(r, m, "add address");
  if (ifp === undefined) return -ENODEV;
  if (m.field(IFA_FAMILY_F) !== C.AF_INET) return r.err.fail(EOPNOTSUPP, "only IPv4 addresses (AF_INET)", 16);
  const local = m.attrs.inAddr(C.IFA_LOCAL, m.attrs.inAddr(C.IFA_ADDRESS, -1));
  if (local < 0) return r.err.fail(EINVAL, "IFA_LOCAL (or IFA_ADDRESS) is required", -1);
  const plen = m.field(IFA_PREFIXLEN);
  if (plen > 32) return r.err.fail(EINVAL, "prefix length above 32", 17);
  const existing = r.stack.addrs.findOn(ifp, local);
  if (existing !== undefined && band(m.flags, C.NLM_F_EXCL) !== 0)
    return r.err.fail(EEXIST, "address already assigned", -1);
  if (existing === undefined && band(m.flags, C.NLM_F_CREATE) === 0)
    return r.err.fail(ENOENT, "no such address (NLM_F_CREATE to add one)", -1);
  const req = addrRequest(local, plen);
  const peer = m.attrs.inAddr(C.IFA_ADDRESS, -1);
  if (peer >= 0 && peer !== local) req.dst = peer;
  const brd = m.attrs.inAddr(C.IFA_BROADCAST, -1);
  if (brd >= 0) req.broadcast = brd;
  const label = m.attrs.str(C.IFA_LABEL);
  if (label !== undefined) req.label = label;
  const ci = m.attrs.find(C.IFA_CACHEINFO);
  if (ci >= 0) {
    req.preferred = getLe32At(m, ci, 0);
    req.valid = getLe32At(m, ci, 4);
  }
  const e = r.stack.addrs.add(ifp, req);
  if (e < 0) r.err.set(-e, "the address was refused (errno " + -e + ")", -1);
  return e;
}

function getLe32At(m: NlMsg, attr: number, k: number): number {
  return getLe32(m.buf!, m.attrs.offs[attr] + k);
}

function delAddr(r: Rtnl, m: NlMsg): number {
  const ifp = addrTarget(r, m, "delete address");
  if (ifp === undefined) return -ENODEV;
  const local = m.attrs.inAddr(C.IFA_LOCAL, m.attrs.inAddr(C.IFA_ADDRESS, -1));
  if (local < 0) {
    // No address: delete every address of the interface (ip addr flush sends one per address; this is the bulk form).
    r.stack.addrs.flush(ifp);
    return 0;
  }
  const e = r.stack.addrs.remove(ifp, local, false);
  if (e < 0) r.err.set(-e, "no such address on " + ifp.name, -1);
  return e;
}

function neighIf(r: Rtnl, m: NlMsg): Ifnet | undefined {
  const index = m.attrs.num(C.NDA_IFINDEX, m.field(NDM_IFINDEX));
  return index > 0 ? r.stack.ifs.byIndex(index) : undefined;
}

function getNeigh(r: Rtnl, m: NlMsg): number {
  const ifp = neighIf(r, m);
  const dst = m.attrs.inAddr(C.NDA_DST, -1);
  if (dst >= 0) {
    if (ifp === undefined) return r.err.fail(EINVAL, "has NDA_DST but no ifindex provided", -1);
    const t = ifp.lltable;
    const slot = t !== undefined ? t.lookup(dst) : -1;
    if (t === undefined || slot < 0 || isOwnEntry(t, slot)) return r.err.fail(ENOENT, "no neighbour entry", -1);
    return r.replyOne((w) => putNeigh(w, ifp, t, slot, C.RTM_NEWNEIGH, 0, m.seq, m.pid));
  }
  return r.startDump(DUMP_NEIGH, m.seq, m.pid, ifp !== undefined ? ifp.index : 0);
}

const NEIGH_MAC = alloc(6);

function newNeigh(r: Rtnl, m: NlMsg): number {
  const ifp = neighIf(r, m);
  const dst = m.attrs.inAddr(C.NDA_DST, -1);
  const ll = m.attrs.find(C.NDA_LLADDR);
  if (ifp === undefined || dst < 0 || ll < 0) {
    let msg = "";
    if (ifp === undefined) msg = "NDA_IFINDEX / ndm_ifindex not set";
    else if (dst < 0) msg = "NDA_DST not set";
    else msg = "NDA_LLADDR not set";
    return r.err.fail(EINVAL, msg, -1);
  }
  if (m.attrs.lens[ll] !== 6)
    return r.err.fail(
      EINVAL,
      "NDA_LLADDR address length (" + m.attrs.lens[ll] + ") is different from expected (6)",
      m.attrs.offs[ll] - 4 - m.off,
    );
  const state = m.field(NDM_STATE);
  if (state !== C.NUD_PERMANENT) return r.err.fail(EOPNOTSUPP, "ndm_state " + state + " not supported", 16 + 8);
  const nflags = m.field(NDM_FLAGS);
  const supported = C.NTF_PROXY + C.NTF_STICKY;
  if (band(nflags, 0xff - supported) !== 0)
    return r.err.fail(EOPNOTSUPP, "ndm_flags " + band(nflags, 0xff - supported) + " not supported", 16 + 10);
  if (band(m.flags, C.NLM_F_CREATE + C.NLM_F_REPLACE) === 0)
    return r.err.fail(EOPNOTSUPP, "NLM_F_CREATE or NLM_F_REPLACE is required", 6);
  const t = ifp.lltable;
  if (t === undefined) return r.err.fail(EOPNOTSUPP, ifp.name + " has no neighbour table", -1);
  const slot = t.lookup(dst);
  if (slot >= 0) {
    if (isOwnEntry(t, slot)) return r.err.fail(EPERM, "that is one of our own addresses", -1);
    if (band(m.flags, C.NLM_F_EXCL) !== 0 || band(m.flags, C.NLM_F_REPLACE) === 0)
      return r.err.fail(EEXIST, "neighbour entry exists (NLM_F_REPLACE to change it)", -1);
  } else if (band(m.flags, C.NLM_F_CREATE) === 0)
    return r.err.fail(ENOENT, "no such neighbour entry (NLM_F_CREATE to add one)", -1);
  readMac(m.buf!, m.attrs.offs[ll], NEIGH_MAC);
  const s = t.addStatic(dst, NEIGH_MAC, 0, LLE_STATIC + (band(nflags, C.NTF_PROXY) !== 0 ? LLE_PUB : 0));
  if (s < 0) return r.err.fail(ENOSPC, "the neighbour table is full of permanent entries", -1);
  return 0;
}

function delNeigh(r: Rtnl, m: NlMsg): number {
  const dst = m.attrs.inAddr(C.NDA_DST, -1);
  if (dst < 0) return r.err.fail(EINVAL, "NDA_DST not set", -1);
  const ifp = neighIf(r, m);
  if (ifp === undefined) return r.err.fail(EINVAL, "no ifindex provided", -1);
  const t = ifp.lltable;
  const slot = t !== undefined ? t.lookup(dst) : -1;
  if (t === undefined || slot < 0) return r.err.fail(ENOENT, "no such neighbour entry", -1);
  if (isOwnEntry(t, slot)) return r.err.fail(EPERM, "that is one of our own addresses", -1);
  t.remove(dst, false);
  return 0;
}

function getRoute(r: Rtnl, m: NlMsg): number {
  return r.startDump(DUMP_ROUTE, m.seq, m.pid, 0);
}

/** The one route a request may change: a static default route. */
function defaultRouteOf(r: Rtnl, m: NlMsg, route: Route): number {
  if (m.field(RTM_FAMILY) !== C.AF_INET) return r.err.fail(EOPNOTSUPP, "only IPv4 routes (AF_INET)", 16);
  if (m.field(RTM_DST_LEN) !== 0 || (m.attrs.has(C.RTA_DST) && m.attrs.inAddr(C.RTA_DST, 0) !== 0))
    return r.err.fail(EOPNOTSUPP, "only the default route can be changed here", 17);
  route.dst = 0;
  route.prefixLen = 0;
  route.gateway = m.attrs.inAddr(C.RTA_GATEWAY, 0);
  route.metric = m.attrs.num(C.RTA_PRIORITY, 0);
  route.ifindex = m.attrs.num(C.RTA_OIF, 0);
  const proto = m.field(RTM_PROTOCOL);
  route.protocol = proto === 0 || proto === RTPROT_BOOT ? RTPROT_STATIC : proto;
  route.scope = RT_SCOPE_UNIVERSE;
  route.prefsrc = m.attrs.inAddr(C.RTA_PREFSRC, 0);
  return 0;
}

function newRoute(r: Rtnl, m: NlMsg): number {
  const route: Route = {
    dst: 0,
    prefixLen: 0,
    gateway: 0,
    ifindex: 0,
    protocol: RTPROT_STATIC,
    scope: 0,
    metric: 0,
    prefsrc: 0,
  };
  const e = defaultRouteOf(r, m, route);
  if (e < 0) return e;
  if (route.gateway === 0) return r.err.fail(EINVAL, "RTA_GATEWAY is required", -1);
  if (route.ifindex === 0) {
    // Like Linux: the interface whose connected prefix holds the gateway.
    const via = r.stack.routes.lookup(route.gateway);
    if (via === undefined || via.gateway !== 0) return r.err.fail(ENETUNREACH, "Nexthop has invalid gateway", -1);
    route.ifindex = via.ifindex;
  }
  const replace = band(m.flags, C.NLM_F_REPLACE) !== 0;
  if (!replace && band(m.flags, C.NLM_F_CREATE) === 0)
    return r.err.fail(ENOENT, "no such route (NLM_F_CREATE to add one)", -1);
  const res = r.stack.routes.add(route, replace);
  if (res < 0) r.err.set(-res, res === -EEXIST ? "File exists" : "Nexthop has invalid gateway", -1);
  return res;
}

function delRoute(r: Rtnl, m: NlMsg): number {
  const route: Route = {
    dst: 0,
    prefixLen: 0,
    gateway: 0,
    ifindex: 0,
    protocol: RTPROT_STATIC,
    scope: 0,
    metric: 0,
    prefsrc: 0,
  };
  const e = defaultRouteOf(r, m, route);
  if (e < 0) return e;
  const res = r.stack.routes.remove(0, 0, route.gateway, route.ifindex, route.metric);
  if (res < 0) r.err.set(-res, "No such process", -1);
  return res;
}

function addRouteHandlers(r: Rtnl): void {
  r.register(new RtnlHandler(C.RTM_GETLINK, "get link", false, getLink));
  r.register(new RtnlHandler(C.RTM_NEWLINK, "new link", true, newLink));
  r.register(new RtnlHandler(C.RTM_SETLINK, "set link", true, newLink));
  r.register(new RtnlHandler(C.RTM_DELLINK, "del link", true, delLink));
  r.register(new RtnlHandler(C.RTM_GETADDR, "get address", false, getAddr));
  r.register(new RtnlHandler(C.RTM_NEWADDR, "new address", true, newAddr));
  r.register(new RtnlHandler(C.RTM_DELADDR, "del address", true, delAddr));
  r.register(new RtnlHandler(C.RTM_GETNEIGH, "get neighbour", false, getNeigh));
  r.register(new RtnlHandler(C.RTM_NEWNEIGH, "new neighbour", true, newNeigh));
  r.register(new RtnlHandler(C.RTM_DELNEIGH, "del neighbour", true, delNeigh));
  r.register(new RtnlHandler(C.RTM_GETROUTE, "get route", false, getRoute));
  r.register(new RtnlHandler(C.RTM_NEWROUTE, "new route", true, newRoute));
  r.register(new RtnlHandler(C.RTM_DELROUTE, "del route", true, delRoute));
}
