// TCP (RFC 9293), small: a fixed number of connection slots, in-order
// receive into a bounded window (a segment out of order is dropped and
// answered with a duplicate ACK, as uIP does), a bounded send buffer that
// pushes back on the writer, retransmission on RFC 6298's timer with Karn's
// rule (or RFC 7323's timestamps, which also keep the peer's timer honest
// while we drop what comes out of order), Reno's congestion control with NewReno's partial ACKs (RFC 5681,
// RFC 6582), Nagle, receiver-side silly-window avoidance, RFC 5961's
// challenge ACKs, TIME-WAIT with a cap on such entries, zero-window probes
// and optional keepalives. A SYN flood cannot use up memory: connections
// half open hold no buffers, and each listener keeps at most its backlog of
// them; SYNs beyond are dropped and counted. One timer ticks while any
// connection exists. Sequence numbers are plain numbers in [0, 2^32): the
// arithmetic below never leaves the exact range of any runtime.
import { copy, get8, get16, get32, alloc, set8, set16, set32 } from "@hal/bytes";
import { sum16 } from "@hal/bytes";
import { bxor, mul } from "@hal/u32";
import type { Bytes, Clock, Log, Random, TimerId } from "../../hal/types";
import { LOG_ERROR } from "../../hal/types";
import { finish } from "./cksum";
import { EADDRINUSE, ECONNREFUSED, ECONNRESET, EHOSTUNREACH, EINVAL, ENOSPC, EPIPE, ETIMEDOUT } from "./errno";
import { RX_DELIVERED, RX_DROPPED, RX_ERROR, RX_NOHANDLER, type Ifnet } from "./ifnet";
import { DEFAULT_TTL, IP_HLEN, IP_PAYLOAD, type Ipv4, pseudoSum, type TcpInput } from "./ipv4";
import { IPPROTO_TCP } from "../wire/ipv4";
import { sendReset } from "./tcp-reset";
import {
  TCP_ACK,
  TCP_CKSUM,
  TCP_DPORT,
  TCP_FLAGS,
  TCP_HLEN,
  TCP_OFF,
  TCP_SEQ,
  TCP_SPORT,
  TCP_URP,
  TCP_WIN,
  TCPOLEN_MAXSEG,
  TCPOLEN_TIMESTAMP,
  TCPOLEN_TSTAMP_APPA,
  TCPOPT_EOL,
  TCPOPT_KIND,
  TCPOPT_LEN,
  TCPOPT_MAXSEG,
  TCPOPT_TSECR,
  TCPOPT_TSVAL,
  TCPOPT_VALUE,
  TCPOPT_NOP,
  TCPOPT_TIMESTAMP,
  TH_ACK,
  TH_FIN,
  TH_PUSH,
  TH_RST,
  TH_SYN,
} from "../wire/tcp";

// The states, numbered as FreeBSD's TCPS_* (LISTEN is a listener, not a slot).
export const TCPS_CLOSED = 0;
export const TCPS_SYN_SENT = 2;
export const TCPS_SYN_RECEIVED = 3;
export const TCPS_ESTABLISHED = 4;
export const TCPS_CLOSE_WAIT = 5;
export const TCPS_FIN_WAIT_1 = 6;
export const TCPS_CLOSING = 7;
export const TCPS_LAST_ACK = 8;
export const TCPS_FIN_WAIT_2 = 9;
export const TCPS_TIME_WAIT = 10;

const SEQ_MOD = 4294967296;
const SEQ_HALF = 2147483648;
/** The MSS assumed when a SYN carries none (RFC 9293 3.7.1). */
const DEFAULT_MSS = 536;
/** The timer's period: delayed ACKs wait at most this long. */
const TICK_MS = 100;
const EPHEMERAL_LOW = 49152;
const EPHEMERAL_COUNT = 16384;
/** At most one ACK per this many ms answers segments without data outside the window. */
const OOW_ACK_MS = 500;
/** Segments acknowledged at once after an out-of-order one (the sender is recovering). */
const QUICKACKS = 16;
/** Keepalive probes unanswered before the connection is given up. */
const KEEPALIVE_PROBES = 5;

export interface TcpParams {
  /** Connections at once, in every state (TIME-WAIT and half-open ones too). */
  slots: number;
  /** Receive window of one connection (bytes, at most 65535: no window scaling). */
  rcvBuf: number;
  /** Send buffer of one connection (bytes): write() takes what fits. */
  sndBuf: number;
  /** TIME-WAIT entries kept at once; beyond, the oldest goes. */
  timeWaitMax: number;
  /** How long TIME-WAIT (and FIN-WAIT-2 after close) lasts: 2 MSL. */
  timeWaitMs: number;
  /** RFC 6298's bounds and first value (ms). */
  minRto: number;
  maxRto: number;
  initRto: number;
  /** SYN (or SYN-ACK) retransmissions before the open fails. */
  synRetries: number;
  /** Retransmissions of data before the connection is given up (RFC 9293's R2). */
  retries: number;
  /** Offer and accept RFC 7323 timestamps (12 bytes a segment; every ACK then times the round trip). */
  timestamps: boolean;
}

export function defaultTcpParams(): TcpParams {
  return {
    slots: 4,
    rcvBuf: 2920,
    sndBuf: 2920,
    timeWaitMax: 2,
    timeWaitMs: 60000,
    // Linux's floor (TCP_RTO_MIN): RFC 6298's 1 s is a SHOULD from the time of coarse clocks.
    minRto: 200,
    maxRto: 60000,
    initRto: 1000,
    synRetries: 4,
    // Linux's tcp_retries2: about 9 minutes with these bounds. At 20 % loss each way a segment
    // or its ACK is lost about a third of the time, and 8 (about 100 s, RFC 1122's
    // least) gave a 1 MB transfer up now and then. A program wanting sooner sets a timeout.
    retries: 15,
    timestamps: true,
  };
}

/** Counters, after Linux's /proc/net/snmp Tcp line (and two of TcpExt). */
export interface TcpStats {
  activeOpens: number;
  passiveOpens: number;
  attemptFails: number;
  estabResets: number;
  inSegs: number;
  outSegs: number;
  retransSegs: number;
  inErrs: number;
  outRsts: number;
  /** SYNs dropped: the listener's backlog or every slot was taken (TcpExt ListenDrops). */
  listenDrops: number;
  /** Segments that arrived ahead of a gap, dropped (TcpExt OFODrop). */
  ofoDrops: number;
}

export type TcpAccept = (this: void, c: TcpConn) => void;

export class TcpListener {
  constructor(
    readonly port: number,
    readonly backlog: number,
    readonly onAccept: TcpAccept,
  ) {}
}

/** One connection; what a program holds. The callbacks never run inside the program's own calls. */
export class TcpConn {
  state = TCPS_CLOSED;
  laddr = 0;
  lport = 0;
  raddr = 0;
  rport = 0;
  /** The error the connection ended with (0: orderly), once CLOSED. */
  error = 0;
  /** Send without Nagle's delay (TCP_NODELAY). */
  noDelay = false;
  onConnect: ((this: void) => void) | undefined = undefined;
  /** Bytes wait to be read: `n` of them. */
  onReadable: ((this: void, n: number) => void) | undefined = undefined;
  /** The peer closed its side (FIN): what it sent is all in. */
  onEnd: ((this: void) => void) | undefined = undefined;
  /** Room in the send buffer again, after a write() that did not take everything. */
  onWritable: ((this: void, n: number) => void) | undefined = undefined;
  /** The connection is gone: 0, or -ECONNRESET, -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH… */
  onClose: ((this: void, err: number) => void) | undefined = undefined;

