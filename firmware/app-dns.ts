// The DNS resolver (a board feature, "services": { "dns": ... }): asks the
// servers eth0's lease names, then the board's; forgets its cache when a
// new lease comes.
import { defaultResolverConfig, DNS_ERROR_NAMES, Resolver } from "../src/apps/dns";
import { parseIPv4 } from "../src/net/addr";
import { DHCP_EV_BOUND, DHCP_EV_REBOUND } from "../src/dhcp/states";
import type { Device } from "./device";
import { addStop } from "./services";

export function addDns(dev: Device, configured: string[]): void {
  const fixed: number[] = [];
  for (let i = 0; i < configured.length; i++) {
    const a = parseIPv4(configured[i]);
    if (a >= 0) fixed.push(a);
  }
  const servers = (): number[] => {
    const out: number[] = [];
    const c = dev.dhcp;
    if (c !== undefined && c.hasLease()) for (let i = 0; i < c.lease.dns.length; i++) out.push(c.lease.dns[i]);
    for (let i = 0; i < fixed.length; i++) out.push(fixed[i]);
    return out;
  };
  const r = new Resolver(dev.stack, servers, defaultResolverConfig());
  dev.stack.events.add({
    dhcp: (kind) => {
      if (kind === DHCP_EV_BOUND || kind === DHCP_EV_REBOUND) r.flush();
    },
  });
  dev.lookup = (name, cb) => r.lookup(name, (err, addr) => cb(err, addr));
  dev.dnsError = (err) => (err >= 0 && err < DNS_ERROR_NAMES.length ? DNS_ERROR_NAMES[err] : "EUNKNOWN");
  addStop(dev, () => r.stop());
}
