// A register-level model of the WIZnet W5500, written from its datasheet
// (v1.0.9): the SPI frame (offset, control byte with block select, write bit
// and operation mode), the common and socket register blocks, 16 KB of TX and
// 16 KB of RX buffer memory shared out by Sn_TXBUF_SIZE/Sn_RXBUF_SIZE, the
// pointer registers with their 16-bit wrap, socket commands and interrupts,
// MACRAW framing (a 2-byte length before each received frame), the MAC
// filter, the PHY's link groupBit, the RSTn input (no access while low, nor for
// 1 ms after: the PLL locks) and the INTn output (low while a socket has an
// interrupt that Sn_IMR and SIMR let through). Its wire side takes and gives
// whole frames.
//
// With a core (w5500-core.ts), sockets 1..7 also open in TCP mode beside
// socket 0's MACRAW: the hybrid stack of the datasheet. A received frame
// goes to the hardwired core when it is a TCP segment for SIPR and the
// Sn_PORT of a TCP socket that is not closed, or an echo request for SIPR
// while MR's ping block is clear; everything else (the MAC filter allowing)
// goes to socket 0, ARP included, which the core also answers for SIPR.
import type { Bytes, Spi } from "../../hal/types";
import { TCPS_CLOSED, TCPS_SYN_RECEIVED, type TcpConn, type TcpListener } from "../../src/net/tcp";
import { ETIMEDOUT } from "../../src/net/errno";
import { type CoreHost, W5500Core } from "./w5500-core";

const SOCKETS = 8;
const MEM = 16 * 1024;
const MIN_FRAME = 60;
const MAX_FRAME = 1514;

// Common register offsets.
const MR = 0x00;
const MR_PB = 0x10;
const GAR = 0x01;
const SUBR = 0x05;
const SHAR = 0x09;
const SIPR = 0x0f;
const SIMR = 0x18;
const PHYCFGR = 0x2e;
const VERSIONR = 0x39;
// Socket register offsets.
const SN_MR = 0x00;
const SN_CR = 0x01;
const SN_IR = 0x02;
const SN_SR = 0x03;
const SN_PORT = 0x04;
const SN_DIPR = 0x0c;
const SN_DPORT = 0x10;
const SN_RXBUF_SIZE = 0x1e;
const SN_TXBUF_SIZE = 0x1f;
const SN_TX_FSR = 0x20;
const SN_TX_RD = 0x22;
const SN_TX_WR = 0x24;
const SN_RX_RSR = 0x26;
const SN_RX_RD = 0x28;
const SN_RX_WR = 0x2a;
const SN_IMR = 0x2c;

const MODE_TCP = 0x01;
const MODE_MACRAW = 0x04;
const IR_CON = 0x01;
const IR_DISCON = 0x02;
const IR_RECV = 0x04;
const IR_TIMEOUT = 0x08;
const IR_SEND_OK = 0x10;
const SR_INIT = 0x13;
const SR_LISTEN = 0x14;
const SR_MACRAW = 0x42;
/** Sn_SR of a connected TCP socket, by src/net/tcp.ts's state (TCPS_*, 0..10). */
const SR_OF_TCPS = [0x00, 0x00, 0x15, 0x16, 0x17, 0x1c, 0x18, 0x1a, 0x1d, 0x18, 0x1b];

interface Socket {
  regs: Uint8Array;
  /** Sn_RX_RD as of the last RECV command: what the chip counts as consumed. */
  rxConsumed: number;
  /** Reads of Sn_CR that still show the last command (the chip takes a few clocks). */
  crBusy: number;
  /** TCP mode: the core's connection, or its listener while in LISTEN. */
  conn?: TcpConn;
  listener?: TcpListener;
  /** LISTEN: the handshake under way (SYNRECV), which closes the socket if it fails. */
  halfOpen?: TcpConn;
}

export interface W5500Stats {
  spiFrames: number;
  rxFrames: number;
  rxRunts: number;
  rxOversize: number;
  rxFiltered: number;
  rxOverflow: number;
  txFrames: number;
  /** Misuse the datasheet forbids (bad frame, reserved block, buffer sizes over 16 KB, SEND while busy…). */
  errors: string[];
}