  // Send side: iss, snd.una, snd.nxt, the highest snd.nxt, the peer's window and where it was last updated.
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  sndMax = 0;
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  /** Data bytes per segment: the smaller MSS, less the timestamp option when in use. */
  mss = DEFAULT_MSS;
  /** The MSS we advertise: what our interface carries. */
  advMss = DEFAULT_MSS;
  /** RFC 7323: timestamps in use, the peer's latest TSval to echo, and rcv.nxt as last acknowledged. */
  tsOk = false;
  tsRecent = 0;
  lastAckSent = 0;
  /** The send buffer: a ring; sHead is the byte at sndData (the oldest unacknowledged data). */
  sbuf: Bytes | undefined = undefined;
  sHead = 0;
  sLen = 0;
  sndData = 0;
  /** close() was called: a FIN goes after the data, at finSeq. */
  finQueued = false;
  finSeq = 0;
  // Receive side.
  irs = 0;
  rcvNxt = 0;
  /** The right edge of the window last advertised. */
  rcvAdv = 0;
  rbuf: Bytes | undefined = undefined;
  rHead = 0;
  rLen = 0;
  peerFin = false;
  // Timers (clock ms; 0: off) and RFC 6298's estimator.
  rtoAt = 0;
  rto = 0;
  srtt = -1;
  rttvar = 0;
  rttSeq = 0;
  rttStart = -1;
  rtxCount = 0;
  endAt = 0;
  idleSince = 0;
  keepalive = 0;
  probes = 0;
  /** Give up when sent data stays unacknowledged this long (ms; 0: by retries only), as TCP_USER_TIMEOUT. */
  userTimeout = 0;
  stallSince = 0;
  ackNow = false;
  ackDelayed = false;
  quickAcks = 0;
  /** When the last ACK for a segment outside the window went (-1: never). */
  oowAckAt = -1;
  unackedSegs = 0;
  // Congestion control.
  cwnd = 0;
  ssthresh = 65535;
  dupAcks = 0;
  recovering = false;
  recover = 0;
  softError = 0;
  listener: TcpListener | undefined = undefined;
  wantWrite = false;
  // Events to report once the stack's own work is done.
  evAccept = false;
  evConnect = false;
  evRead = false;
  evEnd = false;
  evWrite = false;
  evClose = false;
  busy = false;

  constructor(private readonly tcp: Tcp) {}

  /** Bytes waiting to be read. */
  available(): number {
    return this.rLen;
  }

  /** Room in the send buffer. */
  writable(): number {
    const b = this.sbuf;
    if (b === undefined || this.finQueued || !this.synced()) return 0;
    return this.tcp.params.sndBuf - this.sLen;
  }

  /** Has the peer sent FIN (and everything before it been read)? */
  ended(): boolean {
    return this.peerFin && this.rLen === 0;
  }

  synced(): boolean {
    return this.state >= TCPS_ESTABLISHED && this.state !== TCPS_TIME_WAIT;
  }

  /** Copies up to `n` waiting bytes into out[off…]: how many. */
  read(out: Bytes, off: number, n: number): number {
    return this.tcp.read(this, out, off, n);
  }

  /** Queues data[off, off + n) to send: how many bytes were taken (0 when the buffer is full), or -errno. */
  write(data: Bytes, off: number, n: number): number {
    return this.tcp.write(this, data, off, n);
  }

  /**
   * Sends FIN after what is queued (the program may still read until the
   * peer closes too; a peer that never does is given up after timeWaitMs).
   */
  close(): void {
    this.tcp.close(this);
  }

  /** Ends the connection at once with a RST. */
  abort(): void {
    this.tcp.abort(this, 0, true);
  }

  /** Keepalive probes after `ms` idle (0: off). */
  setKeepalive(ms: number): void {
    this.keepalive = ms > 0 ? ms : 0;
    this.probes = 0;
  }
}

const seqAdd = (a: number, n: number): number => {
  const s = a + n;
  return s >= SEQ_MOD ? s - SEQ_MOD : s < 0 ? s + SEQ_MOD : s;
};

/** a − b as a signed distance in sequence space. */
export const seqDiff = (a: number, b: number): number => {
  let d = a - b;
  if (d >= SEQ_HALF) d -= SEQ_MOD;
  else if (d < -SEQ_HALF) d += SEQ_MOD;
  return d;
};

export class Tcp implements TcpInput {
  readonly stats: TcpStats = {
    activeOpens: 0,
    passiveOpens: 0,
    attemptFails: 0,
    estabResets: 0,
    inSegs: 0,
    outSegs: 0,
    retransSegs: 0,
    inErrs: 0,
    outRsts: 0,
    listenDrops: 0,
    ofoDrops: 0,
  };
  /** The connections in use, at most params.slots (dense: Lua arrays cannot hold holes). */
  private readonly conns: TcpConn[] = [];
  private readonly listeners: TcpListener[] = [];
  private timer: TimerId = -1;
  private readonly tickFn: () => void;
  private readonly secret: number;
  // The segment being handled (one record, nothing allocated per segment).
  private f: Bytes;
  private sSeq = 0;
  private sAck = 0;
  private sFlags = 0;
  private sWnd = 0;
  private sData = 0;
  private sLen = 0;
  private sMss = DEFAULT_MSS;
  private sTs = false;
  private sTsVal = 0;
  private sTsEcr = 0;

  constructor(
    private readonly ip: Ipv4,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly log: Log,
    readonly params: TcpParams,
  ) {
    this.tickFn = () => {
      this.timer = -1;
      this.tick();
    };
    this.secret = random.u32();
    this.f = ip.allocPacket(0);
  }

  // --- the program's side ---------------------------------------------

  /** Accepts connections to `port`: the listener, or -errno (EADDRINUSE, EINVAL). */
  listen(port: number, backlog: number, onAccept: TcpAccept): TcpListener | number {
    if (port <= 0 || port > 0xffff || port !== Math.floor(port) || backlog < 1) return -EINVAL;
    if (this.listenerFor(port) !== undefined) return -EADDRINUSE;
    const l = new TcpListener(port, backlog, onAccept);
    this.listeners.push(l);
    return l;
  }

  /** Stops accepting; connections already made stay. */
  unlisten(l: TcpListener): void {
    for (let i = 0; i < this.listeners.length; i++) if (this.listeners[i] === l) this.listeners.splice(i, 1);
    for (let i = this.conns.length - 1; i >= 0; i--) {
      const c = this.conns[i];
      if (c.listener === l && c.state === TCPS_SYN_RECEIVED) this.release(c);
    }
  }

