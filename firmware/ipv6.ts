// IPv6 on eth0 (a board feature: "ipv6": true, or { "identifiers": "stable" }):
// the host of src/net/ipv6.ts with its addresses (link-local, SLAAC's) from
// the MAC or from RFC 7217 and a secret kept in storage, DAD, Neighbor
// Discovery, UDP. Builds without the feature carry none of it.
import { alloc, len, set32 } from "@hal/bytes";
import { type Bytes, LOG_WARN } from "../hal/types";
import { formatIPv6, parseIPv6 } from "../src/net/addr6";
import { defaultIp6Params, Ipv6 } from "../src/net/ipv6";
import { IPV6_ALEN } from "../src/wire/ipv6";
import type { Device } from "./device";

/** Where the RFC 7217 secret is kept, and its length (128 bits, as RFC 7217 5 recommends). */
const SECRET_KEY = "ip6key";
const SECRET_LEN = 16;

/**
 * The board's RFC 7217 secret: the stored one, or a new random one stored
 * now; undefined (identifiers from the MAC, said) when storage refuses it.
 */
function stableSecret(dev: Device): Bytes | undefined {
  const pl = dev.platform;
  const got = pl.storage.read(SECRET_KEY);
  if (got !== undefined && len(got) === SECRET_LEN) return got;
  const b = alloc(SECRET_LEN);
  for (let i = 0; i < SECRET_LEN; i += 4) set32(b, i, pl.random.u32());
  if (pl.storage.write(SECRET_KEY, b)) return b;
  pl.log.write(LOG_WARN, "ipv6: cannot store a secret for stable addresses; identifiers from the MAC");
  return undefined;
}

export function addIpv6(dev: Device): void {
  const st = dev.stack;
  const pl = dev.platform;
  const params = defaultIp6Params();
  if (dev.board.ipv6Stable === true) params.secret = stableSecret(dev);
  const ip6 = new Ipv6(pl.clock, pl.random, pl.log, (ifp, f) => st.sendFrame(ifp, f), params);
  st.ip6 = ip6;
  ip6.watch(st.events);
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
