// The embedding API: what the device's own program gets from
// require("netrt") on a board built with "program": true. One call starts
// the runtime with an options object (the board's defaults overridable),
// callbacks report the network's events, and the services the board has
// (sockets, DNS, SNTP, mDNS) are there to use. The same TypeScript on every
// runtime; the shapes follow ECMA-419 where they fit (options objects with
// the callbacks, onReadable/read/write sockets). Misuse (bad options, a
// service the build lacks) throws; what the network does is reported.
import { alloc, get8 } from "@hal/bytes";
import { LOG_ERROR } from "../hal/types";
import { formatIPv4, parseMac } from "../src/net/addr";
import { ADDR_DEL, ADDR_NEW, type InAddr } from "../src/net/inaddr";
import { IFEV_LINK } from "../src/net/ifnet";
import { prefixLenOf } from "../src/net/route";
import type { DhcpLease } from "../src/dhcp/lease";
import { DHCP_EV_BOUND, DHCP_EV_REBOUND, DHCP_EV_RENEWED, DHCP_STOPPED } from "../src/dhcp/states";
import type { BoardConfig } from "./board";
import { errnoName, stopServices } from "./services";
export type { AddServices, AddressInfo, NetrtOptions } from "./device";
import {
  type AddServices,
  type AddressInfo,
  type NetrtOptions,
  boardHostname,
  type AppUdpOptions,
  type AppUdpSocket,
  type AppTcpOptions,
  type AppTcpServer,
  type AppTcpServerOptions,
  type AppTcpSocket,
  type Device,
} from "./device";

/** @noSelf */
export declare interface Netrt {
  start(o?: NetrtOptions): void;
  /** Says goodbye (mDNS), releases the lease, closes the interface; `done` after. */
  stop(done?: () => void): void;
  udp(o: AppUdpOptions): AppUdpSocket;
  /** Connects: the socket at once; onConnect, or onClose with the error, says how it went. */
  tcp(o: AppTcpOptions): AppTcpSocket;
  /** Accepts connections on a port. */
  listen(o: AppTcpServerOptions): AppTcpServer;
  /** `cb(err, address)`: err undefined, or ENOTFOUND, ENODATA, ETIMEOUT, ESERVFAIL, ENOSERVER, EBADNAME, … */
  lookup(name: string, cb: (err: string | undefined, address: string | undefined) => void): void;
  /** Wall-clock ms since 1970 (SNTP, else the runtime's own clock), or -1 when unknown. */
  time(): number;
  /** eth0's address, or "". */
  address(): string;
  /** The DHCP hostname. */
  hostname(): string;
  /** The mDNS name in use ("" before one is taken or without mDNS). */
  mdnsName(): string;
  /** The Lua host runner's event loop (lua5.1/5.3 with luasocket); a board's runtime has its own. */
  run?(): void;
}

/** Builds the device for `board` on this runtime (the entry's platform and MAC). */
export type Boot = (board: BoardConfig) => Device;

function leaseInfo(l: DhcpLease): AddressInfo {
  const dns: string[] = [];
  for (let i = 0; i < l.dns.length; i++) dns.push(formatIPv4(l.dns[i]));
  return {
    address: formatIPv4(l.addr),
    prefix: prefixLenOf(l.mask),
    gateway: l.routers.length > 0 ? formatIPv4(l.routers[0]) : "",
    dns: dns,
    domain: l.domain,
    seconds: l.leaseSecs,
  };
}

function staticInfo(d: Device, ia: InAddr): AddressInfo {
  const dns: string[] = [];
  const sv = d.board.services;
  if (sv !== undefined) for (let i = 0; i < sv.dnsServers.length; i++) dns.push(sv.dnsServers[i]);
  return {
    address: formatIPv4(ia.addr),
    prefix: ia.prefixLen,
    gateway: d.board.ipv4.gateway,
    dns: dns,
    domain: "",
    seconds: -1,
  };
}

/**
 * `addServices`: the board's services (none when absent). `halt`: what stop()
 * does last, once the lease is given back; by default eth0 is detached.
 */
