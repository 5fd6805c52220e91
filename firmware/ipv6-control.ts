// IPv6 on the control channel (a board with "ipv6": true and a control
// channel): AF_INET6 addresses, neighbours and routes, and their
// notifications (src/netlink/route/inet6.ts). Builds without either carry
// none of it.
import type { Ipv6 } from "../src/net/ipv6";
import type { ControlChannel } from "../src/netlink/channel";
import { Inet6Rtnl } from "../src/netlink/route/inet6";
import type { Device } from "./device";

export function addIpv6Control(dev: Device): void {
  // Both are the objects the build made: the channel (DeviceControl is its narrow view) and addIpv6's host.
  const ch = dev.control as unknown as ControlChannel | undefined;
  const ip6 = dev.stack.ip6 as unknown as Ipv6 | undefined;
  if (ch === undefined || ip6 === undefined) return;
  const part = new Inet6Rtnl(ip6, dev.platform.clock);
  ch.rtnl.inet6 = part;
  dev.stack.events.add(part.listener(ch.rtnl, (g, b) => ch.publish(g, b)));
}
