// The settings commands' attributes, declared into our family's set when
// this module loads: only builds with the settings feature (and the host
// CLI) import it.
import { SETTINGS_HOSTNAME_MAX, SETTINGS_MAX } from "../config/settings";
import { GENL_ATTRS, NETRT_A_CONFIG, NETRT_A_CONFIG_STATUS } from "./family";
import { NLA_BINARY, NLA_STRING, NLA_U8 } from "./policy";

/**
 * The DHCP client's configuration: sets what the message carries
 * (NETRT_A_HOSTNAME, NETRT_A_DHCP_PROFILE, NETRT_A_DHCP_PROBE; changing
 * needs an authenticated session on a keyed device) and answers, same cmd,
 * with all three. Optional NETRT_A_IFINDEX, as the other DHCP commands.
 */
export const NETRT_CMD_DHCP_CONFIG = 16;
/** 1 to 32 printable bytes, no spaces: DHCP option 12. */
export const NETRT_A_HOSTNAME = 27;
/** u8: 0 rfc2131, 1 fast. */
export const NETRT_A_DHCP_PROFILE = 28;
/** u8: 0 strict, 1 quick, 2 off. */
export const NETRT_A_DHCP_PROBE = 29;

if (GENL_ATTRS.find(NETRT_A_CONFIG) < 0)
  GENL_ATTRS.sized(NETRT_A_CONFIG, "NETRT_A_CONFIG", NLA_BINARY, SETTINGS_MAX)
    .a(NETRT_A_CONFIG_STATUS, "NETRT_A_CONFIG_STATUS", NLA_U8)
    .sized(NETRT_A_HOSTNAME, "NETRT_A_HOSTNAME", NLA_STRING, SETTINGS_HOSTNAME_MAX + 1)
    .a(NETRT_A_DHCP_PROFILE, "NETRT_A_DHCP_PROFILE", NLA_U8)
    .a(NETRT_A_DHCP_PROBE, "NETRT_A_DHCP_PROBE", NLA_U8);
