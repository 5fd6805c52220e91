// A register-level model of the Microchip ENC28J60, written from its data
// sheet (DS39662E) and silicon errata (DS80349): the seven SPI opcodes, four
// register banks with the common registers in each, the dummy byte before
// MAC/MII register data, 8 KB of buffer memory with the receive ring's
// hardware pointer rules, the next-packet pointer and receive status vector,
// EPKTCNT/PKTDEC, transmission with the control byte and the status vector
// written after the frame, the MII interface to the PHY registers (BUSY while
// an operation runs), and the errata a driver has to respect: no access within
// 1 ms of a reset (CLKRDY cannot be trusted) and an odd ERXRDPT.
import type { Bytes, Spi } from "../../hal/types";

const MEM = 8192;
const MIN_FRAME = 60;

// Common registers (every bank).
const EIR = 0x1c;
const ESTAT = 0x1d;
const ECON2 = 0x1e;
const ECON1 = 0x1f;
// Bank 0.
const ERDPT = 0x00;
const EWRPT = 0x02;
const ETXST = 0x04;
const ETXND = 0x06;
const ERXST = 0x08;
const ERXND = 0x0a;
const ERXRDPT = 0x0c;
const ERXWRPT = 0x0e;
// Bank 1.
const ERXFCON = 0x20 + 0x18;
const EPKTCNT = 0x20 + 0x19;
// Bank 2.
const MACON1 = 0x40 + 0x00;
const MACON3 = 0x40 + 0x02;
const MAMXFL = 0x40 + 0x0a;
const MICMD = 0x40 + 0x12;
const MIREGADR = 0x40 + 0x14;
const MIWRL = 0x40 + 0x16;
const MIWRH = 0x40 + 0x17;
const MIRDL = 0x40 + 0x18;
// Bank 3.
const MAADR = [0x60 + 0x04, 0x60 + 0x05, 0x60 + 0x02, 0x60 + 0x03, 0x60 + 0x00, 0x60 + 0x01]; // MAADR1..6
const MISTAT = 0x60 + 0x0a;
const EREVID = 0x60 + 0x12;

const ECON1_TXRST = 0x80;
const ECON1_RXRST = 0x40;
const ECON1_TXRTS = 0x08;
const ECON1_RXEN = 0x04;
const ECON2_AUTOINC = 0x80;
const ECON2_PKTDEC = 0x40;
const EIR_PKTIF = 0x40;
const EIR_TXIF = 0x08;
const EIR_TXERIF = 0x02;
const EIR_RXERIF = 0x01;
const ESTAT_CLKRDY = 0x01;
const ESTAT_TXABRT = 0x02;
const ESTAT_BUFER = 0x40;

// PHY registers.
const PHCON1 = 0x00;
const PHSTAT1 = 0x01;
const PHID1 = 0x02;
const PHID2 = 0x03;
const PHCON2 = 0x10;
const PHSTAT2 = 0x11;

/** MAC and MII registers: a read returns a dummy byte before the data. */
function isMacMii(reg: number): boolean {
  const bank = reg >> 5;
  const a = reg & 0x1f;
  if (a >= 0x1b) return false;
  return bank === 2 || (bank === 3 && (a <= 0x05 || a === 0x0a));
}

export interface Enc28j60Stats {
  spiFrames: number;
  rxFrames: number;
  rxFiltered: number;
  /** No room in the ring (or EPKTCNT at 255): the frame is lost and RXERIF set. */
  rxOverflow: number;
  rxOversize: number;
  txFrames: number;
  errors: string[];
}

export class Enc28j60Model implements Spi {
  private regs = new Uint8Array(128);
  private mem = new Uint8Array(MEM);
  private phy = new Uint16Array(32);
  private erxrdptLow = 0;
  private miBusyReads = 0;
  private resetAt = -Infinity;
  private inReset = false;
  /** Resets through the RESET pin. */
  hardResets = 0;
  private link = true;
  /** When set, a transmission started with TXRTS completes only on completeSend(). */
  holdSends = false;
  /** The next received frame is stored with a CRC error (only seen when ERXFCON.CRCEN is off). */
  badCrcNext = false;
  stats: Enc28j60Stats = {
    spiFrames: 0,
    rxFrames: 0,
    rxFiltered: 0,
    rxOverflow: 0,
    rxOversize: 0,
    txFrames: 0,
    errors: [],
  };

  constructor(
    private readonly onWire: (frame: Uint8Array) => void,
    /** Milliseconds, for the errata's "wait 1 ms after a reset". */
    private readonly now: () => number,
  ) {
    this.powerOn();
  }

