// The netlink walker: nlmsghdr, a fixed family header, then attributes
// (TLVs aligned to 4 bytes, possibly nested), validated against a schema
// and indexed in place; NlError says why a message was refused.
import { get8, len } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes } from "../../hal/types";
import { EINVAL, EMSGSIZE, ERANGE } from "../net/errno";
import { asciiText } from "../util/text";
import { NLA_HDRLEN, NLM_F_CAPPED, NLMSG_ERROR, NLMSG_HDRLEN } from "./constants";
import { align4, getBe32, getLe16, getLe32, getLe64 } from "../wire/endian";
import {
  NLA_F_NESTED,
  NLA_NESTED,
  NLA_U16,
  NLA_U8,
  type NlAttrSet,
  type NlField,
  type NlSchema,
  readField,
} from "./policy";
import {
  NLA_LEN_OFF,
  NLA_TYPE_OFF,
  NLMSG_FLAGS_OFF,
  NLMSG_LEN_OFF,
  NLMSG_PID_OFF,
  NLMSG_SEQ_OFF,
  NLMSG_TYPE_OFF,
  NLMSGERR_MSG_OFF,
} from "../wire/netlink";

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
  /** For NLE_ATTR_POLICY: the set and declaration the attribute failed (the POLICY TLV describes it). */
  policySet: NlAttrSet | undefined = undefined;
  policyIndex = -1;

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
    this.policySet = undefined;
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
    const nlaLen = getLe16(b, p + NLA_LEN_OFF);
    const type = getLe16(b, p + NLA_TYPE_OFF) % 65536;
    const t = type - (type >= NLA_F_NESTED ? NLA_F_NESTED : 0);
    const bare = t >= 0x4000 ? t - 0x4000 : t;
    if (nlaLen < NLA_HDRLEN)
      return err.parse(NLE_ATTR_SHORT, EINVAL, "attribute length below its header", p - msgStart);
    if (p + nlaLen > end) return err.parse(NLE_ATTR_OVERRUN, EINVAL, "attribute overruns its container", p - msgStart);
    const i = set !== undefined ? set.find(bare) : -1;
    const n = nlaLen - NLA_HDRLEN;
    if (set !== undefined && i >= 0) {
      if (!set.accepts(i, n)) {
        err.parse(NLE_ATTR_POLICY, ERANGE, "Attribute failed policy validation", p - msgStart);
        err.policySet = set;
        err.policyIndex = i;
        return false;
      }
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
  /** Attributes after a malformed one were ignored, as Linux does: the ACK carries this text as a warning. */
  warning = "";

  /** A family-header field (the field constants in schemas.ts); 0 beyond a short header (a legacy dump request). */
  field(f: NlField): number {
    const width = f.kind === NLA_U8 ? 1 : f.kind === NLA_U16 ? 2 : 4;
    if (NLMSG_HDRLEN + f.off + width > this.len) return 0;
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
  m.warning = "";
  m.attrs.reset(b);
  if (avail < NLMSG_HDRLEN || off + avail > len(b))
    return err.parse(NLE_SHORT, EINVAL, "message shorter than a netlink header", -1);
  m.len = getLe32(b, off + NLMSG_LEN_OFF);
  m.type = getLe16(b, off + NLMSG_TYPE_OFF);
  m.flags = getLe16(b, off + NLMSG_FLAGS_OFF);
  m.seq = getLe32(b, off + NLMSG_SEQ_OFF);
  m.pid = getLe32(b, off + NLMSG_PID_OFF);
  if (m.len < NLMSG_HDRLEN) return err.parse(NLE_LEN_BELOW_HEADER, EINVAL, "nlmsg_len below the header size", 0);
  if (m.len > avail) return err.parse(NLE_LEN_BEYOND_FRAME, EMSGSIZE, "nlmsg_len beyond the end of the frame", 0);
  if (schema === undefined) return true;
  if (m.len - NLMSG_HDRLEN < schema.hdrLen)
    return err.parse(NLE_BAD_HEADER, EINVAL, "Invalid header for " + schema.name, NLMSG_HDRLEN);
  const attrs =
    m.type === NLMSG_ERROR
      ? errorTlvOffset(b, off + NLMSG_HDRLEN, m.len - NLMSG_HDRLEN, m.flags)
      : align4(schema.hdrLen);
  if (parseAttrs(b, off + NLMSG_HDRLEN + attrs, off + m.len, schema.attrs, off, m.attrs, err)) return true;
  // Like rtnetlink's liberal parse: a malformed attribute ends the list, the ones before it stand, and the
  // request goes on with a warning. A policy failure refuses the request.
  if (err.reason !== NLE_ATTR_LEFTOVER && err.reason !== NLE_ATTR_SHORT && err.reason !== NLE_ATTR_OVERRUN)
    return false;
  m.warning = "bytes leftover after parsing attributes";
  err.clear();
  return true;
}

/**
 * Where an NLMSG_ERROR's TLVs start, from the start of its payload: after
 * the errno and the echoed request (only its header when NLM_F_CAPPED).
 */
export function errorTlvOffset(b: Bytes, payload: number, payloadLen: number, flags: number): number {
  if (payloadLen < NLMSGERR_MSG_OFF + NLMSG_HDRLEN) return payloadLen;
  const echoed =
    band(flags, NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : getLe32(b, payload + NLMSGERR_MSG_OFF + NLMSG_LEN_OFF);
  const off = NLMSGERR_MSG_OFF + align4(echoed < NLMSG_HDRLEN ? NLMSG_HDRLEN : echoed);
  return off > payloadLen ? payloadLen : off;
}
