// ICMP (RFC 792): the common header, the echo fields, and what an error quotes.
export const ICMP_TYPE = 0;
export const ICMP_CODE = 1;
export const ICMP_CKSUM = 2;
export const ICMP_ECHO_ID = 4;
export const ICMP_ECHO_SEQ = 6;
/** Header length; an error's quoted datagram follows it. */
export const ICMP_HLEN = 8;

export const ICMP_ECHOREPLY = 0;
export const ICMP_UNREACH = 3;
export const ICMP_ECHO = 8;
export const ICMP_UNREACH_PROTOCOL = 2;
export const ICMP_UNREACH_PORT = 3;
/** Fragmentation needed and DF set: the next hop's MTU is in ICMP_NEXTMTU (RFC 1191). */
export const ICMP_UNREACH_NEEDFRAG = 4;
export const ICMP_NEXTMTU = 6;
export const ICMP_TIMXCEED = 11;
export const ICMP_PARAMPROB = 12;
