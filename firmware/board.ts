// What a board file (boards/*.json) tells the firmware. The build validates
// the file and hands this object to the runtime's entry point.
export interface BoardConfig {
  name: string;
  runtime: string;
  /** The MAC driver the board names, and whether this build has it. */
  mac: { driver: string; available: boolean; hwaddr: string; mtu: number };
  /** The control channel's UART, its baud rate, and the longest message either way (bytes). */
  control: { uart: string; baud: number; maxFrame: number };
  lltableCapacity: number;
  /** Static configuration; empty strings when the board has none. */
  ipv4: { address: string; gateway: string };
  /** profile: "rfc2131" | "fast"; probe: "strict" | "quick" | "off". */
  dhcp: { enabled: boolean; profile: string; probe: string; rapidCommit: boolean; vendorClass: string };
  hostname: string;
  logLevel: number;
}
