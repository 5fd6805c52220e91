// IPv4 multicast groups an interface receives besides all-hosts (mDNS's
// 224.0.0.251): a list on the interface, and the check the MAC filter
// (stack.ts) and IPv4 input call, installed by the first join. Here, not in
// the stack: boards without a service that joins a group carry none of it.
import { EINVAL } from "./errno";
import type { Ifnet } from "./ifnet";
import { isMulticast } from "./ipv4";
import { ETH_DST } from "../wire/ether";
import { isMulticastMacOf } from "../wire/mcast";

/**
 * Receives `group` on `ifp` (a link-local group such as mDNS's needs no IGMP
 * report, RFC 4541 2.1.2). 0, or -EINVAL not a group.
 */
export function joinGroup(ifp: Ifnet, group: number): number {
  if (!isMulticast(group)) return -EINVAL;
  const g = ifp.groups !== undefined ? ifp.groups : [];
  ifp.groups = g;
  ifp.joined = (f, a) => {
    for (let i = 0; i < g.length; i++)
      if (f !== undefined ? isMulticastMacOf(f, ETH_DST, g[i]) : g[i] === a) return true;
    return false;
  };
  for (let i = 0; i < g.length; i++) if (g[i] === group) return 0;
  g.push(group);
  // Chips that filter multicast let it in from the first group on.
  if (g.length === 1 && ifp.mac !== undefined && ifp.mac.setMulticast !== undefined) ifp.mac.setMulticast(true);
  return 0;
}

export function leaveGroup(ifp: Ifnet, group: number): void {
  const g = ifp.groups;
  if (g === undefined) return;
  for (let i = g.length - 1; i >= 0; i--) if (g[i] === group) g.splice(i, 1);
  if (g.length === 0 && ifp.mac !== undefined && ifp.mac.setMulticast !== undefined) ifp.mac.setMulticast(false);
}
