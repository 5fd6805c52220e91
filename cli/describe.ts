// Netlink frames as plain values: what the host CLI prints, what tests
// compare. Walks the same schemas as the firmware's parser (host only).
import { get8, len } from "@hal/bytes";
import type { Bytes } from "../hal/types";
import { formatIPv6 } from "../src/net/addr6";
import { toHex } from "../src/util/hex";
import { asciiText } from "../src/util/text";
import { NLA_HDRLEN, NLMSG_ERROR, NLMSG_HDRLEN } from "../src/netlink/constants";
import { ERR_ATTRS, schemaFor, typeName } from "../src/netlink/schemas";
import { align4, getBe32, getLe16, getLe32, getLe64 } from "../src/wire/endian";
import {
  NLA_BINARY,
  NLA_IN_ADDR,
  NLA_NESTED,
  NLA_STRING,
  NLA_STRUCT,
  NLA_TYPE_MASK,
  NLA_UINT,
  type NlAttrSet,
  type NlSchema,
  readField,
} from "../src/netlink/policy";
import { errorTlvOffset } from "../src/netlink/parse";
// The host decodes every feature's attributes: declare them.
import "../src/netlink/family-probes";
import "../src/netlink/family-settings";

export interface AttrValue {
  type: number;
  name: string;
  /** nla_len as sent. */
  len: number;
  value: number | string | AttrValue[];
}

export interface MessageValue {
  len: number;
  type: number;
  typeName: string;
  flags: number;
  seq: number;
  pid: number;
  header: Record<string, number>;
  attrs: AttrValue[];
  /** What did not parse (the message is described up to there). */
  problem?: string;
}

function dotted(v: number): string {
  return (
    Math.floor(v / 16777216) + "." + (Math.floor(v / 65536) % 256) + "." + (Math.floor(v / 256) % 256) + "." + (v % 256)
  );
}

/** Attribute `i` of `set` (-1: not declared there) as a value. */
function attrValue(
  b: Bytes,
  p: number,
  n: number,
  set: NlAttrSet | undefined,
  i: number,
): number | string | AttrValue[] {
  if (set === undefined || i < 0) return toHex(b, p, n);
  const k = set.kindAt(i);
  if (k === NLA_NESTED) return describeAttrs(b, p, p + n, set.nestedAt(i)).attrs;
  if (k === NLA_STRING) return asciiText(b, p, n);
  if (k === NLA_IN_ADDR && n === 4) return dotted(getBe32(b, p));
  if (k === NLA_IN_ADDR && n === 16) return formatIPv6(b, p);
  if (k === NLA_BINARY || k === NLA_STRUCT) return toHex(b, p, n);
  if (n === 1) return get8(b, p);
  if (n === 2) return getLe16(b, p);
  if (n === 4) return k === NLA_UINT || set.fixedSize(i) === 4 ? getLe32(b, p) : toHex(b, p, n);
  if (n === 8) return getLe64(b, p);
  return toHex(b, p, n);
}

export function describeAttrs(
  b: Bytes,
  start: number,
  end: number,
  set: NlAttrSet | undefined,
): { attrs: AttrValue[]; problem?: string } {
  const attrs: AttrValue[] = [];
  let p = start;
  while (p < end) {
    if (end - p < NLA_HDRLEN) return { attrs, problem: end - p + " bytes left over after the attributes" };
    const n = getLe16(b, p);
    const type = getLe16(b, p + 2) & NLA_TYPE_MASK;
    if (n < NLA_HDRLEN || p + n > end)
      return { attrs, problem: "attribute " + type + " length " + n + " does not fit" };
    const i = set !== undefined ? set.find(type) : -1;
    attrs.push({
      type,
      name: set !== undefined && i >= 0 ? set.nameAt(i) : "attr" + type,
      len: n,
      value: attrValue(b, p + NLA_HDRLEN, n - NLA_HDRLEN, set, i),
    });
    p += align4(n);
  }
  return { attrs };
}

function header(b: Bytes, base: number, schema: NlSchema): Record<string, number> {
  const h: Record<string, number> = {};
  for (let i = 0; i < schema.fields.length; i++) h[schema.fields[i].name] = readField(b, base, schema.fields[i]);
  return h;
}

/** Every message in a frame (a netlink datagram), described. */
export function describeFrame(b: Bytes): MessageValue[] {
  const out: MessageValue[] = [];
  let off = 0;
  const total = len(b);
  while (total - off >= NLMSG_HDRLEN) {
    const n = getLe32(b, off);
    const type = getLe16(b, off + 4);
    const flags = getLe16(b, off + 6);
    const m: MessageValue = {
      len: n,
      type,
      typeName: typeName(type),
      flags,
      seq: getLe32(b, off + 8),
      pid: getLe32(b, off + 12),
      header: {},
      attrs: [],
    };
    out.push(m);
    if (n < NLMSG_HDRLEN || n > total - off) {
      m.problem = "nlmsg_len " + n + " does not fit the " + (total - off) + " bytes left";
      return out;
    }
    const schema = schemaFor(type);
    const payload = off + NLMSG_HDRLEN;
    if (schema !== undefined) {
      if (n - NLMSG_HDRLEN < schema.hdrLen && !(type !== NLMSG_ERROR && n - NLMSG_HDRLEN === 0))
        m.problem =
          "payload " +
          (n - NLMSG_HDRLEN) +
          " bytes is shorter than the " +
          schema.name +
          " header (" +
          schema.hdrLen +
          ")";
      else if (n - NLMSG_HDRLEN >= schema.hdrLen) {
        m.header = header(b, payload, schema);
        const start =
          type === NLMSG_ERROR
            ? payload + errorTlvOffset(b, payload, n - NLMSG_HDRLEN, flags)
            : payload + align4(schema.hdrLen);
        const d = describeAttrs(b, start, off + n, type === NLMSG_ERROR ? ERR_ATTRS : schema.attrs);
        m.attrs = d.attrs;
        if (d.problem !== undefined) m.problem = d.problem;
      }
    }
    off += align4(n);
  }
  return out;
}

/** An attribute by name anywhere in a described list (depth first). */
export function findAttr(attrs: AttrValue[], name: string): AttrValue | undefined {
  for (const x of attrs) {
    if (x.name === name) return x;
    if (Array.isArray(x.value)) {
      const y = findAttr(x.value, name);
      if (y !== undefined) return y;
    }
  }
  return undefined;
}