  /** The RESET input: low holds the chip in reset; its release resets it (and the 1 ms wait starts). */
  setReset(low: boolean): void {
    if (low === this.inReset) return;
    this.inReset = low;
    if (low) return;
    this.softReset();
    this.hardResets++;
  }

  // --- SPI side ----------------------------------------------------------------

  transfer(bytes: Bytes, off: number, nOut: number, nIn: number): void {
    const b = bytes as unknown as Uint8Array;
    const n = nOut + nIn;
    this.stats.spiFrames++;
    // Reads (RCR, RBM) send the opcode alone; everything else only sends.
    const op0 = b[off] >> 5;
    if ((op0 === 0 || op0 === 1) !== nIn > 0 || ((op0 === 0 || op0 === 1) && nOut !== 1))
      this.stats.errors.push(`opcode ${op0} with ${nOut} bytes out, ${nIn} in`);
    const op = b[off] >> 5;
    const arg = b[off] & 0x1f;
    if (this.inReset) return void this.stats.errors.push("SPI access while RESET is low");
    if (op === 7 && arg === 0x1f) return this.softReset();
    if (this.now() - this.resetAt < 1) {
      this.stats.errors.push("SPI access within 1 ms of a reset (errata: CLKRDY is not reliable)");
      b.fill(0, off, off + n);
      return;
    }
    const reg = arg >= 0x1b ? arg : (this.regs[ECON1] & 3) * 32 + arg;
    switch (op) {
      case 0: {
        // RCR
        const dummy = isMacMii(reg) ? 1 : 0;
        if (n !== 2 + dummy)
          this.stats.errors.push(`RCR of ${reg.toString(16)} with ${n} bytes (${2 + dummy} expected)`);
        if (n >= 2 + dummy) b[off + 1 + dummy] = this.readReg(reg);
        if (dummy === 1 && n >= 2) b[off + 1] = 0xff;
        return;
      }
      case 1:
        if (arg !== 0x1a) return void this.stats.errors.push(`RBM with argument ${arg}`);
        for (let i = 1; i < n; i++) b[off + i] = this.readBuffer();
        return;
      case 2:
        if (n !== 2) this.stats.errors.push(`WCR with ${n} bytes`);
        return this.writeReg(reg, b[off + 1]);
      case 3:
        if (arg !== 0x1a) return void this.stats.errors.push(`WBM with argument ${arg}`);
        for (let i = 1; i < n; i++) this.writeBuffer(b[off + i]);
        return;
      case 4:
      case 5:
        if (isMacMii(reg))
          return void this.stats.errors.push(
            `bit field ${op === 4 ? "set" : "clear"} on MAC/MII register ${reg.toString(16)}`,
          );
        return this.writeReg(reg, op === 4 ? this.regs[reg] | b[off + 1] : this.regs[reg] & ~b[off + 1], op === 5);
      default:
        this.stats.errors.push(`unknown opcode ${op}`);
    }
  }

  private readReg(reg: number): number {
    if (reg === MISTAT) {
      if (this.miBusyReads > 0) {
        this.miBusyReads--;
        return 1;
      }
      return 0;
    }
    if (reg === MIRDL || reg === MIRDL + 1) {
      if (this.miBusyReads > 0) this.stats.errors.push("MIRD read while the MII is busy");
    }
    if (reg === ESTAT) return this.regs[ESTAT] | ESTAT_CLKRDY;
    return this.regs[reg];
  }

