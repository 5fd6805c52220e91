// The device: what every firmware runs once its runtime binding is up. It
// builds the network stack, attaches the board's MAC as eth0, applies the
// board's static IPv4 configuration and logs what happens on the network.
import { alloc, get8, set8, set16, set32 } from "@hal/bytes";
import { bxor, mul } from "@hal/u32";
import { hexByte } from "../src/util/hex";
import {
  type Bytes,
  LOG_ERROR,
  LOG_INFO,
  LOG_WARN,
  type Mac,
  type MacOptions,
  type Platform,
  type Serial,
  type SerialOptions,
  type Spi,
  type SpiMacFactory,
  type Gpio,
} from "../hal/types";
import { formatIPv4, formatMac, parseIPv4, parseMac } from "../src/net/addr";
import { ADDR_DEL, ADDR_NEW, addrRequest } from "../src/net/inaddr";
import { IFEV_LINK, type Ifnet } from "../src/net/ifnet";
import { defaultLltableParams, LLE_EVENT_RESOLVED, LLE_IFADDR, LLS_INCOMPLETE, LLS_PROBE } from "../src/net/lltable";
import { RTPROT_STATIC, RT_SCOPE_UNIVERSE } from "../src/net/route";
import { defaultStackConfig, NetStack } from "../src/net/stack";
import { DhcpClient } from "../src/dhcp/client";
import type { BoardConfig } from "./board";
import { DHCP_EV_BOUND, DHCP_EV_REBOUND, DHCP_EV_RENEWED } from "../src/dhcp/states";
import { type DhcpConfig, fastProfile, PROBE_OFF, PROBE_QUICK, PROBE_STRICT, rfc2131Profile } from "../src/dhcp/config";

export type MacFactory = (o: MacOptions) => Mac;
export type SerialFactory = (o: SerialOptions) => Serial | undefined;

export interface Device {
  readonly platform: Platform;
  readonly board: BoardConfig;
  readonly stack: NetStack;
  eth: Ifnet | undefined;
  dhcp: DhcpClient | undefined;
  control: DeviceControl | undefined;
  /** Called once eth0 is attached, before the board's static address or DHCP (the stored settings apply here). */
  afterEth?: (eth: Ifnet) => void;
  /** IPv6 addresses as text (a build with IPv6: firmware/ipv6.ts): written as RFC 5952 does, and read. */
  addr6?: Addr6Text;
  // What the board's services add (firmware/app-*.ts); absent from builds without them.
  /** Resolves a name (err: a DNS_* code of src/apps/dns.ts, named by dnsError). */
  lookup?: (name: string, cb: (err: number, addr: number) => void) => void;
  dnsError?: (err: number) => string;
  /** Opens a UDP socket for the program: the socket, or -errno. */
  openUdp?: (o: AppUdpOptions) => AppUdpSocket | number;
  /** Opens a TCP connection for the program: the socket (onConnect or onClose tells how it went), or -errno. */
  openTcp?: (o: AppTcpOptions) => AppTcpSocket | number;
  /** Accepts TCP connections for the program: the server, or -errno. */
  listenTcp?: (o: AppTcpServerOptions) => AppTcpServer | number;
  /** Wall-clock ms since 1970 from SNTP, or -1 before the first answer. */
  time?: () => number;
  /** The mDNS name in use, without ".local" ("" before one is taken). */
  mdnsName?: () => string;
  /** Stops each service (goodbyes, ports freed), in the order they were added. */
  stopServices?: (() => void)[];
}

// The program-facing types (here, not in app.ts: a type named pulls its file into
// a Lua bundle) are declared ambient: the Espruino build keeps their property names.

/** The address the program has: a lease's, or the static one. */
export declare interface AddressInfo {
  address: string;
  prefix: number;
  /** "" when there is none. */
  gateway: string;
  dns: string[];
  domain: string;
  /** The lease's length in seconds; -1 for a static address. */
  seconds: number;
}

