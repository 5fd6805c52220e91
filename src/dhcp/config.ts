// What a DHCP client is configured with: the retransmission profile, the
// address-probing policy and what it tells the server about itself.

/** Probe the offered address before using it (RFC 5227), or bind at once and defend, or neither. */
export const PROBE_STRICT = 0;
export const PROBE_QUICK = 1;
export const PROBE_OFF = 2;

export interface DhcpConfig {
  /** Which table the waits below come from: 0 RFC 2131's, 1 the fast one. */
  profile: number;
  /** Retransmission waits (ms) for the first tries; later ones double up to capMs. */
  backoff: number[];
  capMs: number;
  /** ± this much random spread on every wait (RFC 2131: ±1 s). */
  jitterMs: number;
  /** Random wait before the first DISCOVER, up to this. */
  initDelayMaxMs: number;
  /** REQUEST transmissions before giving up and starting over. */
  requestTries: number;
  /** INIT-REBOOT REQUEST transmissions before falling back to INIT. */
  rebootTries: number;
  probe: number;
  /** How long after binding (quick policy) a conflict still makes us DECLINE. */
  quickDefendMs: number;
  rapidCommit: boolean;
  broadcastFlag: boolean;
  hostname: string;
  vendorClass: string;
  maxRouters: number;
  maxDns: number;
  /** Where the lease is kept across reboots; "" disables persistence. */
  storageKey: string;
}

/** Wall-clock seconds since 1970 when the device knows them (an RTC, SNTP), else -1. */
export type EpochSource = () => number;

/** RFC 2131's randomized exponential backoff: 4, 8, 16, 32, 64 s, ±1 s. */
export function rfc2131Profile(): DhcpConfig {
  return {
    profile: 0,
    backoff: [4000, 8000, 16000, 32000, 64000],
    capMs: 64000,
    jitterMs: 1000,
    initDelayMaxMs: 1000,
    requestTries: 4,
    rebootTries: 3,
    probe: PROBE_STRICT,
    quickDefendMs: 4000,
    rapidCommit: false,
    broadcastFlag: false,
    hostname: "",
    vendorClass: "netrt",
    maxRouters: 2,
    maxDns: 3,
    storageKey: "dhcp",
  };
}

/** The fast bring-up table (1.5 s, 1.75 s, 5 s, then doubling, each ±0.25 s), for devices that must come up quickly. */
export function fastProfile(): DhcpConfig {
  const c = rfc2131Profile();
  c.profile = 1;
  c.backoff = [1500, 1750, 5000];
  // Enough spread that devices powered up together stop retransmitting in lockstep.
  c.jitterMs = 250;
  c.initDelayMaxMs = 0;
  return c;
}
