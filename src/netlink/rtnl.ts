// The route family's request handlers and their dispatcher: a table of
// (message type, name, handler, mutates), as FreeBSD's netlink declares
// them. Requests arrive one frame at a time; replies go out one frame at a
// time through `send`. A dump that does not fit a frame is continued by
// `pump()` when the transport can take the next frame, so one frame buffer
// serves any table size.
import { alloc, copy, get8, len, set8 } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes } from "../../hal/types";
import { EBUSY, EINVAL, ENOBUFS, ENOSPC, EOPNOTSUPP, EPERM } from "../net/errno";
import type { Ifnet } from "../net/ifnet";
import type { NetStack } from "../net/stack";
import * as C from "./constants";
import { groupBit, NETRT_GROUP_DHCP } from "./family";
import { PROTO_GENERIC, PROTO_ROUTE } from "./frame";
import {
  NLMSG_LEN_OFF,
  NLMSG_PID_OFF,
  NLMSG_SEQ_OFF,
  NLMSG_TYPE_OFF,
  NLMSGERR_ERROR_OFF,
  NLMSGERR_MSG_OFF,
} from "../wire/netlink";
import { DumpCursor, DUMP_STARTED, type DumpStep, findHandler, type Inet6Part, type RtnlHandler } from "./handler";
import { putLink, putNeigh } from "./messages";
import type { Lltable } from "../net/lltable";
import { schemaFor } from "./schemas";
import { addAddrHandlers } from "./route/addr";
import { addLinkHandlers } from "./route/link";
import { addNeighHandlers } from "./route/neigh";
import { addRouteHandlers } from "./route/route";
import { align4, getLe16, getLe32, setLe16, setLe32 } from "../wire/endian";
import { NLE_BAD_HEADER, NLE_LEN_BEYOND_FRAME, NlError, NlMsg, parseMessage } from "./parse";
import { NlWriter } from "./writer";
import { NLA_BINARY, NLA_F_NESTED, NLA_IN_ADDR, NLA_STRING, NLA_U16, NLA_U32, NLA_U8, type NlAttrSet } from "./policy";

export interface RtnlCounters {
  requests: number;
  errors: number;
  /** Frames that did not even hold a netlink header. */
  runts: number;
  dumps: number;
  notifications: number;
  /** Notifications dropped because the transport was busy (netlink's ENOBUFS). */
  notifyDropped: number;
  /** Replies dropped because the reply queue was full (a host that does not wait); reported with ENOBUFS. */
  repliesDropped: number;
}

/** What the channel needs from the device besides the stack. */
export interface RtnlHost {
  /** The driver name shown as IFLA_INFO_KIND. */
  driverName(ifp: Ifnet): string;
  /** May this request change state? (Authentication lives outside; true when open.) */
  mayMutate(): boolean;
  /** Sends one finished frame of family `proto`. False: the transport is full, try again on pump(). */
  send(frame: Bytes, n: number, proto: number): boolean;
}

/** The longest NLMSGERR_ATTR_POLICY: its header, two u64 bounds and the type. */
const POLICY_TLV_MAX = 4 + 12 + 12 + 8;

/**
 * NLMSGERR_ATTR_POLICY for an attribute that failed its declaration, as
 * Linux describes its policy: the bounds, then NL_POLICY_TYPE_ATTR_TYPE.
 * Exact-size structures get none, as in the kernel.
 */