export declare interface NetrtOptions {
  /** The MAC, "02:00:00:00:00:01"; default: the board's (or the unit's own). */
  mac?: string;
  /** The DHCP hostname (a dotted one goes as the FQDN option) and the mDNS name's first label. */
  hostname?: string;
  /** A static address "192.0.2.10/24": no DHCP then. */
  ipv4?: string;
  gateway?: string;
  /** DHCP on or off (default: the board's). */
  dhcp?: boolean;
  /** Each service the build has can be left off: false. */
  dns?: boolean;
  sntp?: boolean;
  mdns?: boolean;
  /** Espruino: require("net"), "http" and "dgram" over netrt (NetworkJS), when the build has it. */
  networkjs?: boolean;
  onLink?: (up: boolean) => void;
  /** An address to use: a lease bound (or rebound), or the static address applied. */
  onBound?: (info: AddressInfo) => void;
  onRenewed?: (info: AddressInfo) => void;
  /** The address went (the lease ended, was released or refused). */
  onLost?: (address: string) => void;
  /** SNTP set the wall clock: ms since 1970. */
  onTime?: (ms: number) => void;
  /** mDNS took a name (another may follow a conflict): without ".local". */
  onName?: (name: string) => void;
}

/** Adds the services the build has, as the options allow (the board's generated entry). */
export type AddServices = (dev: Device, o: NetrtOptions) => void;

/** A datagram as the program sees it: the payload as a string of bytes (as Espruino's dgram and NodeMCU's net). */
/** IPv6 address text, for the services of a build with IPv6. */
export interface Addr6Text {
  format(this: void, b: Bytes, at: number): string;
  /** The 16 bytes, or undefined when the text is not an IPv6 address. */
  parse(this: void, s: string): Bytes | undefined;
}

export declare interface AppDatagram {
  data: string;
  /** The sender: dotted IPv4, or IPv6 as RFC 5952 writes it. */
  address: string;
  port: number;
}

/** ECMA-419's shape: options with the callback, then read() and write(). */
export declare interface AppUdpOptions {
  /** 0 or absent: an ephemeral port. */
  port?: number;
  broadcast?: boolean;
  /** Datagrams held until read (default 4); more are dropped and counted. */
  queue?: number;
  onReadable?: (count: number) => void;
}

export declare interface AppUdpSocket {
  readonly port: number;
  /** The oldest waiting datagram, or undefined. */
  read(): AppDatagram | undefined;
  /**
   * To an IPv4 address, or an IPv6 one ("fe80::1", "2001:db8::5") on a board
   * with IPv6: 0 when sent (or waiting for ARP / Neighbor Discovery), else
   * -errno: EACCES a broadcast not allowed, ENETUNREACH no route,
   * EAFNOSUPPORT an IPv6 address without IPv6, EINVAL not an address.
   */
  write(data: string, address: string, port: number): number;
  /** Datagrams dropped because the queue was full. */
  dropped(): number;
  close(): void;
}

/**
 * A TCP connection as the program sees it: data as strings of bytes; the
 * callbacks are the socket's own fields, set in the options of tcp() or,
 * for an accepted socket, by the program in onAccept.
 */
export declare interface AppTcpSocket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  /** Connected (a connect()'s socket only). */
  onConnect?: (this: void) => void;
  /** `count` bytes wait. */
  onReadable?: (this: void, count: number) => void;
  /** Room to write again (after a write() that did not take everything): `count` bytes. */
  onWritable?: (this: void, count: number) => void;
  /** The peer has closed its side: everything it sent is in. */
  onEnd?: (this: void) => void;
  /** The connection is gone: err undefined (an orderly end) or ECONNRESET, ETIMEDOUT, ECONNREFUSED, ENOTFOUND… */
  onClose?: (this: void, err: string | undefined) => void;
  /** Up to `max` (default: all) waiting bytes; "" when none. */
  read(max?: number): string;
  /** Bytes waiting to be read. */
  available(): number;
  /** Queues data: how many bytes were taken (fewer than given: wait for onWritable), or -errno. */
  write(data: string): number;
  /** Room in the send buffer. */
  writable(): number;
  /** Sends what is queued, then FIN; reading goes on until the peer closes. */
  close(): void;
  /** Ends the connection at once (RST). */
  abort(): void;
}

