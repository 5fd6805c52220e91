// Conformance for the IPv6 parsers and identifiers on every runtime: each
// case's verdict, offsets and ND options, and each MAC's EUI-64 and RFC
// 7217 identifier, as Node computed them (tools/make-ipv6-vectors.ts from
// the packets the tests build after the RFCs), must come out the same on
// Espruino and both Luas.
import * as B from "@hal/bytes";
import { ipv6Cases, iidCases } from "@vectors";
import type { Bytes } from "../../hal/types";
import { eui64, stableIid } from "../../src/net/ifid6";
import { Ip6Walk, walkIpv6, WALK_UPPER } from "../../src/net/ipv6-walk";
import { checkNd, NdOptions } from "../../src/net/nd-parse";
import { fromHex, toHex } from "../../src/util/hex";
import type { Checker } from "./net-suites";

/** One packet's reading: verdict proto off len code pointer | ND type slla tlla mtu prefixes rdnsses ignored. */
export function ipv6Reading(f: Bytes, multicast: boolean): string {
  const w = new Ip6Walk();
  const v = walkIpv6(f, 0, B.len(f), multicast, w);
  let s = v + " " + w.proto + " " + w.off + " " + w.len + " " + w.code + " " + w.pointer;
  if (v === WALK_UPPER && w.proto === 58) {
    const o = new NdOptions();
    const t = checkNd(f, 0, w.off, w.len, o);
    s += " | " + t + " " + o.slla + " " + o.tlla + " " + o.mtu + " " + o.prefixes + " " + o.rdnsses + " " + o.ignored;
  }
  return s;
}

export function runIpv6(s: Checker): void {
  for (let i = 0; i < ipv6Cases.length; i++) {
    const c = ipv6Cases[i];
    const f = fromHex(c[0]) as Bytes;
    const got = ipv6Reading(f, c[1]);
    s.check(got === c[2], "packet #" + i + ": " + got + ", on Node " + c[2]);
  }
  for (let i = 0; i < iidCases.length; i++) {
    const c = iidCases[i];
    const mac = fromHex(c[0]) as Bytes;
    const e = B.alloc(8);
    eui64(mac, 0, e, 0);
    s.check(toHex(e, 0, 8) === c[4], "EUI-64 #" + i + ": " + toHex(e, 0, 8));
    const out = B.alloc(8);
    const used = stableIid(fromHex(c[1]) as Bytes, 0, c[2], mac, 0, 0, fromHex(c[3]) as Bytes, out, 0);
    s.check(toHex(out, 0, 8) + " " + used === c[5], "RFC 7217 #" + i + ": " + toHex(out, 0, 8) + " " + used);
  }
}
