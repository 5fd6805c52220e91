// Microchip ENC28J60 over SPI (data sheet DS39662E, silicon errata DS80349).
// 6.5 KB of the chip's 8 KB hold the receive ring, so frames wait there
// until the stack reads them; the rest holds one frame being sent. The
// errata this driver works around: no SPI access for 1 ms after a reset
// (CLKRDY is not reliable), ERXRDPT always odd (an even value can corrupt
// the ring), EPKTCNT rather than PKTIF for pending frames, and a transmit
// logic reset before every transmission. Portable: every runtime.
import { alloc, copy, get8, len, set8, view } from "@hal/bytes";
import { band } from "@hal/u32";
import { ETH_HEADER } from "../mac-base";
import type { Bytes, Mac, SpiMacFactory, TimerId } from "../types";
import { ChipMac, type ChipMacOptions } from "./chip-mac";

// SPI opcodes (top three bits) and their fixed arguments.
const OP_RCR = 0x00;
const OP_RBM = 0x3a;
const OP_WCR = 0x40;
const OP_WBM = 0x7a;
const OP_BFS = 0x80;
const OP_BFC = 0xa0;
const OP_SRC = 0xff;

// Registers as bank * 32 + address; the common ones (0x1b..0x1f) are in every bank.
const EIR = 0x1c;
const ECON2 = 0x1e;
const ECON1 = 0x1f;
const ERDPTL = 0x00;
const EWRPTL = 0x02;
const ETXSTL = 0x04;
const ETXNDL = 0x06;
const ERXSTL = 0x08;
const ERXNDL = 0x0a;
const ERXRDPTL = 0x0c;
const ERXFCON = 0x38;
const EPKTCNT = 0x39;
const MACON1 = 0x40;
const MACON3 = 0x42;
const MACON4 = 0x43;
const MABBIPG = 0x44;
const MAIPGL = 0x46;
const MAIPGH = 0x47;
const MAMXFLL = 0x4a;
const MICMD = 0x52;
const MIREGADR = 0x54;
const MIWRL = 0x56;
const MIWRH = 0x57;
const MIRDL = 0x58;
const MIRDH = 0x59;
const MAADR5 = 0x60; // MAADR5, 6, 3, 4, 1, 2 in address order
const MISTAT = 0x6a;
const EREVID = 0x72;

const ECON1_TXRST = 0x80;
const ECON1_RXRST = 0x40;
const ECON1_TXRTS = 0x08;
const ECON1_RXEN = 0x04;
const ECON1_BSEL = 0x03;
const ECON2_PKTDEC = 0x40;
const EIR_TXIF = 0x08;
const EIR_TXERIF = 0x02;
const EIR_RXERIF = 0x01;
const MISTAT_BUSY = 0x01;
const MICMD_MIIRD = 0x01;

const PHCON2 = 0x10;
const PHSTAT2 = 0x11;
const PHSTAT2_LSTAT = 0x0400;
const PHCON2_HDLDIS = 0x0100;

// Buffer memory: receive ring 0x0000..0x19ff, transmit from 0x1a00.
const RX_START = 0x0000;
const RX_END = 0x19ff;
const TX_START = 0x1a00;
const MAX_FRAME = 1518; // with the CRC
/** The next-packet pointer and the receive status vector before every frame. */
const RX_HEADER = 6;
const RSV_RECEIVED_OK = 0x80;
const MAADR_ORDER = [4, 5, 2, 3, 0, 1];
/** ERXFCON: our unicast address, broadcast, and CRC checked by the chip; MCEN adds every multicast frame. */
const FILTER = 0x80 + 0x20 + 0x01;
const FILTER_MCEN = 0x02;
const MII_POLLS = 50;
/** Frames read per drain before the poll timer gets a turn. */
const RX_BURST = 8;
/** The link is read over MII (five SPI frames) every this many polls. */
const LINK_EVERY = 10;

/**
 * RESET is used when wired. INT is not: the errata say PKTIF (behind it)
 * does not report pending frames reliably, so EPKTCNT is polled.
 */
export type Enc28j60Options = ChipMacOptions;

export class Enc28j60Mac extends ChipMac implements Mac {
  private readonly cmd: Bytes = alloc(3);
  /** The RBM opcode, then the next-packet pointer and the receive status vector. */
  private readonly hdr: Bytes = alloc(1 + RX_HEADER);
  private bank = 0;
  private nextPacket = RX_START;
  private srcTimer: TimerId | undefined = undefined;
  private readonly onResetDone = (): void => this.init();
  private ready = false;
  private filter = FILTER;
  private burst = 0;
  private polls = 0;
  /** The receive ring was reset after a next-packet pointer or length that cannot be right. */
  resyncs = 0;
  /** Frames the chip lost for want of ring space (EIR.RXERIF seen). */
  overruns = 0;

  constructor(e: Enc28j60Options) {
    super(e, 10);
  }