  /**
   * Opens a connection to dst:port (active open): the connection, whose
   * onConnect or onClose says how it went, or -errno (ENOSPC no free slot,
   * ENETUNREACH no route, EINVAL, EADDRINUSE). `lport`: the local port, when
   * not an ephemeral one (a W5500 socket's Sn_PORT in the chip model).
   */
  connect(dst: number, port: number, lport?: number): TcpConn | number {
    if (port <= 0 || port > 0xffff || port !== Math.floor(port)) return -EINVAL;
    const err = this.ip.route(dst, -1, undefined);
    if (err < 0) return err;
    if (!this.room()) return -ENOSPC;
    const c = new TcpConn(this);
    c.laddr = this.ip.routedSource();
    c.raddr = dst;
    c.rport = port;
    c.lport =
      lport === undefined ? this.ephemeralPort(c) : this.find(c.laddr, lport, dst, port) === undefined ? lport : -1;
    if (c.lport < 0) return -EADDRINUSE;
    this.conns.push(c);
    this.initSend(c, this.ip.routedMtu());
    c.sbuf = alloc(this.params.sndBuf);
    c.rbuf = alloc(this.params.rcvBuf);
    c.state = TCPS_SYN_SENT;
    this.stats.activeOpens++;
    this.output(c);
    this.arm();
    return c;
  }

  read(c: TcpConn, out: Bytes, off: number, n: number): number {
    const b = c.rbuf;
    if (b === undefined || n <= 0) return 0;
    const size = this.params.rcvBuf;
    const take = Math.min(n, c.rLen);
    const first = Math.min(take, size - c.rHead);
    copy(out, off, b, c.rHead, first);
    if (take > first) copy(out, off + first, b, 0, take - first);
    c.rHead = (c.rHead + take) % size;
    c.rLen -= take;
    if (c.rLen === 0 && (c.state === TCPS_CLOSED || c.state === TCPS_TIME_WAIT)) c.rbuf = undefined;
    // Receiver-side SWS avoidance: a window update once the window opens by enough to matter.
    if (take > 0 && c.synced() && this.window(c) - seqDiff(c.rcvAdv, c.rcvNxt) > 0) this.sendAckNow(c);
    return take;
  }

  write(c: TcpConn, data: Bytes, off: number, n: number): number {
    const b = c.sbuf;
    if (c.state === TCPS_SYN_SENT || c.state === TCPS_SYN_RECEIVED) return 0;
    if (b === undefined || c.finQueued || !c.synced()) return c.error !== 0 ? c.error : -EPIPE;
    if (n < 0 || off < 0) return -EINVAL;
    const size = this.params.sndBuf;
    const take = Math.min(n, size - c.sLen);
    if (take < n) c.wantWrite = true;
    if (take <= 0) return 0;
    const tail = (c.sHead + c.sLen) % size;
    const first = Math.min(take, size - tail);
    copy(b, tail, data, off, first);
    if (take > first) copy(b, 0, data, off + first, take - first);
    c.sLen += take;
    this.output(c);
    this.notify(c);
    return take;
  }

  close(c: TcpConn): void {
    const s = c.state;
    if (s === TCPS_SYN_SENT || s === TCPS_SYN_RECEIVED) this.abort(c, 0, false);
    else if (s === TCPS_ESTABLISHED || s === TCPS_CLOSE_WAIT) {
      c.finQueued = true;
      c.finSeq = seqAdd(c.sndData, c.sLen);
      c.state = s === TCPS_ESTABLISHED ? TCPS_FIN_WAIT_1 : TCPS_LAST_ACK;
      this.output(c);
      this.notify(c);
    }
  }

  /** Ends `c`: a RST to the peer when `rst` (and it is synchronized); onClose(err) unless the program asked (err 0). */
  abort(c: TcpConn, err: number, rst: boolean): void {
    if (c.state === TCPS_CLOSED) return;
    if (rst && c.state !== TCPS_SYN_SENT && c.state !== TCPS_TIME_WAIT) this.emit(c, c.sndNxt, TH_RST + TH_ACK, 0);
    const asked = err === 0;
    this.finish(c, err);
    if (asked) c.evClose = false;
    this.notify(c);
  }

  /** Connections in use (any state). */
  count(): number {
    return this.conns.length;
  }

  /** The i-th connection in use (0 ≤ i < count()), for the control channel and tests. */
  at(i: number): TcpConn | undefined {
    return i >= 0 && i < this.conns.length ? this.conns[i] : undefined;
  }

  // --- input -------------------------------------------------------------

  input(ifp: Ifnet, f: Bytes, off: number, n: number, src: number, dst: number, toUs: boolean): number {
    const st = this.stats;
    st.inSegs++;
    // TCP is unicast only (RFC 1122 4.2.3.10).
    if (!toUs) return RX_DROPPED;
    const doff = n >= TCP_HLEN ? Math.floor(get8(f, off + TCP_OFF) / 16) * 4 : 0;
    if (doff < TCP_HLEN || doff > n || finish(sum16(f, off, n, pseudoSum(src, dst, IPPROTO_TCP, n))) !== 0) {
      st.inErrs++;
      return RX_ERROR;
    }
    const sport = get16(f, off + TCP_SPORT);
    const dport = get16(f, off + TCP_DPORT);
    if (sport === 0 || dport === 0) {
      st.inErrs++;
      return RX_ERROR;
    }
    this.f = f;
    this.sSeq = get32(f, off + TCP_SEQ);
    this.sAck = get32(f, off + TCP_ACK);
    this.sFlags = get8(f, off + TCP_FLAGS) % 64;
    this.sWnd = get16(f, off + TCP_WIN);
    this.sData = off + doff;
    this.sLen = n - doff;
    this.options(f, off + TCP_HLEN, doff - TCP_HLEN);
    let c = this.find(dst, dport, src, sport);
    // A new SYN to a connection in TIME-WAIT reopens it when it is past the old one (RFC 9293 3.10.7.4).
    if (
      c !== undefined &&
      c.state === TCPS_TIME_WAIT &&
      this.has(TH_SYN) &&
      !this.has(TH_ACK) &&
      !this.has(TH_RST) &&
      seqDiff(this.sSeq, c.rcvNxt) > 0 &&
      this.listenerFor(dport) !== undefined
    ) {
      this.release(c);
      c = undefined;
    }
    if (c === undefined) return this.noConnection(ifp, src, sport, dst, dport);
    if (c.state === TCPS_SYN_SENT) this.synSent(c);
    else this.segment(c);
    // The program first: what it reads and writes now rides on the one segment sent after.
    this.notify(c);
    this.output(c);
    this.arm();
    return RX_DELIVERED;
  }

  /** The options of the segment: MSS (a SYN's; 536 when absent) and timestamps. Malformed options end the walk. */
  private options(f: Bytes, off: number, n: number): void {
    this.sMss = DEFAULT_MSS;
    this.sTs = false;
    let i = 0;
    while (i < n) {
      const kind = get8(f, off + i);
      if (kind === TCPOPT_EOL) break;
      if (kind === TCPOPT_NOP) {
        i++;
        continue;
      }
      if (i + 1 >= n) break;
      const olen = get8(f, off + i + TCPOPT_LEN);
      if (olen < 2 || i + olen > n) break;
      if (kind === TCPOPT_MAXSEG && olen === TCPOLEN_MAXSEG && this.has(TH_SYN))
        this.sMss = Math.max(get16(f, off + i + TCPOPT_VALUE), 16);
      else if (kind === TCPOPT_TIMESTAMP && olen === TCPOLEN_TIMESTAMP) {
        this.sTs = true;
        this.sTsVal = get32(f, off + i + TCPOPT_TSVAL);
        this.sTsEcr = get32(f, off + i + TCPOPT_TSECR);
      }
      i += olen;
    }
  }

  /** Our timestamp clock: milliseconds, modulo 2^32. */
  private tsNow(): number {
    return Math.floor(this.clock.now()) % SEQ_MOD;
  }