export class W5500Model implements Spi {
  private common = new Uint8Array(0x40);
  private sockets: Socket[] = [];
  private txMem = new Uint8Array(MEM);
  private rxMem = new Uint8Array(MEM);
  private link = true;
  /** When set, SEND completes only on completeSend() (a frame still going out). */
  holdSends = false;
  private sendPending = false;
  private inReset = false;
  private releasedAt = -Infinity;
  private intWasLow = false;
  /** Resets through RSTn. */
  hardResets = 0;
  /** INTn changed level (true: asserted, low). */
  onInt: ((low: boolean) => void) | undefined = undefined;
  stats: W5500Stats = {
    spiFrames: 0,
    rxFrames: 0,
    rxRunts: 0,
    rxOversize: 0,
    rxFiltered: 0,
    rxOverflow: 0,
    txFrames: 0,
    errors: [],
  };

  private core: W5500Core | undefined = undefined;

  constructor(
    private readonly onWire: (frame: Uint8Array) => void,
    /** Milliseconds, for the 1 ms after RSTn's release. */
    private readonly now: () => number = () => 0,
    /** The clock, randomness and log of the hardwired core; without one, only MACRAW opens. */
    private readonly coreHost?: CoreHost,
  ) {
    this.reset();
  }

  /** The RSTn input: low holds the chip in reset; its release resets every register. */
  setReset(low: boolean): void {
    if (low === this.inReset) return;
    this.inReset = low;
    if (low) return;
    this.reset();
    this.hardResets++;
    this.releasedAt = this.now();
    this.updateInt();
  }

  /** INTn: low while SIMR lets a socket's (Sn_IR & Sn_IMR) through. */
  intLow(): boolean {
    for (let s = 0; s < SOCKETS; s++) {
      const r = this.sockets[s].regs;
      if ((this.common[SIMR] & (1 << s)) !== 0 && (r[SN_IR] & r[SN_IMR]) !== 0) return true;
    }
    return false;
  }

  private updateInt(): void {
    const low = this.intLow();
    if (low === this.intWasLow) return;
    this.intWasLow = low;
    if (this.onInt !== undefined) this.onInt(low);
  }

  // --- SPI side ----------------------------------------------------------------

  transfer(bytes: Bytes, off: number, nOut: number, nIn: number): void {
    const b = bytes as unknown as Uint8Array;
    const n = nOut + nIn;
    this.stats.spiFrames++;
    if (this.inReset || this.now() - this.releasedAt < 1) {
      this.stats.errors.push(
        this.inReset ? "SPI access while RSTn is low" : "SPI access within 1 ms of RSTn's release (PLL not locked)",
      );
      return;
    }
    if (nOut < 3 || n < 4) {
      this.stats.errors.push(`SPI frame of ${nOut} bytes out, ${nIn} in`);
      return;
    }
    let offset = (b[off] << 8) | b[off + 1];
    const control = b[off + 2];
    const bsb = control >> 3;
    const write = (control & 4) !== 0;
    const om = control & 3;
    const data = n - 3;
    // The host sends the data of a write and only listens during a read.
    if (write ? nIn !== 0 : nOut !== 3)
      this.stats.errors.push(`${write ? "write" : "read"} frame with ${nOut} bytes out, ${nIn} in`);
    if (om !== 0 && data !== [0, 1, 2, 4][om])
      this.stats.errors.push(`fixed-length mode ${om} with ${data} data bytes`);
    for (let i = 0; i < data; i++) {
      const p = off + 3 + i;
      if (write) this.store(bsb, offset, b[p]);
      else b[p] = this.load(bsb, offset);
      offset = (offset + 1) & 0xffff;
    }
    this.updateInt();
  }