  /** Resets the chip (its RESET line, else the SPI reset command); set-up follows 2 ms later (errata 2). Failures arrive through onError. */
  start(): void {
    this.bank = 0;
    if (this.canHardReset()) {
      this.hardReset(1, 2, this.onResetDone);
      return;
    }
    set8(this.cmd, 0, OP_SRC);
    this.spi.transfer(this.cmd, 0, 1, 0);
    this.srcTimer = this.clock.set(this.onResetDone, 2);
  }

  private init(): void {
    this.srcTimer = undefined;
    const rev = this.readReg(EREVID);
    if (rev === 0 || rev === 0xff) {
      if (this.o.onError !== undefined) this.o.onError("enc28j60: no chip answers (EREVID " + rev + ")");
      return;
    }
    this.initRx();
    this.write16(ETXSTL, TX_START);
    this.writeReg(ERXFCON, this.filter);
    // MAC: receive on, half duplex (the chip cannot autonegotiate; half is what a partner falls back to).
    this.writeReg(MACON1, 0x01);
    this.writeReg(MACON3, 0x20 + 0x10 + 0x02); // pad to 60 + CRC, CRC on, length check
    this.writeReg(MACON4, 0x40); // DEFER: wait for the medium, as 802.3 half duplex does
    this.write16(MAMXFLL, MAX_FRAME);
    this.writeReg(MABBIPG, 0x12);
    this.writeReg(MAIPGL, 0x12);
    this.writeReg(MAIPGH, 0x0c);
    this.writeHwaddr();
    if (!this.writePhy(PHCON2, PHCON2_HDLDIS)) return;
    this.bfs(ECON1, ECON1_RXEN);
    this.ready = true;
    this.startPolling();
  }

  private initRx(): void {
    this.write16(ERXSTL, RX_START);
    this.write16(ERXNDL, RX_END);
    this.write16(ERDPTL, RX_START);
    this.write16(ERXRDPTL, RX_END); // odd (errata 14)
    this.nextPacket = RX_START;
  }

  // A group was joined (mDNS): the chip lets multicast in, and the stack keeps the groups it joined.
  setMulticast(on: boolean): void {
    this.filter = on ? FILTER + FILTER_MCEN : FILTER;
    if (this.ready) this.writeReg(ERXFCON, this.filter);
  }

  protected writeHwaddr(): void {
    // MAADR1 is the first byte on the wire; the registers are laid out 5, 6, 3, 4, 1, 2.
    for (let i = 0; i < 6; i++) this.writeReg(MAADR5 + MAADR_ORDER[i], get8(this.hwaddr, i));
  }

  protected usable(): boolean {
    return this.ready;
  }

  read(): Bytes | undefined {
    if (!this.ready) return undefined;
    if (this.burst >= RX_BURST || this.readReg(EPKTCNT) === 0) {
      this.burst = 0;
      return undefined;
    }
    this.write16(ERDPTL, this.nextPacket);
    const h = this.hdr;
    this.readBuffer(h, RX_HEADER);
    const next = get8(h, 1) + get8(h, 2) * 256;
    const count = get8(h, 3) + get8(h, 4) * 256;
    const status = get8(h, 5);
    // The chip's own bookkeeping: a pointer outside the ring, odd, or a length no frame has means it is out of step.
    if (next > RX_END || next % 2 === 1 || count > MAX_FRAME || count < ETH_HEADER + 4) {
      this.counters.rxErrors++;
      this.resetRx();
      return undefined;
    }
    this.burst++;
    let frame: Bytes | undefined = undefined;
    const n = count - 4;
    if (band(status, RSV_RECEIVED_OK) === 0) this.counters.rxErrors++;
    else if (!this.fits(n, 4)) this.counters.rxDropped++;
    else {
      // The read continues after the header; the chip wraps ERDPT from the ring's end to its start.
      const b = alloc(1 + n);
      this.readBuffer(b, n);
      frame = view(b, 1, n);
      this.counters.rxPackets++;
      this.counters.rxBytes += n;
    }
    this.release(next);
    return frame === undefined ? this.read() : frame;
  }

  /** Gives the frame's space back: ERXRDPT just behind the next packet, kept odd, then PKTDEC. */
  private release(next: number): void {
    this.nextPacket = next;
    this.write16(ERXRDPTL, next === RX_START ? RX_END : next - 1);
    this.bfs(ECON2, ECON2_PKTDEC);
  }

  private resetRx(): void {
    this.resyncs++;
    this.bfc(ECON1, ECON1_RXEN);
    this.bfs(ECON1, ECON1_RXRST);
    this.bfc(ECON1, ECON1_RXRST);
    this.initRx();
    this.bfs(ECON1, ECON1_RXEN);
  }

  close(): void {
    if (this.srcTimer !== undefined) this.clock.clear(this.srcTimer);
    this.srcTimer = undefined;
    this.stopPolling();
    if (this.ready) this.bfc(ECON1, ECON1_RXEN);
    this.ready = false;
    this.dropPending();
  }