  private has(flag: number): boolean {
    return Math.floor(this.sFlags / flag) % 2 === 1;
  }

  private noConnection(ifp: Ifnet, src: number, sport: number, dst: number, dport: number): number {
    if (this.has(TH_RST)) return RX_NOHANDLER;
    const l = this.listenerFor(dport);
    if (l !== undefined && this.has(TH_SYN) && !this.has(TH_ACK)) return this.passiveOpen(l, ifp, src, sport, dst);
    // Nobody here (or an ACK for a connection that is gone): RST (RFC 9293 3.10.7.1).
    if (this.has(TH_ACK)) this.reset(dst, dport, src, sport, this.sAck, 0, TH_RST);
    else {
      let end = seqAdd(this.sSeq, this.sLen);
      if (this.has(TH_SYN)) end = seqAdd(end, 1);
      if (this.has(TH_FIN)) end = seqAdd(end, 1);
      this.reset(dst, dport, src, sport, 0, end, TH_RST + TH_ACK);
    }
    return l !== undefined ? RX_DELIVERED : RX_NOHANDLER;
  }

  private passiveOpen(l: TcpListener, ifp: Ifnet, src: number, sport: number, dst: number): number {
    let half = 0;
    for (let i = 0; i < this.conns.length; i++) {
      const o = this.conns[i];
      if (o.listener === l && o.state === TCPS_SYN_RECEIVED) half++;
    }
    if (half >= l.backlog || !this.room()) {
      this.stats.listenDrops++;
      return RX_DROPPED;
    }
    const c = new TcpConn(this);
    c.laddr = dst;
    c.lport = l.port;
    c.raddr = src;
    c.rport = sport;
    c.listener = l;
    this.conns.push(c);
    this.initSend(c, ifp.mtu);
    c.state = TCPS_SYN_RECEIVED;
    this.synchronize(c);
    this.stats.passiveOpens++;
    // Data on a SYN is not kept (the peer sends it again); nor is a FIN.
    this.output(c);
    this.arm();
    return RX_DELIVERED;
  }

  /** The peer's SYN: its sequence space, MSS, window and whether it speaks timestamps. */
  private synchronize(c: TcpConn): void {
    c.irs = this.sSeq;
    c.rcvNxt = seqAdd(this.sSeq, 1);
    c.rcvAdv = c.rcvNxt;
    c.lastAckSent = c.rcvNxt;
    c.tsOk = this.sTs && this.params.timestamps;
    c.tsRecent = this.sTsVal;
    c.mss = Math.max(Math.min(c.advMss, this.sMss) - (c.tsOk ? TCPOLEN_TSTAMP_APPA : 0), 16);
    c.sndWnd = this.sWnd;
    c.sndWl1 = this.sSeq;
    c.sndWl2 = this.sAck;
    c.cwnd = initialWindow(c.mss);
  }

  private synSent(c: TcpConn): void {
    const ackd = this.has(TH_ACK);
    if (ackd && (seqDiff(this.sAck, c.iss) <= 0 || seqDiff(this.sAck, c.sndMax) > 0)) {
      if (!this.has(TH_RST)) this.reset(c.laddr, c.lport, c.raddr, c.rport, this.sAck, 0, TH_RST);
      return;
    }
    if (this.has(TH_RST)) {
      if (ackd) this.fail(c, -ECONNREFUSED);
      return;
    }
    if (!this.has(TH_SYN)) return;
    this.synchronize(c);
    if (!ackd) {
      // Simultaneous open: our SYN again, with an ACK.
      c.state = TCPS_SYN_RECEIVED;
      c.sndNxt = c.iss;
      return;
    }
    this.acked(c);
    this.established(c);
    c.ackNow = true;
  }

  private established(c: TcpConn): void {
    c.state = TCPS_ESTABLISHED;
    c.rtxCount = 0;
    c.idleSince = this.clock.now();
    if (c.listener !== undefined) {
      c.sbuf = alloc(this.params.sndBuf);
      c.rbuf = alloc(this.params.rcvBuf);
      c.evAccept = true;
    } else c.evConnect = true;
  }

  private segment(c: TcpConn): void {
    const seq = this.sSeq;
    const syn = this.has(TH_SYN);
    // The peer's SYN again while ours is unanswered: our SYN-ACK again.
    if (c.state === TCPS_SYN_RECEIVED && syn && !this.has(TH_ACK) && seq === c.irs) {
      c.sndNxt = c.iss;
      return;
    }
    if (c.tsOk && this.sTs && !this.has(TH_RST)) {
      // RFC 7323 5.3 R1, PAWS: an older timestamp marks an old duplicate.
      if (seqDiff(this.sTsVal, c.tsRecent) < 0) {
        this.oowAck(c, this.sLen > 0);
        return;
      }
      // R3, before the window check: a duplicate's ACK then echoes the retransmission, not
      // an older segment (which would tell the sender a round trip of seconds).
      if (seqDiff(seq, c.lastAckSent) <= 0) c.tsRecent = this.sTsVal;
    }
    const slen = this.sLen + (syn ? 1 : 0) + (this.has(TH_FIN) ? 1 : 0);
    const wnd = Math.max(this.params.rcvBuf - c.rLen, seqDiff(c.rcvAdv, c.rcvNxt));
    const d = seqDiff(seq, c.rcvNxt);
    const ok =
      slen === 0
        ? wnd === 0
          ? d === 0
          : d >= 0 && d < wnd
        : wnd > 0 && ((d >= 0 && d < wnd) || (d + slen - 1 >= 0 && d + slen - 1 < wnd));
    // A closed window still takes the ACK and window fields of a segment at rcv.nxt (RFC 9293 3.10.7.4).
    if (!ok && !(wnd === 0 && d === 0)) {
      if (!this.has(TH_RST)) this.oowAck(c, this.sLen > 0);
      // Old data again: the sender is recovering from a loss.
      if (slen > 0 && d < 0) c.quickAcks = QUICKACKS;
      return;
    }
    if (this.has(TH_RST)) {
      // RFC 5961 3.2: only an exact RST resets; one elsewhere in the window gets a challenge ACK.
      if (d !== 0) this.oowAck(c, false);
      else if (c.state === TCPS_TIME_WAIT || (c.state === TCPS_SYN_RECEIVED && c.listener !== undefined))
        this.release(c);
      else this.fail(c, -ECONNRESET);
      return;
    }
    if (syn) {
      // RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK.
      this.oowAck(c, false);
      return;
    }
    if (!this.has(TH_ACK)) return;
    if (c.state === TCPS_SYN_RECEIVED) {
      if (seqDiff(this.sAck, c.sndUna) <= 0 || seqDiff(this.sAck, c.sndMax) > 0) {
        this.reset(c.laddr, c.lport, c.raddr, c.rport, this.sAck, 0, TH_RST);
        return;
      }
      this.established(c);
    }
    if (seqDiff(this.sAck, c.sndMax) > 0) {
      // It acknowledges what was never sent.
      this.oowAck(c, false);
      return;
    }
    this.acked(c);
    const s = c.state;
    const finAcked = c.finQueued && seqDiff(c.sndUna, c.finSeq) > 0;
    if (s === TCPS_FIN_WAIT_1 && finAcked) {
      c.state = TCPS_FIN_WAIT_2;
      // The program has closed: a peer that never closes its side is not waited for forever.
      c.endAt = this.clock.now() + this.params.timeWaitMs;
    } else if (s === TCPS_CLOSING && finAcked) this.timeWait(c);
    else if (s === TCPS_LAST_ACK && finAcked) {
      this.finish(c, 0);
      return;
    } else if (s === TCPS_TIME_WAIT) {
      // The peer's FIN again: our ACK was lost.
      if (this.has(TH_FIN)) {
        c.ackNow = true;
        c.endAt = this.clock.now() + this.params.timeWaitMs;
      }
      return;
    }
    this.receive(c);
  }

