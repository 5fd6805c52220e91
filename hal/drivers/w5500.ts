// WIZnet W5500 as a plain Ethernet MAC: socket 0 in MACRAW mode with all
// 16 KB of each buffer memory, driven over SPI (datasheet v1.0.9). Frames
// stay in the chip's 16 KB receive buffer until the stack reads them, so
// the MCU holds no receive queue of its own. Portable: every runtime.
//
// Hybrid (tcpSockets > 0): sockets 1..n run TCP in the chip with 2 KB of
// buffer each (w5500-tcp.ts), socket 0 keeps the rest. The chip then claims
// the TCP segments for those sockets' ports itself, and MACRAW gets the rest;
// its ping block is set so that our stack alone answers echo requests.
import { alloc, get8, get16, len, set8, set16, set32, view, copy } from "@hal/bytes";
import { band } from "@hal/u32";
import { ETH_HEADER } from "../mac-base";
import type { Bytes, ChipPins, Clock, Gpio, Mac, MacOptions, Spi, SpiMacFactory } from "../types";
import { ChipMac, type ChipMacOptions, wired } from "./chip-mac";

// SPI frame: 16-bit offset, control byte (block select << 3, write bit, variable length mode).
const RWB_WRITE = 4;
const BSB_COMMON = 0;
const BSB_S0_REG = 1;
const BSB_S0_TX = 2;
const BSB_S0_RX = 3;

// Common registers.
const MR = 0x0000;
const MR_RST = 0x80;
/** Ping block: the chip leaves echo requests for SIPR to socket 0. */
const MR_PB = 0x10;
const GAR = 0x0001;
const SHAR = 0x0009;
const SIMR = 0x0018;
const SIMR_S0 = 0x01;
const PHYCFGR = 0x002e;
const PHYCFGR_LNK = 0x01;
const VERSIONR = 0x0039;
const W5500_VERSION = 0x04;

// Socket registers.
const SN_MR = 0x00;
const SN_CR = 0x01;
const SN_IR = 0x02;
const SN_SR = 0x03;
const SN_RXBUF_SIZE = 0x1e;
const SN_TXBUF_SIZE = 0x1f;
const SN_TX_FSR = 0x20;
const SN_TX_WR = 0x24;
const SN_RX_RSR = 0x26;
const SN_RX_RD = 0x28;
const SN_IMR = 0x2c;

const MR_MACRAW = 0x04;
/** MAC filter: only frames for our address, broadcast and multicast reach the buffer. */
const MR_MFEN = 0x80;
const CR_OPEN = 0x01;
const CR_CLOSE = 0x10;
const CR_SEND = 0x20;
const CR_RECV = 0x40;
const IR_SEND_OK = 0x10;
const IR_TIMEOUT = 0x08;
const IR_RECV = 0x04;
const SR_MACRAW = 0x42;

/** All of the chip's buffer memory to socket 0, in KB. */
const BUF_KB = 16;
/** Each received frame is preceded by its length (2 bytes, counting themselves). */
const RX_HEADER = 2;
/** A command register reads non-zero until the chip has taken the command; it takes a few SPI clocks. */
const CR_POLLS = 100;
/** Frames read per drain before the poll timer gets a turn (a flood must not starve the rest). */
const RX_BURST = 8;
const MAX_FRAME = 1514;

/** pollMs defaults to 10, or 100 with INTn wired; RSTn and INTn are used when wired. */
export interface W5500Options extends ChipMacOptions {
  /** Sockets 1..n for TCP in the chip (hybrid), 0..7; 0 or absent: socket 0 alone, MACRAW. */
  tcpSockets?: number;
}

/** A hybrid TCP socket's buffer, each way, in KB (the chip's default). */
export const TCP_SOCKET_KB = 2;

/** RSTn low at least 500 µs; the PLL locks within 1 ms of its release (data sheet 5.5.1). */
const RESET_LOW_MS = 1;
const RESET_SETTLE_MS = 2;