export declare interface AppTcpOptions {
  /** An IPv4 address, or a name when the build has DNS. */
  host: string;
  port: number;
  /** Send small writes at once (TCP_NODELAY). */
  noDelay?: boolean;
  /** Keepalive probes after this many ms idle. */
  keepalive?: number;
  /** Give up when sent data stays unacknowledged this many ms (TCP_USER_TIMEOUT; default: after the retries). */
  timeout?: number;
  onConnect?: (this: void) => void;
  onReadable?: (this: void, count: number) => void;
  onWritable?: (this: void, count: number) => void;
  onEnd?: (this: void) => void;
  onClose?: (this: void, err: string | undefined) => void;
}

export declare interface AppTcpServerOptions {
  port: number;
  /** Connections half open at once (default 2); more SYNs are dropped and counted. */
  backlog?: number;
  /** Each connection's give-up time, as AppTcpOptions.timeout. */
  timeout?: number;
  /** A connection came: set its callbacks here. */
  onAccept: (this: void, s: AppTcpSocket) => void;
}

export declare interface AppTcpServer {
  readonly port: number;
  close(): void;
}

/**
 * What the device tells its control channel (firmware/control.ts), declared
 * here rather than imported: typescript-to-lua bundles every file a type
 * names, so a type from the channel would put the netlink code into builds
 * without one.
 */
export interface DeviceControl {
  /** The DHCP clients the channel answers for (its events reach it through the stack). */
  readonly dhcp: DhcpClient[];
}

/** How an entry hands the control channel to startDevice: it supplies the UART. */
export type ControlServer = (dev: Device, openSerial: SerialFactory) => void;

const STATE_NAMES = ["INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE"];

export function neighStateName(s: number): string {
  return s >= LLS_INCOMPLETE && s <= LLS_PROBE ? STATE_NAMES[s] : "?";
}

/**
 * Starts the device: the stack, then the control channel when the build has
 * one (`serveControl`, passed in so a board without it does not carry its
 * code), then eth0 and DHCP.
 */
export function startDevice(
  p: Platform,
  board: BoardConfig,
  openMac: MacFactory | undefined,
  serveControl?: (dev: Device) => void,
): Device {
  const cfg = defaultStackConfig();
  // Port slots: DHCP and the probes, plus one per service and the program's sockets.
  const sv = board.services;
  if (sv !== undefined) cfg.udpSlots += sv.sockets + (sv.dns ? 1 : 0) + (sv.sntp ? 1 : 0) + (sv.mdns ? 1 : 0);
  const stack = new NetStack(p.clock, p.random, p.log, cfg);
  const dev: Device = { platform: p, board: board, stack: stack, eth: undefined, dhcp: undefined, control: undefined };
  const log = p.log;
  log.write(LOG_INFO, "netrt " + board.version + " on " + board.name + " (" + p.runtime + ")");
  stack.events.add({
    link: (kind, ifp) => {
      if (kind === IFEV_LINK) log.write(LOG_INFO, ifp.name + ": link " + (ifp.running() ? "up" : "down"));
    },
    addr: (kind, ia) => {
      if (kind === ADDR_NEW || kind === ADDR_DEL)
        log.write(
          LOG_INFO,
          ia.ifp.name + ": " + (kind === ADDR_NEW ? "added " : "removed ") + formatIPv4(ia.addr) + "/" + ia.prefixLen,
        );
    },
    dhcp: (kind, client, lease) => {
      if (kind !== DHCP_EV_BOUND && kind !== DHCP_EV_RENEWED && kind !== DHCP_EV_REBOUND) return;
      let dns = "";
      for (let i = 0; i < lease.dns.length; i++) dns += (i > 0 ? ", " : "") + formatIPv4(lease.dns[i]);
      if (dns !== "")
        log.write(
          LOG_INFO,
          "dhcp " + client.ifp.name + ": dns " + dns + (lease.domain !== "" ? " domain " + lease.domain : ""),
        );
    },
    neigh: (kind, ifp, slot) => {
      const t = ifp.lltable;
      // Our own addresses' entries are bookkeeping, not neighbours.
      if (t === undefined || Math.floor(t.flagsAt(slot) / LLE_IFADDR) % 2 === 1) return;
      const what = formatIPv4(t.ipAt(slot));
      if (kind !== LLE_EVENT_RESOLVED) log.write(LOG_INFO, ifp.name + ": neigh " + what + " deleted");
      else
        log.write(
          LOG_INFO,
          ifp.name +
            ": neigh " +
            what +
            " lladdr " +
            formatMac(t.store, t.macOff(slot)) +
            " " +
            neighStateName(t.stateAt(slot)),
        );
    },
  });
  // The control channel first: a device without a network must still be reachable.
  if (serveControl !== undefined) serveControl(dev);
  if (openMac === undefined) {
    log.write(
      LOG_WARN,
      board.mac.available
        ? "eth0: " + board.mac.driver + " could not be opened: no network interface"
        : "no MAC driver '" + board.mac.driver + "' in this build: no network interface",
    );
    return dev;
  }
  const eth = stack.attachEthernet("eth0", openMac, defaultLltableParams(board.lltableCapacity));
  dev.eth = eth;
  if (eth === undefined) return dev;
  log.write(LOG_INFO, "eth0 " + formatMac(eth.hwaddr, 0) + " mtu " + eth.mtu);
  if (dev.afterEth !== undefined) dev.afterEth(eth);
  configureStatic(dev, eth, board.ipv4.address, board.ipv4.gateway);
  if (board.dhcp.enabled && board.ipv4.address === "") startDhcp(dev, eth);
  return dev;
}

