// The IPv6 and Neighbor Discovery parsers: any bytes as an IPv6 packet go
// through the header walk (src/net/ipv6-walk.ts) and, when they reach
// ICMPv6, through ND's checks and options (src/net/nd-parse.ts; the checksum
// is not required first, so the fuzzer reaches the options). Invariants:
// nothing thrown, each verdict one of its kind, the upper layer inside the
// payload, a Parameter Problem pointing inside the packet, every option the
// record names inside the message. Then the same bytes (ICMPv6's checksum
// mostly made right) reach a host's IPv6 (src/net/ipv6.ts, with its
// neighbour cache, DAD and SLAAC) as a frame: no handler fault, the cache and
// SLAAC's lists within their room, timers and answers bounded.
import { alloc } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import {
  Ip6Walk,
  upperChecksum,
  walkIpv6,
  WALK_DROP,
  WALK_FRAGMENT,
  WALK_PARAMPROB,
  WALK_UPPER,
} from "../../src/net/ipv6-walk";
import { checkNd, ND_MAX_PREFIXES, ND_MAX_RDNSS, NdOptions } from "../../src/net/nd-parse";
import { defaultIp6Params, Ipv6 } from "../../src/net/ipv6";
import { Net, type Node } from "../../test/net/helpers";
import { LL_B, samplePackets } from "../../test/net/ipv6-packets";
import type { Field, Seed } from "./mutate";
import { Broken, type Target } from "./targets";

function must(ok: boolean, what: string): void {
  if (!ok) throw new Broken(what);
}

/** The header's length, next header and hop limit; the first extension's length and the option bytes after it. */
const FIELDS: Field[] = [
  { off: 4, width: 2, little: false },
  { off: 6, width: 1, little: false },
  { off: 7, width: 1, little: false },
  { off: 41, width: 1, little: false },
  { off: 42, width: 1, little: false },
  { off: 43, width: 1, little: false },
];

function seeds(): Seed[] {
  return samplePackets().map(([bytes]) => ({ bytes, fields: FIELDS }));
}

/** A host with IPv6 on eth0 (its link-local address preferred, a neighbour known), on a simulated segment. */
function host(): { net: Net; node: Node; ip6: Ipv6; sent: () => number } {
  const net = new Net();
  const node = net.node(2);
  const ip6 = new Ipv6(net.clock, node.stack.random, node.log, (ifp, f) => node.stack.sendFrame(ifp, f), {
    ...defaultIp6Params(),
    dadTransmits: 0,
  });
  node.stack.ip6 = ip6;
  ip6.attach(node.eth);
  // The seeds' destination is ours too, so they reach echo and Neighbor Discovery.
  ip6.addAddress(node.eth, Uint8Array.from(Buffer.from(LL_B, "hex")) as unknown as Bytes, 0, 64);
  return { net, node, ip6, sent: () => node.eth.counters.txPackets };
}

