// The netlink writer: messages, family-header fields and attributes into
// one frame buffer, with overflow noted instead of thrown.
import { get8, len, set8 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import { NLA_HDRLEN, NLMSG_HDRLEN } from "./constants";
import { align4, setBe32, setLe16, setLe32, setLe64, TWO32 } from "../wire/endian";
import { NLA_FLAG, NLA_IN_ADDR, NLA_U16, NLA_U8, NLA_UINT, type NlAttrSet, type NlField } from "./policy";
import {
  NLA_LEN_OFF,
  NLA_TYPE_OFF,
  NLMSG_FLAGS_OFF,
  NLMSG_PID_OFF,
  NLMSG_SEQ_OFF,
  NLMSG_TYPE_OFF,
} from "../wire/netlink";

/**
 * Builds messages into one buffer. Every write checks the room left; on
 * overflow the writer stops writing and `overflow` says so (a dump then
 * ends the frame and continues in the next).
 */
export class NlWriter {
  pos = 0;
  msgStart = 0;
  overflow = false;

  constructor(readonly buf: Bytes) {}

  reset(): void {
    this.pos = 0;
    this.msgStart = 0;
    this.overflow = false;
  }

  room(n: number): boolean {
    if (this.overflow || this.pos + n > len(this.buf)) {
      this.overflow = true;
      return false;
    }
    return true;
  }

  private zero(n: number): void {
    for (let i = 0; i < n; i++) set8(this.buf, this.pos + i, 0);
  }

  /** Starts a message with a zeroed family header of `hdrLen` bytes. */
  begin(type: number, flags: number, seq: number, pid: number, hdrLen: number): boolean {
    const total = NLMSG_HDRLEN + align4(hdrLen);
    if (!this.room(total)) return false;
    this.msgStart = this.pos;
    this.zero(total);
    setLe16(this.buf, this.pos + NLMSG_TYPE_OFF, type);
    setLe16(this.buf, this.pos + NLMSG_FLAGS_OFF, flags);
    setLe32(this.buf, this.pos + NLMSG_SEQ_OFF, seq);
    setLe32(this.buf, this.pos + NLMSG_PID_OFF, pid);
    this.pos += total;
    return true;
  }

  /** Writes a family-header field of the message being built. */
  field(f: NlField, v: number): void {
    const o = this.msgStart + NLMSG_HDRLEN + f.off;
    if (this.overflow) return;
    if (f.kind === NLA_U8) set8(this.buf, o, v % 256);
    else if (f.kind === NLA_U16) setLe16(this.buf, o, v);
    else setLe32(this.buf, o, v);
  }

  /** Closes the message: sets nlmsg_len. Returns its length, or 0 after an overflow. */
  end(): number {
    if (this.overflow) return 0;
    const n = this.pos - this.msgStart;
    setLe32(this.buf, this.msgStart, n);
    return n;
  }

  /** Drops the message being built (it did not fit). */
  abandon(): void {
    this.pos = this.msgStart;
    this.overflow = false;
  }

  private attrHead(type: number, n: number): boolean {
    if (!this.room(align4(NLA_HDRLEN + n))) return false;
    this.zero(align4(NLA_HDRLEN + n));
    setLe16(this.buf, this.pos + NLA_LEN_OFF, NLA_HDRLEN + n);
    setLe16(this.buf, this.pos + NLA_TYPE_OFF, type);
    this.pos += NLA_HDRLEN;
    return true;
  }

  private attrTail(n: number): void {
    this.pos += align4(NLA_HDRLEN + n) - NLA_HDRLEN;
  }

  /** An integer attribute of width `n` (1, 2, 4 or 8 bytes). */
  int(type: number, n: number, v: number): void {
    if (!this.attrHead(type, n)) return;
    if (n === 0) return;
    if (n === 1) set8(this.buf, this.pos, v % 256);
    else if (n === 2) setLe16(this.buf, this.pos, v);
    else if (n === 4) setLe32(this.buf, this.pos, v);
    else setLe64(this.buf, this.pos, v);
    this.attrTail(n);
  }

  inAddr(type: number, v: number): void {
    if (!this.attrHead(type, 4)) return;
    setBe32(this.buf, this.pos, v);
    this.attrTail(4);
  }

  /** A NUL-terminated string (bytes above 0x7f are written as "?"). */
  str(type: number, s: string): void {
    const n = s.length + 1;
    if (!this.attrHead(type, n)) return;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      set8(this.buf, this.pos + i, c > 0 && c < 128 ? c : 63);
    }
    this.attrTail(n);
  }

  bytes(type: number, src: Bytes, off: number, n: number): void {
    if (!this.attrHead(type, n)) return;
    for (let i = 0; i < n; i++) set8(this.buf, this.pos + i, get8(src, off + i));
    this.attrTail(n);
  }

  /** An attribute of `n` zero bytes whose payload the caller fills at the returned offset (-1: no room). */
  reserve(type: number, n: number): number {
    if (!this.attrHead(type, n)) return -1;
    const at = this.pos;
    this.attrTail(n);
    return at;
  }

  /** Opens a nested attribute; pass the result to endNest. */
  nest(type: number): number {
    if (!this.attrHead(type, 0)) return -1;
    return this.pos - NLA_HDRLEN;
  }

  endNest(at: number): void {
    if (at < 0 || this.overflow) return;
    setLe16(this.buf, at, this.pos - at);
  }

  /**
   * Writes `v` as the schema declares attribute `type` of `set`: the walker
   * that makes every emitted attribute the size its declaration says. False
   * (nothing written) for a type the set does not declare as an integer.
   */
  put(set: NlAttrSet, type: number, v: number): boolean {
    const i = set.find(type);
    if (i < 0) return false;
    const k = set.kindAt(i);
    if (k === NLA_IN_ADDR) this.inAddr(type, v);
    else if (k === NLA_UINT) this.int(type, v >= TWO32 ? 8 : 4, v);
    else if (k === NLA_FLAG) this.int(type, 0, 0);
    else {
      const n = set.fixedSize(i);
      if (n !== 1 && n !== 2 && n !== 4 && n !== 8) return false;
      this.int(type, n, v);
    }
    return true;
  }
}
