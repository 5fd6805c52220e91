// What a board file (boards/*.json) tells the firmware. The build validates
// the file and hands this object to the runtime's entry point.
/** An SPI chip's wiring; -1 where a pin is not wired (the bus's fixed pins on NodeMCU ESP8266; reset and int are optional). */
export interface SpiPins {
  sck: string | number;
  miso: string | number;
  mosi: string | number;
  cs: string | number;
  reset: string | number;
  int: string | number;
}

export interface BoardConfig {
  name: string;
  /** The firmware's version: package.json's, put in by the build. */
  version: string;
  runtime: string;
  /**
   * The MAC driver the board names, and whether this build has it. SPI chips
   * also name their bus ("SPI2", "VSPI", "HSPI"), pins (Espruino pin names,
   * ESP32 GPIO numbers, NodeMCU "Dn" indexes) and clock; empty otherwise.
   */
  mac: { driver: string; available: boolean; hwaddr: string; mtu: number; bus: string; pins: SpiPins; spiBaud: number };
  /**
   * The control channel: whether the build has it at all (a board short of
   * memory leaves it out: `"control": false`), its UART ("none": built but
   * not connected), baud rate, pins where the UART can be routed, the
   * longest message either way (bytes), and whether it has the probes.
   */
  control: {
    enabled: boolean;
    uart: string;
    baud: number;
    maxFrame: number;
    pins: { tx: string | number; rx: string | number };
    /** `netrt ping` and `netrt arping`: the device's own probes (src/netlink/probe.ts). */
    probes: boolean;
    /** Settings kept across reboots: `netrt save`, `config show`, `config reset` (src/config/). */
    settings: boolean;
  };
  lltableCapacity: number;
  /** Static configuration; empty strings when the board has none. */
  ipv4: { address: string; gateway: string };
  /** profile: "rfc2131" | "fast"; probe: "strict" | "quick" | "off". */
  dhcp: { enabled: boolean; profile: string; probe: string; rapidCommit: boolean; vendorClass: string };
  hostname: string;
  logLevel: number;
  /**
   * What the device's own program may use (each a feature, in the build only
   * when enabled): UDP sockets (how many at once), TCP, the DNS resolver, SNTP
   * (its servers when the lease names none: names or addresses), the mDNS
   * responder for <hostname>.local. Absent when the board has none (a
   * board's config lives on the device: what it does not use, it does not hold).
   */
  services?: {
    sockets: number;
    /** TCP connections at once (0: no TCP), and each one's receive window and send buffer in bytes. */
    tcp: number;
    tcpBuffer: number;
    /** W5500: the connections are the chip's sockets 1..tcp (hybrid with MACRAW), not netrt's TCP. */
    tcpChip: boolean;
    dns: boolean;
    dnsServers: string[];
    sntp: boolean;
    sntpServers: string[];
    mdns: boolean;
    /** Espruino: the program's require("net"), "http" and "dgram" over netrt (NetworkJS). */
    networkjs: boolean;
  };
  /** IPv6 on eth0 (src/net/ipv6.ts): addresses with DAD and SLAAC, Neighbor Discovery, echo, UDP. */
  ipv6?: boolean;
  /** Interface identifiers by RFC 7217 from a secret kept in storage, not from the MAC. */
  ipv6Stable?: boolean;
  /**
   * Built as a module the program starts (require("netrt"), netrt.start({...}))
   * instead of a firmware that starts at boot.
   */
  program?: boolean;
}