/** The board's DHCP settings as a client configuration. */
export function dhcpConfig(board: BoardConfig): DhcpConfig {
  const c = board.dhcp.profile === "fast" ? fastProfile() : rfc2131Profile();
  c.probe = board.dhcp.probe === "quick" ? PROBE_QUICK : board.dhcp.probe === "off" ? PROBE_OFF : PROBE_STRICT;
  c.rapidCommit = board.dhcp.rapidCommit;
  c.vendorClass = board.dhcp.vendorClass;
  c.hostname = board.hostname;
  return c;
}

/** eth0's DHCP client, made and given to the control channel, not started (a console's `dhcp restart` starts it). */
export function attachDhcp(dev: Device, eth: Ifnet): DhcpClient {
  const p = dev.platform;
  const cfg = dhcpConfig(dev.board);
  cfg.hostname = boardHostname(dev.board.name, dev.board.hostname, eth.hwaddr);
  const client = new DhcpClient(dev.stack, eth, cfg, p.clock, p.random, p.storage, p.log, () => p.epochSeconds());
  dev.dhcp = client;
  if (dev.control !== undefined) dev.control.dhcp.push(client);
  return client;
}

function startDhcp(dev: Device, eth: Ifnet): void {
  if (!attachDhcp(dev, eth).start()) dev.platform.log.write(LOG_WARN, "dhcp: UDP port 68 is taken");
}

/** Reports memory every `seconds` (the memory bench reads the lines); 0 or less: never. */
export function reportMemoryEvery(dev: Device, seconds: number): void {
  if (!(seconds > 0)) return;
  const clock = dev.platform.clock;
  const tick = (): void => {
    reportMemory(dev);
    clock.set(tick, seconds * 1000);
  };
  clock.set(tick, seconds * 1000);
}

/** Logs the runtime's memory in use and the neighbour table's fill: "memory: used 1234 vars of 4096; lltable 33 entries". */
export function reportMemory(dev: Device): void {
  const m = dev.platform.memory !== undefined ? dev.platform.memory() : undefined;
  const t = dev.eth !== undefined ? dev.eth.lltable : undefined;
  const entries = t !== undefined ? t.count() : 0;
  if (m === undefined) dev.platform.log.write(LOG_INFO, "memory: not measurable here; lltable " + entries + " entries");
  else
    dev.platform.log.write(
      LOG_INFO,
      "memory: used " + m[0] + " " + m[2] + (m[1] !== -1 ? " of " + m[1] : "") + "; lltable " + entries + " entries",
    );
}

