// IPv6 on eth0 (a board feature: "ipv6": true): the host of src/net/ipv6.ts
// with its link-local address from the MAC, DAD and Neighbor Discovery.
// Builds without the feature carry none of it.
import { alloc } from "@hal/bytes";
import { formatIPv6, parseIPv6 } from "../src/net/addr6";
import { defaultIp6Params, Ipv6 } from "../src/net/ipv6";
import { IPV6_ALEN } from "../src/wire/ipv6";
import type { Device } from "./device";

export function addIpv6(dev: Device): void {
  const st = dev.stack;
  const pl = dev.platform;
  const ip6 = new Ipv6(pl.clock, pl.random, pl.log, (ifp, f) => st.sendFrame(ifp, f), defaultIp6Params());
  st.ip6 = ip6;
  ip6.events = st.events;
  dev.addr6 = {
    format: formatIPv6,
    parse: (text) => {
      const b = alloc(IPV6_ALEN);
      return parseIPv6(text, b, 0) ? b : undefined;
    },
  };
  const eth = dev.eth;
  if (eth === undefined) return;
  // A chip that filters multicast must let IPv6's groups in (all-nodes, the solicited-node ones).
  const mac = eth.mac;
  if (mac !== undefined && mac.setMulticast !== undefined) mac.setMulticast(true);
  ip6.attach(eth);
}