  private load(bsb: number, offset: number): number {
    if (bsb === 0) return this.loadCommon(offset);
    const s = (bsb - 1) >> 2;
    // Socket n owns blocks 4n+1 (registers), 4n+2 (TX), 4n+3 (RX); 4n+4 is reserved.
    const kind = (bsb - 1) & 3;
    switch (kind) {
      case 0:
        return this.loadSocket(s, offset);
      case 1:
        return this.txMem[this.bufAddr(s, SN_TXBUF_SIZE, offset)] ?? 0;
      case 2:
        return this.rxMem[this.bufAddr(s, SN_RXBUF_SIZE, offset)] ?? 0;
      default:
        this.stats.errors.push(`read from reserved block ${bsb}`);
        return 0;
    }
  }

  private store(bsb: number, offset: number, v: number): void {
    if (bsb === 0) return this.storeCommon(offset, v);
    const s = (bsb - 1) >> 2;
    const kind = (bsb - 1) & 3;
    switch (kind) {
      case 0:
        return this.storeSocket(s, offset, v);
      case 1:
        this.txMem[this.bufAddr(s, SN_TXBUF_SIZE, offset)] = v;
        return;
      case 2:
        this.rxMem[this.bufAddr(s, SN_RXBUF_SIZE, offset)] = v;
        return;
      default:
        this.stats.errors.push(`write to reserved block ${bsb}`);
    }
  }

  private loadCommon(offset: number): number {
    if (offset === PHYCFGR) return (this.common[PHYCFGR] & 0xf8) | 0x06 | (this.link ? 1 : 0); // 100 Mb/s full duplex when up
    if (offset === VERSIONR) return 0x04;
    return offset < this.common.length ? this.common[offset] : 0;
  }

  private storeCommon(offset: number, v: number): void {
    if (offset === MR && (v & 0x80) !== 0) return this.reset();
    if (offset === VERSIONR || offset >= this.common.length) return;
    if (offset === PHYCFGR) v |= 0x80; // RST reads back 1 once the PHY reset is done
    this.common[offset] = v;
  }

  private loadSocket(s: number, offset: number): number {
    const k = this.sockets[s];
    if (offset >= 0x30) return 0;
    if (offset === SN_CR) {
      if (k.crBusy > 0) {
        k.crBusy--;
        return k.regs[SN_CR];
      }
      return 0;
    }
    const word = (v: number): number => ((offset & 1) === 0 ? v >> 8 : v & 0xff);
    if (offset === SN_SR && k.conn !== undefined) return SR_OF_TCPS[k.conn.state];
    if (offset === SN_SR && k.listener !== undefined) return this.listenState(s);
    if (offset === SN_TX_FSR || offset === SN_TX_FSR + 1) return word(this.txFree(s));
    if (offset === SN_RX_RSR || offset === SN_RX_RSR + 1) return word(this.rxUsed(s));
    return k.regs[offset];
  }

  private storeSocket(s: number, offset: number, v: number): void {
    const k = this.sockets[s];
    if (offset >= 0x30) return;
    switch (offset) {
      case SN_CR:
        k.regs[SN_CR] = v;
        k.crBusy = 1;
        this.command(s, v);
        return;
      case SN_IR:
        k.regs[SN_IR] &= ~v; // write 1 to clear
        return;
      case SN_SR:
      case SN_TX_FSR:
      case SN_TX_FSR + 1:
      case SN_TX_RD:
      case SN_TX_RD + 1:
      case SN_RX_RSR:
      case SN_RX_RSR + 1:
      case SN_RX_WR:
      case SN_RX_WR + 1:
        return; // read-only
      case SN_RXBUF_SIZE:
      case SN_TXBUF_SIZE:
        if (![0, 1, 2, 4, 8, 16].includes(v)) this.stats.errors.push(`socket ${s} buffer size ${v} KB`);
        k.regs[offset] = v;
        if (this.totalKb(offset) > 16) this.stats.errors.push(`buffer sizes add up to ${this.totalKb(offset)} KB`);
        return;
      default:
        k.regs[offset] = v;
    }
  }

