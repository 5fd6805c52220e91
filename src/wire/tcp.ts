// The TCP header (RFC 9293 3.1) and the one option we speak: MSS.
export const TCP_SPORT = 0;
export const TCP_DPORT = 2;
export const TCP_SEQ = 4;
export const TCP_ACK = 8;
/** Data offset (high nibble, in 32-bit words) and the reserved bits. */
export const TCP_OFF = 12;
export const TCP_FLAGS = 13;
export const TCP_WIN = 14;
export const TCP_CKSUM = 16;
export const TCP_URP = 18;
export const TCP_HLEN = 20;

export const TH_FIN = 1;
export const TH_SYN = 2;
export const TH_RST = 4;
export const TH_PUSH = 8;
export const TH_ACK = 16;
export const TH_URG = 32;

/** Within an option: its kind, then its length (kind and length included), then its value. */
export const TCPOPT_KIND = 0;
export const TCPOPT_LEN = 1;
export const TCPOPT_VALUE = 2;
export const TCPOPT_EOL = 0;
export const TCPOPT_NOP = 1;
export const TCPOPT_MAXSEG = 2;
export const TCPOLEN_MAXSEG = 4;
/** Timestamps (RFC 7323): TSval and TSecr, 4 bytes each; sent after two NOPs, 12 bytes in all. */
export const TCPOPT_TIMESTAMP = 8;
export const TCPOLEN_TIMESTAMP = 10;
export const TCPOLEN_TSTAMP_APPA = 12;
/** Within the timestamp option: TSval, then TSecr. */
export const TCPOPT_TSVAL = 2;
export const TCPOPT_TSECR = 6;
