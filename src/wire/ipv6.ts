// The IPv6 header (RFC 8200) and its extension headers: each field's offset,
// and the next-header numbers a host meets.
export const IPV6_VFC = 0;
export const IPV6_PLEN = 4;
export const IPV6_NXT = 6;
export const IPV6_HLIM = 7;
export const IPV6_SRC = 8;
export const IPV6_DST = 24;
export const IPV6_HLEN = 40;
/** An address's length in bytes. */
export const IPV6_ALEN = 16;

// Next-header values (IANA "Assigned Internet Protocol Numbers").
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;

// Extension headers: next header, then the length in 8-byte units beyond the first 8.
export const IP6E_NXT = 0;
export const IP6E_LEN = 1;
/** Routing header: its type and the segments left. */
export const IP6R_TYPE = 2;
export const IP6R_SEGLEFT = 3;
/** The fragment header's fixed length. */
export const IP6F_LEN = 8;

// Options in the hop-by-hop and destination options headers (RFC 8200 4.2):
// type, length of the data, data.
export const IP6OPT_TYPE = 0;
export const IP6OPT_LEN = 1;
export const IP6OPT_DATA = 2;
export const IP6OPT_PAD1 = 0;
export const IP6OPT_PADN = 1;
/** Router Alert (RFC 2711), value 0: an MLD message, for the routers on the path. */
export const IP6OPT_ROUTER_ALERT = 5;
export const IP6OPT_RTALERT_LEN = 2;
/** The two high bits of an option's type: what to do with an unknown one. */
export const IP6OPT_ACTION_SKIP = 0;
export const IP6OPT_ACTION_DISCARD = 1;
export const IP6OPT_ACTION_ICMP = 2;
export const IP6OPT_ACTION_ICMP_UNICAST = 3;
