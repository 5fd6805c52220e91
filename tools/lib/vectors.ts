// Compiles test/vectors/*.json into a TypeScript module of plain literals, so
// the portable conformance program needs no JSON parser on any runtime.
import * as fs from "node:fs";
import * as path from "node:path";
import { BUILD, ROOT } from "./paths";

export function writeVectorsModule(): string {
  const dir = path.join(ROOT, "test", "vectors");
  const load = (n: string) => JSON.parse(fs.readFileSync(path.join(dir, `${n}.json`), "utf8"));
  const u32 = load("u32");
  const bytes = load("bytes");
  const cksum = load("cksum");
  const ipv4 = load("ipv4");
  const mac = load("mac");
  const addr = load("addr");
  const lltable = load("lltable");
  const drivers = load("drivers");
  const ipv6 = load("ipv6");
  const j = JSON.stringify;
  // The kernel's netlink captures: request, replies, and what each reply frame holds
  // (type/seq/flags/error per message, attribute count), worked out here on Node so
  // the portable suite compares against data, not against a decoder of its own.
  const nlDir = path.join(dir, "netlink-kernel");
  const netlink = fs
    .readdirSync(nlDir)
    .filter((f) => f.endsWith(".json") && f !== "meta.json")
    .sort()
    .map((f) => {
      const v = JSON.parse(fs.readFileSync(path.join(nlDir, f), "utf8")) as {
        request?: string;
        replies?: string[];
        notifications?: string[];
      };
      const frames = [...(v.replies ?? []), ...(v.notifications ?? [])];
      return [
        f.replace(/\.json$/, ""),
        v.request ?? "",
        frames,
        (v.replies ?? []).length,
        frames.map((h) => messagesOf(Buffer.from(h, "hex"))),
      ];
    });
  const src = [
    "// Generated from test/vectors/*.json by tools/lib/vectors.ts. Do not edit.",
    `export const u32Cases: [string, number, number, number][] = ${j(u32.cases)};`,
    `export const bytesCases: { size: number; ops: (string | number)[][]; hex: string }[] = ${j(
      bytes.cases.map((c: { size: number; ops: unknown[]; hex: string }) => ({ size: c.size, ops: c.ops, hex: c.hex })),
    )};`,
    `export const cksumCases: [string, number][] = ${j(cksum.cases)};`,
    `export const ipv4Valid: [string, number][] = ${j(ipv4.valid)};`,
    `export const ipv4Invalid: string[] = ${j(ipv4.invalid)};`,
    `export const macValid: [string, string][] = ${j(mac.valid)};`,
    `export const macInvalid: string[] = ${j(mac.invalid)};`,
    `export const addrCases: (string | number)[][][] = ${j(addr.cases)};`,
    `export const lltableCases: (string | number | number[])[][][] = ${j(lltable.cases)};`,
    `/** [name, request hex, frame hexes (replies, then notifications), reply count, per frame: [type, flags, seq, error, attribute count][]] */`,
    `/** SPI transcripts of the chip drivers (tools/make-driver-vectors.ts). */`,
    `export const driverVectors: { name: string; driver: string; hwaddr: string; steps: (string | number)[][]; spi: [string, number, string][]; drains: string[][]; writes: boolean[]; links: number[]; counters: number[]; tcpSockets: number; tcp: string[] }[] = ${j(drivers.vectors)};`,
    `/** IPv6 packets: [hex, multicast destination, Node's reading] (tools/make-ipv6-vectors.ts). */`,
    `export const ipv6Cases: [string, boolean, string][] = ${j(ipv6.packets)};`,
    `/** [MAC, /64 prefix, interface, secret, EUI-64, RFC 7217 identifier and counter] */`,
    `export const iidCases: [string, string, string, string, string, string][] = ${j(ipv6.iids)};`,
    `/** SLAAC scenarios: [RFC 7217 secret or "", ops, Node's reading after each] */`,
    `export const slaacCases: [string, string[][], string[]][] = ${j(ipv6.slaac)};`,
    `export const netlinkKernel: [string, string, string[], number, number[][][]][] = ${j(netlink)};`,
    "",
  ].join("\n");
  const out = path.join(BUILD, "gen", "vectors.ts");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== src) fs.writeFileSync(out, src);
  return out;
}

/** [type, flags, seq, error (0 when not NLMSG_ERROR), top-level attribute count] per message. */
function messagesOf(b: Buffer): number[][] {
  const out: number[][] = [];
  let off = 0;
  while (b.length - off >= 16) {
    const n = b.readUInt32LE(off);
    const type = b.readUInt16LE(off + 4);
    const flags = b.readUInt16LE(off + 6);
    const seq = b.readUInt32LE(off + 8);
    if (n < 16 || off + n > b.length) break;
    const hdr = type === 2 ? 0 : type === 3 ? 4 : type >= 16 && type <= 19 ? 16 : type >= 20 && type <= 23 ? 8 : 12;
    let start = off + 16 + ((hdr + 3) & ~3);
    let error = 0;
    if (type === 2) {
      error = b.readInt32LE(off + 16);
      const echoed = (flags & 0x100) !== 0 ? 16 : b.readUInt32LE(off + 20);
      start = off + 16 + 4 + ((Math.max(16, echoed) + 3) & ~3);
    }
    let attrs = 0;
    for (let p = start; p + 4 <= off + n;) {
      const len = b.readUInt16LE(p);
      if (len < 4) break;
      attrs++;
      p += (len + 3) & ~3;
    }
    out.push([type, flags, seq, error, attrs]);
    off += (n + 3) & ~3;
  }
  return out;
}
