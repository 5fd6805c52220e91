// The netlink wire: nlmsghdr, a fixed family header, then attributes (TLVs
// aligned to 4 bytes, possibly nested). Messages are declared as schemas
// (header fields + attribute set, see schemas.ts); one walker validates and
// indexes them, one writer emits them. Netlink is host byte order and every
// peer we talk to (x86, ESP32, STM32) is little-endian, so integers are LE;
// IPv4 addresses stay in network order as Linux keeps them.
import { get8, len, set8 } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes } from "../../hal/types";
import { EINVAL, EMSGSIZE, ERANGE } from "../net/errno";
import { asciiText } from "../util/text";
import { NLA_HDRLEN, NLM_F_CAPPED, NLMSG_ERROR, NLMSG_HDRLEN } from "./constants";

export const TWO32 = 4294967296;

export function getLe16(b: Bytes, o: number): number {
  return get8(b, o) + get8(b, o + 1) * 256;
}

export function getLe32(b: Bytes, o: number): number {
  return get8(b, o) + get8(b, o + 1) * 256 + get8(b, o + 2) * 65536 + get8(b, o + 3) * 16777216;
}

export function getS32(b: Bytes, o: number): number {
  const v = getLe32(b, o);
  return v >= 2147483648 ? v - TWO32 : v;
}

/** Up to 2^53 exactly; counters beyond that lose their low bits, never their size. */
export function getLe64(b: Bytes, o: number): number {
  return getLe32(b, o) + getLe32(b, o + 4) * TWO32;
}

/** Network-order u32 (in_addr). */
export function getBe32(b: Bytes, o: number): number {
  return get8(b, o) * 16777216 + get8(b, o + 1) * 65536 + get8(b, o + 2) * 256 + get8(b, o + 3);
}

export function setLe16(b: Bytes, o: number, v: number): void {
  set8(b, o, v % 256);
  set8(b, o + 1, Math.floor(v / 256) % 256);
}

export function setLe32(b: Bytes, o: number, v: number): void {
  let x = v < 0 ? v + TWO32 : v;
  for (let i = 0; i < 4; i++) {
    set8(b, o + i, x % 256);
    x = Math.floor(x / 256);
  }
}

export function setLe64(b: Bytes, o: number, v: number): void {
  setLe32(b, o, v % TWO32);
  setLe32(b, o + 4, Math.floor(v / TWO32) % TWO32);
}

export function setBe32(b: Bytes, o: number, v: number): void {
  let x = v;
  for (let i = 3; i >= 0; i--) {
    set8(b, o + i, x % 256);
    x = Math.floor(x / 256);
  }
}

export function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

// Attribute kinds: what the payload is, and so how long it must be.
export const NLA_U8 = 1;
export const NLA_U16 = 2;
export const NLA_U32 = 3;
export const NLA_U64 = 4;
export const NLA_S32 = 5;
/** NUL-terminated on output; on input the NUL is optional. `size`: longest payload (0: any). */
export const NLA_STRING = 6;
/** Opaque bytes; `size`: longest payload (0: any). */
export const NLA_BINARY = 7;
export const NLA_NESTED = 8;
export const NLA_FLAG = 9;
/** An IPv4 address in network order. */
export const NLA_IN_ADDR = 10;
/** u32, or u64 when the value needs it (the kernel's NLA_UINT). */
export const NLA_UINT = 11;
/** A C struct of exactly `size` bytes. */
export const NLA_STRUCT = 12;
/** A link-layer address: 6 bytes on Ethernet. */
export const NLA_LLADDR = 13;
/** Type bits: the nested and byte-order flags are not part of the type. */
export const NLA_TYPE_MASK = 0x3fff;
export const NLA_F_NESTED = 0x8000;

// One declared attribute is one number, not an object: an object per
// attribute cost about 630 bytes of Lua heap and 9 Espruino variables, and
// the schemas declare about a hundred. Packed with arithmetic only (Lua 5.1
// numbers have no bit operators): type + kind·2^14 + size·2^18 + nested·2^30,
// where nested is 1 + the index of the attribute's nested set (0: none).
const SPEC_KIND = 16384;
const SPEC_SIZE = 262144;
const SPEC_NEST = 1073741824;