export class W5500Mac extends ChipMac implements Mac {
  /** Header + one register's worth of data, reused for every register access. */
  private readonly reg: Bytes = alloc(3 + 6);
  private open = false;
  private burst = 0;
  /** INTn is wired: the chip tells us about frames and completed sends. */
  private interrupts = false;
  /** Ring corruption seen (a frame header that cannot be right): the socket was reopened. */
  resyncs = 0;
  readonly tcpSockets: number;
  /** The hybrid sockets' poll (w5500-tcp.ts), run on every poll of the chip. */
  pollSockets: (() => void) | undefined = undefined;

  constructor(w: W5500Options) {
    // With INTn wired the poll is only a safety net.
    super(w, w.gpio !== undefined && w.pins !== undefined && wired(w.pins.int) ? 100 : 10);
    const n = w.tcpSockets !== undefined ? Math.floor(w.tcpSockets) : 0;
    this.tcpSockets = n > 0 && n < 8 ? n : 0;
  }

  /**
   * Resets the chip and opens socket 0 in MACRAW mode; an error text when the
   * chip does not answer as a W5500, else undefined. Polling starts only on
   * success. With a reset line the chip is reset by it first, and the result
   * arrives through onError once that is done (undefined is returned at once).
   */
  start(): string | undefined {
    if (this.canHardReset()) {
      this.hardReset(RESET_LOW_MS, RESET_SETTLE_MS, () => {
        const err = this.bringUp();
        if (err !== undefined && this.o.onError !== undefined) this.o.onError(err);
      });
      return undefined;
    }
    return this.bringUp();
  }

  private bringUp(): string | undefined {
    // VERSIONR first: a missing chip reads 0x00 or 0xff (MISO pulled), never 0x04.
    const v = this.read8(BSB_COMMON, VERSIONR);
    if (v !== W5500_VERSION) return "w5500: no chip answers (VERSIONR " + v + ", expected " + W5500_VERSION + ")";
    this.write8(BSB_COMMON, MR, MR_RST);
    let n = 0;
    while (band(this.read8(BSB_COMMON, MR), MR_RST) !== 0) {
      if (++n > CR_POLLS) return "w5500: stays in reset";
    }
    if (this.tcpSockets > 0) this.write8(BSB_COMMON, MR, MR_PB);
    this.writeHwaddr();
    const err = this.openSocket();
    if (err !== undefined) return err;
    if (this.watchInterrupt()) {
      // INTn falls when socket 0 has a frame or finished a send (Sn_IMR), through SIMR.
      this.interrupts = true;
      this.write8(BSB_S0_REG, SN_IMR, IR_RECV + IR_SEND_OK);
      // The hybrid sockets interrupt with everything they have (Sn_IMR's reset value).
      this.write8(BSB_COMMON, SIMR, SIMR_S0 * (Math.pow(2, this.tcpSockets + 1) - 1));
    }
    this.startPolling();
    return undefined;
  }

  private openSocket(): string | undefined {
    // Sockets 1..7 start with 2 KB each; the unused ones go to 0 before socket 0 may take the rest.
    for (let sn = 1; sn < 8; sn++) {
      const kb = sn <= this.tcpSockets ? TCP_SOCKET_KB : 0;
      this.write8(BSB_S0_REG + 4 * sn, SN_RXBUF_SIZE, kb);
      this.write8(BSB_S0_REG + 4 * sn, SN_TXBUF_SIZE, kb);
    }
    // The sizes are powers of two: socket 0 takes the largest that fits beside the TCP sockets.
    let s0 = BUF_KB;
    while (s0 + this.tcpSockets * TCP_SOCKET_KB > BUF_KB) s0 = s0 / 2;
    this.write8(BSB_S0_REG, SN_RXBUF_SIZE, s0);
    this.write8(BSB_S0_REG, SN_TXBUF_SIZE, s0);
    this.write8(BSB_S0_REG, SN_MR, MR_MACRAW + MR_MFEN);
    if (!this.command(0, CR_OPEN)) return "w5500: OPEN not taken";
    const sr = this.read8(BSB_S0_REG, SN_SR);
    if (sr !== SR_MACRAW) return "w5500: socket 0 did not enter MACRAW (SR " + sr + ")";
    this.open = true;
    this.sending = false;
    return undefined;
  }

