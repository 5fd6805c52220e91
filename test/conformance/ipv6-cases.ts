// The IPv6 conformance cases as Node reads them: packets from the tests'
// builder (with some cut short, or with a byte changed), and MACs for the
// identifiers. Used by tools/make-ipv6-vectors.ts and by the test that
// checks test/vectors/ipv6.json is current.
import type { Bytes } from "../../hal/types";
import { eui64, stableIid } from "../../src/net/ifid6";
import { samplePackets } from "../net/ipv6-packets";
import { ipv6Reading } from "./ipv6-suite";

const hex = (u: Uint8Array | Bytes): string => Buffer.from(u as Uint8Array).toString("hex");

export function ipv6Cases(): [string, boolean, string][] {
  const packets = samplePackets();
  return packets.map(([p, m]) => [hex(p), m, ipv6Reading(Uint8Array.from(p) as unknown as Bytes, m)]);
}

export function iidCases(): [string, string, string, string, string, string][] {
  const secret = "6120736563726574206f662074686520626f617264";
  return [
    ["020000000001", "20010db800000001", "eth0"],
    ["001b638445e6", "fe80000000000000", "eth0"],
    ["5a123456789a", "20010db8abcd0000", "wlan0"],
  ].map(([mac, prefix, ifname]) => {
    const m = Uint8Array.from(Buffer.from(mac, "hex")) as unknown as Bytes;
    const e = new Uint8Array(8);
    eui64(m, 0, e as unknown as Bytes, 0);
    const s = new Uint8Array(8);
    const used = stableIid(
      Uint8Array.from(Buffer.from(prefix, "hex")) as unknown as Bytes,
      0,
      ifname,
      m,
      0,
      0,
      Uint8Array.from(Buffer.from(secret, "hex")) as unknown as Bytes,
      s as unknown as Bytes,
      0,
    );
    return [mac, prefix, ifname, secret, hex(e), hex(s) + " " + used];
  });
}