  private writeReg(reg: number, v: number, clearing = false): void {
    const r = this.regs;
    switch (reg) {
      case EPKTCNT:
      case ERXWRPT:
      case ERXWRPT + 1:
      case EREVID:
      case MISTAT:
      case MIRDL:
      case MIRDL + 1:
        return; // read-only
      case ERXRDPT:
        this.erxrdptLow = v; // buffered until the high byte is written
        return;
      case ERXRDPT + 1:
        r[ERXRDPT] = this.erxrdptLow;
        r[ERXRDPT + 1] = v & 0x1f;
        if (this.get16(ERXRDPT) % 2 === 0)
          this.stats.errors.push(
            `even ERXRDPT 0x${this.get16(ERXRDPT).toString(16)} (errata: the ring can be corrupted)`,
          );
        return;
      case ERXST:
      case ERXST + 1:
        r[reg] = reg === ERXST + 1 ? v & 0x1f : v;
        // Writing ERXST moves the hardware write pointer there.
        r[ERXWRPT] = r[ERXST];
        r[ERXWRPT + 1] = r[ERXST + 1];
        return;
      case ECON2:
        r[ECON2] = v & ~ECON2_PKTDEC;
        if ((v & ECON2_PKTDEC) !== 0 && !clearing) {
          if (r[EPKTCNT] === 0) this.stats.errors.push("PKTDEC with EPKTCNT at 0");
          else r[EPKTCNT]--;
          if (r[EPKTCNT] === 0) r[EIR] &= ~EIR_PKTIF;
        }
        return;
      case ECON1: {
        const was = r[ECON1];
        r[ECON1] = v;
        if ((v & ECON1_RXRST) !== 0) {
          r[EPKTCNT] = 0;
          r[EIR] &= ~EIR_PKTIF;
        }
        if ((v & ECON1_TXRST) !== 0) r[ECON1] &= ~ECON1_TXRTS;
        // A transmission starts when TXRTS goes from 0 to 1 (setting it again changes nothing).
        if ((v & ECON1_TXRTS) !== 0 && (was & ECON1_TXRTS) === 0 && (v & ECON1_TXRST) === 0) this.transmit();
        return;
      }
      case MICMD:
        r[MICMD] = v;
        if ((v & 1) !== 0) {
          // MIIRD: the PHY register arrives in MIRD after ~10 µs, BUSY meanwhile.
          const val = this.readPhy(r[MIREGADR] & 0x1f);
          r[MIRDL] = val & 0xff;
          r[MIRDL + 1] = val >> 8;
          this.miBusyReads = 1;
        }
        return;
      case MIWRH:
        r[MIWRH] = v;
        this.phy[r[MIREGADR] & 0x1f] = r[MIWRL] | (v << 8);
        this.miBusyReads = 1;
        return;
      default:
        r[reg] = v;
    }
  }

  private readPhy(a: number): number {
    if (a === PHSTAT2) return (this.phy[PHSTAT2] & ~0x0400) | (this.link ? 0x0400 : 0);
    if (a === PHSTAT1) {
      const v = this.phy[PHSTAT1];
      // LLSTAT latches low: reading it sets it again if the link is up now.
      if (this.link) this.phy[PHSTAT1] |= 0x0004;
      return v;
    }
    return this.phy[a];
  }

  private readBuffer(): number {
    const p = this.get16(ERDPT);
    const v = this.mem[p];
    if ((this.regs[ECON2] & ECON2_AUTOINC) !== 0) {
      // Reads wrap from the end of the receive ring to its start.
      this.set16(ERDPT, p === this.get16(ERXND) ? this.get16(ERXST) : (p + 1) % MEM);
    }
    return v;
  }

  private writeBuffer(v: number): void {
    const p = this.get16(EWRPT);
    this.mem[p] = v;
    if ((this.regs[ECON2] & ECON2_AUTOINC) !== 0) this.set16(EWRPT, (p + 1) % MEM);
  }

  private transmit(): void {
    const st = this.get16(ETXST);
    const nd = this.get16(ETXND);
    if (nd < st) {
      this.stats.errors.push("ETXND before ETXST");
      return;
    }
    if (!this.link) {
      this.regs[ESTAT] |= ESTAT_TXABRT;
      this.regs[EIR] |= EIR_TXERIF;
      this.regs[ECON1] &= ~ECON1_TXRTS;
      return;
    }
    const n = nd - st; // the control byte, then the frame up to ETXND inclusive
    const f = new Uint8Array(Math.max(n, MIN_FRAME));
    f.set(this.mem.subarray(st + 1, nd + 1));
    if (n > this.get16(MAMXFL) - 4) this.stats.errors.push(`transmit of ${n} bytes beyond MAMXFL`);
    this.stats.txFrames++;
    this.onWire(f);
    // The status vector goes after the frame: byte count, then "done" in bit 23.
    const tsv = nd + 1;
    this.mem[tsv % MEM] = f.length & 0xff;
    this.mem[(tsv + 1) % MEM] = f.length >> 8;
    this.mem[(tsv + 2) % MEM] = 0x80;
    for (let i = 3; i < 7; i++) this.mem[(tsv + i) % MEM] = 0;
    if (!this.holdSends) this.completeSend();
  }

  completeSend(): void {
    if ((this.regs[ECON1] & ECON1_TXRTS) === 0) return;
    this.regs[ECON1] &= ~ECON1_TXRTS;
    this.regs[EIR] |= EIR_TXIF;
  }

