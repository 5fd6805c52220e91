// The W5500's hardwired TCP as the program's TCP (hybrid with MACRAW on
// socket 0, see w5500.ts): sockets 1..n, each one connection, its 2 KB
// buffers in the chip. The MCU holds no TCP state beyond a small record per
// socket; the chip retransmits, acknowledges and keeps the windows. Our
// stack keeps DHCP, ARP, ICMP and the control channel; SIPR/SUBR/GAR come
// from our address (setAddress). Polled with the MAC (pollSockets).
import { alloc, get8 } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes } from "../types";
import type { TcpServerHandle, TcpService, TcpSocket } from "../tcp-api";
import type { W5500Mac } from "./w5500";

// The errno values of src/net/errno.ts: the driver reports errors the same way.
const ECONNREFUSED = 111;
const ECONNRESET = 104;
const ETIMEDOUT = 110;
const ENOSPC = 28;
const EADDRINUSE = 98;
const EINVAL = 22;
const ENETUNREACH = 101;
const EPIPE = 32;

// Socket registers (block 4n+1), TX and RX buffers (4n+2, 4n+3).
const SN_MR = 0x00;
const SN_IR = 0x02;
const SN_SR = 0x03;
const SN_PORT = 0x04;
const SN_DIPR = 0x0c;
const SN_DPORT = 0x10;
const SN_TX_FSR = 0x20;
const SN_TX_WR = 0x24;
const SN_RX_RSR = 0x26;
const SN_RX_RD = 0x28;
const SN_KPALVTR = 0x2f;

const MR_TCP = 0x01;
/** No delayed ACK: the chip acknowledges at once, as a small peer's TCP wants. */
const MR_ND = 0x20;
const CR_OPEN = 0x01;
const CR_LISTEN = 0x02;
const CR_CONNECT = 0x04;
const CR_DISCON = 0x08;
const CR_CLOSE = 0x10;
const CR_SEND = 0x20;
const CR_RECV = 0x40;
const IR_SEND_OK = 0x10;
const IR_TIMEOUT = 0x08;
const SR_CLOSED = 0x00;
const SR_INIT = 0x13;
const SR_ESTABLISHED = 0x17;
const SR_CLOSING = 0x1a;
const SR_TIME_WAIT = 0x1b;
const SR_CLOSE_WAIT = 0x1c;
const SR_LAST_ACK = 0x1d;

const EPHEMERAL_LOW = 49152;
const EPHEMERAL_COUNT = 16384;
/** Keepalive's unit in Sn_KPALVTR. */
const KEEPALIVE_UNIT_MS = 5000;

const regs = (sn: number): number => 1 + 4 * sn;

class ChipListener implements TcpServerHandle {
  /** The socket in LISTEN for it (0: none free right now). */
  sn = 0;
  constructor(
    readonly port: number,
    readonly onAccept: (this: void, c: TcpSocket) => void,
  ) {}
}

class ChipSocket implements TcpSocket {
  raddr = 0;
  rport = 0;
  lport = 0;
  noDelay = true;
  userTimeout = 0;
  onConnect: ((this: void) => void) | undefined = undefined;
  onReadable: ((this: void, n: number) => void) | undefined = undefined;
  onEnd: ((this: void) => void) | undefined = undefined;
  onWritable: ((this: void, n: number) => void) | undefined = undefined;
  onClose: ((this: void, err: number) => void) | undefined = undefined;
  /** Connected at least once (a refusal is told apart from a reset). */
  connected = false;
  /** The peer's FIN was seen (CLOSE_WAIT, or closed after it). */
  peerFin = false;
  /** The program closed its side (DISCON). */
  closing = false;
  ended = false;
  /** The chip closed the socket; `err` says how (reported once the data is read). */
  gone = false;
  err = 0;
  /** Bytes the program has not been told of yet. */
  told = 0;
  wantWrite = false;
  /** Bytes written since the last SEND, and whether a SEND waits for SEND_OK. */
  unsent = 0;
  sending = false;
  listener: ChipListener | undefined = undefined;

  constructor(
    private readonly t: W5500Tcp,
    readonly sn: number,
  ) {}

  available(): number {
    return this.t.rxSize(this);
  }

  writable(): number {
    return this.t.txRoom(this);
  }

  read(out: Bytes, off: number, n: number): number {
    return this.t.recv(this, out, off, n);
  }

  write(data: Bytes, off: number, n: number): number {
    return this.t.send(this, data, off, n);
  }

  close(): void {
    this.t.disconnect(this);
  }

  abort(): void {
    this.t.release(this);
  }

  setKeepalive(ms: number): void {
    this.t.mac.write8(regs(this.sn), SN_KPALVTR, ms > 0 ? Math.min(255, Math.ceil(ms / KEEPALIVE_UNIT_MS)) : 0);
  }
}

