// ARP for IPv4 over Ethernet (RFC 826): the packet after the Ethernet header.
export const ARP_HTYPE = 0;
export const ARP_PTYPE = 2;
export const ARP_HLN = 4;
export const ARP_PLN = 5;
export const ARP_OP = 6;
/** Sender hardware and protocol address, target hardware and protocol address. */
export const ARP_SHA = 8;
export const ARP_SPA = 14;
export const ARP_THA = 18;
export const ARP_TPA = 24;
export const ARP_LEN = 28;

export const ARPHRD_ETHER = 1;
/** Hardware and protocol address lengths for Ethernet and IPv4. */
export const ARP_ETHER_HLN = 6;
export const ARP_IPV4_PLN = 4;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;
