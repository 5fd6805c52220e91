// One frame on the serial control line, before COBS: the protocol byte, the
// netlink message, and a CRC-16 (big-endian) over both.
export const FRAME_PROTO = 0;
export const FRAME_MSG = 1;
export const FRAME_CRC_LEN = 2;
/** The protocol byte and the CRC around a message. */
export const FRAME_OVERHEAD = FRAME_MSG + FRAME_CRC_LEN;