  // --- wire side ---------------------------------------------------------------

  /** A frame (no FCS) arriving from the cable. */
  fromWire(frame: Uint8Array): void {
    const r = this.regs;
    if (!this.link || (r[ECON1] & ECON1_RXEN) === 0 || (r[MACON1] & 1) === 0 || frame.length < MIN_FRAME) return;
    const fcon = r[ERXFCON];
    if (fcon !== 0) {
      const bcast = frame.subarray(0, 6).every((x) => x === 0xff);
      const mcast = !bcast && (frame[0] & 1) === 1;
      const mine = MAADR.every((reg, i) => frame[i] === r[reg]);
      const ok = ((fcon & 0x80) !== 0 && mine) || ((fcon & 0x01) !== 0 && bcast) || ((fcon & 0x02) !== 0 && mcast);
      if (!ok) return void this.stats.rxFiltered++;
    }
    const count = frame.length + 4; // with the CRC
    if (count > this.get16(MAMXFL)) return void this.stats.rxOversize++;
    const badCrc = this.badCrcNext;
    this.badCrcNext = false;
    if (badCrc && (fcon & 0x20) !== 0) return; // CRCEN: discarded by the filter
    const st = this.get16(ERXST);
    const nd = this.get16(ERXND);
    const size = nd - st + 1;
    const wr = this.get16(ERXWRPT);
    const rd = this.get16(ERXRDPT);
    const free = wr === rd ? size - 1 : wr > rd ? size - (wr - rd) - 1 : rd - wr - 1;
    const need = 6 + count + (count % 2); // packets start at even addresses
    if (need > free || r[EPKTCNT] === 255) {
      r[EIR] |= EIR_RXERIF;
      r[ESTAT] |= ESTAT_BUFER;
      return void this.stats.rxOverflow++;
    }
    const at = (i: number): number => st + ((wr - st + i) % size);
    const next = at(need);
    const bytes = [
      next & 0xff,
      next >> 8,
      count & 0xff,
      count >> 8,
      badCrc ? 0x10 : 0x80,
      frame[0] === 0xff ? 0x02 : (frame[0] & 1) * 0x01,
    ];
    frame.forEach((v) => bytes.push(v));
    bytes.push(0xde, 0xad, 0xbe, 0xef); // the CRC's place (its value is not modelled)
    bytes.forEach((v, i) => (this.mem[at(i)] = v));
    this.set16(ERXWRPT, next);
    r[EPKTCNT]++;
    r[EIR] |= EIR_PKTIF;
    this.stats.rxFrames++;
  }

  setLink(up: boolean): void {
    this.link = up;
    if (!up) this.phy[PHSTAT1] &= ~0x0004;
  }

  pointers(): { rxst: number; rxnd: number; rxwr: number; rxrd: number; pktcnt: number } {
    return {
      rxst: this.get16(ERXST),
      rxnd: this.get16(ERXND),
      rxwr: this.get16(ERXWRPT),
      rxrd: this.get16(ERXRDPT),
      pktcnt: this.regs[EPKTCNT],
    };
  }

  // --- internals -----------------------------------------------------------------

  private powerOn(): void {
    this.softReset();
    this.resetAt = -Infinity;
  }

  private softReset(): void {
    const r = (this.regs = new Uint8Array(128));
    // Reset values the data sheet lists (table 3-2) that a driver might rely on.
    this.set16(ERXND, 0x1fff);
    this.set16(ERDPT, 0x05fa);
    this.set16(ERXRDPT, 0x05fa);
    r[ERXFCON] = 0xa1;
    r[EREVID] = 0x06; // silicon rev. B7
    r[MACON3] = 0;
    this.set16(MAMXFL, 1536);
    r[ECON2] = ECON2_AUTOINC;
    this.phy = new Uint16Array(32);
    this.phy[PHID1] = 0x0083;
    this.phy[PHID2] = 0x1400;
    this.phy[PHCON1] = 0;
    this.phy[PHCON2] = 0;
    this.phy[PHSTAT1] = 0x1800;
    this.phy[PHSTAT2] = 0;
    this.erxrdptLow = 0;
    this.miBusyReads = 0;
    this.resetAt = this.now();
  }

  private get16(reg: number): number {
    return this.regs[reg] | (this.regs[reg + 1] << 8);
  }

  private set16(reg: number, v: number): void {
    this.regs[reg] = v & 0xff;
    this.regs[reg + 1] = (v >> 8) & 0x1f;
  }
}