  private command(s: number, cr: number): void {
    const k = this.sockets[s];
    const r = k.regs;
    switch (cr) {
      case 0x01: {
        // OPEN: MACRAW only on socket 0, TCP on the others when there is a core; the pointers start over.
        const mode = r[SN_MR] & 0x0f;
        const tcp = mode === MODE_TCP && s !== 0 && this.coreHost !== undefined;
        if (!tcp && (mode !== MODE_MACRAW || s !== 0)) {
          this.stats.errors.push(`OPEN socket ${s} in mode ${mode} (modelled: MACRAW on 0, TCP on 1..7 with a core)`);
          return;
        }
        const sr = this.loadSocket(s, SN_SR);
        if (sr !== 0) this.stats.errors.push(`OPEN on socket ${s}, which is not closed (SR 0x${sr.toString(16)})`);
        this.dropTcp(k);
        for (const o of [SN_TX_RD, SN_TX_WR, SN_RX_RD, SN_RX_WR]) this.set16(s, o, 0);
        k.rxConsumed = 0;
        r[SN_SR] = tcp ? SR_INIT : SR_MACRAW;
        if (s === 0) this.sendPending = false;
        return;
      }
      case 0x02:
        return this.listen(s);
      case 0x04:
        return this.connect(s);
      case 0x08:
        // DISCON: FIN after what was sent; the socket closes when the peer's FIN and ACK are in.
        if (k.conn === undefined) return void this.stats.errors.push(`DISCON on socket ${s} with no connection`);
        k.conn.close();
        return;
      case 0x10:
        this.dropTcp(k);
        r[SN_SR] = 0;
        if (s === 0) this.sendPending = false;
        return;
      case 0x20: {
        if ((r[SN_MR] & 0x0f) === MODE_TCP && s !== 0) return this.sendTcp(s);
        if (r[SN_SR] !== 0x42) return void this.stats.errors.push("SEND on a closed socket");
        if (this.sendPending) this.stats.errors.push("SEND before the previous one completed");
        const rd = this.get16(s, SN_TX_RD);
        const wr = this.get16(s, SN_TX_WR);
        const n = (wr - rd) & 0xffff;
        const f = new Uint8Array(Math.max(n, MIN_FRAME));
        for (let i = 0; i < n; i++) f[i] = this.txMem[this.bufAddr(s, SN_TXBUF_SIZE, rd + i)];
        this.set16(s, SN_TX_RD, wr);
        if (n > MAX_FRAME) this.stats.errors.push(`SEND of ${n} bytes`);
        else if (this.link) {
          this.stats.txFrames++;
          this.onWire(f);
        }
        this.sendPending = true;
        if (!this.holdSends) this.completeSend();
        return;
      }
      case 0x40:
        // RECV: what Sn_RX_RD now says has been read is given back to the ring.
        k.rxConsumed = this.get16(s, SN_RX_RD);
        if (k.conn !== undefined) this.pull(s);
        return;
      default:
        this.stats.errors.push(`unknown command 0x${cr.toString(16)} on socket ${s}`);
    }
  }

  completeSend(): void {
    if (!this.sendPending) return;
    this.sendPending = false;
    this.sockets[0].regs[SN_IR] |= 0x10;
    this.updateInt();
  }

  // --- wire side ---------------------------------------------------------------

  /** A frame (no FCS) arriving from the cable. */
  fromWire(frame: Uint8Array): void {
    if (!this.link) return;
    if (this.forCore(frame)) return;
    const r = this.sockets[0].regs;
    if (r[SN_SR] !== 0x42) return;
    if (frame.length < MIN_FRAME) return void this.stats.rxRunts++;
    if (frame.length > MAX_FRAME) return void this.stats.rxOversize++;
    if ((r[SN_MR] & 0x80) !== 0) {
      const mine = frame.subarray(0, 6).every((x, i) => x === this.common[SHAR + i]);
      if (!mine && (frame[0] & 1) === 0) return void this.stats.rxFiltered++;
    }
    const total = frame.length + 2;
    const size = this.sockets[0].regs[SN_RXBUF_SIZE] * 1024;
    if (size - this.rxUsed(0) < total) return void this.stats.rxOverflow++;
    const wr = this.get16(0, SN_RX_WR);
    const put = (i: number, v: number): void => {
      this.rxMem[this.bufAddr(0, SN_RXBUF_SIZE, wr + i)] = v;
    };
    put(0, total >> 8);
    put(1, total & 0xff);
    frame.forEach((v, i) => put(2 + i, v));
    this.set16(0, SN_RX_WR, (wr + total) & 0xffff);
    r[SN_IR] |= 0x04;
    this.stats.rxFrames++;
    this.updateInt();
  }