export const ipv6Target = (): Target => {
  const w = new Ip6Walk();
  const o = new NdOptions();
  let h = host();
  return {
    name: "ipv6",
    what: "IPv6 header walk, ND checks and options; a host's IPv6 input",
    seeds,
    reset: () => {
      h = host();
    },
    run(input: Uint8Array) {
      // In a frame, as the stack would hand it: 14 bytes of Ethernet first.
      const n = 14 + input.length;
      const f = alloc(n);
      (f as unknown as Uint8Array).set(input, 14);
      const b = f as Bytes;
      const multicast = input.length > 24 && input[24] === 0xff;
      const v = walkIpv6(b, 14, input.length, multicast, w);
      // The host checks ICMPv6's checksum before it reads a message: for most inputs it is made
      // right, so mutated ND and Router Advertisements reach the neighbour cache and SLAAC.
      const fixed = Uint8Array.from(input);
      if (v === WALK_UPPER && w.proto === 58 && w.len >= 4 && input[1] % 4 !== 3) {
        const c = w.off - 14 + 2;
        fixed[c] = 0;
        fixed[c + 1] = 0;
        const g = alloc(n);
        (g as unknown as Uint8Array).set(fixed, 14);
        const sum = upperChecksum(g as Bytes, 14, 58, w.off, w.len);
        fixed[c] = sum >> 8;
        fixed[c + 1] = sum & 0xff;
      }
      hostInput(h, fixed);
      walkIpv6(b, 14, input.length, multicast, w);
      must(v === w.verdict, "the verdict returned is the one recorded");
      must(v === WALK_UPPER || v === WALK_DROP || v === WALK_PARAMPROB || v === WALK_FRAGMENT, `a verdict (${v})`);
      const plen = input.length >= 6 ? input[4] * 256 + input[5] : 0;
      if (v === WALK_PARAMPROB)
        must(w.pointer >= 0 && w.pointer < 40 + plen, `the pointer ${w.pointer} is in the packet`);
      must(w.routerAlert === -1 || (input[6] === 0 && w.routerAlert <= 0xffff), "a Router Alert only from hop-by-hop");
      if (v !== WALK_UPPER) return;
      must(
        w.off >= 14 + 40 && w.off + w.len === 14 + 40 + plen && 40 + plen <= input.length,
        "the upper layer is the payload's end",
      );
      must(w.pointer >= 6 && w.pointer < w.off - 14, "the next-header field is before the upper layer");
      if (w.proto !== 58) return;
      const t = checkNd(b, 14, w.off, w.len, o);
      if (t < 0) return;
      must(t >= 133 && t <= 137, `an ND type (${t})`);
      const end = w.off + w.len;
      for (const at of [o.slla, o.tlla, o.mtu]) must(at < 0 || (at >= w.off && at + 8 <= end), "8-byte options inside");
      must(o.prefixes <= ND_MAX_PREFIXES && o.rdnsses <= ND_MAX_RDNSS, "the record's room");
      for (let i = 0; i < o.prefixes; i++) must(o.prefix[i] >= w.off && o.prefix[i] + 32 <= end, "a prefix inside");
      for (let i = 0; i < o.rdnsses; i++) {
        const at = o.rdnss[i];
        must(at >= w.off && at + (input[at - 14 + 1] ?? 0) * 8 <= end, "an RDNSS option inside");
      }
    },
  };
};

/** The bytes as a frame to the host (its MAC, ethertype IPv6), then a moment of time. */
function hostInput(h: ReturnType<typeof host>, input: Uint8Array): void {
  const f = alloc(14 + input.length);
  const u = f as unknown as Uint8Array;
  u.set(h.node.eth.hwaddr as unknown as Uint8Array, 0);
  u.set([2, 0, 0, 0, 0, 9, 0x86, 0xdd], 6);
  u.set(input, 14);
  const before = h.sent();
  h.node.stack.input(h.node.eth, f as Bytes);
  h.net.clock.advance(2);
  must(h.node.stack.stats.inputFaults === 0, "no handler threw");
  const c = h.ip6.cacheOf(h.node.eth)!;
  must(c.count() <= c.capacity, "the neighbour cache within its capacity");
  const s = h.ip6.slaac;
  const autos = h.ip6.addrs.filter((a) => a.autoconf).length;
  must(h.ip6.addrs.length === 2 + autos, "only SLAAC adds addresses");
  must(autos <= s.params.prefixes, `${autos} SLAAC addresses, at most one per prefix the list holds`);
  must(
    s.routers.length <= s.params.routers &&
      s.prefixes.length <= s.params.prefixes &&
      s.dns.length <= s.params.dnsServers,
    "router, prefix and DNS lists within their room",
  );
  must(s.mtu === 0 || (s.mtu >= 1280 && s.mtu <= h.node.eth.mtu), `the link MTU ${s.mtu} within the link's`);
  // An answer, a solicitation for it, and the cache's own: never a burst for one frame.
  must(h.sent() - before <= 3, `${h.sent() - before} frames sent for one`);
  must(h.net.clock.pending() < 40, "timers stay bounded");
}
