// The stored device settings (HAL storage, key "netrt.settings"): a header
// that names the format and its version and protects the body with a CRC,
// then type-length-value fields. All multi-byte numbers big-endian.
export const SET_MAGIC = 0;
/** "ns": a settings record. */
export const SET_MAGIC_VALUE = 0x6e73;
export const SET_VERSION = 2;
/** Body length (u16). */
export const SET_LEN = 3;
/** CRC-16/GENIBUS of the body (u16). */
export const SET_CRC = 5;
export const SET_HLEN = 7;

// A field: type, value length, value.
export const SETF_TYPE = 0;
export const SETF_LEN = 1;
export const SETF_VALUE = 2;

/** u8: 1 DHCP on eth0, 0 static. */
export const SETT_DHCP = 1;
/** address u32, prefix length u8; repeated. */
export const SETT_ADDR = 2;
export const SETT_ADDR_PLEN = 4;
export const SETT_ADDR_LEN = 5;
/** u32: the default route's gateway. */
export const SETT_GATEWAY = 3;
/** 1..32 printable ASCII bytes. */
export const SETT_HOSTNAME = 4;
/** 6 bytes: eth0's MAC, unicast and not zero. */
export const SETT_MAC = 5;
/** u8: 0 rfc2131, 1 fast. */
export const SETT_PROFILE = 6;
/** u8: 0 strict, 1 quick, 2 off. */
export const SETT_PROBE = 7;
/** address u32, MAC 6 bytes: a permanent neighbour; repeated. */
export const SETT_NEIGH = 8;
export const SETT_NEIGH_MAC = 4;
export const SETT_NEIGH_LEN = 10;
/** The value length of the one-byte fields. */
export const SETT_BYTE_LEN = 1;
