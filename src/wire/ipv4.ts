// The IPv4 header (RFC 791), without options: what each field's offset is.
export const IPV4_VHL = 0;
export const IPV4_TOS = 1;
export const IPV4_TOTAL_LEN = 2;
export const IPV4_ID = 4;
/** Flags (3 bits) and fragment offset (13 bits). */
export const IPV4_FRAG = 6;
export const IPV4_TTL = 8;
export const IPV4_PROTO = 9;
export const IPV4_CKSUM = 10;
export const IPV4_SRC = 12;
export const IPV4_DST = 16;
export const IPV4_HLEN = 20;

/** Version 4, header length 5 words: the only header we send. */
export const IPV4_VHL_DEFAULT = 0x45;
/** More-fragments flag and fragment offset: any of them set means a fragment. */
export const IPV4_FRAG_MASK = 0x3fff;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
/** 224.0.0.1, the all-hosts group every IPv4 host is in (RFC 1112). */
export const INADDR_ALLHOSTS = 0xe0000001;
