// ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861): types, codes, the
// offsets of the fields a host reads, and the ND options (with RDNSS, RFC 8106).
export const ICMP6_TYPE = 0;
export const ICMP6_CODE = 1;
export const ICMP6_CKSUM = 2;
/** Echo's identifier and sequence; an error's 32-bit field (MTU, pointer). */
export const ICMP6_DATA = 4;
export const ICMP6_ECHO_ID = 4;
export const ICMP6_ECHO_SEQ = 6;
export const ICMP6_HLEN = 8;

export const ICMP6_DST_UNREACH = 1;
export const ICMP6_PACKET_TOO_BIG = 2;
export const ICMP6_TIME_EXCEEDED = 3;
export const ICMP6_PARAM_PROB = 4;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;
export const MLD_LISTENER_QUERY = 130;
export const MLD_LISTENER_REPORT_V1 = 131;
// A query (RFC 3810 5.1, RFC 2710 3): Maximum Response Code/Delay at 4, the group at 8.
export const MLD_MAXDELAY = 4;
export const MLD_GROUP = 8;
/** The least an MLDv2 query is (an MLDv1 query is 24 bytes). */
export const MLD2_QUERY_LEN = 28;
export const MLD_LISTENER_REPORT_V2 = 143;
// An MLDv2 report (RFC 3810 5.2): reserved, the number of records at 6, records from 8.
export const MLD2_NRECORDS = 6;
export const MLD2_RECORDS = 8;
// A record: its type, aux data length, number of sources, the group (20 bytes without sources).
export const MLD2_REC_TYPE = 0;
export const MLD2_REC_GROUP = 4;
export const MLD2_REC_LEN = 20;
/** Listening to every source of the group (a join) / to none (a leave). */
export const MLD2_CHANGE_TO_EXCLUDE = 4;
export const MLD2_CHANGE_TO_INCLUDE = 3;
/** A current-state record: listening to every source of the group (an answer to a query). */
export const MLD2_MODE_IS_EXCLUDE = 2;
export const ND_ROUTER_SOLICIT = 133;
/** A Router Solicitation: type, code, checksum, 4 reserved bytes; options follow. */
export const ND_RS_LEN = 8;
export const ND_ROUTER_ADVERT = 134;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_REDIRECT = 137;

// Parameter problem codes: the pointer (ICMP6_DATA) is an offset into the offending packet.
export const ICMP6_PARAMPROB_HEADER = 0;
export const ICMP6_PARAMPROB_NEXTHEADER = 1;
export const ICMP6_PARAMPROB_OPTION = 2;

/** Every ND message comes with hop limit 255: it cannot have crossed a router. */
export const ND_HOPLIMIT = 255;

// Router Advertisement: current hop limit, flags (M 0x80, O 0x40), router
// lifetime (s), reachable time and retransmit timer (ms); options at 16.
export const ND_RA_CURHOPLIMIT = 4;
export const ND_RA_FLAGS = 5;
export const ND_RA_FLAG_MANAGED = 0x80;
export const ND_RA_FLAG_OTHER = 0x40;
export const ND_RA_ROUTER_LIFETIME = 6;
export const ND_RA_REACHABLE = 8;
export const ND_RA_RETRANSMIT = 12;
export const ND_RA_LEN = 16;
// Neighbor Solicitation and Advertisement: (flags,) target, options at 24.
export const ND_NA_FLAGS = 4;
export const ND_NA_FLAG_ROUTER = 0x80;
export const ND_NA_FLAG_SOLICITED = 0x40;
export const ND_NA_FLAG_OVERRIDE = 0x20;
export const ND_NS_TARGET = 8;
export const ND_NS_LEN = 24;

// ND options: type, length in units of 8 bytes (0 is invalid), then the value.
export const ND_OPT_TYPE = 0;
export const ND_OPT_LEN = 1;
export const ND_OPT_SOURCE_LINKADDR = 1;
export const ND_OPT_TARGET_LINKADDR = 2;
export const ND_OPT_PREFIX_INFORMATION = 3;
export const ND_OPT_MTU = 5;
export const ND_OPT_RDNSS = 25;
/** The link-layer address in a (source or target) link-layer address option. */
export const ND_OPT_LINKADDR = 2;
// Prefix information (32 bytes): prefix length, flags (L 0x80, A 0x40), valid and preferred lifetimes, prefix.
export const ND_OPT_PI_PREFIXLEN = 2;
export const ND_OPT_PI_FLAGS = 3;
export const ND_OPT_PI_FLAG_ONLINK = 0x80;
export const ND_OPT_PI_FLAG_AUTO = 0x40;
export const ND_OPT_PI_VALID = 4;
export const ND_OPT_PI_PREFERRED = 8;
export const ND_OPT_PI_PREFIX = 16;
export const ND_OPT_PI_LEN = 32;
/** MTU option: the MTU at 4 (8 bytes in all). */
export const ND_OPT_MTU_VALUE = 4;
/** RDNSS: lifetime at 4, then the servers from 8, 16 bytes each. */
export const ND_OPT_RDNSS_LIFETIME = 4;
export const ND_OPT_RDNSS_ADDRS = 8;