  protected transmit(frame: Bytes): boolean {
    const n = len(frame);
    // Errata 12: the transmit logic can stall after an error; reset it before each frame.
    this.bfs(ECON1, ECON1_TXRST);
    this.bfc(ECON1, ECON1_TXRST);
    this.bfc(EIR, EIR_TXIF + EIR_TXERIF);
    this.write16(EWRPTL, TX_START);
    const b = alloc(2 + n);
    set8(b, 0, OP_WBM);
    set8(b, 1, 0); // per-packet control byte: MACON3's settings
    copy(b, 2, frame, 0, n);
    this.spi.transfer(b, 0, 2 + n, 0);
    this.write16(ETXNDL, TX_START + n);
    this.bfs(ECON1, ECON1_TXRTS);
    this.sending = true;
    this.sent(n);
    return true;
  }

  protected checkSent(): void {
    if (band(this.readReg(ECON1), ECON1_TXRTS) !== 0) return;
    this.txDone(band(this.readReg(EIR), EIR_TXERIF) !== 0);
  }

  protected poll(): void {
    if (this.polls % LINK_EVERY === 0) {
      const st = this.readPhy(PHSTAT2);
      this.linkIs(st >= 0 && band(st, PHSTAT2_LSTAT) !== 0);
    }
    this.polls++;
    const eir = this.readReg(EIR);
    if (band(eir, EIR_RXERIF) !== 0) {
      this.overruns++;
      this.counters.rxDropped++;
      this.bfc(EIR, EIR_RXERIF);
    }
    if (this.sending) this.checkSent();
    const count = this.readReg(EPKTCNT);
    if (count > 0) this.o.onReadable(count);
  }

  // --- SPI access ------------------------------------------------------------

  private selectBank(reg: number): void {
    const a = reg % 32;
    if (a >= 0x1b) return;
    const bank = Math.floor(reg / 32);
    if (bank === this.bank) return;
    this.op(OP_BFC, ECON1, ECON1_BSEL);
    if (bank !== 0) this.op(OP_BFS, ECON1, bank);
    this.bank = bank;
  }

  private op(code: number, reg: number, v: number): void {
    set8(this.cmd, 0, code + (reg % 32));
    set8(this.cmd, 1, v);
    this.spi.transfer(this.cmd, 0, 2, 0);
  }

  private readReg(reg: number): number {
    this.selectBank(reg);
    // MAC and MII registers answer with a dummy byte first.
    const a = reg % 32;
    const macMii =
      a < 0x1b && (reg >= MACON1 && reg < 0x60 ? true : reg === MISTAT || (reg >= MAADR5 && reg <= MAADR5 + 5));
    set8(this.cmd, 0, OP_RCR + a);
    this.spi.transfer(this.cmd, 0, 1, macMii ? 2 : 1);
    return get8(this.cmd, macMii ? 2 : 1);
  }

  private writeReg(reg: number, v: number): void {
    this.selectBank(reg);
    this.op(OP_WCR, reg, v);
  }

  /** Low byte first: ERXRDPT takes its value when the high byte is written. */
  private write16(reg: number, v: number): void {
    this.writeReg(reg, v % 256);
    this.writeReg(reg + 1, Math.floor(v / 256));
  }

  private bfs(reg: number, bits: number): void {
    this.op(OP_BFS, reg, bits);
  }

  private bfc(reg: number, bits: number): void {
    this.op(OP_BFC, reg, bits);
  }

  /** n bytes from ERDPT into b[1..n] (b[0] carries the opcode). */
  private readBuffer(b: Bytes, n: number): void {
    set8(b, 0, OP_RBM);
    this.spi.transfer(b, 0, 1, n);
  }

  /** A PHY register over MII, or -1 when the MII stays busy. */
  private readPhy(a: number): number {
    this.writeReg(MIREGADR, a);
    this.writeReg(MICMD, MICMD_MIIRD);
    if (!this.miiWait()) return -1;
    this.writeReg(MICMD, 0);
    return this.readReg(MIRDL) + this.readReg(MIRDH) * 256;
  }

  private writePhy(a: number, v: number): boolean {
    this.writeReg(MIREGADR, a);
    this.writeReg(MIWRL, v % 256);
    this.writeReg(MIWRH, Math.floor(v / 256));
    if (this.miiWait()) return true;
    if (this.o.onError !== undefined) this.o.onError("enc28j60: the MII stays busy");
    return false;
  }

  private miiWait(): boolean {
    for (let i = 0; i < MII_POLLS; i++) if (band(this.readReg(MISTAT), MISTAT_BUSY) === 0) return true;
    return false;
  }
}

/** The board entry's way in: an ENC28J60 being reset; set-up follows on the clock. */
export const openEnc28j60: SpiMacFactory = (spi, clock, hwaddr, mtu, o, gpio, pins) => {
  const mac = new Enc28j60Mac({
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
  mac.start();
  return mac;
};
