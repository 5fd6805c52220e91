// Ephemeral UDP ports for the device's own clients (the program's sockets,
// DNS, SNTP): its own module, so a board with only a resolver does not
// carry the socket API.
import { EADDRINUSE } from "./errno";
import type { NetStack } from "./stack";
import type { UdpDatagram } from "./udp";

/** The ephemeral port range (RFC 6335, as IANA and most systems use it). */
const EPHEMERAL_LOW = 49152;
const EPHEMERAL_COUNT = 16384;

/**
 * Binds `h` to a free ephemeral port: the port, or -errno. A random start
 * in the range, then the next free one (RFC 6056's simple algorithm).
 */
export function bindEphemeral(stack: NetStack, h: (d: UdpDatagram) => void): number {
  const start = stack.random.u32() % EPHEMERAL_COUNT;
  for (let i = 0; i < EPHEMERAL_COUNT; i++) {
    const port = EPHEMERAL_LOW + ((start + i) % EPHEMERAL_COUNT);
    const err = stack.udp.bind(port, h, undefined);
    if (err !== -EADDRINUSE) return err < 0 ? err : port;
  }
  return -EADDRINUSE;
}