function putPolicy(w: NlWriter, set: NlAttrSet, i: number): void {
  const k = set.kindAt(i);
  let t = 0;
  let max = 0;
  if (k === NLA_U8) {
    t = 2;
    max = 0xff;
  } else if (k === NLA_U16) {
    t = 3;
    max = 0xffff;
  } else if (k === NLA_U32 || k === NLA_IN_ADDR) {
    t = 4;
    max = 0xffffffff;
  } else if (k === NLA_STRING) t = 11;
  else if (k === NLA_BINARY) t = 10;
  if (t === 0) return;
  const at = w.nest(C.NLMSGERR_ATTR_POLICY + NLA_F_NESTED);
  if (max > 0) {
    w.int(NL_POLICY_TYPE_ATTR_MIN_VALUE_U, 8, 0);
    w.int(NL_POLICY_TYPE_ATTR_MAX_VALUE_U, 8, max);
  } else if (set.sizeAt(i) > 0) w.int(NL_POLICY_TYPE_ATTR_MAX_LENGTH, 4, set.sizeAt(i) - (t === 11 ? 1 : 0));
  w.int(NL_POLICY_TYPE_ATTR_TYPE, 4, t);
  w.endNest(at);
}

/**
 * The report of lost messages, as a netlink socket's ENOBUFS: an
 * NLMSG_ERROR of seq 0 whose echoed header is an empty NLMSG_NOOP (so
 * decoders can parse it), with a text saying how many.
 */
function putLoss(w: NlWriter, text: string): boolean {
  if (!w.begin(C.NLMSG_ERROR, C.NLM_F_CAPPED + C.NLM_F_ACK_TLVS, 0, 0, 4 + C.NLMSG_HDRLEN)) return false;
  setLe32(w.buf, w.msgStart + C.NLMSG_HDRLEN + NLMSGERR_ERROR_OFF, -ENOBUFS);
  const echo = w.msgStart + C.NLMSG_HDRLEN + NLMSGERR_MSG_OFF;
  setLe32(w.buf, echo + NLMSG_LEN_OFF, C.NLMSG_HDRLEN);
  setLe16(w.buf, echo + NLMSG_TYPE_OFF, C.NLMSG_NOOP);
  w.str(C.NLMSGERR_ATTR_MSG, text);
  return w.end() > 0;
}

const NL_POLICY_TYPE_ATTR_TYPE = 1;
const NL_POLICY_TYPE_ATTR_MIN_VALUE_U = 4;
const NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 5;
const NL_POLICY_TYPE_ATTR_MAX_LENGTH = 7;

export class Rtnl {
  /** Dump frames; a frame the transport refused stays here until pump() sends it. */
  readonly w: NlWriter;
  private pendingLen = 0;
  /** Single replies (ACKs, errors, GETs of one object) are built here. */
  private readonly rw: NlWriter;
  /**
   * Replies waiting for the line, in order, in a ring of one frame's size:
   * each is [protocol][length, 2 bytes little-endian][message]. What does
   * not fit is counted and reported (ENOBUFS), never silently lost.
   */
  private readonly q: Bytes;
  private qStart = 0;
  private qLen = 0;
  private repliesLost = 0;
  /** The family of the replies being made (our family's handlers set PROTO_GENERIC). */
  replyProto = PROTO_ROUTE;
  private notifyProto = PROTO_ROUTE;
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
  /** The request being handled (0 outside one): its notifications carry its seq and port. */
  reqSeq = 0;
  reqPid = 0;
  reqFlags = 0;
  /** A route request is being handled: its route notifications carry its seq, port and flags. */
  routeReq = false;
  /** IPv6's addresses, neighbours and routes (a build with IPv6); undefined: AF_INET6 has nothing. */
  inet6: Inet6Part | undefined = undefined;
  /** An administrator's neighbour delete is under way (its DELNEIGH says FAILED). */
  neighDeleting = false;
  private readonly m = new NlMsg();
  private readonly dump = new DumpCursor();
  private readonly notifyW: NlWriter;

