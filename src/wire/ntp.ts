// The NTP packet (RFC 5905 7.3) as SNTP uses it (RFC 4330 4): 48 bytes
// without extensions; timestamps are seconds since 1900 and a 32-bit fraction.
export const NTP_LVM = 0;
export const NTP_STRATUM = 1;
export const NTP_POLL = 2;
export const NTP_PRECISION = 3;
export const NTP_ROOT_DELAY = 4;
export const NTP_ROOT_DISP = 8;
export const NTP_REFID = 12;
export const NTP_REF_TS = 16;
export const NTP_ORIGIN_TS = 24;
export const NTP_RECEIVE_TS = 32;
export const NTP_TRANSMIT_TS = 40;
export const NTP_LEN = 48;
/** Within a timestamp: whole seconds, then the fraction. */
export const NTP_TS_SEC = 0;
export const NTP_TS_FRAC = 4;

export const NTP_PORT = 123;
/** The first byte's fields: leap indicator (top 2 bits), version (3), mode (low 3). */
export const NTP_LI_ALARM = 3;
export const NTP_MODE_CLIENT = 3;
export const NTP_MODE_SERVER = 4;
export const NTP_VERSION = 4;
/** Stratum 0 is a kiss-o'-death (RFC 5905 7.4); 16 and above, unsynchronized. */
export const NTP_STRATUM_KOD = 0;
export const NTP_STRATUM_MAX = 15;
/** Seconds from 1900 to 1970. */
export const NTP_UNIX_OFFSET = 2208988800;
/** Kiss codes (the reference id as ASCII), big-endian. */
export const KOD_DENY = 0x44454e59;
export const KOD_RSTR = 0x52535452;
export const KOD_RATE = 0x52415445;
