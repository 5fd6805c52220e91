// The DHCP client's states and events as numbers: they travel on the control
// channel (NETRT_A_DHCP_STATE, NETRT_A_DHCP_EVENT), so hosts read the same
// values and names from here without pulling in the client.

export const DHCP_STOPPED = 0;
export const DHCP_INIT = 1;
export const DHCP_SELECTING = 2;
export const DHCP_REQUESTING = 3;
export const DHCP_PROBING = 4;
export const DHCP_BOUND = 5;
export const DHCP_RENEWING = 6;
export const DHCP_REBINDING = 7;
export const DHCP_INIT_REBOOT = 8;
export const DHCP_REBOOTING = 9;
export const DHCP_DECLINING = 10;
export const DHCP_INFORMING = 11;
/** RELEASE sent; the address stays until the frame has left (ARP may have had to run first). */
export const DHCP_RELEASING = 12;

export type DhcpState =
  | typeof DHCP_STOPPED
  | typeof DHCP_INIT
  | typeof DHCP_SELECTING
  | typeof DHCP_REQUESTING
  | typeof DHCP_PROBING
  | typeof DHCP_BOUND
  | typeof DHCP_RENEWING
  | typeof DHCP_REBINDING
  | typeof DHCP_INIT_REBOOT
  | typeof DHCP_REBOOTING
  | typeof DHCP_DECLINING
  | typeof DHCP_INFORMING
  | typeof DHCP_RELEASING;

export const DHCP_STATE_NAMES = [
  "STOPPED",
  "INIT",
  "SELECTING",
  "REQUESTING",
  "PROBING",
  "BOUND",
  "RENEWING",
  "REBINDING",
  "INIT-REBOOT",
  "REBOOTING",
  "DECLINING",
  "INFORMING",
  "RELEASING",
];

export function dhcpStateName(s: number): string {
  return s >= 0 && s < DHCP_STATE_NAMES.length ? DHCP_STATE_NAMES[s] : "?";
}

export const DHCP_EV_BOUND = 1;
export const DHCP_EV_RENEWED = 2;
export const DHCP_EV_REBOUND = 3;
export const DHCP_EV_EXPIRED = 4;
export const DHCP_EV_NAK = 5;
export const DHCP_EV_DECLINED = 6;
export const DHCP_EV_RELEASED = 7;
export const DHCP_EV_INFORMED = 8;

export type DhcpEvent =
  | typeof DHCP_EV_BOUND
  | typeof DHCP_EV_RENEWED
  | typeof DHCP_EV_REBOUND
  | typeof DHCP_EV_EXPIRED
  | typeof DHCP_EV_NAK
  | typeof DHCP_EV_DECLINED
  | typeof DHCP_EV_RELEASED
  | typeof DHCP_EV_INFORMED;

/** Indexed by DhcpEvent; 0 is "no event" (a plain state report). */
export const DHCP_EVENT_NAMES = [
  "",
  "bound",
  "renewed",
  "rebound",
  "expired",
  "nak",
  "declined",
  "released",
  "informed",
];
