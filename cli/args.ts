// The CLI's argument parsers: strict, because a loose one configures the
// wrong thing without a word ("1.2.3.4/" must not become 1.2.3.4/0, every
// destination on-link). Usage errors are UsageError.
import { isIPv6 } from "node:net";
import { parseIPv4 } from "../src/net/addr";

/** A usage error: printed as is, exit 255 as ip's usage errors (some of ip's exit 1: `code`). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly code = 255,
  ) {
    super(message);
  }
}

/** Plain decimal digits, no sign, exponent, hex, blanks or leading zeros. */
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** An IPv4 address; as ip, `Error: any valid address is expected rather than "X".` (exit 1) when not. */
export function ipv4(s: string): number {
  const v = parseIPv4(s);
  if (v < 0) throw new UsageError(`Error: any valid address is expected rather than "${s}".`, 1);
  return v;
}

/** "a.b.c.d" (a /32) or "a.b.c.d/len" with len 0..32; as ip, "any valid prefix is expected" (exit 1) when not. */
export function prefix(s: string): [number, number] {
  const parts = s.split("/");
  const len = parts.length === 1 ? 32 : parts.length === 2 && DECIMAL.test(parts[1]) ? Number(parts[1]) : 99;
  const a = parseIPv4(parts[0]);
  if (len > 32 || a < 0) throw new UsageError(`Error: any valid prefix is expected rather than "${s}".`, 1);
  return [a, len];
}

/** As ip: `Error: argument "X" is wrong: Invalid "what" value` (exit 255). */
export function int(s: string, what: string, min: number, max: number): number {
  const n = DECIMAL.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`Error: argument "${s}" is wrong: Invalid "${what}" value\n`);
  return n;
}

/** A MAC as iproute2's ll_addr_a2n reads it: hex bytes between colons; its length is checked against the device's. */
export function lladdr(text: string): Buffer {
  const bytes: number[] = [];
  for (const part of text.split(":")) {
    // sscanf("%x"): leading hex digits, the rest ignored.
    const m = /^\s*(?:0x)?([0-9a-f]+)/i.exec(part);
    const v = m === null ? NaN : parseInt(m[1], 16);
    if (!(v <= 255)) throw new UsageError(`"${part}" is invalid lladdr.`, 1);
    bytes.push(v);
  }
  if (bytes.length !== 6) throw new UsageError(`Invalid address length ${bytes.length} - must be 6 bytes`, 1);
  return Buffer.from(bytes);
}

export function mac(s: string): Buffer {
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(s))
    throw new UsageError(`"${s}" is not a MAC address (like 02:00:00:00:00:01)`);
  return Buffer.from(s.replace(/:/g, ""), "hex");
}

/** An IPv6 address's 16 bytes (RFC 4291 2.2, an IPv4 tail included), or undefined when the text is not one. */
export function parseIPv6(s: string): Buffer | undefined {
  if (!isIPv6(s)) return undefined;
  let text = s;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const v = parseIPv4(dotted[2]);
    text = `${dotted[1]}${(v >>> 16).toString(16)}:${(v & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const words = (p: string | undefined): number[] =>
    p === undefined || p === "" ? [] : p.split(":").map((x) => parseInt(x, 16));
  const h = words(head);
  const t = words(tail);
  const all = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  const b = Buffer.alloc(16);
  all.forEach((v, i) => b.writeUInt16BE(v, i * 2));
  return b;
}

/** An IPv6 address; as ip, `Error: inet6 address is expected rather than "X".` (exit 1) when not. */
export function ipv6(s: string): Buffer {
  const b = parseIPv6(s);
  if (b === undefined) throw new UsageError(`Error: inet6 address is expected rather than "${s}".`, 1);
  return b;
}

/** "addr" (a /128) or "addr/len" with len 0..128; ip's words when not ("inet6 prefix" once -6 was given). */
export function prefix6(s: string, asked = false): [Buffer, number] {
  const parts = s.split("/");
  const len = parts.length === 1 ? 128 : parts.length === 2 && DECIMAL.test(parts[1]) ? Number(parts[1]) : 999;
  const a = parseIPv6(parts[0]);
  if (len > 128 || a === undefined)
    throw new UsageError(`Error: ${asked ? "inet6" : "any valid"} prefix is expected rather than "${s}".`, 1);
  return [a, len];
}

/** Whether an address argument is IPv6's (as ip infers the family from it). */
export function looksIPv6(s: string): boolean {
  return s.includes(":");
}
