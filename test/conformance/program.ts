// The portable conformance program: the same source runs on Node, Espruino,
// Lua 5.1 + bit and Lua 5.3, over the vectors in test/vectors/ (compiled in
// as data by tools/vectors.ts). It prints one SUITE line per suite, FAIL lines
// for mismatches, and a final RESULT line that the runner parses.
import * as B from "@hal/bytes";
import * as U from "@hal/u32";
import { bytesCases, cksumCases, ipv4Invalid, ipv4Valid, macInvalid, macValid, u32Cases } from "@vectors";
import type { Bytes } from "../../hal/types";
import { formatIPv4, formatMac, parseIPv4, parseMac } from "../../src/net/addr";
import { checksum } from "../../src/net/cksum";
import { fromHex, hexOf, toHex } from "../../src/util/hex";
import { runAddr, runLltable } from "./net-suites";
import { runNetlink, runSha } from "./netlink-suite";
import { runDrivers } from "./driver-suite";
import { runSettings } from "./settings-suite";
import { runIpv6 } from "./ipv6-suite";

type Out = (line: string) => void;

const MAX_FAIL_LINES = 20;

class Suite {
  passed = 0;
  failed = 0;
  constructor(
    public name: string,
    private out: Out,
  ) {}
  check(ok: boolean, what: string): void {
    if (ok) {
      this.passed++;
      return;
    }
    this.failed++;
    if (this.failed <= MAX_FAIL_LINES) this.out("FAIL " + this.name + " " + what);
  }
}

function u32Op(op: string, a: number, b: number): number {
  if (op === "norm") return U.norm(a);
  if (op === "bnot") return U.bnot(a);
  if (op === "band") return U.band(a, b);
  if (op === "bor") return U.bor(a, b);
  if (op === "bxor") return U.bxor(a, b);
  if (op === "add") return U.add(a, b);
  if (op === "sub") return U.sub(a, b);
  if (op === "mul") return U.mul(a, b);
  if (op === "shl") return U.shl(a, b);
  if (op === "shr") return U.shr(a, b);
  return -1;
}

function runU32(s: Suite): void {
  for (let i = 0; i < u32Cases.length; i++) {
    const c = u32Cases[i];
    const got = u32Op(c[0], c[1], c[2]);
    s.check(got === c[3], "#" + i + " " + c[0] + "(" + c[1] + "," + c[2] + ") expected " + c[3] + " got " + got);
  }
}

function sign(x: number): number {
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

// Runs one bytes case: a stack of buffers (views and slices push, pop returns).
function runBytesCase(s: Suite, idx: number, size: number, ops: (string | number)[][], finalHex: string): void {
  const root = B.alloc(size);
  const stack: Bytes[] = [root];
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    const cur = stack[stack.length - 1];
    const kind = op[0] as string;
    const a = op[1] as number;
    const b = op[2] as number;
    const where = "#" + idx + " op " + k + " " + kind;
    if (kind === "set8") B.set8(cur, a, b);
    else if (kind === "set16") B.set16(cur, a, b);
    else if (kind === "set32") B.set32(cur, a, b);
    else if (kind === "get8") s.check(B.get8(cur, a) === b, where + " got " + B.get8(cur, a));
    else if (kind === "get16") s.check(B.get16(cur, a) === b, where + " got " + B.get16(cur, a));
    else if (kind === "get32") s.check(B.get32(cur, a) === b, where + " got " + B.get32(cur, a));
    else if (kind === "copy") B.copy(cur, a, cur, b, op[3] as number);
    else if (kind === "fill") B.fill(cur, a, b, op[3] as number);
    else if (kind === "len") s.check(B.len(cur) === a, where + " got " + B.len(cur));
    else if (kind === "view") stack.push(B.view(cur, a, b));
    else if (kind === "slice") stack.push(B.slice(cur, a, b));
    else if (kind === "pop") stack.pop();
    else if (kind === "hex") s.check(hexOf(cur) === op[1], where + " got " + hexOf(cur));
    else if (kind === "cmp") {
      const got = sign(B.compare(cur, a, cur, b, op[3] as number));
      s.check(got === op[4], where + " got " + got);
    } else s.check(false, where + " unknown op");
  }
  s.check(hexOf(root) === finalHex, "#" + idx + " final contents " + hexOf(root));
}

// Sizes around the Lua module's two ways of making a buffer (exact up to
// 4,000 words, filled slot by slot above): each must be whole and zeroed.
const ALLOC_SIZES = [0, 1, 3, 4, 5, 1514, 15999, 16000, 16001, 16004, 20001];

