// The IPv6 conformance cases as Node reads them: packets from the tests'
// builder (with some cut short, or with a byte changed), and MACs for the
// identifiers. Used by tools/make-ipv6-vectors.ts and by the test that
// checks test/vectors/ipv6.json is current.
import type { Bytes } from "../../hal/types";
import { eui64, stableIid } from "../../src/net/ifid6";
import {
  ALL_NODES,
  GLOBAL_A,
  ipv6Packet,
  LL_B,
  ndNeighbor,
  ndOption,
  ndRouterAdvert,
  prefixInfo,
  SNM_B,
  UNSPEC,
} from "../net/ipv6-packets";
import { ipv6Reading } from "./ipv6-suite";

const hex = (u: Uint8Array | Bytes): string => Buffer.from(u as Uint8Array).toString("hex");
const MAC = [2, 0, 0, 0, 0, 9];

export function ipv6Cases(): [string, boolean, string][] {
  const echo = [128, 0, 0, 0, 0x12, 0x34, 0, 1, 1, 2, 3, 4];
  const rdnss = ndOption(25, [0, 0, 0, 0, 0x0e, 0x10, ...Array.from(Buffer.from(GLOBAL_A, "hex"))]);
  const packets: [Uint8Array, boolean][] = [
    [ipv6Packet({ proto: 58, upper: echo }), false],
    [
      ipv6Packet({
        proto: 17,
        upper: [0, 7, 0, 7, 0, 8, 0, 0],
        exts: [{ type: 0, options: [5, 2, 0, 0] }, { type: 60 }, { type: 43 }],
      }),
      false,
    ],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 60 }, { type: 0 }] }), false],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 43, segmentsLeft: 2 }] }), false],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 60, options: [0x9e, 1, 0] }] }), true],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 60, options: [0xde, 1, 0] }] }), true],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 60, options: [0xde, 1, 0] }] }), false],
    [ipv6Packet({ proto: 58, upper: echo, exts: [{ type: 44 }] }), false],
    [ipv6Packet({ proto: 50, upper: [0, 0, 0, 1, 0, 0, 0, 1] }), false],
    [ipv6Packet({ proto: 58, upper: echo }).subarray(0, 45), false],
    [ipv6Packet({ hopLimit: 255, dst: SNM_B, proto: 58, upper: ndNeighbor(135, LL_B, 0, [ndOption(1, MAC)]) }), true],
    [
      ipv6Packet({
        hopLimit: 255,
        src: UNSPEC,
        dst: SNM_B,
        proto: 58,
        upper: ndNeighbor(135, LL_B, 0, [ndOption(1, MAC)]),
      }),
      true,
    ],
    [ipv6Packet({ hopLimit: 255, dst: ALL_NODES, proto: 58, upper: ndNeighbor(136, LL_B, 0x60) }), true],
    [ipv6Packet({ hopLimit: 255, proto: 58, upper: ndNeighbor(136, LL_B, 0xe0, [ndOption(2, MAC)]) }), false],
    [
      ipv6Packet({
        hopLimit: 255,
        dst: ALL_NODES,
        proto: 58,
        upper: ndRouterAdvert({
          options: [
            ndOption(1, MAC),
            ndOption(5, [0, 0, 0, 0, 5, 0xdc]),
            prefixInfo("20010db8000000000000000000000000", 64, 7200, 3600),
            rdnss,
            ndOption(99, [1]),
          ],
        }),
      }),
      true,
    ],
    [ipv6Packet({ hopLimit: 255, proto: 58, upper: ndRouterAdvert({ options: [[1, 0, 2, 0, 0, 0, 0, 9]] }) }), true],
  ];
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