  setLink(up: boolean): void {
    this.link = up;
  }

  /** Fault injection: the length word of the next unread frame becomes `total`. */
  corruptNextLength(total: number): void {
    const rd = this.sockets[0].rxConsumed;
    this.rxMem[this.bufAddr(0, SN_RXBUF_SIZE, rd)] = total >> 8;
    this.rxMem[this.bufAddr(0, SN_RXBUF_SIZE, rd + 1)] = total & 0xff;
  }

  /** Socket 0's receive pointers, for tests that check the ring wrapped. */
  rxPointers(): { rd: number; wr: number; size: number } {
    return {
      rd: this.get16(0, SN_RX_RD),
      wr: this.get16(0, SN_RX_WR),
      size: this.sockets[0].regs[SN_RXBUF_SIZE] * 1024,
    };
  }

  // --- internals -----------------------------------------------------------------

  private reset(): void {
    for (const k of this.sockets) this.dropTcp(k);
    this.core = undefined;
    this.common = new Uint8Array(0x40);
    this.common[PHYCFGR] = 0xb8;
    this.common[0x19] = 0x07; // RTR 2000 (200 ms)
    this.common[0x1a] = 0xd0;
    this.common[0x1b] = 0x08; // RCR
    this.sockets = [];
    for (let s = 0; s < SOCKETS; s++) {
      const regs = new Uint8Array(0x30);
      regs[SN_RXBUF_SIZE] = 2;
      regs[SN_TXBUF_SIZE] = 2;
      regs[SN_IMR] = 0xff;
      this.sockets.push({ regs, rxConsumed: 0, crBusy: 0 });
    }
    this.sendPending = false;
  }

  private totalKb(reg: number): number {
    return this.sockets.reduce((n, k) => n + k.regs[reg], 0);
  }

  /** Physical address of `offset` in socket s's buffer: sockets take the memory in order, the offset wraps at the size. */
  private bufAddr(s: number, sizeReg: number, offset: number): number {
    const size = this.sockets[s].regs[sizeReg] * 1024;
    if (size === 0) return MEM; // reads give undefined → 0, writes vanish
    let base = 0;
    for (let i = 0; i < s; i++) base += this.sockets[i].regs[sizeReg] * 1024;
    return base + (offset % size);
  }

  private get16(s: number, o: number): number {
    const r = this.sockets[s].regs;
    return (r[o] << 8) | r[o + 1];
  }

  private set16(s: number, o: number, v: number): void {
    const r = this.sockets[s].regs;
    r[o] = (v >> 8) & 0xff;
    r[o + 1] = v & 0xff;
  }

  private rxUsed(s: number): number {
    return (this.get16(s, SN_RX_WR) - this.sockets[s].rxConsumed) & 0xffff;
  }

  private txFree(s: number): number {
    const size = this.sockets[s].regs[SN_TXBUF_SIZE] * 1024;
    const c = this.sockets[s].conn;
    // Sent but not yet acknowledged data still holds its place in the buffer.
    const unacked = c !== undefined && c.state !== TCPS_CLOSED ? size - Math.min(size, c.writable()) : 0;
    return Math.max(0, size - ((this.get16(s, SN_TX_WR) - this.get16(s, SN_TX_RD)) & 0xffff) - unacked);
  }

  // --- the hardwired core (sockets 1..7 in TCP mode) ------------------------------

  private u32(o: number): number {
    const c = this.common;
    return ((c[o] << 24) | (c[o + 1] << 16) | (c[o + 2] << 8) | c[o + 3]) >>> 0;
  }

