// The UDP header (RFC 768).
export const UDP_SPORT = 0;
export const UDP_DPORT = 2;
export const UDP_LEN = 4;
export const UDP_CKSUM = 6;
export const UDP_HLEN = 8;
