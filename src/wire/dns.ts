// DNS messages (RFC 1035 4.1), as the stub resolver and the mDNS responder
// (RFC 6762) read and write them: the header, questions and resource records,
// and names with compression. Every reader is total: a name is followed
// through pointers only backwards (each pointer strictly before the previous
// one's target, so a loop cannot be written) and never past `end`.
import { get8, set8 } from "@hal/bytes";
import type { Bytes } from "../../hal/types";

export const DNS_ID = 0;
export const DNS_FLAGS = 2;
export const DNS_QDCOUNT = 4;
export const DNS_ANCOUNT = 6;
export const DNS_NSCOUNT = 8;
export const DNS_ARCOUNT = 10;
export const DNS_HLEN = 12;

/** FLAGS: response, opcode (4 bits at 11), authoritative, truncated, recursion desired/available, rcode (low 4 bits). */
export const DNS_QR = 0x8000;
export const DNS_OPCODE_MASK = 0x7800;
export const DNS_AA = 0x0400;
export const DNS_TC = 0x0200;
export const DNS_RD = 0x0100;
export const DNS_RA = 0x0080;
export const DNS_RCODE_MASK = 0x000f;

export const RCODE_NOERROR = 0;
export const RCODE_FORMERR = 1;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;
export const RCODE_REFUSED = 5;

/** After a question's name: type and class. */
export const DNS_Q_TYPE = 0;
export const DNS_Q_CLASS = 2;
export const DNS_Q_LEN = 4;
/** After a resource record's name: type, class, TTL, RDLENGTH, then RDATA. */
export const DNS_RR_TYPE = 0;
export const DNS_RR_CLASS = 2;
export const DNS_RR_TTL = 4;
export const DNS_RR_RDLEN = 8;
export const DNS_RR_RDATA = 10;

export const TYPE_A = 1;
export const TYPE_CNAME = 5;
export const TYPE_PTR = 12;
export const TYPE_AAAA = 28;
export const TYPE_NSEC = 47;
export const TYPE_ANY = 255;
export const CLASS_IN = 1;
/** mDNS: the top bit of a question's class asks for a unicast answer; of a record's, flushes caches (RFC 6762 5.4, 10.2). */
export const CLASS_TOP = 0x8000;

/** NSEC's type bitmap (RFC 4034 4.1.2) after its next-name: window, bitmap length, bitmap; A is type 1's bit. */
export const NSEC_WINDOW = 0;
export const NSEC_BITMAP_LEN = 1;
export const NSEC_BITMAP = 2;
export const NSEC_BIT_A = 0x40;

export const DNS_PORT = 53;
export const MDNS_PORT = 5353;
/** 224.0.0.251 */
export const MDNS_GROUP = 0xe00000fb;

/** The longest name on the wire (RFC 1035 2.3.4) and label. */
export const NAME_MAX = 255;
export const LABEL_MAX = 63;
const POINTER = 0xc0;

// What the last name walk found, read by the callers right after it (no allocation per name).
let walkEnd = -1;

/**
 * Walks the name at `off`, calling `label(pos, n)` for every label (pos is
 * the first byte), and returns the name's length in text form (dots
 * included), or -1 when it is malformed: a label or pointer past `end`, a
 * reserved label type, a pointer that does not go back, a name over 255
 * bytes. `walkEnd` is then where the name ends in place (after its pointer).
 */
function walkName(
  m: Bytes,
  off: number,
  end: number,
  label: ((pos: number, n: number) => boolean) | undefined,
): number {
  let p = off;
  let limit = off;
  let wire = 1;
  let text = 0;
  walkEnd = -1;
  for (;;) {
    if (p >= end) return -1;
    const n = get8(m, p);
    if (n === 0) {
      if (walkEnd < 0) walkEnd = p + 1;
      return text > 0 ? text - 1 : 0;
    }
    if (n >= POINTER) {
      if (p + 1 >= end) return -1;
      const target = (n - POINTER) * 256 + get8(m, p + 1);
      if (walkEnd < 0) walkEnd = p + 2;
      if (target >= limit) return -1;
      limit = target;
      p = target;
      continue;
    }
    if (n > LABEL_MAX) return -1;
    wire += n + 1;
    if (wire > NAME_MAX || p + 1 + n > end) return -1;
    if (label !== undefined && !label(p + 1, n)) return -1;
    text += n + 1;
    p += n + 1;
  }
}

/** Where the name at `off` ends in place, or -1 when it is malformed. */
export function dnsSkipName(m: Bytes, off: number, end: number): number {
  return walkName(m, off, end, undefined) < 0 ? -1 : walkEnd;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * Whether the name at `off` is `name` (dotted, no trailing dot), ignoring
 * ASCII case. A malformed name matches nothing.
 */
export function dnsNameIs(m: Bytes, off: number, end: number, name: string): boolean {
  let i = 0;
  const ok = walkName(m, off, end, (pos, n) => {
    if (i > 0) {
      if (name.charCodeAt(i) !== 46) return false;
      i++;
    }
    if (i + n > name.length) return false;
    for (let k = 0; k < n; k++) if (lower(get8(m, pos + k)) !== lower(name.charCodeAt(i + k))) return false;
    i += n;
    return true;
  });
  return ok >= 0 && i === name.length;
}

/** Whether two names in `m` are the same, ignoring ASCII case. */
export function dnsNamesEqual(m: Bytes, a: number, b: number, end: number): boolean {
  const text = dnsNameText(m, b, end);
  return text !== undefined && dnsNameIs(m, a, end, text);
}

const HOST_CHARS = "-0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * The name at `off` as dotted lower-case text, or undefined when it is
 * malformed or has a byte that is not a letter, digit, '-' or '_' (such a
 * name cannot be asked for again or shown safely).
 */
export function dnsNameText(m: Bytes, off: number, end: number): string | undefined {
  let s = "";
  const ok = walkName(m, off, end, (pos, n) => {
    if (s.length > 0) s += ".";
    for (let k = 0; k < n; k++) {
      const c = lower(get8(m, pos + k));
      if (c === 95) s += "_";
      else {
        const at = c === 45 ? 0 : c >= 48 && c <= 57 ? c - 47 : c >= 97 && c <= 122 ? c - 86 : -1;
        if (at < 0) return false;
        s += HOST_CHARS.charAt(at);
      }
    }
    return true;
  });
  return ok < 0 ? undefined : s;
}

/**
 * Writes `name` (dotted, no trailing dot; "" is the root) as labels at
 * `off`; returns the offset after it, or -1 when it is not a valid name (an
 * empty or over-long label, over 255 bytes) or does not fit before `end`.
 */
export function dnsPutName(m: Bytes, off: number, end: number, name: string): number {
  const n = name.length;
  if (n + 2 > NAME_MAX || off + (n === 0 ? 1 : n + 2) > end) return -1;
  let p = off;
  let start = 0;
  if (n > 0) {
    for (let i = 0; i <= n; i++) {
      if (i < n && name.charCodeAt(i) !== 46) continue;
      const l = i - start;
      if (l === 0 || l > LABEL_MAX) return -1;
      set8(m, p, l);
      for (let k = 0; k < l; k++) set8(m, p + 1 + k, name.charCodeAt(start + k) % 256);
      p += l + 1;
      start = i + 1;
    }
  }
  set8(m, p, 0);
  return p + 1;
}