  protected writeHwaddr(): void {
    copy(this.reg, 3, this.hwaddr, 0, 6);
    this.access(BSB_COMMON, SHAR, true, 6);
  }

  protected usable(): boolean {
    return this.open;
  }

  /** The next frame from the chip's receive buffer, or undefined. */
  read(): Bytes | undefined {
    if (!this.open) return undefined;
    // A drain ends after RX_BURST frames; the next poll says the rest are there.
    if (this.burst >= RX_BURST) {
      this.burst = 0;
      return undefined;
    }
    const avail = this.read16Stable(BSB_S0_REG, SN_RX_RSR);
    if (avail < RX_HEADER) {
      this.burst = 0;
      return undefined;
    }
    const rd = this.read16(BSB_S0_REG, SN_RX_RD);
    this.access(BSB_S0_RX, rd, false, RX_HEADER);
    const total = get16(this.reg, 3);
    const n = total - RX_HEADER;
    // The length word is the chip's; one that cannot be right means the ring is out of step.
    if (total > avail || n < ETH_HEADER || n > MAX_FRAME) {
      this.counters.rxErrors++;
      this.resync();
      return undefined;
    }
    const b = alloc(3 + n);
    this.header(b, BSB_S0_RX, (rd + RX_HEADER) % 65536, false);
    this.spi.transfer(b, 0, 3, n);
    this.write16(BSB_S0_REG, SN_RX_RD, (rd + total) % 65536);
    this.command(0, CR_RECV);
    this.burst++;
    if (!this.fits(n, 4)) {
      this.counters.rxDropped++;
      return this.read();
    }
    this.counters.rxPackets++;
    this.counters.rxBytes += n;
    return view(b, 3, n);
  }

  close(): void {
    this.stopPolling();
    if (this.open) this.command(0, CR_CLOSE);
    this.open = false;
    this.dropPending();
  }

  /** SIPR, SUBR and GAR: the hybrid sockets' address, mask and gateway (our lease's). */
  setAddress(addr: number, mask: number, gateway: number): void {
    this.write32(BSB_COMMON, GAR, gateway);
    this.write32(BSB_COMMON, GAR + 4, mask);
    this.write32(BSB_COMMON, GAR + 14, addr);
  }

  protected transmit(frame: Bytes): boolean {
    const n = len(frame);
    if (this.read16Stable(BSB_S0_REG, SN_TX_FSR) < n) {
      this.counters.txDropped++;
      return false;
    }
    const wr = this.read16(BSB_S0_REG, SN_TX_WR);
    const b = alloc(3 + n);
    copy(b, 3, frame, 0, n);
    this.header(b, BSB_S0_TX, wr, true);
    this.spi.transfer(b, 0, 3 + n, 0);
    this.write16(BSB_S0_REG, SN_TX_WR, (wr + n) % 65536);
    this.command(0, CR_SEND);
    this.sending = true;
    this.sent(n);
    return true;
  }

  /** SEND_OK (or, in MACRAW, never expected, TIMEOUT) frees the transmitter. */
  protected checkSent(): void {
    const ir = this.read8(BSB_S0_REG, SN_IR);
    if (band(ir, IR_SEND_OK + IR_TIMEOUT) === 0) return;
    this.write8(BSB_S0_REG, SN_IR, band(ir, IR_SEND_OK + IR_TIMEOUT));
    this.txDone(band(ir, IR_TIMEOUT) !== 0);
  }

  private resync(): void {
    this.resyncs++;
    this.command(0, CR_CLOSE);
    this.open = false;
    this.dropPending();
    const err = this.openSocket();
    if (err !== undefined && this.o.onError !== undefined) this.o.onError(err);
  }

