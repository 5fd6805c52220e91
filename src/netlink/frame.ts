// Framing for the serial line: each frame is COBS-encoded
//   [protocol u8][message bytes][CRC-16/GENIBUS of both, big-endian]
// followed by one 0x00. GENIBUS is CCITT-FALSE with a final XOR: without
// one, a CRC appended to its data leaves the register at 0, so a stray 0x01
// before the delimiter (which COBS decodes as a trailing zero) always passed. COBS leaves no zero inside a frame, so after any
// noise the receiver is back in step at the next 0x00; a frame that is too
// long, badly encoded or fails its CRC is counted and dropped, never acted
// on. Buffers are fixed: one for the frame being received, one for encoding.
import { alloc, get8, get16, len, set8, set16 } from "@hal/bytes";
import { bxor } from "@hal/u32";
import type { Bytes } from "../../hal/types";
import { FRAME_CRC_LEN, FRAME_MSG, FRAME_OVERHEAD, FRAME_PROTO } from "../wire/frame";
/** A CRC table entry: one big-endian u16. */
const CRC_ENTRY = 2;

/** rtnetlink messages (NETLINK_ROUTE). */
export const PROTO_ROUTE = 0;
/** Our generic-netlink-style family: subscriptions, authentication, DHCP. */
export const PROTO_GENERIC = 16;

export interface FrameCounters {
  frames: number;
  /** Frames longer than the receive buffer: dropped whole. */
  oversize: number;
  /** Bad COBS code bytes, or too short to hold a protocol byte and a CRC. */
  malformed: number;
  crcErrors: number;
  bytesIn: number;
  bytesOut: number;
}

let crcTable: Bytes | undefined = undefined;

function table(): Bytes {
  if (crcTable !== undefined) return crcTable;
  const t = alloc(256 * CRC_ENTRY);
  for (let i = 0; i < 256; i++) {
    let c = i * 256;
    for (let k = 0; k < 8; k++) c = c >= 32768 ? bxor((c * 2) % 65536, 0x1021) : (c * 2) % 65536;
    set16(t, i * CRC_ENTRY, c);
  }
  crcTable = t;
  return t;
}

/** CRC-16/GENIBUS (poly 0x1021, init 0xffff, final XOR 0xffff) over b[off, off+n). */
export function crc16(b: Bytes, off: number, n: number): number {
  const t = table();
  let crc = 0xffff;
  for (let i = 0; i < n; i++) {
    const idx = bxor(Math.floor(crc / 256), get8(b, off + i));
    crc = bxor((crc % 256) * 256, get16(t, idx * CRC_ENTRY));
  }
  return bxor(crc, 0xffff);
}

/** The longest encoding of a payload of n bytes: COBS adds one byte per 254, plus the delimiter. */
export function encodedMax(n: number): number {
  return n + Math.floor(n / 254) + 2;
}

/**
 * Encodes one frame (protocol, message, CRC) into `out` from offset 0;
 * returns the encoded length including the trailing 0x00, or -1 if `out`
 * is too small.
 */
export function encodeFrame(proto: number, msg: Bytes, off: number, n: number, out: Bytes, scratch: Bytes): number {
  const total = n + FRAME_OVERHEAD;
  if (len(scratch) < total || len(out) < encodedMax(total)) return -1;
  set8(scratch, FRAME_PROTO, proto);
  for (let i = 0; i < n; i++) set8(scratch, FRAME_MSG + i, get8(msg, off + i));
  set16(scratch, FRAME_MSG + n, crc16(scratch, 0, FRAME_MSG + n));
  // COBS: each block starts with a code byte = distance to the next zero (or 0xff for 254 data bytes).
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < total; i++) {
    const v = get8(scratch, i);
    if (v === 0) {
      set8(out, codeAt, code);
      codeAt = o++;
      code = 1;
    } else {
      set8(out, o++, v);
      code++;
      if (code === 0xff) {
        set8(out, codeAt, code);
        codeAt = o++;
        code = 1;
      }
    }
  }
  set8(out, codeAt, code);
  set8(out, o++, 0);
  return o;
}

/** Receives bytes from the line and hands complete, verified frames to `onFrame`. */
export class FrameDecoder {
  readonly counters: FrameCounters = { frames: 0, oversize: 0, malformed: 0, crcErrors: 0, bytesIn: 0, bytesOut: 0 };
  private readonly raw: Bytes;
  private readonly out: Bytes;
  private n = 0;
  private overflowed = false;

  constructor(
    maxMessage: number,
    /** A verified frame: protocol, and the message in `msg[0, n)` (valid until the next call). */
    private readonly onFrame: (proto: number, msg: Bytes, n: number) => void,
  ) {
    this.raw = alloc(encodedMax(maxMessage + 3));
    this.out = alloc(maxMessage + 3);
  }

  /** Feeds received bytes. */
  push(b: Bytes, off: number, n: number): void {
    this.counters.bytesIn += n;
    for (let i = 0; i < n; i++) {
      const v = get8(b, off + i);
      if (v === 0) {
        if (this.overflowed) this.counters.oversize++;
        else if (this.n > 0) this.finish();
        this.n = 0;
        this.overflowed = false;
        continue;
      }
      if (this.overflowed) continue;
      if (this.n >= len(this.raw)) {
        this.overflowed = true;
        continue;
      }
      set8(this.raw, this.n++, v);
    }
  }

  private finish(): void {
    // COBS decode into out.
    let i = 0;
    let o = 0;
    const n = this.n;
    while (i < n) {
      const code = get8(this.raw, i++);
      if (i + code - 1 > n) {
        this.counters.malformed++;
        return;
      }
      // A block's data, then the zero it stands for (none after the last block): a frame that fills the
      // buffer exactly fits.
      const zero = code !== 0xff && i + code - 1 < n ? 1 : 0;
      if (o + code - 1 + zero > len(this.out)) {
        this.counters.oversize++;
        return;
      }
      for (let k = 1; k < code; k++) set8(this.out, o++, get8(this.raw, i++));
      if (zero === 1) set8(this.out, o++, 0);
    }
    if (o < FRAME_OVERHEAD) {
      this.counters.malformed++;
      return;
    }
    if (crc16(this.out, 0, o - FRAME_CRC_LEN) !== get16(this.out, o - FRAME_CRC_LEN)) {
      this.counters.crcErrors++;
      return;
    }
    this.counters.frames++;
    this.onFrame(get8(this.out, FRAME_PROTO), this.view(o - FRAME_OVERHEAD), o - FRAME_OVERHEAD);
  }

  // The message after the protocol byte. A copy-free view would need HAL views on every runtime;
  // shifting by one byte in place is as cheap and keeps one buffer.
  private view(n: number): Bytes {
    for (let i = 0; i < n; i++) set8(this.out, i, get8(this.out, i + FRAME_MSG));
    return this.out;
  }
}