  /** The ACK and window fields of an acceptable segment. */
  private acked(c: TcpConn): void {
    const ack = this.sAck;
    const newly = seqDiff(ack, c.sndUna);
    const now = this.clock.now();
    c.idleSince = now;
    c.probes = 0;
    if (newly > 0) {
      this.advance(c, ack, newly, now);
    } else if (
      newly === 0 &&
      this.sLen === 0 &&
      !this.has(TH_FIN) &&
      this.sWnd === c.sndWnd &&
      c.sndUna !== c.sndMax &&
      c.state !== TCPS_SYN_SENT
    ) {
      this.duplicate(c);
    }
    // The window, from the newest segment only (RFC 9293's SND.WL1/WL2 rule).
    if (newly >= 0 && (seqDiff(this.sSeq, c.sndWl1) > 0 || (this.sSeq === c.sndWl1 && seqDiff(ack, c.sndWl2) >= 0))) {
      c.sndWnd = this.sWnd;
      c.sndWl1 = this.sSeq;
      c.sndWl2 = ack;
    }
  }

  private advance(c: TcpConn, ack: number, newly: number, now: number): void {
    // Data acknowledged: what of the buffer the ACK covers (the SYN and FIN take a number each, no byte).
    const data = Math.min(Math.max(seqDiff(ack, c.sndData), 0), c.sLen);
    if (data > 0) {
      c.sHead = (c.sHead + data) % this.params.sndBuf;
      c.sLen -= data;
      c.sndData = seqAdd(c.sndData, data);
      if (c.wantWrite) {
        c.wantWrite = false;
        c.evWrite = true;
      }
    }
    // With timestamps every such ACK times the round trip (RFC 7323 4.1); else Karn: only
    // a segment sent once does (rttStart is cleared on retransmission).
    // Not while retransmissions are out: the echo may be of an earlier, lost transmission.
    if (c.tsOk && this.sTs && this.sTsEcr !== 0 && c.rtxCount === 0 && !c.recovering) {
      const r = seqDiff(this.tsNow(), this.sTsEcr);
      if (r >= 0) this.sample(c, r);
      c.rttStart = -1;
    } else if (c.rttStart >= 0 && seqDiff(ack, c.rttSeq) > 0) {
      this.sample(c, now - c.rttStart);
      c.rttStart = -1;
    }
    c.sndUna = ack;
    if (seqDiff(c.sndNxt, ack) < 0) c.sndNxt = ack;
    // New data acknowledged: the backoff ends (as Linux; RFC 6298 5.7 leaves it open).
    if (c.rtxCount > 0 && c.srtt >= 0) c.rto = this.rtoOf(c);
    c.rtxCount = 0;
    c.softError = 0;
    const mss = c.mss;
    if (c.recovering) {
      if (seqDiff(ack, c.recover) >= 0) {
        c.recovering = false;
        c.cwnd = c.ssthresh;
        // Sent during recovery and still unacknowledged: a receiver that keeps nothing out of
        // order (uIP, us) has dropped it, and no duplicate ACK will say so: go back now.
        if (seqDiff(c.sndMax, ack) > 0) c.sndNxt = ack;
      } else {
        // NewReno's partial ACK: the next hole goes at once (RFC 6582 3.2).
        c.cwnd = Math.max(c.cwnd - newly + mss, mss);
        this.retransmitFirst(c);
      }
    } else if (c.cwnd < c.ssthresh) c.cwnd += Math.min(newly, mss);
    else c.cwnd += Math.max(1, Math.floor((mss * mss) / c.cwnd));
    if (c.cwnd > 65535) c.cwnd = 65535;
    c.dupAcks = 0;
    c.rtoAt = c.sndUna === c.sndMax ? 0 : now + c.rto;
  }

  private duplicate(c: TcpConn): void {
    c.dupAcks++;
    const mss = c.mss;
    // Early retransmit (RFC 5827): with fewer than four segments out and nothing more to send,
    // three duplicates may never come; one fewer than the segments out will do.
    const out = Math.ceil(seqDiff(c.sndMax, c.sndUna) / mss);
    const unsent = c.sLen - seqDiff(c.sndMax, c.sndData) > 0;
    const thresh = out < 4 && !unsent ? Math.max(out - 1, 1) : 3;
    if (c.dupAcks >= thresh && !c.recovering) {
      // Fast retransmit (RFC 5681 3.2).
      c.ssthresh = Math.max(Math.floor(seqDiff(c.sndMax, c.sndUna) / 2), 2 * mss);
      c.recovering = true;
      c.recover = c.sndMax;
      this.retransmitFirst(c);
      c.cwnd = c.ssthresh + 3 * mss;
    } else if (c.dupAcks > 3 || (c.recovering && c.dupAcks > 0)) c.cwnd = Math.min(c.cwnd + mss, 65535);
  }

  /** Sends the oldest unacknowledged segment again, leaving snd.nxt where it is. */
  private retransmitFirst(c: TcpConn): void {
    const n = Math.min(c.mss, c.sLen);
    const off = seqDiff(c.sndUna, c.sndData);
    if (off < 0 || (n - off <= 0 && !(c.finQueued && c.sndUna === c.finSeq))) return;
    const len = Math.max(0, Math.min(n, c.sLen - off));
    const fin = c.finQueued && seqAdd(c.sndUna, len) === c.finSeq;
    this.stats.retransSegs++;
    c.rttStart = -1;
    this.emit(c, c.sndUna, TH_ACK + (fin ? TH_FIN : 0) + (len > 0 ? TH_PUSH : 0), len);
  }

  /** RFC 6298 2.2–2.3. */
  private sample(c: TcpConn, r: number): void {
    if (c.srtt < 0) {
      c.srtt = r;
      c.rttvar = r / 2;
    } else {
      const e = c.srtt - r;
      c.rttvar = 0.75 * c.rttvar + 0.25 * (e < 0 ? -e : e);
      c.srtt = 0.875 * c.srtt + 0.125 * r;
    }
    c.rto = this.rtoOf(c);
  }

  /** RFC 6298 2.3, the clock's granularity being the tick. */
  private rtoOf(c: TcpConn): number {
    const r = Math.ceil(c.srtt + Math.max(TICK_MS, 4 * c.rttvar));
    return Math.min(Math.max(r, this.params.minRto), this.params.maxRto);
  }