  protected poll(): void {
    this.linkIs(band(this.read8(BSB_COMMON, PHYCFGR), PHYCFGR_LNK) !== 0);
    if (this.open) {
      if (this.sending) this.checkSent();
      if (this.interrupts) {
        // Acknowledge RECV so INTn can fall again for the next frame.
        const ir = this.read8(BSB_S0_REG, SN_IR);
        if (band(ir, IR_RECV) !== 0) this.write8(BSB_S0_REG, SN_IR, IR_RECV);
      }
      if (this.read16Stable(BSB_S0_REG, SN_RX_RSR) >= RX_HEADER) this.o.onReadable(1);
    }
    if (this.pollSockets !== undefined) this.pollSockets();
  }

  /** Socket `sn`'s command, then wait (bounded) for the chip to take it. */
  command(sn: number, cr: number): boolean {
    const bsb = BSB_S0_REG + 4 * sn;
    this.write8(bsb, SN_CR, cr);
    for (let i = 0; i < CR_POLLS; i++) if (this.read8(bsb, SN_CR) === 0) return true;
    this.counters.txErrors++;
    return false;
  }

  /** Copies n bytes between `b`[off…] and the chip at block `bsb`, `offset` (a buffer: the offset wraps in the chip). */
  transferBuf(bsb: number, offset: number, b: Bytes, off: number, n: number, write: boolean): void {
    const t = alloc(3 + n);
    if (write) copy(t, 3, b, off, n);
    this.header(t, bsb, offset % 65536, write);
    this.spi.transfer(t, 0, write ? 3 + n : 3, write ? 0 : n);
    if (!write) copy(b, off, t, 3, n);
  }

  private header(b: Bytes, bsb: number, offset: number, write: boolean): void {
    set16(b, 0, offset);
    set8(b, 2, bsb * 8 + (write ? RWB_WRITE : 0));
  }

  private access(bsb: number, offset: number, write: boolean, n: number): void {
    this.header(this.reg, bsb, offset, write);
    this.spi.transfer(this.reg, 0, write ? 3 + n : 3, write ? 0 : n);
  }

  read8(bsb: number, offset: number): number {
    this.access(bsb, offset, false, 1);
    return get8(this.reg, 3);
  }

  write8(bsb: number, offset: number, v: number): void {
    set8(this.reg, 3, v);
    this.access(bsb, offset, true, 1);
  }

  read16(bsb: number, offset: number): number {
    this.access(bsb, offset, false, 2);
    return get16(this.reg, 3);
  }

  write16(bsb: number, offset: number, v: number): void {
    set16(this.reg, 3, v);
    this.access(bsb, offset, true, 2);
  }

  write32(bsb: number, offset: number, v: number): void {
    set32(this.reg, 3, v);
    this.access(bsb, offset, true, 4);
  }

  /** The datasheet's rule for the 16-bit counters that change under us: read until two reads agree. */
  read16Stable(bsb: number, offset: number): number {
    let a = this.read16(bsb, offset);
    for (let i = 0; i < 4; i++) {
      const b = this.read16(bsb, offset);
      if (b === a) return a;
      a = b;
    }
    return a;
  }
}

/** The board entry's way in: a started W5500, or its error through onError. */
export const openW5500: SpiMacFactory = (spi, clock, hwaddr, mtu, o, gpio, pins) =>
  openW5500With(0, spi, clock, hwaddr, mtu, o, gpio, pins);

/** As openW5500, with sockets 1..`tcpSockets` for TCP in the chip. */
export function openW5500With(
  tcpSockets: number,
  spi: Spi,
  clock: Clock,
  hwaddr: Bytes,
  mtu: number,
  o: MacOptions,
  gpio: Gpio | undefined,
  pins: ChipPins,
): W5500Mac {
  const mac = new W5500Mac({
    tcpSockets: tcpSockets,
    onReadable: o.onReadable,
    onLinkChange: o.onLinkChange,
    onError: o.onError,
    spi: spi,
    clock: clock,
    hwaddr: hwaddr,
    mtu: mtu,
    gpio: gpio,
    pins: pins,
  });
  const err = mac.start();
  if (err !== undefined && o.onError !== undefined) o.onError(err);
  return mac;
}