export class W5500Tcp implements TcpService {
  /** The sockets in use, by number (index 0 is MACRAW's: never used here); read by index only (Lua keeps no holes). */
  private readonly socks: (ChipSocket | undefined)[] = [];
  /** Socket numbers end here: 1 + the TCP sockets. */
  private readonly end: number;
  private readonly listeners: ChipListener[] = [];
  private nextPort: number;
  private addr = 0;

  constructor(
    readonly mac: W5500Mac,
    random: number,
  ) {
    this.end = mac.tcpSockets + 1;
    this.nextPort = EPHEMERAL_LOW + (random % EPHEMERAL_COUNT);
    mac.pollSockets = () => this.poll();
  }

  /** Our address, mask and gateway for the chip's sockets (0: none yet). */
  setAddress(addr: number, mask: number, gateway: number): void {
    this.addr = addr;
    this.mac.setAddress(addr, mask, gateway);
  }

  listen(port: number, _backlog: number, onAccept: (this: void, c: TcpSocket) => void): TcpServerHandle | number {
    if (!(port > 0 && port <= 0xffff)) return -EINVAL;
    for (let i = 0; i < this.listeners.length; i++) if (this.listeners[i].port === port) return -EADDRINUSE;
    const l = new ChipListener(port, onAccept);
    this.listeners.push(l);
    this.arm(l);
    return l;
  }

  unlisten(h: TcpServerHandle): void {
    for (let i = 0; i < this.listeners.length; i++) {
      const l = this.listeners[i];
      if (l !== h) continue;
      this.listeners.splice(i, 1);
      const s = l.sn > 0 ? this.socks[l.sn] : undefined;
      if (s !== undefined) this.release(s);
      return;
    }
  }

  connect(dst: number, port: number): TcpSocket | number {
    if (!(port > 0 && port <= 0xffff)) return -EINVAL;
    if (this.addr === 0) return -ENETUNREACH;
    const s = this.open(this.ephemeral());
    if (typeof s === "number") return s;
    const m = this.mac;
    m.write32(regs(s.sn), SN_DIPR, dst);
    m.write16(regs(s.sn), SN_DPORT, port);
    m.command(s.sn, CR_CONNECT);
    s.raddr = dst;
    s.rport = port;
    return s;
  }

  at(i: number): TcpSocket | undefined {
    let k = 0;
    for (let sn = 1; sn < this.end; sn++) {
      const s = this.socks[sn];
      if (s !== undefined && s.listener === undefined) {
        if (k === i) return s;
        k++;
      }
    }
    return undefined;
  }

  // --- the sockets' side, for ChipSocket ----------------------------------

  rxSize(s: ChipSocket): number {
    return this.socks[s.sn] === s ? this.mac.read16Stable(regs(s.sn), SN_RX_RSR) : 0;
  }

  txRoom(s: ChipSocket): number {
    if (this.socks[s.sn] !== s || !s.connected || s.gone) return 0;
    return this.mac.read16Stable(regs(s.sn), SN_TX_FSR);
  }

  recv(s: ChipSocket, out: Bytes, off: number, n: number): number {
    const take = Math.min(n, this.rxSize(s));
    if (take <= 0) return 0;
    const m = this.mac;
    const rd = m.read16(regs(s.sn), SN_RX_RD);
    m.transferBuf(regs(s.sn) + 2, rd, out, off, take, false);
    m.write16(regs(s.sn), SN_RX_RD, (rd + take) % 65536);
    m.command(s.sn, CR_RECV);
    s.told = Math.max(0, s.told - take);
    return take;
  }

  send(s: ChipSocket, data: Bytes, off: number, n: number): number {
    if (this.socks[s.sn] !== s || s.gone) return s.err !== 0 ? s.err : -EPIPE;
    if (!s.connected) return 0;
    if (n < 0 || off < 0) return -EINVAL;
    const take = Math.min(n, this.txRoom(s));
    if (take < n) s.wantWrite = true;
    if (take <= 0) return 0;
    const m = this.mac;
    const wr = m.read16(regs(s.sn), SN_TX_WR);
    m.transferBuf(regs(s.sn) + 1, wr, data, off, take, true);
    m.write16(regs(s.sn), SN_TX_WR, (wr + take) % 65536);
    s.unsent += take;
    this.flush(s);
    return take;
  }

  disconnect(s: ChipSocket): void {
    if (this.socks[s.sn] !== s) return;
    // Before the connection is up there is nothing to close in order.
    if (!s.connected) return this.release(s);
    this.flush(s);
    s.closing = true;
    this.mac.command(s.sn, CR_DISCON);
  }

  /** Closes the chip's socket at once and frees it; no callback (the program asked, or it is over). */
  release(s: ChipSocket): void {
    if (this.socks[s.sn] !== s) return;
    this.mac.command(s.sn, CR_CLOSE);
    this.socks[s.sn] = undefined;
    const l = s.listener;
    if (l !== undefined && l.sn === s.sn) l.sn = 0;
  }

  // --- internals --------------------------------------------------------------