  /** The core, made on first use with SHAR as it is then, following SIPR/SUBR/GAR. */
  private coreNow(): W5500Core | undefined {
    if (this.coreHost === undefined) return undefined;
    if (this.core === undefined)
      this.core = new W5500Core(
        this.coreHost,
        this.common.subarray(SHAR, SHAR + 6),
        (f) => {
          if (this.link) {
            this.stats.txFrames++;
            this.onWire(f);
          }
        },
        2048,
      );
    this.core.configure(this.u32(SIPR), this.u32(SUBR), this.u32(GAR));
    return this.core;
  }

  /** Gives the core what is its own; true when socket 0 must not see the frame. */
  private forCore(f: Uint8Array): boolean {
    if (this.coreHost === undefined || f.length < 42) return false;
    const type = (f[12] << 8) | f[13];
    const sipr = this.u32(SIPR);
    if (sipr === 0) return false;
    if (type === 0x0806) {
      // The chip answers ARP for SIPR itself; socket 0 sees ARP too.
      this.coreNow()?.fromWire(f);
      return false;
    }
    if (type !== 0x0800 || ((f[30] << 24) | (f[31] << 16) | (f[32] << 8) | f[33]) >>> 0 !== sipr) return false;
    const proto = f[23];
    const ihl = (f[14] & 0x0f) * 4;
    let mine = false;
    if (proto === 1) mine = (this.common[MR] & MR_PB) === 0 && f[14 + ihl] === 8;
    else if (proto === 6 && f.length >= 14 + ihl + 4) {
      const dport = (f[14 + ihl + 2] << 8) | f[14 + ihl + 3];
      for (let s = 1; s < SOCKETS; s++) {
        const r = this.sockets[s].regs;
        const c = this.sockets[s].conn;
        const open = (c !== undefined && c.state !== TCPS_CLOSED) || r[SN_SR] === SR_LISTEN;
        if ((r[SN_MR] & 0x0f) === MODE_TCP && open && ((r[SN_PORT] << 8) | r[SN_PORT + 1]) === dport) mine = true;
      }
    }
    if (mine) {
      this.coreNow()?.fromWire(f);
      // A SYN for a listening socket starts its handshake (SYNRECV), seen whether or not the host polls meanwhile.
      for (let s = 1; s < SOCKETS; s++) if (this.sockets[s].listener !== undefined) this.listenState(s);
    }
    return mine;
  }

  private listen(s: number): void {
    const k = this.sockets[s];
    const r = k.regs;
    const core = this.coreNow();
    if (core === undefined || r[SN_SR] !== SR_INIT)
      return void this.stats.errors.push(`LISTEN on socket ${s} not in INIT`);
    const l = core.tcp.listen((r[SN_PORT] << 8) | r[SN_PORT + 1], 1, (c) => {
      // One connection per socket: the socket leaves LISTEN for it.
      core.tcp.unlisten(l as TcpListener);
      k.listener = undefined;
      k.halfOpen = undefined;
      this.attach(s, c);
      const a = c.raddr;
      r.set([a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff], SN_DIPR);
      this.set16(s, SN_DPORT, c.rport);
      r[SN_IR] |= IR_CON;
      this.updateInt();
    });
    if (typeof l === "number") return void this.stats.errors.push(`LISTEN on socket ${s}: the port is taken (${l})`);
    k.listener = l;
    r[SN_SR] = SR_LISTEN;
  }

  /**
   * A listening socket's Sn_SR: SYNRECV while the core has a handshake for
   * it; a handshake that fails closes the socket, as the chip's does.
   */
  private listenState(s: number): number {
    const k = this.sockets[s];
    const core = this.core;
    if (core === undefined || k.listener === undefined) return k.regs[SN_SR];
    for (let i = 0; i < core.tcp.count(); i++) {
      const c = core.tcp.at(i)!;
      if (c.listener === k.listener && c.state === TCPS_SYN_RECEIVED) {
        k.halfOpen = c;
        return 0x16;
      }
    }
    if (k.halfOpen !== undefined && k.halfOpen.state === TCPS_CLOSED) {
      core.tcp.unlisten(k.listener);
      k.listener = undefined;
      k.halfOpen = undefined;
      k.regs[SN_SR] = 0;
      k.regs[SN_IR] |= IR_TIMEOUT;
      this.updateInt();
      return 0;
    }
    return k.regs[SN_SR];
  }

