// The CLI's argument parsers: strict, because a loose one configures the
// wrong thing without a word ("1.2.3.4/" must not become 1.2.3.4/0, every
// destination on-link). Usage errors are UsageError (exit 2).
import { parseIPv4 } from "../src/net/addr";

export class UsageError extends Error {}

/** Plain decimal digits, no sign, exponent, hex, blanks or leading zeros. */
const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function ipv4(s: string, what: string): number {
  const v = parseIPv4(s);
  if (v < 0) throw new UsageError(`${what}: "${s}" is not an IPv4 address`);
  return v;
}

/** "a.b.c.d" (a /32) or "a.b.c.d/len" with len 0..32. */
export function prefix(s: string): [number, number] {
  const parts = s.split("/");
  if (parts.length > 2) throw new UsageError(`"${s}": one "/" at most, as in 192.0.2.7/24`);
  if (parts.length === 2 && !DECIMAL.test(parts[1]))
    throw new UsageError(`"${s}": the prefix length after "/" must be a number 0..32`);
  const len = parts.length === 1 ? 32 : Number(parts[1]);
  if (len > 32) throw new UsageError(`"${s}": the prefix length must be 0..32`);
  return [ipv4(parts[0], "address"), len];
}

export function int(s: string, what: string, min: number, max: number): number {
  const n = DECIMAL.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${what} must be an integer within ${min}..${max}, got "${s}"`);
  return n;
}

export function mac(s: string): Buffer {
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(s))
    throw new UsageError(`"${s}" is not a MAC address (like 02:00:00:00:00:01)`);
  return Buffer.from(s.replace(/:/g, ""), "hex");
}
