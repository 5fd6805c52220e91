// IPv4 multicast groups an interface receives besides all-hosts (mDNS's
// 224.0.0.251): a list on the interface that the MAC filter (stack.ts) and
// IPv4 input read. Functions, not stack methods: boards without a service
// that joins a group do not carry them.
import { EINVAL } from "./errno";
import type { Ifnet } from "./ifnet";
import { isMulticast } from "./ipv4";

/**
 * Receives `group` on `ifp` (a link-local group such as mDNS's needs no IGMP
 * report, RFC 4541 2.1.2). 0, or -EINVAL not a group.
 */
export function joinGroup(ifp: Ifnet, group: number): number {
  if (!isMulticast(group)) return -EINVAL;
  const g = ifp.groups !== undefined ? ifp.groups : [];
  ifp.groups = g;
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