export function makeNetrt(
  board: BoardConfig,
  boot: Boot,
  addServices?: AddServices,
  halt?: (dev: Device) => void,
): Netrt {
  let dev: Device | undefined = undefined;
  const running = (what: string): Device => {
    if (dev === undefined) throw "netrt: " + what + ": not started";
    return dev;
  };
  const api: Netrt = {
    start: (o?: NetrtOptions) => {
      if (dev !== undefined) throw "netrt: already started";
      const opts: NetrtOptions = o !== undefined ? o : {};
      const b = board;
      if (opts.mac !== undefined) {
        const hw = alloc(6);
        if (!parseMac(opts.mac, hw, 0) || get8(hw, 0) % 2 === 1)
          throw "netrt: mac '" + opts.mac + "' is not a unicast MAC";
        b.mac.hwaddr = opts.mac;
      }
      if (opts.hostname !== undefined) b.hostname = opts.hostname;
      if (opts.ipv4 !== undefined)
        b.ipv4 = { address: opts.ipv4, gateway: opts.gateway !== undefined ? opts.gateway : "" };
      if (opts.dhcp !== undefined) b.dhcp.enabled = opts.dhcp;
      const d = boot(b);
      dev = d;
      const log = d.platform.log;
      // The program's callbacks run inside the stack's events: what they throw is logged, not let through.
      const call = <T>(cb: ((v: T) => void) | undefined, v: T): void => {
        if (cb === undefined) return;
        try {
          cb(v);
        } catch (e) {
          log.write(LOG_ERROR, "netrt: callback failed: " + e);
        }
      };
      d.stack.events.add({
        link: (kind, ifp) => {
          if (kind === IFEV_LINK && ifp === d.eth) call(opts.onLink, ifp.running());
        },
        dhcp: (kind, client, lease) => {
          if (client !== d.dhcp) return;
          if (kind === DHCP_EV_BOUND || kind === DHCP_EV_REBOUND) call(opts.onBound, leaseInfo(lease));
          else if (kind === DHCP_EV_RENEWED) call(opts.onRenewed, leaseInfo(lease));
        },
        addr: (kind: number, ia: InAddr) => {
          if (ia.ifp !== d.eth) return;
          if (kind === ADDR_DEL) call(opts.onLost, formatIPv4(ia.addr));
          else if (kind === ADDR_NEW && (d.dhcp === undefined || d.dhcp.state === DHCP_STOPPED))
            call(opts.onBound, staticInfo(d, ia));
        },
      });
      const wrap = (cb: ((v: number) => void) | undefined) =>
        cb === undefined ? undefined : (v: number) => call(cb, v);
      const wrapName = (cb: ((v: string) => void) | undefined) =>
        cb === undefined ? undefined : (v: string) => call(cb, v);
      if (addServices !== undefined)
        addServices(d, {
          dns: opts.dns,
          sntp: opts.sntp,
          mdns: opts.mdns,
          onTime: wrap(opts.onTime),
          onName: wrapName(opts.onName),
        });
      // A link already up and a static address applied before anyone listened: reported now.
      if (d.eth !== undefined && d.eth.running()) call(opts.onLink, true);
      const ia = d.eth !== undefined ? d.stack.addrs.firstOn(d.eth) : undefined;
      if (ia !== undefined && (d.dhcp === undefined || d.dhcp.state === DHCP_STOPPED))
        call(opts.onBound, staticInfo(d, ia));
    },
    stop: (done?: () => void) => {
      const d = running("stop");
      dev = undefined;
      stopServices(d);
      const c = d.dhcp;
      if (c !== undefined) c.release();
      const clock = d.platform.clock;
      const t0 = clock.now();
      const end = (): void => {
        // The RELEASE must leave before the interface closes (ARP may run first): at most 3 s.
        if (c !== undefined && c.state !== DHCP_STOPPED && clock.now() - t0 < 3000) {
          clock.set(end, 20);
          return;
        }
        if (halt !== undefined) halt(d);
        else if (d.eth !== undefined) d.stack.detach(d.eth);
        if (done !== undefined) done();
      };
      end();
    },
    udp: (o: AppUdpOptions) => {
      const d = running("udp");
      if (d.openUdp === undefined) throw "netrt: udp: this build has no sockets (board services.sockets)";
      const s = d.openUdp(o);
      if (typeof s === "number") throw "netrt: udp: " + errnoName(s);
      return s;
    },
    tcp: (o: AppTcpOptions) => {
      const d = running("tcp");
      if (d.openTcp === undefined) throw "netrt: tcp: this build has no TCP (board services.tcp)";
      const s = d.openTcp(o);
      if (typeof s === "number") throw "netrt: tcp: " + errnoName(s);
      return s;
    },
    listen: (o: AppTcpServerOptions) => {
      const d = running("listen");
      if (d.listenTcp === undefined) throw "netrt: listen: this build has no TCP (board services.tcp)";
      const s = d.listenTcp(o);
      if (typeof s === "number") throw "netrt: listen: " + errnoName(s);
      return s;
    },
    lookup: (name: string, cb: (err: string | undefined, address: string | undefined) => void) => {
      const d = running("lookup");
      const lookup = d.lookup;
      const names = d.dnsError;
      if (lookup === undefined || names === undefined)
        throw "netrt: lookup: this build has no DNS (board services.dns)";
      lookup(name, (err, addr) => {
        if (err === 0) cb(undefined, formatIPv4(addr));
        else cb(names(err), undefined);
      });
    },
    time: () => {
      const d = running("time");
      const t = d.time !== undefined ? d.time() : -1;
      if (t >= 0) return t;
      const s = d.platform.epochSeconds();
      return s >= 0 ? s * 1000 : -1;
    },
    address: () => {
      const d = running("address");
      const ia = d.eth !== undefined ? d.stack.addrs.firstOn(d.eth) : undefined;
      return ia !== undefined ? formatIPv4(ia.addr) : "";
    },
    hostname: () => {
      const d = running("hostname");
      if (d.dhcp !== undefined) return d.dhcp.cfg.hostname;
      return d.eth !== undefined ? boardHostname(d.board.name, d.board.hostname, d.eth.hwaddr) : d.board.hostname;
    },
    mdnsName: () => {
      const d = running("mdnsName");
      return d.mdnsName !== undefined ? d.mdnsName() : "";
    },
  };
  return api;
}