  private connect(s: number): void {
    const k = this.sockets[s];
    const r = k.regs;
    const core = this.coreNow();
    if (core === undefined || r[SN_SR] !== SR_INIT)
      return void this.stats.errors.push(`CONNECT on socket ${s} not in INIT`);
    const c = core.tcp.connect(this.u32Sock(s, SN_DIPR), this.get16(s, SN_DPORT), this.get16(s, SN_PORT));
    if (typeof c === "number") {
      // No way there (ARP would time out): the chip says TIMEOUT and closes.
      r[SN_SR] = 0;
      r[SN_IR] |= IR_TIMEOUT;
      return;
    }
    this.attach(s, c);
  }

  private u32Sock(s: number, o: number): number {
    const r = this.sockets[s].regs;
    return ((r[o] << 24) | (r[o + 1] << 16) | (r[o + 2] << 8) | r[o + 3]) >>> 0;
  }

  private attach(s: number, c: TcpConn): void {
    const k = this.sockets[s];
    k.conn = c;
    c.onConnect = () => {
      k.regs[SN_IR] |= IR_CON;
      this.updateInt();
    };
    c.onReadable = () => this.pull(s);
    c.onEnd = () => {
      this.pull(s);
      k.regs[SN_IR] |= IR_DISCON;
      this.updateInt();
    };
    c.onClose = (err) => {
      this.pull(s);
      k.regs[SN_IR] |= err === -ETIMEDOUT ? IR_TIMEOUT : IR_DISCON;
      this.updateInt();
    };
  }

  /** Moves what the core received into the socket's RX buffer, as far as it has room. */
  private pull(s: number): void {
    const k = this.sockets[s];
    const c = k.conn;
    if (c === undefined) return;
    const size = k.regs[SN_RXBUF_SIZE] * 1024;
    const room = size - this.rxUsed(s);
    const n = Math.min(room, c.available());
    if (n <= 0) return;
    const b = new Uint8Array(n);
    const got = c.read(b as unknown as Bytes, 0, n);
    const wr = this.get16(s, SN_RX_WR);
    for (let i = 0; i < got; i++) this.rxMem[this.bufAddr(s, SN_RXBUF_SIZE, wr + i)] = b[i];
    this.set16(s, SN_RX_WR, (wr + got) & 0xffff);
    k.regs[SN_IR] |= IR_RECV;
    this.updateInt();
  }

  private sendTcp(s: number): void {
    const k = this.sockets[s];
    const c = k.conn;
    const rd = this.get16(s, SN_TX_RD);
    const wr = this.get16(s, SN_TX_WR);
    const n = (wr - rd) & 0xffff;
    if (c === undefined || (SR_OF_TCPS[c.state] !== 0x17 && SR_OF_TCPS[c.state] !== 0x1c))
      return void this.stats.errors.push(`SEND on socket ${s}, which is not connected`);
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.txMem[this.bufAddr(s, SN_TXBUF_SIZE, rd + i)];
    const took = c.write(b as unknown as Bytes, 0, n);
    if (took !== n)
      this.stats.errors.push(`SEND of ${n} bytes on socket ${s} with room for ${took} (Sn_TX_FSR not heeded)`);
    this.set16(s, SN_TX_RD, wr);
    k.regs[SN_IR] |= IR_SEND_OK;
  }

  private dropTcp(k: Socket): void {
    const c = k.conn;
    if (c !== undefined) {
      c.onClose = undefined;
      c.abort();
    }
    if (k.listener !== undefined && this.core !== undefined) this.core.tcp.unlisten(k.listener);
    k.conn = undefined;
    k.listener = undefined;
    k.halfOpen = undefined;
  }
}