/** The attributes of one level: what each type is and how long its payload may be. */
export class NlAttrSet {
  private readonly specs: number[] = [];
  private readonly names: string[] = [];
  private readonly nestedSets: NlAttrSet[] = [];

  constructor(readonly name: string) {}

  private declare(type: number, name: string, kind: number, size: number, nested: NlAttrSet | undefined): NlAttrSet {
    let n = 0;
    if (nested !== undefined) {
      this.nestedSets.push(nested);
      n = this.nestedSets.length;
    }
    this.specs.push(type + kind * SPEC_KIND + size * SPEC_SIZE + n * SPEC_NEST);
    this.names.push(name);
    return this;
  }

  /** Declares an attribute whose size its kind gives (or unbounded). */
  a(type: number, name: string, kind: number): NlAttrSet {
    return this.declare(type, name, kind, 0, undefined);
  }

  /** Declares an attribute with a size: exact for NLA_STRUCT, the longest payload for strings and binary. */
  sized(type: number, name: string, kind: number, size: number): NlAttrSet {
    return this.declare(type, name, kind, size, undefined);
  }

  /** Declares a nested attribute, whose payload is validated against `set` (undefined: opaque). */
  nest(type: number, name: string, set: NlAttrSet | undefined): NlAttrSet {
    return this.declare(type, name, NLA_NESTED, 0, set);
  }

  /** How many attributes are declared. */
  count(): number {
    return this.specs.length;
  }

  /** The declaration index of `type`, or -1 when the set does not declare it. */
  find(type: number): number {
    for (let i = 0; i < this.specs.length; i++) if (this.specs[i] % SPEC_KIND === type) return i;
    return -1;
  }

  typeAt(i: number): number {
    return this.specs[i] % SPEC_KIND;
  }

  kindAt(i: number): number {
    return Math.floor(this.specs[i] / SPEC_KIND) % 16;
  }

  /** Exact size (NLA_STRUCT) or longest payload (strings, binary); 0 when unbounded. */
  sizeAt(i: number): number {
    return Math.floor(this.specs[i] / SPEC_SIZE) % 4096;
  }

  nameAt(i: number): string {
    return this.names[i];
  }

  nestedAt(i: number): NlAttrSet | undefined {
    const n = Math.floor(this.specs[i] / SPEC_NEST);
    return n > 0 ? this.nestedSets[n - 1] : undefined;
  }

  /** The payload length attribute `i`'s kind demands, or -1 when it varies. */
  fixedSize(i: number): number {
    const k = this.kindAt(i);
    if (k === NLA_U8) return 1;
    if (k === NLA_U16) return 2;
    if (k === NLA_U32 || k === NLA_S32 || k === NLA_IN_ADDR) return 4;
    if (k === NLA_U64) return 8;
    if (k === NLA_FLAG) return 0;
    if (k === NLA_LLADDR) return 6;
    if (k === NLA_STRUCT) return this.sizeAt(i);
    return -1;
  }

  /** Whether a payload of `n` bytes is acceptable for attribute `i`. */
  accepts(i: number, n: number): boolean {
    const f = this.fixedSize(i);
    if (f >= 0) return n === f;
    const k = this.kindAt(i);
    if (k === NLA_UINT) return n === 4 || n === 8;
    if (k === NLA_STRING || k === NLA_BINARY) return this.sizeAt(i) === 0 || n <= this.sizeAt(i);
    return true;
  }
}

export class NlField {
  constructor(
    readonly name: string,
    readonly off: number,
    /** NLA_U8, NLA_U16, NLA_U32 or NLA_S32. */
    readonly kind: number,
  ) {}
}

export class NlSchema {
  constructor(
    readonly name: string,
    readonly hdrLen: number,
    readonly fields: NlField[],
    readonly attrs: NlAttrSet | undefined,
  ) {}
}

export function readField(b: Bytes, base: number, f: NlField): number {
  const o = base + f.off;
  if (f.kind === NLA_U8) return get8(b, o);
  if (f.kind === NLA_U16) return getLe16(b, o);
  if (f.kind === NLA_S32) return getS32(b, o);
  return getLe32(b, o);
}