  constructor(
    readonly stack: NetStack,
    readonly host: RtnlHost,
    maxFrame: number,
  ) {
    this.w = new NlWriter(alloc(maxFrame));
    this.rw = new NlWriter(alloc(maxFrame));
    this.q = alloc(maxFrame);
    this.notifyW = new NlWriter(alloc(maxFrame));
    addLinkHandlers(this);
    addAddrHandlers(this);
    addRouteHandlers(this);
    addNeighHandlers(this);
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

  dumping(): boolean {
    return this.dump.step !== undefined || this.pendingLen > 0;
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
      // Its seq, when the runt still holds one, so the host can match the error.
      const seq = n >= NLMSG_SEQ_OFF + 4 ? getLe32(b, NLMSG_SEQ_OFF) : 0;
      this.writeError(seq, 0, b, 0, 0, -EINVAL, "frame shorter than a netlink header", -1);
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
    const type = getLe16(b, off + NLMSG_TYPE_OFF);
    const h = findHandler(this.handlers, type);
    // (A conditional as an argument costs a sparse-array spread in Lua: compute it first.)
    const schema = h !== undefined ? schemaFor(type) : undefined;
    const ok = parseMessage(b, off, avail, schema, m, err);
    if (!ok && m.len < C.NLMSG_HDRLEN) {
      // The header is there (the frame has 16 bytes) though its nlmsg_len is not: answer its seq.
      this.writeError(
        getLe32(b, off + NLMSG_SEQ_OFF),
        getLe32(b, off + NLMSG_PID_OFF),
        b,
        off,
        C.NLMSG_HDRLEN,
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
    // Linux ignores what is not a request, ACKing it when asked.
    if (band(m.flags, C.NLM_F_REQUEST) === 0 || type < C.NLMSG_MIN_TYPE) {
      if (band(m.flags, C.NLM_F_ACK) !== 0) this.replyError(b, off, m.len, 0, "", -1);
      return used;
    }
    if (h === undefined) {
      this.replyError(b, off, m.len, -EOPNOTSUPP, "", -1);
      return used;
    }
    // A dump request may carry a shorter header (the legacy 1-byte rtgenmsg): no filter, as Linux reads it.
    const legacyDump =
      !ok && err.reason === NLE_BAD_HEADER && h.type % 4 === 2 && band(m.flags, C.NLM_F_DUMP) === C.NLM_F_DUMP;
    if (!ok && !legacyDump) {
      const msg = err.reason === NLE_BAD_HEADER ? "Invalid header for " + h.name : err.msg;
      this.replyError(b, off, m.len, -err.code, msg, err.reason === NLE_BAD_HEADER ? -1 : err.off);
      return used;
    }
    if (h.mutates && !this.host.mayMutate()) {
      this.replyError(b, off, m.len, -EPERM, "this device needs an authenticated session to change state", -1);
      return used;
    }
    err.clear();
    // Notifications the request causes carry its seq and port, as the kernel's do.
    this.reqSeq = m.seq;
    this.reqPid = m.pid;
    this.reqFlags = m.flags;
    const r = h.fn(this, m);
    this.reqSeq = 0;
    this.reqPid = 0;
    this.reqFlags = 0;
    const text = err.msg !== "" ? err.msg : m.warning;
    if (r === DUMP_STARTED) {
      this.counters.dumps++;
      this.pump();
    } else if (r < 0) this.replyError(b, off, m.len, r, text, err.off);
    else if (band(m.flags, C.NLM_F_ACK) !== 0) this.replyError(b, off, m.len, 0, text, -1);
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
      reqLen > 0 ? getLe32(b, off + NLMSG_SEQ_OFF) : 0,
      reqLen > 0 ? getLe32(b, off + NLMSG_PID_OFF) : 0,
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
    const w = this.rw;
    w.reset();
    const reqLen = n >= C.NLMSG_HDRLEN ? n : 0;
    // A request cut short by its frame is echoed as a header only (its nlmsg_len says more).
    const whole = reqLen > 0 && getLe32(b, off + NLMSG_LEN_OFF) === reqLen;
    let echo = error === 0 || !whole ? C.NLMSG_HDRLEN : reqLen;
    const policy = error !== 0 && this.err.policySet !== undefined && error === -this.err.code;
    let tlvs = msg !== "" ? align4(C.NLA_HDRLEN + msg.length + 1) : 0;
    if (msgOff >= 0) tlvs += 8;
    if (policy) tlvs += POLICY_TLV_MAX;
    if (C.NLMSG_HDRLEN + 4 + align4(echo) + tlvs > len(w.buf)) echo = C.NLMSG_HDRLEN;
    let flags = echo < reqLen || error === 0 || !whole ? C.NLM_F_CAPPED : 0;
    if (tlvs > 0) flags += C.NLM_F_ACK_TLVS;
    w.begin(C.NLMSG_ERROR, flags, seq, pid, 4 + align4(echo));
    setLe32(w.buf, C.NLMSG_HDRLEN + NLMSGERR_ERROR_OFF, error);
    const at = C.NLMSG_HDRLEN + NLMSGERR_MSG_OFF;
    if (reqLen > 0) copy(w.buf, at, b, off, echo);
    else {
      // Nothing to echo (a runt frame): an empty NLMSG_NOOP header, so decoders can still parse the error.
      setLe32(w.buf, at + NLMSG_LEN_OFF, C.NLMSG_HDRLEN);
      setLe16(w.buf, at + NLMSG_TYPE_OFF, C.NLMSG_NOOP);
      setLe32(w.buf, at + NLMSG_SEQ_OFF, seq);
    }
    if (msg !== "") w.str(C.NLMSGERR_ATTR_MSG, msg);
    if (msgOff >= 0) w.int(C.NLMSGERR_ATTR_OFFS, 4, msgOff);
    if (policy) putPolicy(w, this.err.policySet!, this.err.policyIndex);
    const total = w.end();
    if (total > 0) this.sendReply(total);
  }

  // A reply goes straight to the line when nothing waits before it; else it joins the queue, or,
  // when the queue is full (a host sending faster than the line answers), it is counted as lost.
  private sendReply(n: number): void {
    if (this.qLen === 0 && this.repliesLost === 0 && this.host.send(this.rw.buf, n, this.replyProto)) return;
    const cap = len(this.q);
    if (this.qLen + 3 + n > cap) {
      this.counters.repliesDropped++;
      this.repliesLost++;
      return;
    }
    this.qPut(this.replyProto);
    this.qPut(n % 256);
    this.qPut(Math.floor(n / 256));
    for (let i = 0; i < n; i++) this.qPut(get8(this.rw.buf, i));
  }

  private qPut(v: number): void {
    set8(this.q, (this.qStart + this.qLen) % len(this.q), v);
    this.qLen++;
  }

  private qAt(k: number): number {
    return get8(this.q, (this.qStart + k) % len(this.q));
  }

  /** Sends queued replies, then the report of lost ones, while the line takes them; true when none wait. */
  private flushReplies(): boolean {
    const w = this.rw;
    while (this.qLen > 0) {
      const n = this.qAt(1) + this.qAt(2) * 256;
      for (let i = 0; i < n; i++) set8(w.buf, i, this.qAt(3 + i));
      if (!this.host.send(w.buf, n, this.qAt(0))) return false;
      this.qStart = (this.qStart + 3 + n) % len(this.q);
      this.qLen -= 3 + n;
    }
    if (this.repliesLost > 0) {
      w.reset();
      if (!putLoss(w, this.repliesLost + " replies lost: requests came faster than the line could answer"))
        return false;
      if (!this.host.send(w.buf, w.pos, PROTO_ROUTE)) return false;
      this.repliesLost = 0;
    }
    return true;
  }

  /** Whether replies wait for the line. */
  replyWaiting(): boolean {
    return this.qLen > 0 || this.repliesLost > 0;
  }

  /** Starts a dump that `step` writes entry by entry; `ifindex` 0 for all interfaces. */
  startDump(step: DumpStep, seq: number, pid: number, ifindex: number, proxy?: boolean): number {
    // One dump at a time (its cursor is the only one); other requests go on meanwhile.
    if (this.dumping()) return this.err.fail(EBUSY, "a dump is still being sent", -1);
    const c = this.dump;
    c.step = step;
    c.pos = 0;
    c.sub = 0;
    c.phase = 0;
    c.ifindex = ifindex;
    c.proxy = proxy === true;
    c.seq = seq;
    c.pid = pid;
    return DUMP_STARTED;
  }

  /** Sends the next frames of a dump in progress, as long as the transport takes them. */
  pump(): void {
    if (!this.flushReplies()) return;
    if (!this.flushNotifications()) return;
    const w = this.w;
    for (;;) {
      if (this.pendingLen > 0) {
        if (!this.host.send(w.buf, this.pendingLen, PROTO_ROUTE)) return;
        this.pendingLen = 0;
      }
      const c = this.dump;
      const step = c.step;
      if (step === undefined) return;
      w.reset();
      let done = false;
      for (;;) {
        const mark = w.pos;
        if (!step(this, w, c)) {
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
        if (w.begin(C.NLMSG_DONE, C.NLM_F_MULTI, c.seq, c.pid, 4)) {
          w.end();
          c.step = undefined;
        } else {
          // NLMSG_DONE goes in a frame of its own.
          w.pos = mark;
          w.overflow = false;
        }
      }
      if (w.pos === 0) {
        // One entry larger than a frame: nothing can ever carry it. End the dump.
        c.step = undefined;
        // The error ends the dump: it carries the dump request's seq, or the host waits for nothing.
        this.writeError(c.seq, c.pid, w.buf, 0, 0, -ENOSPC, "an entry is larger than the frame size", -1);
        return;
      }
      this.pendingLen = w.pos;
    }
  }

  /** Sends one message built by `build` into the reply buffer (a GET by index or name). */
  replyOne(build: (w: NlWriter) => boolean): number {
    const w = this.rw;
    w.reset();
    if (!build(w)) return this.err.fail(ENOSPC, "the answer does not fit a frame", -1);
    this.sendReply(w.pos);
    return 0;
  }

  // --- notifications ----------------------------------------------------------

  /** The NEWNEIGH (FAILED) Linux sends before an administrator's delete. */
  neighFailed(ifp: Ifnet, t: Lltable, slot: number): void {
    const pid = this.reqPid;
    this.notify(C.RTNLGRP_NEIGH, (w) => putNeigh(w, ifp, t, slot, C.RTM_NEWNEIGH, 0, 0, pid, true));
  }

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
    // A frame carries one family: our family's group goes out apart from rtnetlink's.
    const proto = group === NETRT_GROUP_DHCP ? PROTO_GENERIC : PROTO_ROUTE;
    if (w.pos > 0 && proto !== this.notifyProto) this.flushNotifications();
    const mark = w.pos;
    if ((mark > 0 && proto !== this.notifyProto) || !build(w)) {
      w.pos = mark;
      w.overflow = false;
      this.counters.notifyDropped++;
      this.lost++;
      return;
    }
    this.notifyProto = proto;
    this.counters.notifications++;
    this.flushNotifications();
  }

  private lost = 0;

  /** Sends collected notifications if the line takes them; true when none remain. */
  flushNotifications(): boolean {
    const w = this.notifyW;
    if (w.pos > 0) {
      if (!this.host.send(w.buf, w.pos, this.notifyProto)) return false;
      w.reset();
    }
    if (this.lost > 0) {
      if (!putLoss(w, this.lost + " notifications lost: the line was busy")) return false;
      this.lost = 0;
      if (!this.host.send(w.buf, w.pos, PROTO_ROUTE)) return false;
      w.reset();
    }
    return true;
  }

  /** Whether notifications wait for the line. */
  notificationsWaiting(): boolean {
    return this.notifyW.pos > 0 || this.lost > 0;
  }
}
