import { NLA_BINARY, NLA_IN_ADDR, NLA_STRING, NLA_U32, NLA_U8, NlAttrSet, NlField, NlSchema } from "./policy";
// Our generic-netlink-style family (protocol PROTO_GENERIC on the serial
// line): genlmsghdr, then attributes. The one place its numbers are declared:
// the device, the CLI and docs/CONTROL-PROTOCOL.md (checked by a test) read
// them from here.

/** The nlmsg_type of every message of the family. */
export const NETRT_GENL_TYPE = 32;

// Commands (genlmsghdr.cmd).
/** NETRT_A_GROUPS: the notification groups to receive, as a mask (bit group-1). */
export const NETRT_CMD_SUBSCRIBE = 1;
export const NETRT_CMD_DHCP_GET = 2;
export const NETRT_CMD_DHCP_RENEW = 3;
export const NETRT_CMD_DHCP_RELEASE = 4;
export const NETRT_CMD_DHCP_RESTART = 5;
/** A DHCP notification (group NETRT_GROUP_DHCP) or the reply to DHCP_GET. */
export const NETRT_CMD_DHCP_STATE = 6;
/** Asks for a nonce; the reply (same cmd) carries NETRT_A_NONCE and NETRT_A_KEYED. */
export const NETRT_CMD_AUTH_CHALLENGE = 7;
/** NETRT_A_MAC = HMAC-SHA256(key, nonce): opens an authenticated session. */
export const NETRT_CMD_AUTH_RESPONSE = 8;
/** NETRT_A_KEY (16..64 bytes; empty clears it): allowed unconfigured or authenticated. */
export const NETRT_CMD_SET_KEY = 9;
export const NETRT_CMD_AUTH_END = 10;
/**
 * NETRT_A_ADDRESS, optional NETRT_A_SIZE (payload bytes, default 56) and
 * NETRT_A_TIMEOUT (ms, default 1000): the device sends one ICMP echo request
 * and answers (same cmd) when the reply arrives, with NETRT_A_RTT (ms) and
 * NETRT_A_TTL, or at the timeout without them; then the ACK.
 */
export const NETRT_CMD_PING = 11;
/** As PING with one ARP request (NETRT_A_IFINDEX optional); the answer has NETRT_A_LLADDR. */
export const NETRT_CMD_ARPING = 12;
/** The stored settings: a message of the same cmd with NETRT_A_CONFIG_STATUS and, when stored, NETRT_A_CONFIG. */
export const NETRT_CMD_CONFIG_GET = 13;
/** Stores the running settings (src/config/settings.ts), applied at the next boot. */
export const NETRT_CMD_CONFIG_SAVE = 14;
/** Removes the stored settings: the board's defaults at the next boot. */
export const NETRT_CMD_CONFIG_RESET = 15;

// Attributes.
export const NETRT_A_GROUPS = 1;
export const NETRT_A_IFINDEX = 2;
export const NETRT_A_DHCP_STATE = 3;
export const NETRT_A_DHCP_EVENT = 4;
export const NETRT_A_ADDRESS = 5;
export const NETRT_A_PREFIXLEN = 6;
export const NETRT_A_SERVER = 7;
export const NETRT_A_ROUTER = 8;
export const NETRT_A_DNS = 9;
export const NETRT_A_DOMAIN = 10;
export const NETRT_A_LEASE = 11;
export const NETRT_A_T1 = 12;
export const NETRT_A_T2 = 13;
export const NETRT_A_REMAINING = 14;
export const NETRT_A_STATE_NAME = 15;
export const NETRT_A_NONCE = 16;
export const NETRT_A_MAC = 17;
export const NETRT_A_KEY = 18;
export const NETRT_A_KEYED = 19;
export const NETRT_A_TIMEOUT = 20;
export const NETRT_A_SIZE = 21;
export const NETRT_A_RTT = 22;
export const NETRT_A_TTL = 23;
export const NETRT_A_LLADDR = 24;
/** The stored settings record, as stored (src/wire/settings.ts). */
export const NETRT_A_CONFIG = 25;
/** What reading it found: SETTINGS_OK, SETTINGS_NONE, or the problem (src/config/settings.ts). */
export const NETRT_A_CONFIG_STATUS = 26;

/** Not an rtnetlink group: DHCP events, bit 31 of the subscription mask. */
export const NETRT_GROUP_DHCP = 32;

/** Length of the nonce NETRT_CMD_AUTH_CHALLENGE answers with. */
export const NETRT_NONCE_LEN = 16;
/** HMAC-SHA256 output, NETRT_A_MAC's length. */
export const NETRT_MAC_LEN = 32;
export const NETRT_KEY_MIN = 16;
export const NETRT_KEY_MAX = 64;

export const GENL_CMD = new NlField("cmd", 0, NLA_U8);
export const GENL_VERSION = new NlField("version", 1, NLA_U8);
export const GENL_ATTRS = new NlAttrSet("netrt")
  .a(NETRT_A_GROUPS, "NETRT_A_GROUPS", NLA_U32)
  .a(NETRT_A_IFINDEX, "NETRT_A_IFINDEX", NLA_U32)
  .a(NETRT_A_DHCP_STATE, "NETRT_A_DHCP_STATE", NLA_U8)
  .a(NETRT_A_DHCP_EVENT, "NETRT_A_DHCP_EVENT", NLA_U8)
  .a(NETRT_A_ADDRESS, "NETRT_A_ADDRESS", NLA_IN_ADDR)
  .a(NETRT_A_PREFIXLEN, "NETRT_A_PREFIXLEN", NLA_U8)
  .a(NETRT_A_SERVER, "NETRT_A_SERVER", NLA_IN_ADDR)
  .a(NETRT_A_ROUTER, "NETRT_A_ROUTER", NLA_IN_ADDR)
  .a(NETRT_A_DNS, "NETRT_A_DNS", NLA_IN_ADDR)
  .sized(NETRT_A_DOMAIN, "NETRT_A_DOMAIN", NLA_STRING, 256)
  .a(NETRT_A_LEASE, "NETRT_A_LEASE", NLA_U32)
  .a(NETRT_A_T1, "NETRT_A_T1", NLA_U32)
  .a(NETRT_A_T2, "NETRT_A_T2", NLA_U32)
  .a(NETRT_A_REMAINING, "NETRT_A_REMAINING", NLA_U32)
  .sized(NETRT_A_STATE_NAME, "NETRT_A_STATE_NAME", NLA_STRING, 32)
  .sized(NETRT_A_NONCE, "NETRT_A_NONCE", NLA_BINARY, NETRT_NONCE_LEN)
  .sized(NETRT_A_MAC, "NETRT_A_MAC", NLA_BINARY, NETRT_MAC_LEN)
  .sized(NETRT_A_KEY, "NETRT_A_KEY", NLA_BINARY, NETRT_KEY_MAX)
  .a(NETRT_A_KEYED, "NETRT_A_KEYED", NLA_U8);
// A board feature's attributes (20 and up) are declared into this set by the
// feature's own module (family-probes.ts), so that builds without the feature
// carry none of their declarations.
export const GENLMSGHDR = new NlSchema("netrt", 4, [GENL_CMD, GENL_VERSION], GENL_ATTRS);

/** The mask bit of a notification group (RTNLGRP_* or NETRT_GROUP_DHCP) in NETRT_A_GROUPS. */
export function groupBit(group: number): number {
  let v = 1;
  for (let i = 1; i < group; i++) v *= 2;
  return v;
}