/** Applies "a.b.c.d/len" and an optional gateway to `ifp`; logs and skips what does not parse. */
export function configureStatic(dev: Device, ifp: Ifnet, address: string, gateway: string): void {
  if (address === "") return;
  const log = dev.platform.log;
  const slash = address.indexOf("/");
  const a = parseIPv4(slash < 0 ? address : address.substring(0, slash));
  const plen = slash < 0 ? -1 : parseDecimal(address.substring(slash + 1));
  if (a < 0 || (slash >= 0 && (plen < 0 || plen > 32))) {
    log.write(LOG_WARN, "ipv4: bad address '" + address + "'");
    return;
  }
  const err = dev.stack.addrs.add(ifp, addrRequest(a, plen));
  if (err < 0) {
    log.write(LOG_WARN, "ipv4: cannot add " + address + ": errno " + -err);
    return;
  }
  if (gateway === "") return;
  const gw = parseIPv4(gateway);
  const rerr =
    gw < 0
      ? -22
      : dev.stack.routes.add(
          {
            dst: 0,
            prefixLen: 0,
            gateway: gw,
            ifindex: ifp.index,
            protocol: RTPROT_STATIC,
            scope: RT_SCOPE_UNIVERSE,
            metric: 0,
            prefsrc: 0,
          },
          true,
        );
  if (rerr < 0) log.write(LOG_WARN, "ipv4: cannot add default route via '" + gateway + "': errno " + -rerr);
}

function parseDecimal(s: string): number {
  if (s.length === 0 || s.length > 3) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** The board's MAC address as bytes; a malformed one falls back to a locally administered address. */
/**
 * The MAC factory for a board whose Ethernet chip hangs off SPI: the bus is
 * opened first, and a bus that cannot be (no such bus or pins on this board,
 * firmware without the module) is logged and leaves the device without eth0,
 * still reachable over its control channel.
 */
export function openChipMac(
  p: Platform,
  board: BoardConfig,
  openChip: SpiMacFactory | undefined,
  openSpi: () => Spi,
  gpio: Gpio | undefined,
): MacFactory | undefined {
  if (openChip === undefined) return undefined;
  let spi: Spi;
  try {
    spi = openSpi();
  } catch (e) {
    p.log.write(LOG_ERROR, "eth0: " + board.mac.driver + " on " + board.mac.bus + ": " + (e as Error).message);
    return undefined;
  }
  const pins = { reset: board.mac.pins.reset, int: board.mac.pins.int };
  // The address is read when the chip is opened: stored settings may have replaced the board's by then.
  return (o: MacOptions) => openChip(spi, p.clock, boardHwaddr(board, p), board.mac.mtu, o, gpio, pins);
}

/**
 * The board's MAC address: the one its file (or npm run flash -- --mac)
 * gives, else one derived from the unit's identity, so every unit of a
 * board differs and keeps its address across reboots: locally administered
 * (bit 1 of the first byte set) and unicast (bit 0 clear).
 */
export function boardHwaddr(board: BoardConfig, p: Platform): Bytes {
  const b = alloc(6);
  if (board.mac.hwaddr !== "" && parseMac(board.mac.hwaddr, b, 0)) return b;
  const id = p.identity !== undefined ? p.identity() : "";
  if (id === "") {
    p.log.write(
      LOG_WARN,
      "eth0: no MAC in the board file and no unit identity to derive one from: using 02:00:00:00:00:01",
    );
    parseMac("02:00:00:00:00:01", b, 0);
    return b;
  }
  deriveHwaddr(id, b);
  return b;
}

/** Six bytes from FNV-1a over `id` (two 32-bit rounds), made locally administered and unicast. */
export function deriveHwaddr(id: string, out: Bytes): void {
  let h1 = 2166136261;
  let h2 = 2166136261;
  for (let i = 0; i < id.length; i++) {
    h1 = mul(bxor(h1, id.charCodeAt(i) % 256), 16777619);
    h2 = mul(bxor(h2, (id.charCodeAt(id.length - 1 - i) + i) % 256), 16777619);
  }
  set32(out, 0, h1);
  set16(out, 4, h2 % 65536);
  set8(out, 0, get8(out, 0) - (get8(out, 0) % 4) + 2);
}

/** The DHCP hostname: the board file's, else the board's name and the MAC's last two bytes. */
export function boardHostname(name: string, hostname: string, hwaddr: Bytes): string {
  if (hostname !== "") return hostname;
  return name + "-" + hexByte(get8(hwaddr, 4)) + hexByte(get8(hwaddr, 5));
}
