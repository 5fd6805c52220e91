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
  const j = JSON.stringify;
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
    "",
  ].join("\n");
  const out = path.join(BUILD, "gen", "vectors.ts");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  if (!fs.existsSync(out) || fs.readFileSync(out, "utf8") !== src) fs.writeFileSync(out, src);
  return out;
}
