// SNTP (a board feature, "services": { "sntp": ... }): from the servers
// eth0's lease names (option 42), else the board's (names are resolved
// when the board has DNS); started when eth0 gets an address, and it sets
// the platform's wall clock (the RTC, Date) with each answer.
import { LOG_INFO, LOG_WARN } from "../hal/types";
import { defaultSntpConfig, SntpClient } from "../src/apps/sntp";
import { formatIPv4, parseIPv4 } from "../src/net/addr";
import { ADDR_NEW } from "../src/net/inaddr";
import { DHCP_EV_BOUND, DHCP_EV_REBOUND, DHCP_STOPPED } from "../src/dhcp/states";
import { isoTime } from "../src/util/time";
import type { Device } from "./device";
import { addStop } from "./services";

export function addSntp(dev: Device, configured: string[], onTime: ((ms: number) => void) | undefined): void {
  const p = dev.platform;
  const log = p.log;
  // The board's servers as addresses; a name's address once looked up.
  const fixed: number[] = [];
  const servers = (): number[] => {
    const c = dev.dhcp;
    const ntp = c !== undefined && c.hasLease() ? c.lease.ntp : undefined;
    if (ntp !== undefined && ntp.length > 0) return ntp;
    return fixed;
  };
  const client = new SntpClient(
    dev.stack,
    servers,
    (ms) => {
      if (p.setEpochMs !== undefined) p.setEpochMs(ms);
    },
    defaultSntpConfig(),
    (ms, server) => {
      log.write(LOG_INFO, "sntp: " + isoTime(ms) + " from " + formatIPv4(server));
      if (onTime !== undefined) onTime(ms);
    },
  );
  const resolve = (): void => {
    fixed.splice(0, fixed.length);
    for (let i = 0; i < configured.length; i++) {
      const name = configured[i];
      const a = parseIPv4(name);
      if (a >= 0) fixed.push(a);
      else if (dev.lookup !== undefined)
        dev.lookup(name, (err, addr) => {
          if (err !== 0) {
            log.write(LOG_WARN, "sntp: " + name + ": " + (dev.dnsError !== undefined ? dev.dnsError(err) : err));
            return;
          }
          log.write(LOG_INFO, "dns: " + name + " is " + formatIPv4(addr));
          fixed.push(addr);
          // The first address found starts the polling at once.
          if (!client.synced()) client.start();
        });
    }
    client.start();
  };
  // No DHCP at work (it adds its address before it has its lease: that one waits for the lease).
  const staticOnly = (): boolean => dev.dhcp === undefined || dev.dhcp.state === DHCP_STOPPED;
  dev.stack.events.add({
    // A new lease brings new servers; a static address is the start on a board without DHCP.
    dhcp: (kind) => {
      if (kind === DHCP_EV_BOUND || kind === DHCP_EV_REBOUND) resolve();
    },
    addr: (kind, ia) => {
      if (kind === ADDR_NEW && ia.ifp === dev.eth && staticOnly()) resolve();
    },
  });
  // A static address already on eth0 (no DHCP to wait for): start now.
  if (
    dev.eth !== undefined &&
    dev.stack.addrs.firstOn(dev.eth) !== undefined &&
    (dev.dhcp === undefined || !dev.dhcp.hasLease())
  )
    resolve();
  dev.time = () => client.now();
  addStop(dev, () => client.stop());
}