  /** Data and FIN of an acceptable segment, in the states that still receive. */
  private receive(c: TcpConn): void {
    const s = c.state;
    if (s !== TCPS_ESTABLISHED && s !== TCPS_FIN_WAIT_1 && s !== TCPS_FIN_WAIT_2) return;
    const d = seqDiff(this.sSeq, c.rcvNxt);
    let n = this.sLen;
    let at = this.sData;
    if (d > 0) {
      // Ahead of a gap: dropped; the duplicate ACK tells the sender where the gap is.
      if (n > 0 || this.has(TH_FIN)) {
        this.stats.ofoDrops++;
        c.ackNow = true;
        c.quickAcks = QUICKACKS;
      }
      return;
    }
    // What was received before is cut off the front.
    at -= d;
    n += d;
    let all = true;
    if (n > 0) {
      const size = this.params.rcvBuf;
      const take = Math.min(n, size - c.rLen);
      if (take < n) all = false;
      if (take > 0) {
        const b = c.rbuf;
        if (b !== undefined) {
          const tail = (c.rHead + c.rLen) % size;
          const first = Math.min(take, size - tail);
          copy(b, tail, this.f, at, first);
          if (take > first) copy(b, 0, this.f, at + first, take - first);
          c.rLen += take;
          c.evRead = true;
        }
        c.rcvNxt = seqAdd(c.rcvNxt, take);
        // An ACK for every second full segment (RFC 5681 4.2); the rest wait for the tick.
        c.unackedSegs++;
        // After a gap, every segment at once while the sender recovers (as Linux's quickack mode).
        if (c.quickAcks > 0) c.quickAcks--;
        // A short segment ends what the sender had: waiting would only delay its next.
        if (c.unackedSegs >= 2 || n < c.mss || this.has(TH_PUSH) || !all || c.quickAcks > 0) c.ackNow = true;
        else c.ackDelayed = true;
      } else c.ackNow = true;
    }
    if (!this.has(TH_FIN) || !all) return;
    c.rcvNxt = seqAdd(c.rcvNxt, 1);
    c.peerFin = true;
    c.evEnd = true;
    c.ackNow = true;
    if (s === TCPS_ESTABLISHED) c.state = TCPS_CLOSE_WAIT;
    else if (s === TCPS_FIN_WAIT_1) {
      if (c.finQueued && seqDiff(c.sndUna, c.finSeq) > 0) this.timeWait(c);
      else c.state = TCPS_CLOSING;
    } else this.timeWait(c);
  }

  /** ICMP about a segment we sent (RFC 1122 4.2.3.9, RFC 5927's checks): `seq` is the quoted sequence number. */
  ctlInput(
    type: number,
    code: number,
    mtu: number,
    src: number,
    sport: number,
    dst: number,
    dport: number,
    seq: number,
  ): void {
    const c = this.find(src, sport, dst, dport);
    if (c === undefined || seqDiff(seq, c.sndUna) < 0 || seqDiff(seq, c.sndMax) >= 0) return;
    if (type === 3 && code === 4) {
      // Fragmentation needed: a smaller MSS from the next hop's MTU, and the segment again (RFC 1191).
      const m = mtu - IP_HLEN - TCP_HLEN - (c.tsOk ? TCPOLEN_TSTAMP_APPA : 0);
      if (mtu >= 68 && m < c.mss) {
        c.mss = Math.max(m, 16);
        c.sndNxt = c.sndUna;
        this.output(c);
      }
      return;
    }
    if (type === 3 && (code === 2 || code === 3)) {
      this.fail(c, -ECONNREFUSED);
      this.notify(c);
      return;
    }
    // Net or host unreachable, time exceeded, parameter problem: soft, kept to explain a timeout.
    c.softError = -EHOSTUNREACH;
  }

  // --- output ------------------------------------------------------------

  private output(c: TcpConn): void {
    const s = c.state;
    if (s === TCPS_CLOSED) return;
    const now = this.clock.now();
    if (s === TCPS_SYN_SENT || s === TCPS_SYN_RECEIVED) {
      if (c.sndNxt === c.iss) {
        this.emit(c, c.iss, s === TCPS_SYN_SENT ? TH_SYN : TH_SYN + TH_ACK, 0);
        if (c.rtxCount === 0) {
          c.rttStart = now;
          c.rttSeq = c.iss;
        }
        c.sndNxt = seqAdd(c.iss, 1);
        if (seqDiff(c.sndNxt, c.sndMax) > 0) c.sndMax = c.sndNxt;
        if (c.rtoAt === 0) c.rtoAt = now + c.rto;
      }
      return;
    }
    if (s === TCPS_TIME_WAIT) {
      if (c.ackNow) this.emit(c, c.sndNxt, TH_ACK, 0);
      c.ackNow = false;
      return;
    }
    for (;;) {
      const off = seqDiff(c.sndNxt, c.sndData);
      const avail = c.sLen - off;
      const flight = seqDiff(c.sndNxt, c.sndUna);
      // Limited transmit (RFC 3042): a new segment for each of the first two duplicate ACKs.
      const limited = c.recovering ? 0 : Math.min(c.dupAcks, 2) * c.mss;
      let room = Math.min(c.sndWnd, c.cwnd + limited) - flight;
      // A closed window is probed with one byte when the timer says (persist); never more.
      if (c.sndWnd === 0 && flight === 0 && c.rtoAt === 0 && avail > 0) {
        c.rtoAt = now + c.rto;
        break;
      }
      if (room < 0) room = 0;
      const n = Math.max(0, Math.min(avail, c.mss, room));
      const fin = c.finQueued && off + n === c.sLen && avail >= 0 && seqAdd(c.sndData, c.sLen) === c.finSeq;
      const finNow = fin && seqDiff(c.sndNxt, c.finSeq) <= 0;
      if (n === 0 && !finNow) break;
      // Nagle (RFC 1122 4.2.3.4): a short segment waits while data is unacknowledged.
      if (n < c.mss && !finNow && flight > 0 && (n < avail || !c.noDelay)) break;
      this.emit(c, c.sndNxt, TH_ACK + (n > 0 && n === avail ? TH_PUSH : 0) + (finNow ? TH_FIN : 0), n);
      if (c.rttStart < 0 && seqDiff(c.sndNxt, c.sndMax) >= 0) {
        c.rttStart = now;
        c.rttSeq = c.sndNxt;
      }
      c.sndNxt = seqAdd(c.sndNxt, n + (finNow ? 1 : 0));
      if (seqDiff(c.sndNxt, c.sndMax) > 0) c.sndMax = c.sndNxt;
      if (c.rtoAt === 0) c.rtoAt = now + c.rto;
      if (finNow) break;
    }
    if (c.ackNow) this.emit(c, c.sndNxt, TH_ACK, 0);
  }

