// The BOOTP message DHCP rides on (RFC 2131 figure 1) and its options (RFC 2132).
export const BOOTP_OP = 0;
export const BOOTP_HTYPE = 1;
export const BOOTP_HLEN = 2;
export const BOOTP_HOPS = 3;
export const BOOTP_XID = 4;
export const BOOTP_SECS = 8;
export const BOOTP_FLAGS = 10;
export const BOOTP_CIADDR = 12;
export const BOOTP_YIADDR = 16;
export const BOOTP_SIADDR = 20;
export const BOOTP_GIADDR = 24;
export const BOOTP_CHADDR = 28;
export const BOOTP_SNAME = 44;
export const BOOTP_FILE = 108;
export const BOOTP_COOKIE = 236;
export const BOOTP_OPTIONS = 240;
export const BOOTP_SNAME_LEN = 64;
export const BOOTP_FILE_LEN = 128;

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** htype and hlen of Ethernet. */
export const HTYPE_ETHER = 1;
export const HLEN_ETHER = 6;
export const DHCP_MAGIC = 0x63825363;

// An option: code, length, data (pad and end are a code alone).
export const OPT_CODE = 0;
export const OPT_LEN = 1;
export const OPT_DATA = 2;
/** The client FQDN option's data (RFC 4702 2): flags, two deprecated RCODEs, then the name. */
export const FQDN_FLAGS = 0;
export const FQDN_RCODE1 = 1;
export const FQDN_RCODE2 = 2;
export const FQDN_NAME = 3;
/** Flags: the server updates the A record (S), the name is in DNS wire form (E). */
export const FQDN_S = 0x01;
export const FQDN_E = 0x04;

// Option 61, client identifier: a hardware type, then the address.
export const CLIENT_ID_TYPE = 0;
export const CLIENT_ID_ADDR = 1;
