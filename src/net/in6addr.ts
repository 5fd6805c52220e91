// One IPv6 address of the host: its state (RFC 4862), where it came from and
// its lifetimes, as Linux reports them (IFA_F_* flags, IFA_CACHEINFO).
import { alloc } from "@hal/bytes";
import type { Bytes } from "../../hal/types";
import type { Ifnet } from "./ifnet";
import { IPV6_ALEN } from "../wire/ipv6";

// An address's state, as Linux's IFA_F_TENTATIVE / IFA_F_DEPRECATED / IFA_F_DADFAILED tell them.
export const IN6_TENTATIVE = 1;
export const IN6_PREFERRED = 2;
export const IN6_DUPLICATE = 3;
/** Its preferred lifetime is over: still ours, not chosen for new traffic (RFC 4862 5.5.4). */
export const IN6_DEPRECATED = 4;

/** A lifetime that never ends (RFC 4861 4.6.2: 0xffffffff seconds), as a deadline. */
export const FOREVER = -1;

export class In6Addr {
  readonly addr: Bytes = alloc(IPV6_ALEN);
  state = IN6_TENTATIVE;
  /** DAD's solicitations sent so far. */
  probes = 0;
  /** DAD runs begun: a run's pending steps end when another begins (the link came back). */
  dadRun = 0;
  /** Added without DAD (an administrator's "nodad"). */
  noDad = false;
  /** Formed from a Router Advertisement's prefix (SLAAC), not configured. */
  autoconf = false;
  /** Conflicts DAD met for this prefix so far (RFC 7217's DAD_Counter). */
  dadCounter = 0;
  /** When the valid and preferred lifetimes end (ms on the clock), or FOREVER. */
  validUntil = FOREVER;
  preferredUntil = FOREVER;
  /** When it was added and last updated (ms on the clock). */
  created = 0;
  updated = 0;
  constructor(
    readonly ifp: Ifnet,
    readonly prefixLen: number,
  ) {}
}