// Why the parser refused a message (NlError.reason); handlers' own refusals are NLE_REFUSED.
export const NLE_NONE = 0;
export const NLE_REFUSED = 1;
export const NLE_SHORT = 2;
export const NLE_LEN_BELOW_HEADER = 3;
export const NLE_LEN_BEYOND_FRAME = 4;
export const NLE_BAD_HEADER = 5;
export const NLE_ATTR_LEFTOVER = 6;
export const NLE_ATTR_SHORT = 7;
export const NLE_ATTR_OVERRUN = 8;
export const NLE_ATTR_POLICY = 9;

/** Why a message was refused: Linux errno, reason code, extended-ack text, offending offset in the message (-1: none). */
export class NlError {
  code = 0;
  reason = NLE_NONE;
  msg = "";
  off = -1;

  set(code: number, msg: string, off: number): false {
    return this.parse(NLE_REFUSED, code, msg, off);
  }

  /** A parse failure: `reason` says which check failed, for callers that treat some differently. */
  parse(reason: number, code: number, msg: string, off: number): false {
    this.code = code;
    this.reason = reason;
    this.msg = msg;
    this.off = off;
    return false;
  }

  /** For handlers: records the error and returns it as -errno. */
  fail(code: number, msg: string, off: number): number {
    this.set(code, msg, off);
    return -code;
  }

  clear(): void {
    this.code = 0;
    this.reason = NLE_NONE;
    this.msg = "";
    this.off = -1;
  }
}

/** The attributes of one level, indexed in place (no copies): type, payload offset and length. */
export class NlAttrList {
  buf: Bytes | undefined = undefined;
  count = 0;
  readonly types: number[] = [];
  readonly offs: number[] = [];
  readonly lens: number[] = [];

  reset(buf: Bytes): void {
    this.buf = buf;
    this.count = 0;
  }

  add(type: number, off: number, n: number): void {
    this.types[this.count] = type;
    this.offs[this.count] = off;
    this.lens[this.count] = n;
    this.count++;
  }

  /** The index of the last attribute of `type` (Linux keeps the last one), or -1. */
  find(type: number): number {
    for (let i = this.count - 1; i >= 0; i--) if (this.types[i] === type) return i;
    return -1;
  }

  has(type: number): boolean {
    return this.find(type) >= 0;
  }

  /** An integer attribute of any width the walker accepted (1, 2, 4 or 8 bytes), or `dflt`. */
  num(type: number, dflt: number): number {
    const i = this.find(type);
    if (i < 0) return dflt;
    const b = this.buf!;
    const n = this.lens[i];
    const o = this.offs[i];
    if (n === 1) return get8(b, o);
    if (n === 2) return getLe16(b, o);
    if (n === 4) return getLe32(b, o);
    if (n === 8) return getLe64(b, o);
    return dflt;
  }

  inAddr(type: number, dflt: number): number {
    const i = this.find(type);
    return i < 0 || this.lens[i] < 4 ? dflt : getBe32(this.buf!, this.offs[i]);
  }

  /** A string attribute up to its first NUL, or undefined when absent. */
  str(type: number): string | undefined {
    const i = this.find(type);
    if (i < 0) return undefined;
    return asciiText(this.buf!, this.offs[i], this.lens[i]);
  }
}

/**
 * Validates and indexes the attributes in [start, end) against `set`
 * (unknown types are skipped, but their lengths are still checked).
 * `msgStart` makes error offsets relative to the message, as extended
 * acks report them. Nested sets are validated all the way down.
 */
export function parseAttrs(
  b: Bytes,
  start: number,
  end: number,
  set: NlAttrSet | undefined,
  msgStart: number,
  out: NlAttrList | undefined,
  err: NlError,
): boolean {
  let p = start;
  while (p < end) {
    if (end - p < NLA_HDRLEN)
      return err.parse(NLE_ATTR_LEFTOVER, EINVAL, "bytes leftover after parsing attributes", p - msgStart);
    const nlaLen = getLe16(b, p);
    const type = getLe16(b, p + 2) % 65536;
    const t = type - (type >= NLA_F_NESTED ? NLA_F_NESTED : 0);
    const bare = t >= 0x4000 ? t - 0x4000 : t;
    if (nlaLen < NLA_HDRLEN)
      return err.parse(NLE_ATTR_SHORT, EINVAL, "attribute length below its header", p - msgStart);
    if (p + nlaLen > end) return err.parse(NLE_ATTR_OVERRUN, EINVAL, "attribute overruns its container", p - msgStart);
    const i = set !== undefined ? set.find(bare) : -1;
    const n = nlaLen - NLA_HDRLEN;
    if (set !== undefined && i >= 0) {
      if (!set.accepts(i, n))
        return err.parse(NLE_ATTR_POLICY, ERANGE, "Attribute failed policy validation", p - msgStart);
      if (
        set.kindAt(i) === NLA_NESTED &&
        !parseAttrs(b, p + NLA_HDRLEN, p + nlaLen, set.nestedAt(i), msgStart, undefined, err)
      )
        return false;
    }
    if (out !== undefined) out.add(bare, p + NLA_HDRLEN, n);
    p += align4(nlaLen);
  }
  return true;
}