  /** Sends one segment of `c`: `n` bytes of the send buffer from `seq`. */
  private emit(c: TcpConn, seq: number, flags: number, n: number): void {
    const syn = Math.floor(flags / TH_SYN) % 2 === 1;
    const rst = Math.floor(flags / TH_RST) % 2 === 1;
    // Timestamps on every segment once agreed, and on our SYN to offer them (not on a RST).
    const ts = !rst && (c.tsOk || (syn && c.state === TCPS_SYN_SENT && this.params.timestamps));
    const hlen = TCP_HLEN + (syn ? TCPOLEN_MAXSEG : 0) + (ts ? TCPOLEN_TSTAMP_APPA : 0);
    const f = this.ip.allocPacket(hlen + n);
    const at = IP_PAYLOAD;
    set16(f, at + TCP_SPORT, c.lport);
    set16(f, at + TCP_DPORT, c.rport);
    set32(f, at + TCP_SEQ, seq);
    const ackd = Math.floor(flags / TH_ACK) % 2 === 1;
    set32(f, at + TCP_ACK, ackd ? c.rcvNxt : 0);
    set8(f, at + TCP_OFF, (hlen / 4) * 16);
    set8(f, at + TCP_FLAGS, flags);
    const w = this.window(c);
    set16(f, at + TCP_WIN, w);
    set16(f, at + TCP_URP, 0);
    let o = at + TCP_HLEN;
    if (syn) {
      set8(f, o + TCPOPT_KIND, TCPOPT_MAXSEG);
      set8(f, o + TCPOPT_LEN, TCPOLEN_MAXSEG);
      set16(f, o + TCPOPT_VALUE, c.advMss);
      o += TCPOLEN_MAXSEG;
    }
    if (ts) {
      // Two NOPs first, so TSval and TSecr fall on 32-bit boundaries (RFC 7323 appendix A).
      set8(f, o, TCPOPT_NOP);
      o++;
      set8(f, o, TCPOPT_NOP);
      o++;
      set8(f, o + TCPOPT_KIND, TCPOPT_TIMESTAMP);
      set8(f, o + TCPOPT_LEN, TCPOLEN_TIMESTAMP);
      set32(f, o + TCPOPT_TSVAL, this.tsNow());
      set32(f, o + TCPOPT_TSECR, c.tsOk ? c.tsRecent : 0);
    }
    const b = c.sbuf;
    if (n > 0 && b !== undefined) {
      const size = this.params.sndBuf;
      const start = (c.sHead + seqDiff(seq, c.sndData)) % size;
      const first = Math.min(n, size - start);
      copy(f, at + hlen, b, start, first);
      if (n > first) copy(f, at + hlen + first, b, 0, n - first);
    }
    if (ackd) {
      c.rcvAdv = seqAdd(c.rcvNxt, w);
      c.lastAckSent = c.rcvNxt;
      c.ackNow = false;
      c.ackDelayed = false;
      c.unackedSegs = 0;
    }
    if (rst) this.stats.outRsts++;
    this.send(f, c.laddr, c.raddr, hlen + n);
  }

  private send(f: Bytes, src: number, dst: number, n: number): void {
    set16(f, IP_PAYLOAD + TCP_CKSUM, 0);
    set16(f, IP_PAYLOAD + TCP_CKSUM, finish(sum16(f, IP_PAYLOAD, n, pseudoSum(src, dst, IPPROTO_TCP, n))));
    if (this.ip.route(dst, src, undefined) < 0) return;
    this.stats.outSegs++;
    this.ip.send(f, IPPROTO_TCP, n, DEFAULT_TTL);
  }

  /** A RST (or RST-ACK) for a segment that has no connection. */
  private reset(src: number, sport: number, dst: number, dport: number, seq: number, ack: number, flags: number): void {
    this.stats.outRsts++;
    if (sendReset(this.ip, src, sport, dst, dport, seq, ack, flags)) this.stats.outSegs++;
  }

  /** The window to advertise: the free buffer, moved right only in steps that matter (RFC 1122 4.2.3.3). */
  private window(c: TcpConn): number {
    const size = this.params.rcvBuf;
    if (c.state < TCPS_ESTABLISHED) return size;
    const free = size - c.rLen;
    const cur = Math.max(seqDiff(c.rcvAdv, c.rcvNxt), 0);
    if (free - cur < Math.min(Math.floor(size / 2), c.mss)) return Math.min(cur, 65535);
    return Math.min(free, 65535);
  }

  /**
   * The ACK that answers a segment outside the window (or a challenge, RFC
   * 5961): at once for data, else at most one per OOW_ACK_MS, as Linux's
   * tcp_invalid_ratelimit: two ends that disagree on the sequence numbers
   * would otherwise answer each other's ACKs for ever.
   */
  private oowAck(c: TcpConn, data: boolean): void {
    const now = this.clock.now();
    if (!data && c.oowAckAt >= 0 && now - c.oowAckAt < OOW_ACK_MS) return;
    c.oowAckAt = now;
    c.ackNow = true;
  }

  private sendAckNow(c: TcpConn): void {
    c.ackNow = true;
    this.output(c);
  }

  // --- timers --------------------------------------------------------------

  /** The next tick: in TICK_MS, or at the earliest retransmission deadline when that comes sooner. */
  private arm(): void {
    if (this.timer !== -1 || this.conns.length === 0) return;
    const now = this.clock.now();
    let due = now + TICK_MS;
    for (let i = 0; i < this.conns.length; i++) {
      const at = this.conns[i].rtoAt;
      if (at > 0 && at < due) due = at;
    }
    this.timer = this.clock.set(this.tickFn, Math.max(1, Math.ceil(due - now)));
  }