  private ephemeral(): number {
    const p = this.nextPort;
    this.nextPort = p + 1 < EPHEMERAL_LOW + EPHEMERAL_COUNT ? p + 1 : EPHEMERAL_LOW;
    return p;
  }

  /** A free socket opened in TCP mode on `port`, or -errno. */
  private open(port: number): ChipSocket | number {
    let sn = 1;
    while (sn < this.end && this.socks[sn] !== undefined) sn++;
    if (sn >= this.end) return -ENOSPC;
    const m = this.mac;
    const r = regs(sn);
    m.command(sn, CR_CLOSE);
    m.write8(r, SN_IR, 0xff);
    m.write8(r, SN_MR, MR_TCP + MR_ND);
    m.write16(r, SN_PORT, port);
    m.command(sn, CR_OPEN);
    if (m.read8(r, SN_SR) !== SR_INIT) {
      m.command(sn, CR_CLOSE);
      return -ENOSPC;
    }
    const s = new ChipSocket(this, sn);
    s.lport = port;
    this.socks[sn] = s;
    return s;
  }

  /** Puts a free socket in LISTEN for `l` (none free: later, when one is). */
  private arm(l: ChipListener): void {
    if (l.sn > 0 || this.addr === 0) return;
    const s = this.open(l.port);
    if (typeof s === "number") return;
    s.listener = l;
    l.sn = s.sn;
    this.mac.command(s.sn, CR_LISTEN);
  }

  private flush(s: ChipSocket): void {
    if (s.unsent === 0 || s.sending) return;
    s.unsent = 0;
    s.sending = true;
    this.mac.command(s.sn, CR_SEND);
  }

  private poll(): void {
    for (let sn = 1; sn < this.end; sn++) {
      const s = this.socks[sn];
      if (s !== undefined) this.pollSocket(s);
    }
    // A listener whose socket became a connection gets another, when one is free.
    for (let i = 0; i < this.listeners.length; i++) this.arm(this.listeners[i]);
  }

  private pollSocket(s: ChipSocket): void {
    const m = this.mac;
    const r = regs(s.sn);
    const ir = m.read8(r, SN_IR);
    if (ir !== 0) m.write8(r, SN_IR, ir);
    const sr = m.read8(r, SN_SR);
    if (band(ir, IR_SEND_OK) !== 0) {
      s.sending = false;
      this.flush(s);
    }
    if (!s.connected && (sr === SR_ESTABLISHED || sr === SR_CLOSE_WAIT)) {
      s.connected = true;
      const l = s.listener;
      if (l !== undefined) {
        // A listening socket took a connection: it is the program's now.
        s.listener = undefined;
        l.sn = 0;
        const ip = alloc(4);
        m.transferBuf(r, SN_DIPR, ip, 0, 4, false);
        s.raddr = get8(ip, 0) * 16777216 + get8(ip, 1) * 65536 + get8(ip, 2) * 256 + get8(ip, 3);
        s.rport = m.read16(r, SN_DPORT);
        l.onAccept(s);
      } else if (s.onConnect !== undefined) s.onConnect();
    }
    if (this.socks[s.sn] !== s) return; // the program let it go in a callback
    if (sr === SR_CLOSED && s.listener !== undefined) {
      // A half-open connection the chip gave up on (a RST, a timeout): listen again on a fresh socket.
      this.release(s);
      return;
    }
    const n = m.read16Stable(r, SN_RX_RSR);
    if (n > s.told) {
      s.told = n;
      if (s.onReadable !== undefined) s.onReadable(n);
    }
    // These states come after the peer's FIN.
    if (sr === SR_CLOSE_WAIT || sr === SR_LAST_ACK || sr === SR_CLOSING || sr === SR_TIME_WAIT) s.peerFin = true;
    if (s.wantWrite && s.connected && !s.gone) {
      const room = this.txRoom(s);
      if (room > 0) {
        s.wantWrite = false;
        if (s.onWritable !== undefined) s.onWritable(room);
      }
    }
    // After both FINs the chip's TIME-WAIT is its own business: the socket is free for the program.
    if ((sr === SR_CLOSED || (sr === SR_TIME_WAIT && s.closing)) && !s.gone && s.listener === undefined) {
      s.gone = true;
      // A timeout says so; a connection never made was refused; one that ended
      // without our close or the peer's FIN was reset.
      if (band(ir, IR_TIMEOUT) !== 0) s.err = -ETIMEDOUT;
      else if (!s.connected) s.err = -ECONNREFUSED;
      else if (!s.closing && !s.peerFin) s.err = -ECONNRESET;
      else s.peerFin = true;
    }
    // The end is told once everything before it has been read.
    if (s.peerFin && !s.ended && this.rxSize(s) === 0) {
      s.ended = true;
      if (s.onEnd !== undefined) s.onEnd();
    }
    if (s.gone && this.socks[s.sn] === s && this.rxSize(s) === 0) {
      this.release(s);
      if (s.onClose !== undefined) s.onClose(s.err);
    }
  }
}