/** One parsed message: header values and its top-level attributes, as views into the buffer. */
export class NlMsg {
  buf: Bytes | undefined = undefined;
  off = 0;
  len = 0;
  type = 0;
  flags = 0;
  seq = 0;
  pid = 0;
  schema: NlSchema | undefined = undefined;
  readonly attrs = new NlAttrList();

  /** A family-header field (the field constants in schemas.ts). */
  field(f: NlField): number {
    return readField(this.buf!, this.off + NLMSG_HDRLEN, f);
  }

  payloadLen(): number {
    return this.len - NLMSG_HDRLEN;
  }
}

/** Reads the nlmsghdr at `off` with `avail` bytes left in the frame; 0 when it is not even a header. */
export function messageLength(b: Bytes, off: number, avail: number): number {
  return avail < NLMSG_HDRLEN ? 0 : getLe32(b, off);
}

/**
 * Parses one message: nlmsghdr, `schema`'s family header, attributes. On
 * failure `err` says why; the header values in `m` are still filled in
 * when the nlmsghdr itself was whole, so an error reply can echo them.
 */
export function parseMessage(
  b: Bytes,
  off: number,
  avail: number,
  schema: NlSchema | undefined,
  m: NlMsg,
  err: NlError,
): boolean {
  err.clear();
  m.buf = b;
  m.off = off;
  m.schema = schema;
  m.attrs.reset(b);
  if (avail < NLMSG_HDRLEN || off + avail > len(b))
    return err.parse(NLE_SHORT, EINVAL, "message shorter than a netlink header", -1);
  m.len = getLe32(b, off);
  m.type = getLe16(b, off + 4);
  m.flags = getLe16(b, off + 6);
  m.seq = getLe32(b, off + 8);
  m.pid = getLe32(b, off + 12);
  if (m.len < NLMSG_HDRLEN) return err.parse(NLE_LEN_BELOW_HEADER, EINVAL, "nlmsg_len below the header size", 0);
  if (m.len > avail) return err.parse(NLE_LEN_BEYOND_FRAME, EMSGSIZE, "nlmsg_len beyond the end of the frame", 0);
  if (schema === undefined) return true;
  if (m.len - NLMSG_HDRLEN < schema.hdrLen)
    return err.parse(NLE_BAD_HEADER, EINVAL, "Invalid header for " + schema.name, NLMSG_HDRLEN);
  const attrs =
    m.type === NLMSG_ERROR
      ? errorTlvOffset(b, off + NLMSG_HDRLEN, m.len - NLMSG_HDRLEN, m.flags)
      : align4(schema.hdrLen);
  return parseAttrs(b, off + NLMSG_HDRLEN + attrs, off + m.len, schema.attrs, off, m.attrs, err);
}

/**
 * Where an NLMSG_ERROR's TLVs start, from the start of its payload: after
 * the errno and the echoed request (only its header when NLM_F_CAPPED).
 */
export function errorTlvOffset(b: Bytes, payload: number, payloadLen: number, flags: number): number {
  if (payloadLen < 20) return payloadLen;
  const echoed = band(flags, NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : getLe32(b, payload + 4);
  const off = 4 + align4(echoed < NLMSG_HDRLEN ? NLMSG_HDRLEN : echoed);
  return off > payloadLen ? payloadLen : off;
}

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
    setLe16(this.buf, this.pos + 4, type);
    setLe16(this.buf, this.pos + 6, flags);
    setLe32(this.buf, this.pos + 8, seq);
    setLe32(this.buf, this.pos + 12, pid);
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
    setLe16(this.buf, this.pos, NLA_HDRLEN + n);
    setLe16(this.buf, this.pos + 2, type);
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