  private tick(): void {
    const now = this.clock.now();
    // A copy: a connection may end, or end another (TIME-WAIT's cap), while the list is walked.
    const list = this.conns.slice(0);
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c.state === TCPS_CLOSED) continue;
      if (c.state === TCPS_TIME_WAIT || c.state === TCPS_FIN_WAIT_2) {
        if (c.endAt > 0 && now >= c.endAt) this.finish(c, 0);
      } else if (c.rtoAt > 0 && now >= c.rtoAt) this.timeout(c, now);
      else if (c.keepalive > 0 && c.synced() && now - c.idleSince >= c.keepalive) this.keepaliveProbe(c, now);
      if (c.ackDelayed) c.ackNow = true;
      this.output(c);
      this.notify(c);
    }
    this.arm();
  }

  private timeout(c: TcpConn, now: number): void {
    const s = c.state;
    const flight = seqDiff(c.sndNxt, c.sndUna);
    // A closed window with nothing in flight: a probe, not a loss (RFC 9293 3.8.6.1).
    // One below snd.una, as Linux: the peer answers with an ACK carrying its window.
    if (s !== TCPS_SYN_SENT && s !== TCPS_SYN_RECEIVED && c.sndWnd === 0 && flight === 0 && c.sLen > 0) {
      this.emit(c, seqAdd(c.sndUna, -1), TH_ACK, 0);
      c.rto = Math.min(c.rto * 2, this.params.maxRto);
      c.rtoAt = now + c.rto;
      return;
    }
    if (c.rtxCount === 0) c.stallSince = now - c.rto;
    c.rtxCount++;
    const limit = s === TCPS_SYN_SENT || s === TCPS_SYN_RECEIVED ? this.params.synRetries : this.params.retries;
    if (c.rtxCount > limit || (c.userTimeout > 0 && now - c.stallSince >= c.userTimeout)) {
      if (s === TCPS_SYN_RECEIVED) this.release(c);
      else this.abortTimedOut(c);
      return;
    }
    this.stats.retransSegs++;
    c.rto = Math.min(c.rto * 2, this.params.maxRto);
    c.rtoAt = now + c.rto;
    c.ssthresh = Math.max(Math.floor(flight / 2), 2 * c.mss);
    c.cwnd = c.mss;
    c.dupAcks = 0;
    c.recovering = false;
    c.rttStart = -1;
    c.sndNxt = s === TCPS_SYN_SENT || s === TCPS_SYN_RECEIVED ? c.iss : c.sndUna;
  }

  private abortTimedOut(c: TcpConn): void {
    const synced = c.synced();
    if (synced) this.emit(c, c.sndNxt, TH_RST + TH_ACK, 0);
    this.fail(c, c.softError !== 0 ? c.softError : -ETIMEDOUT);
  }

  private keepaliveProbe(c: TcpConn, now: number): void {
    if (c.probes >= KEEPALIVE_PROBES) {
      this.abortTimedOut(c);
      return;
    }
    c.probes++;
    c.idleSince = now - c.keepalive + Math.floor(c.keepalive / KEEPALIVE_PROBES);
    // One below snd.una: the peer answers with an ACK of what it has (RFC 9293 3.8.4).
    this.emit(c, seqAdd(c.sndUna, -1), TH_ACK, 0);
  }

  // --- connection life ---------------------------------------------------------

  private initSend(c: TcpConn, mtu: number): void {
    const p = this.params;
    c.iss = this.isn(c);
    c.sndUna = c.iss;
    c.sndNxt = c.iss;
    c.sndMax = c.iss;
    c.sndData = seqAdd(c.iss, 1);
    c.advMss = Math.max(mtu - IP_HLEN - TCP_HLEN, 28);
    c.mss = c.advMss;
    c.rto = p.initRto;
    c.cwnd = initialWindow(c.mss);
  }

  /** RFC 6528: a clock ticking every 4 µs plus a keyed hash of the connection's identity. */
  private isn(c: TcpConn): number {
    let h = this.secret;
    h = mul(bxor(h, c.laddr), 16777619);
    h = mul(bxor(h, c.raddr), 16777619);
    h = mul(bxor(h, c.lport * 65536 + c.rport), 16777619);
    return (h + (Math.floor(this.clock.now() * 250) % SEQ_MOD)) % SEQ_MOD;
  }

  private timeWait(c: TcpConn): void {
    c.state = TCPS_TIME_WAIT;
    c.endAt = this.clock.now() + this.params.timeWaitMs;
    c.rtoAt = 0;
    c.sbuf = undefined;
    c.sLen = 0;
    if (c.rLen === 0) c.rbuf = undefined;
    c.evClose = true;
    // The cap: the oldest TIME-WAIT entry beyond it goes.
    let n = 0;
    let oldest: TcpConn | undefined = undefined;
    for (let i = 0; i < this.conns.length; i++) {
      const o = this.conns[i];
      if (o.state !== TCPS_TIME_WAIT) continue;
      n++;
      if (oldest === undefined || o.endAt < oldest.endAt) oldest = o;
    }
    if (n > this.params.timeWaitMax && oldest !== undefined) this.release(oldest);
  }

  /** The connection failed: counted, then ended with `err`. */
  private fail(c: TcpConn, err: number): void {
    const s = c.state;
    if (s === TCPS_SYN_SENT || s === TCPS_SYN_RECEIVED) this.stats.attemptFails++;
    else if (s === TCPS_ESTABLISHED || s === TCPS_CLOSE_WAIT) this.stats.estabResets++;
    this.finish(c, err);
  }

  /** CLOSED: the slot is free; the program hears onClose(err) (TIME-WAIT has told it already). */
  private finish(c: TcpConn, err: number): void {
    // TIME-WAIT has told the program already; a half-open passive connection was never its.
    const told = c.state === TCPS_TIME_WAIT || (c.state === TCPS_SYN_RECEIVED && c.listener !== undefined);
    this.release(c);
    c.error = err;
    if (!told) c.evClose = true;
  }

  private release(c: TcpConn): void {
    for (let i = 0; i < this.conns.length; i++) if (this.conns[i] === c) this.conns.splice(i, 1);
    c.state = TCPS_CLOSED;
    c.rtoAt = 0;
    c.sbuf = undefined;
    c.sLen = 0;
    // What arrived and was not read yet stays the program's to read.
    if (c.rLen === 0) c.rbuf = undefined;
  }

  /** Tells the program what happened, after the stack's own work; never re-entered for one connection. */
  private notify(c: TcpConn): void {
    if (c.busy) return;
    c.busy = true;
    while (c.evAccept || c.evConnect || c.evRead || c.evEnd || c.evWrite || c.evClose) {
      if (c.evAccept) {
        c.evAccept = false;
        const l = c.listener;
        if (l !== undefined) this.call(l.onAccept, c);
      } else if (c.evConnect) {
        c.evConnect = false;
        const cb = c.onConnect;
        if (cb !== undefined) this.call0(cb);
      } else if (c.evRead) {
        c.evRead = false;
        const cb = c.onReadable;
        if (cb !== undefined && c.rLen > 0) this.callN(cb, c.rLen);
      } else if (c.evEnd) {
        c.evEnd = false;
        const cb = c.onEnd;
        if (cb !== undefined) this.call0(cb);
      } else if (c.evWrite) {
        c.evWrite = false;
        const cb = c.onWritable;
        if (cb !== undefined && c.writable() > 0) this.callN(cb, c.writable());
      } else {
        c.evClose = false;
        c.evAccept = false;
        c.evConnect = false;
        c.evRead = false;
        c.evEnd = false;
        c.evWrite = false;
        const cb = c.onClose;
        c.onClose = undefined;
        if (cb !== undefined) this.callN(cb, c.error);
      }
    }
    c.busy = false;
  }

  // The program's callbacks: what they throw is logged, never let into the stack.
  private call(cb: TcpAccept, c: TcpConn): void {
    try {
      cb(c);
    } catch (e) {
      this.log.write(LOG_ERROR, "tcp " + c.lport + ": callback failed: " + e);
    }
  }

  private call0(cb: (this: void) => void): void {
    try {
      cb();
    } catch (e) {
      this.log.write(LOG_ERROR, "tcp: callback failed: " + e);
    }
  }

  private callN(cb: (this: void, n: number) => void, n: number): void {
    try {
      cb(n);
    } catch (e) {
      this.log.write(LOG_ERROR, "tcp: callback failed: " + e);
    }
  }

  // --- tables --------------------------------------------------------------

  private find(laddr: number, lport: number, raddr: number, rport: number): TcpConn | undefined {
    for (let i = 0; i < this.conns.length; i++) {
      const c = this.conns[i];
      if (c.lport === lport && c.rport === rport && c.raddr === raddr && c.laddr === laddr) return c;
    }
    return undefined;
  }

  private listenerFor(port: number): TcpListener | undefined {
    for (let i = 0; i < this.listeners.length; i++) if (this.listeners[i].port === port) return this.listeners[i];
    return undefined;
  }

  /** Is there room for one more connection? The oldest TIME-WAIT one yields when there is not (RFC 6191's spirit). */
  private room(): boolean {
    if (this.conns.length < this.params.slots) return true;
    let tw: TcpConn | undefined = undefined;
    for (let i = 0; i < this.conns.length; i++) {
      const c = this.conns[i];
      if (c.state === TCPS_TIME_WAIT && (tw === undefined || c.endAt < tw.endAt)) tw = c;
    }
    if (tw === undefined) return false;
    this.release(tw);
    return true;
  }

  private ephemeralPort(c: TcpConn): number {
    const start = this.random.u32() % EPHEMERAL_COUNT;
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      const port = EPHEMERAL_LOW + ((start + i) % EPHEMERAL_COUNT);
      if (this.listenerFor(port) === undefined && this.find(c.laddr, port, c.raddr, c.rport) === undefined) return port;
    }
    return -1;
  }
}

/** RFC 5681 3.1's initial window. */
function initialWindow(mss: number): number {
  return mss > 2190 ? 2 * mss : mss > 1095 ? 3 * mss : 4 * mss;
}
