// The IPv6 conformance cases as Node reads them: packets from the tests'
// builder (with some cut short, or with a byte changed), and MACs for the
// identifiers. Used by tools/make-ipv6-vectors.ts and by the test that
// checks test/vectors/ipv6.json is current.
import type { Bytes } from "../../hal/types";
import { eui64, stableIid } from "../../src/net/ifid6";
import { ALL_NODES, ipv6Packet, ndOption, ndRouterAdvert, prefixInfo, samplePackets } from "../net/ipv6-packets";
import { ipv6Reading, slaacRun } from "./ipv6-suite";

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

const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

/** A Router Advertisement from fe80::9 (MAC 02:00:00:00:00:09) as the SLAAC cases send it. */
function ra(lifetime: number, options: number[][]): string[] {
  const slla = ndOption(1, [2, 0, 0, 0, 0, 9]);
  const upper = ndRouterAdvert({ lifetime, options: [slla, ...options] });
  const src = "fe800000000000000000000000000009";
  return ["ra", hex(ipv6Packet({ src, dst: ALL_NODES, hopLimit: 255, proto: 58, upper }))];
}

/** An MLD query from fe80::9 (hop limit 1, MLD's Router Alert unless `alert` is false): MLDv1's 24 bytes or MLDv2's 28. */
function mldQuery(v1: boolean, code: number, o: { hopLimit?: number; alert?: boolean } = {}): string[] {
  const upper = [130, 0, 0, 0, code >> 8, code & 0xff, 0, 0, ...new Array<number>(16).fill(0)];
  if (!v1) upper.push(0, 125, 0, 0);
  const exts = o.alert === false ? [] : [{ type: 0, options: [5, 2, 0, 0] }];
  const src = "fe800000000000000000000000000009";
  return ["ra", hex(ipv6Packet({ src, dst: ALL_NODES, hopLimit: o.hopLimit ?? 1, exts, proto: 58, upper }))];
}

/** SLAAC scenarios, then MLD queries: [secret, ops, Node's readings]. */
export function slaacCases(): [string, string[][], string[]][] {
  const P1 = "20010db8000100000000000000000000";
  const P2 = "20010db8000200000000000000000000";
  const dns = ndOption(25, [0, 0, ...u32(900), ...Buffer.from("20010db8000000000000000000000053", "hex")]);
  const mtu = ndOption(5, [0, 0, ...u32(1400)]);
  const adv = (ms: number): string[] => ["advance", String(ms)];
  const ops = [
    adv(2500),
    ra(200, [prefixInfo(P1, 64, 600, 300), mtu, dns, prefixInfo(P2, 64, 4 * 3600, 0xffffffff >>> 0)]),
    adv(3000),
    adv(200000),
    adv(100000),
    ra(1800, [prefixInfo(P2, 64, 60, 30)]),
    ra(1800, [prefixInfo(P2, 64, 0xffffffff, 0xffffffff)]),
    adv(400000),
    ra(0, [prefixInfo(P1, 48, 600, 300), prefixInfo(P2, 64, 0, 0, 0x80)]),
    adv(600000),
    mldQuery(false, 1000),
    adv(1001),
    mldQuery(true, 0x8000),
    adv(32769),
    mldQuery(false, 1000, { hopLimit: 255 }),
    mldQuery(false, 1000, { alert: false }),
    adv(1001),
  ];
  const secret = "6120736563726574206f662074686520626f617264";
  return ["", secret].map((s): [string, string[][], string[]] => [s, ops, slaacRun(s, ops)]);
}
