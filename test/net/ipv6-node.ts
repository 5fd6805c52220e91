// Simulated IPv6 hosts (test/net/helpers.ts's nodes with src/net/ipv6.ts),
// and raw IPv6 frames from them.
import { alloc, copy, set8 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { defaultIp6Params, Ipv6, type Ip6Params } from "../../src/net/ipv6";
import type { Node } from "./helpers";

export interface V6Node extends Node {
  ip6: Ipv6;
}

export function withIpv6(n: Node, p: Partial<Ip6Params> = {}): V6Node {
  const ip6 = new Ipv6(n.stack.clock, n.stack.random, n.log, (ifp, f) => n.stack.sendFrame(ifp, f), {
    ...defaultIp6Params(),
    ...p,
  });
  n.stack.ip6 = ip6;
  ip6.watch(n.stack.events);
  ip6.attach(n.eth);
  return { ...n, ip6 };
}

/** A raw frame from node `from` carrying IPv6 packet `p` to MAC `to`. */
export function rawFrom(from: Node, to: Bytes, p: Uint8Array): void {
  const f = alloc(14 + p.length);
  copy(f, 0, to, 0, 6);
  copy(f, 6, from.eth.hwaddr, 0, 6);
  set8(f, 12, 0x86);
  set8(f, 13, 0xdd);
  (f as unknown as Uint8Array).set(p, 14);
  from.stack.sendFrame(from.eth, f);
}

/** Every frame `n` sends, copied, from now on. */
export function capture(n: Node): Uint8Array[] {
  const sent: Uint8Array[] = [];
  const orig = n.stack.sendFrame.bind(n.stack);
  n.stack.sendFrame = (ifp, f) => {
    sent.push(Uint8Array.from(f as unknown as Uint8Array));
    return orig(ifp, f);
  };
  return sent;
}

export const hex = (b: Bytes | Uint8Array): string => Buffer.from(b as unknown as Uint8Array).toString("hex");