function runBytes(s: Suite): void {
  for (let i = 0; i < bytesCases.length; i++) {
    const c = bytesCases[i];
    runBytesCase(s, i, c.size, c.ops, c.hex);
  }
  for (let i = 0; i < ALLOC_SIZES.length; i++) {
    const n = ALLOC_SIZES[i];
    const b = B.alloc(n);
    s.check(B.len(b) === n, "alloc(" + n + ") len " + B.len(b));
    if (n === 0) continue;
    s.check(B.sum16(b, 0, n, 0) === 0, "alloc(" + n + ") not zeroed");
    B.set8(b, n - 1, 0xa5);
    B.set8(b, 0, 0x5a);
    s.check(
      B.get8(b, n - 1) === (n === 1 ? 0x5a : 0xa5) && B.get8(b, 0) === 0x5a,
      "alloc(" + n + ") ends do not hold their bytes",
    );
  }
}

function runCksum(s: Suite): void {
  for (let i = 0; i < cksumCases.length; i++) {
    const c = cksumCases[i];
    const data = fromHex(c[0]);
    if (data === undefined) {
      s.check(false, "#" + i + " bad hex in vector");
      continue;
    }
    // At every alignment inside a bigger buffer, and through a view: the sum
    // must not depend on where the data sits (the Lua module has word paths).
    const n = B.len(data);
    s.check(checksum(data, 0, n) === c[1], "#" + i + " len " + n + " got " + checksum(data, 0, n));
    for (let at = 1; at <= 5; at++) {
      const big = B.alloc(n + 8);
      B.fill(big, 0xa5, 0, n + 8);
      B.copy(big, at, data, 0, n);
      const got = checksum(big, at, n);
      const v = B.view(big, 1, n + 7);
      const gotView = checksum(v, at - 1, n);
      s.check(
        got === c[1] && gotView === c[1],
        "#" + i + " len " + n + " at " + at + " expected " + c[1] + " got " + got + "/" + gotView,
      );
    }
  }
}

function runIPv4(s: Suite): void {
  for (let i = 0; i < ipv4Valid.length; i++) {
    const text = ipv4Valid[i][0];
    const value = ipv4Valid[i][1];
    s.check(parseIPv4(text) === value, "parse " + text + " got " + parseIPv4(text));
    s.check(formatIPv4(value) === text, "format " + value + " got " + formatIPv4(value));
  }
  for (let i = 0; i < ipv4Invalid.length; i++) {
    s.check(parseIPv4(ipv4Invalid[i]) === -1, "invalid #" + i + " accepted");
  }
}

function runMac(s: Suite): void {
  const buf = B.alloc(8);
  for (let i = 0; i < macValid.length; i++) {
    const text = macValid[i][0];
    const hex = macValid[i][1];
    const ok = parseMac(text, buf, 1);
    s.check(ok && toHex(buf, 1, 6) === hex, "parse " + text + " got " + toHex(buf, 1, 6));
    const canonical = fromHex(hex);
    if (canonical !== undefined) {
      const f = formatMac(canonical, 0);
      s.check(parseMac(f, buf, 0) && toHex(buf, 0, 6) === hex && f === f.toLowerCase(), "format " + hex + " got " + f);
    }
  }
  for (let i = 0; i < macInvalid.length; i++) {
    s.check(!parseMac(macInvalid[i], buf, 0), "invalid #" + i + " accepted");
  }
}

/** Runs every suite, printing through `out`; returns the number of failures. */
export function runConformance(out: Out): number {
  const suites = [
    new Suite("u32", out),
    new Suite("bytes", out),
    new Suite("cksum", out),
    new Suite("ipv4", out),
    new Suite("mac", out),
    new Suite("addr", out),
    new Suite("lltable", out),
    new Suite("netlink", out),
    new Suite("sha256", out),
    new Suite("drivers", out),
    new Suite("settings", out),
    new Suite("ipv6", out),
  ];
  runU32(suites[0]);
  runBytes(suites[1]);
  runCksum(suites[2]);
  runIPv4(suites[3]);
  runMac(suites[4]);
  runAddr(suites[5]);
  runLltable(suites[6]);
  runNetlink(suites[7]);
  runSha(suites[8]);
  runDrivers(suites[9]);
  runSettings(suites[10]);
  runIpv6(suites[11]);
  let passed = 0;
  let failed = 0;
  for (let i = 0; i < suites.length; i++) {
    const st = suites[i];
    out("SUITE " + st.name + " passed=" + st.passed + " failed=" + st.failed);
    passed += st.passed;
    failed += st.failed;
  }
  out("RESULT passed=" + passed + " failed=" + failed);
  return failed;
}
