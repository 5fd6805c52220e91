// The DHCPv4 client (RFC 2131) of one interface. Every wait is a HAL timer:
// `timer` for retransmissions and waits, `leaseTimer` for T1, T2 and expiry.
// One xid per exchange, kept across its retransmissions. Replies are
// validated completely before anything is believed (see accept()).
import { alloc, get8, set8 } from "@hal/bytes";
import { band, bnot } from "@hal/u32";
import { type Bytes, type Clock, LOG_INFO, LOG_WARN, type Log, type Random, type Storage } from "../../hal/types";
import { type Arp, PROBE_CONFLICT, PROBE_FREE } from "../net/arp";
import { formatIPv4, formatMac } from "../net/addr";
import { hexByte } from "../util/hex";
import type { NetEvents, NetListener } from "../net/events";
import { IFF_RUNNING, type Ifnet } from "../net/ifnet";
import { type AddrTable, classfulMask, LIFETIME_INFINITE } from "../net/inaddr";
import { prefixLenOf, type RouteTable } from "../net/route";
import { type Udp, type UdpDatagram, UDP_PAYLOAD } from "../net/udp";
import { applyLease, pinServer, removeLease } from "./apply";
import { type DhcpConfig, type EpochSource, PROBE_QUICK, PROBE_STRICT } from "./config";
import { copyLease, decodeLease, DhcpLease, EPOCH_UNKNOWN, encodeLease, usableAddress } from "./lease";
import {
  DHCP_CLIENT_PORT,
  DHCP_OK,
  DHCP_REQUEST_MAX,
  DHCP_SERVER_PORT,
  DHCPACK,
  DHCPDECLINE,
  DHCPDISCOVER,
  DHCPINFORM,
  DhcpReply,
  DHCPNAK,
  DHCPOFFER,
  DHCPRELEASE,
  DHCPREQUEST,
  DhcpWriter,
  FLAG_BROADCAST,
  OPT_CLIENT_ID,
  OPT_HOSTNAME,
  OPT_MAX_SIZE,
  OPT_MESSAGE_TYPE,
  OPT_PARAM_REQUEST,
  OPT_RAPID_COMMIT,
  OPT_REQUESTED_IP,
  OPT_SERVER_ID,
  OPT_VENDOR_CLASS,
  parseDhcp,
} from "./message";
import {
  DHCP_BOUND,
  DHCP_DECLINING,
  DHCP_EV_BOUND,
  DHCP_EV_DECLINED,
  DHCP_EV_EXPIRED,
  DHCP_EV_INFORMED,
  DHCP_EV_NAK,
  DHCP_EV_REBOUND,
  DHCP_EV_RELEASED,
  DHCP_EV_RENEWED,
  DHCP_INFORMING,
  DHCP_INIT,
  DHCP_INIT_REBOOT,
  DHCP_PROBING,
  DHCP_REBINDING,
  DHCP_REBOOTING,
  DHCP_RELEASING,
  DHCP_RENEWING,
  DHCP_REQUESTING,
  DHCP_SELECTING,
  DHCP_STOPPED,
  type DhcpEvent,
  type DhcpState,
  dhcpStateName,
} from "./states";
import { BOOTP_CHADDR, CLIENT_ID_ADDR, CLIENT_ID_TYPE, HLEN_ETHER, HTYPE_ETHER } from "../wire/dhcp";

/** What a client uses of the stack (a NetStack is one). */
export interface DhcpDeps {
  readonly udp: Udp;
  readonly addrs: AddrTable;
  readonly routes: RouteTable;
  readonly arp: Arp;
  readonly events: NetEvents;
}

const DECLINE_WAIT_MS = 10000;
const RELEASE_GRACE_MS = 1000;
/** RFC 2131 4.4.5's floor between RENEWING/REBINDING retransmissions, scaled down for short leases (below). */
const MIN_RENEW_WAIT_MS = 60000;
/** A short lease's floor: a 64th of the lease, not under a second, so a 60 s lease gets a dozen tries. */
const MIN_RENEW_WAIT_FLOOR_MS = 1000;
/** Shorter leases are taken as this long (dhcpcd's floor): a lease of 0 or 1 s must not loop DORA. */
export const MIN_LEASE_SECS = 20;
/** Nor may a server's T1 make us renew in a loop. */
const MIN_T1_SECS = 10;
/** How long after a handler was cut short (an exception, memory) the client picks itself up. */
const RECOVER_MS = 5000;
const DEFEND_INTERVAL_MS = 10000;

export class DhcpClient {
  state: DhcpState = DHCP_STOPPED;
  /** The lease in force (valid while BOUND, RENEWING or REBINDING). */
  readonly lease = new DhcpLease();
  /** Counters for the control channel and tests. */
  readonly stats = { sent: 0, received: 0, refused: 0, naks: 0, declines: 0, bound: 0, recoveries: 0 };
  private xid = 0;
  private exchangeStart = 0;
  private tries = 0;
  private timer = 0;
  private timerArmed = false;
  private leaseTimer = 0;
  private leaseArmed = false;
  private offerAddr = 0;
  private offerServer = 0;
  private rebootAddr = 0;
  private nakCount = 0;
  private probeHandle = -1;
  private quickUntil = 0;
  private lastDefence = -1;
  /** Leases lost in a row (expired, or given up before a renewal): backoff before the next DISCOVER. */
  private lostLeases = 0;
  private recovery = 0;
  private recoveryArmed = false;
  private readonly onRecover: () => void;
  private readonly reply: DhcpReply;
  private readonly writer: DhcpWriter;
  private readonly onTimer: () => void;
  private readonly onLeaseTimer: () => void;
  private readonly candidate = new DhcpLease();
  /** Link changes and address conflicts of our interface, while started. */
  private readonly watch: NetListener;

  constructor(
    private readonly stack: DhcpDeps,
    readonly ifp: Ifnet,
    readonly cfg: DhcpConfig,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly storage: Storage | undefined,
    private readonly log: Log,
    private readonly epoch: EpochSource,
  ) {
    this.reply = new DhcpReply(cfg.maxRouters, cfg.maxDns);
    this.writer = new DhcpWriter(alloc(1), 0);
    this.onTimer = () => {
      this.timerArmed = false;
      this.begin();
      this.step();
      this.end();
    };
    this.onLeaseTimer = () => {
      this.leaseArmed = false;
      this.begin();
      this.leaseStep();
      this.end();
    };
    this.onRecover = () => {
      this.recoveryArmed = false;
      this.begin();
      this.recover();
      this.end();
    };
    this.watch = {
      // The interface starting or stopping to pass traffic (cable, admin state, Wi-Fi association) is ours to act on.
      link: (_kind, changed, mask) => {
        if (changed !== this.ifp || band(mask, IFF_RUNNING) === 0) return;
        this.begin();
        this.linkChanged(changed.running());
        this.end();
      },
      conflict: (ifp, ip, mac) => this.conflict(ifp, ip, mac),
    };
  }

  // --- public API ---------------------------------------------------------

  /** Starts: INIT-REBOOT with a stored lease, else INIT. false when UDP port 68 is taken. */
  start(): boolean {
    if (this.state !== DHCP_STOPPED) return true;
    // Port 68 is bound per interface, so each interface can run its own client.
    if (this.stack.udp.bind(DHCP_CLIENT_PORT, (d) => this.input(d), this.ifp) < 0) return false;
    this.begin();
    this.stack.events.add(this.watch);
    this.nakCount = 0;
    if (this.loadLease()) this.enter(DHCP_INIT_REBOOT, 0);
    else this.enter(DHCP_INIT, this.randomUpTo(this.cfg.initDelayMaxMs));
    this.end();
    return true;
  }

  /** Stops without telling the server (the lease stays configured until it expires). */
  stop(): void {
    this.cancelTimers();
    this.cancelRecovery();
    this.cancelProbe();
    this.stack.udp.unbind(DHCP_CLIENT_PORT, this.ifp);
    this.stack.events.remove(this.watch);
    this.ifp.acceptUdpToAny = false;
    this.setState(DHCP_STOPPED);
  }

  /**
   * Gives the lease back (DHCPRELEASE), then removes the address and stops.
   * The RELEASE is unicast: when the server's MAC is not known yet the frame
   * waits for ARP, so the address (which ARP needs) stays up to a second
   * longer, in RELEASING. The state is STOPPED once everything is done.
   */
  release(): void {
    if (!this.hasLease()) {
      this.stop();
      return;
    }
    this.begin();
    this.cancelTimers();
    this.cancelProbe();
    this.setState(DHCP_RELEASING);
    this.newXid();
    // RFC 2131 table 5: the address goes in ciaddr; option 50 MUST NOT be sent.
    this.send(DHCPRELEASE, 0, this.lease.server);
    this.forgetStoredLease();
    const route = this.stack.routes.lookup(this.lease.server);
    const hop = route !== undefined && route.gateway !== 0 ? route.gateway : this.lease.server;
    const t = this.ifp.lltable;
    const s = t !== undefined ? t.lookup(hop) : -1;
    if (t !== undefined && s >= 0 && t.validAt(s)) this.finishRelease();
    else this.arm(RELEASE_GRACE_MS);
    this.end();
  }

  private finishRelease(): void {
    this.unbind(DHCP_EV_RELEASED);
    this.stop();
  }

  /** Renews now (RENEWING), when bound; otherwise restarts discovery. */
  renew(): void {
    this.begin();
    if (this.hasLease()) this.enter(DHCP_RENEWING, 0);
    else if (this.state !== DHCP_STOPPED) this.enter(DHCP_INIT, 0);
    this.end();
  }

  /** Drops any lease and starts over from INIT (after a reconnect, say). */
  restart(): void {
    this.begin();
    if (this.hasLease()) this.unbind(DHCP_EV_EXPIRED);
    if (this.state === DHCP_STOPPED) this.start();
    else this.enter(DHCP_INIT, 0);
    this.end();
  }

  /** With a static address: asks for the rest of the configuration (DHCPINFORM). */
  inform(): void {
    this.begin();
    this.enter(DHCP_INFORMING, 0);
    this.end();
  }

  /** A lease is configured (bound, renewing, rebinding, or re-verifying it after a reconnect). */
  /** The interface this client configures. */
  ifindex(): number {
    return this.ifp.index;
  }

  hasLease(): boolean {
    return this.lease.addr !== 0;
  }

  /**
   * The interface gained or lost its link. On gaining it: discovery starts
   * at once instead of at the next retransmission, and a lease is verified
   * as after a reboot (the device may be on another network now).
   */
  linkChanged(up: boolean): void {
    if (!up || this.state === DHCP_STOPPED || this.state === DHCP_INFORMING) return;
    if (this.hasLease()) {
      this.rebootAddr = this.lease.addr;
      this.enter(DHCP_INIT_REBOOT, 0);
    } else if (this.state === DHCP_INIT || this.state === DHCP_SELECTING)
      this.enter(DHCP_INIT, this.randomUpTo(this.cfg.initDelayMaxMs));
    else if (this.state === DHCP_REBOOTING || this.state === DHCP_INIT_REBOOT) this.enter(DHCP_INIT_REBOOT, 0);
  }

  /** Seconds of lease left, or LIFETIME_INFINITE. */
  remainingSecs(): number {
    if (this.lease.leaseSecs === LIFETIME_INFINITE) return LIFETIME_INFINITE;
    const left = Math.floor((this.lease.boundAt + this.lease.leaseSecs * 1000 - this.clock.now()) / 1000);
    return left > 0 ? left : 0;
  }

  // --- the state machine ------------------------------------------------

  private setState(s: DhcpState): void {
    if (this.state === s) return;
    this.state = s;
    this.log.write(LOG_INFO, "dhcp " + this.ifp.name + ": " + dhcpStateName(s));
  }

  /** Enters state `s`, first transmission after `delayMs`. */
  private enter(s: DhcpState, delayMs: number): void {
    this.cancelTimer();
    this.cancelProbe();
    this.tries = 0;
    // Before an address is ours, servers may unicast to the one they offer.
    this.ifp.acceptUdpToAny =
      s === DHCP_SELECTING ||
      s === DHCP_REQUESTING ||
      s === DHCP_INIT ||
      s === DHCP_REBOOTING ||
      s === DHCP_INIT_REBOOT;
    if (s === DHCP_INIT) {
      this.setState(DHCP_INIT);
      this.arm(delayMs);
      return;
    }
    if (s === DHCP_INIT_REBOOT) {
      this.setState(DHCP_INIT_REBOOT);
      this.arm(delayMs);
      return;
    }
    if (s === DHCP_RENEWING || s === DHCP_REBINDING || s === DHCP_INFORMING) this.newXid();
    this.setState(s);
    this.arm(delayMs);
  }

  /** The retransmission timer: sends the state's message, or gives up. */
  private step(): void {
    const s = this.state;
    if (s === DHCP_INIT) {
      this.newXid();
      this.setState(DHCP_SELECTING);
      this.ifp.acceptUdpToAny = true;
      this.transmit();
      return;
    }
    if (s === DHCP_INIT_REBOOT) {
      this.newXid();
      this.setState(DHCP_REBOOTING);
      this.transmit();
      return;
    }
    if (s === DHCP_DECLINING) {
      this.enter(DHCP_INIT, 0);
      return;
    }
    if (s === DHCP_RELEASING) {
      this.finishRelease();
      return;
    }
    if (s === DHCP_REQUESTING && this.tries >= this.cfg.requestTries) {
      this.log.write(LOG_WARN, "dhcp " + this.ifp.name + ": no answer to REQUEST, starting over");
      this.enter(DHCP_INIT, 0);
      return;
    }
    if (s === DHCP_REBOOTING && this.tries >= this.cfg.rebootTries) {
      this.forgetStoredLease();
      this.enter(DHCP_INIT, 0);
      return;
    }
    if (s === DHCP_INFORMING && this.tries >= this.cfg.requestTries) {
      this.setState(DHCP_STOPPED);
      return;
    }
    if (
      s === DHCP_SELECTING ||
      s === DHCP_REQUESTING ||
      s === DHCP_REBOOTING ||
      s === DHCP_RENEWING ||
      s === DHCP_REBINDING ||
      s === DHCP_INFORMING
    )
      this.transmit();
  }

  /**
   * The recovery timer fired: a handler was cut short (an exception, memory)
   * and may have left no timer. Whatever the state, the machine moves again:
   * a lease in force gets its lease timer, a state that transmits transmits,
   * anything half-done starts over.
   */
  private recover(): void {
    const s = this.state;
    if (s === DHCP_STOPPED) return;
    this.stats.recoveries++;
    this.log.write(LOG_WARN, "dhcp " + this.ifp.name + ": recovering in " + dhcpStateName(s));
    if (this.hasLease() && !this.leaseArmed && this.lease.leaseSecs !== LIFETIME_INFINITE) this.armLease();
    if (s === DHCP_BOUND) return;
    if (s === DHCP_PROBING) {
      if (this.probeHandle < 0) this.enter(this.hasLease() ? DHCP_INIT_REBOOT : DHCP_INIT, 0);
      return;
    }
    if (!this.timerArmed) this.step();
  }

  /** Sends the current state's message and arms the next retransmission. */
  private transmit(): void {
    const s = this.state;
    if (s === DHCP_SELECTING) this.send(DHCPDISCOVER, 0, 0);
    else if (s === DHCP_REQUESTING) this.send(DHCPREQUEST, this.offerAddr, this.offerServer);
    else if (s === DHCP_REBOOTING) this.send(DHCPREQUEST, this.rebootAddr, 0);
    else if (s === DHCP_RENEWING || s === DHCP_REBINDING) this.send(DHCPREQUEST, 0, 0);
    else if (s === DHCP_INFORMING) this.send(DHCPINFORM, 0, 0);
    this.tries++;
    if (s === DHCP_RENEWING || s === DHCP_REBINDING) {
      // Half the time left until T2 (renewing) or the end of the lease (rebinding), at least
      // 60 s (RFC 2131 4.4.5), or a 64th of a short lease, so it gets more than one try.
      const until = s === DHCP_RENEWING ? this.leaseEdge(this.lease.t2Secs) : this.leaseEdge(this.lease.leaseSecs);
      const half = Math.floor((until - this.clock.now()) / 2);
      const floor = renewFloorMs(this.lease.leaseSecs);
      this.arm(half > floor ? half : floor);
      return;
    }
    this.arm(this.backoff(this.tries - 1));
  }

  /** Wait before retransmission number k+1. */
  private backoff(k: number): number {
    const t = this.cfg.backoff;
    let base = k < t.length ? t[k] : t[t.length - 1];
    for (let i = t.length; i <= k && base < this.cfg.capMs; i++) base = base * 2;
    if (base > this.cfg.capMs) base = this.cfg.capMs;
    const j = this.cfg.jitterMs;
    if (j <= 0) return base;
    return base - j + this.randomUpTo(2 * j);
  }

  private leaseEdge(secs: number): number {
    return this.lease.boundAt + secs * 1000;
  }

  // --- sending ------------------------------------------------------------

  private newXid(): void {
    this.xid = this.random.u32();
    this.exchangeStart = this.clock.now();
  }

  /** Builds and sends one message. `reqIp` / `serverId` 0: option left out. */
  private send(type: number, reqIp: number, serverId: number): void {
    const st = this.state;
    const bound = type === DHCPRELEASE || type === DHCPINFORM || st === DHCP_RENEWING || st === DHCP_REBINDING;
    const ciaddr = type === DHCPINFORM ? this.informAddr() : bound ? this.lease.addr : 0;
    const f = this.stack.udp.alloc(DHCP_REQUEST_MAX);
    const w = this.writer;
    const secs = Math.floor((this.clock.now() - this.exchangeStart) / 1000);
    w.begin(
      f,
      UDP_PAYLOAD,
      this.xid,
      type === DHCPRELEASE || type === DHCPDECLINE ? 0 : secs,
      this.cfg.broadcastFlag && ciaddr === 0 ? FLAG_BROADCAST : 0,
      ciaddr,
      this.ifp.hwaddr,
    );
    w.u8(OPT_MESSAGE_TYPE, type);
    const cid = alloc(CLIENT_ID_ADDR + HLEN_ETHER);
    set8(cid, CLIENT_ID_TYPE, HTYPE_ETHER);
    for (let i = 0; i < HLEN_ETHER; i++) set8(cid, CLIENT_ID_ADDR + i, get8(this.ifp.hwaddr, i));
    w.bytes(OPT_CLIENT_ID, cid, CLIENT_ID_ADDR + HLEN_ETHER);
    if (reqIp !== 0) w.u32(OPT_REQUESTED_IP, reqIp);
    if (serverId !== 0) w.u32(OPT_SERVER_ID, serverId);
    if (type !== DHCPRELEASE && type !== DHCPDECLINE) {
      const prl = alloc(9);
      const want = [1, 3, 6, 15, 28, 42, 51, 58, 59];
      for (let i = 0; i < want.length; i++) set8(prl, i, want[i]);
      w.bytes(OPT_PARAM_REQUEST, prl, want.length);
      const mtu = this.ifp.mtu;
      w.u16(OPT_MAX_SIZE, mtu - 28 < 576 ? 576 : mtu - 28 > 0xffff ? 0xffff : mtu - 28);
      // A name with a dot goes as the FQDN option, and then not as option 12 too (RFC 4702 3.1).
      if (!w.fqdn(this.cfg.hostname)) w.text(OPT_HOSTNAME, this.cfg.hostname);
      w.text(OPT_VENDOR_CLASS, this.cfg.vendorClass);
      if (type === DHCPDISCOVER && this.cfg.rapidCommit) w.flag(OPT_RAPID_COMMIT);
    }
    const n = w.end();
    // Unicast to the server when renewing or releasing; broadcast otherwise (RFC 2131 4.4.4).
    const unicast = type === DHCPRELEASE || (st === DHCP_RENEWING && type === DHCPREQUEST);
    const dst = unicast ? this.lease.server : 0xffffffff;
    const err = this.stack.udp.send(
      f,
      n,
      ciaddr,
      DHCP_CLIENT_PORT,
      dst,
      DHCP_SERVER_PORT,
      unicast ? undefined : this.ifp,
    );
    this.stats.sent++;
    this.log.write(
      LOG_INFO,
      "dhcp " +
        this.ifp.name +
        ": send " +
        typeName(type) +
        (reqIp !== 0 ? " " + formatIPv4(reqIp) : "") +
        " xid 0x" +
        hex32(this.xid) +
        (err < 0 ? " failed: errno " + -err : ""),
    );
  }

  private informAddr(): number {
    const ia = this.stack.addrs.firstOn(this.ifp);
    return ia === undefined ? 0 : ia.addr;
  }

  // --- receiving --------------------------------------------------------

  private input(d: UdpDatagram): void {
    if (d.ifp !== this.ifp || d.srcPort !== DHCP_SERVER_PORT) return;
    this.stats.received++;
    const r = this.reply;
    const why = this.accept(d, r);
    if (why !== "") {
      // A refused reply touches no timer, so it needs no recovery timer either (most are other clients' replies).
      this.stats.refused++;
      this.log.write(LOG_INFO, "dhcp " + this.ifp.name + ": ignored reply: " + why);
      return;
    }
    this.begin();
    this.act(r);
    this.end();
  }

  /** A reply accept() passed: what it means in the current state. */
  private act(r: DhcpReply): void {
    this.log.write(
      LOG_INFO,
      "dhcp " +
        this.ifp.name +
        ": got " +
        typeName(r.msgType) +
        (r.msgType === DHCPNAK ? "" : " " + formatIPv4(r.yiaddr)) +
        " from " +
        formatIPv4(r.serverId) +
        (r.message !== "" ? " (" + r.message + ")" : ""),
    );
    const s = this.state;
    if (r.msgType === DHCPNAK) {
      this.nak();
      return;
    }
    if (s === DHCP_INFORMING) {
      this.fillLease(this.candidate, r, this.informAddr());
      this.cancelTimer();
      this.setState(DHCP_STOPPED);
      this.stack.events.emit("dhcp", DHCP_EV_INFORMED, this, this.candidate);
      return;
    }
    if (s === DHCP_SELECTING && r.msgType === DHCPOFFER) {
      this.offerAddr = r.yiaddr;
      this.offerServer = r.serverId;
      this.enter(DHCP_REQUESTING, 0);
      return;
    }
    // An ACK: to SELECTING only with rapid commit (accept() checked), else to our REQUEST.
    this.fillLease(this.candidate, r, r.yiaddr);
    if (s === DHCP_RENEWING || s === DHCP_REBINDING) {
      this.bind(s === DHCP_RENEWING ? DHCP_EV_RENEWED : DHCP_EV_REBOUND);
      return;
    }
    // The server has committed an address no host may use here: tell it (RFC 2131 3.1.5).
    const wrong = this.unusableHere(r);
    if (wrong !== "") {
      this.log.write(LOG_WARN, "dhcp " + this.ifp.name + ": " + formatIPv4(r.yiaddr) + " " + wrong + ": declining it");
      if (!this.hasLease()) this.offerServer = r.serverId;
      this.decline(r.yiaddr);
      return;
    }
    // RFC 5227: probe any address before use, a remembered one too (strict); quick binds at once and defends.
    if (this.cfg.probe === PROBE_STRICT) this.probe();
    else {
      this.quickUntil = this.cfg.probe === PROBE_QUICK ? this.clock.now() + this.cfg.quickDefendMs : 0;
      this.bind(DHCP_EV_BOUND);
    }
  }

  /** Why the reply's address cannot be ours on its subnet ("" when it can): the subnet's own addresses, the server's or a router's. */
  private unusableHere(r: DhcpReply): string {
    const a = r.yiaddr;
    const mask = this.maskFor(r);
    const host = band(a, bnot(mask));
    // /31 and /32 have no network or broadcast address (RFC 3021).
    if (prefixLenOf(mask) <= 30) {
      if (host === 0) return "is the subnet's network address";
      if (host === bnot(mask)) return "is the subnet's broadcast address";
    }
    if (a === r.serverId) return "is the server's own address";
    for (let i = 0; i < r.routers.length; i++) if (r.routers[i] === a) return "is the router's address";
    return "";
  }

  /** Why a reply is refused in the current state, or "" to accept it. */
  private accept(d: UdpDatagram, r: DhcpReply): string {
    const err = parseDhcp(d.f, d.off, d.n, r);
    if (err !== DHCP_OK) return "malformed (" + err + ")";
    if (r.xid !== this.xid) return "xid";
    const f = d.f;
    for (let i = 0; i < HLEN_ETHER; i++)
      if (get8(f, d.off + BOOTP_CHADDR + i) !== get8(this.ifp.hwaddr, i)) return "chaddr";
    const s = this.state;
    const t = r.msgType;
    let ok = false;
    if (s === DHCP_SELECTING) ok = t === DHCPOFFER || (t === DHCPACK && this.cfg.rapidCommit && r.rapidCommit);
    else if (s === DHCP_REQUESTING || s === DHCP_REBOOTING || s === DHCP_RENEWING || s === DHCP_REBINDING)
      ok = t === DHCPACK || t === DHCPNAK;
    else if (s === DHCP_INFORMING) ok = t === DHCPACK;
    if (!ok) return typeName(t) + " in " + dhcpStateName(s);
    // RFC 2131 table 3: OFFER, ACK and NAK carry the server identifier; a renewal ACK without one is let pass.
    if (r.serverId === 0 && !(t === DHCPACK && (s === DHCP_RENEWING || s === DHCP_REBINDING || s === DHCP_INFORMING)))
      return "no server identifier";
    // Only the server we asked may answer a REQUEST after an OFFER (a second server's NAK must not reset us).
    if (s === DHCP_REQUESTING && r.serverId !== this.offerServer) return "answer from another server";
    if (s === DHCP_RENEWING && r.serverId !== 0 && r.serverId !== this.lease.server)
      return "answer from another server";
    if (t === DHCPNAK || s === DHCP_INFORMING) return "";
    if (!usableAddress(r.yiaddr)) return "offered address " + formatIPv4(r.yiaddr) + " is not a host address";
    if (s === DHCP_RENEWING && r.yiaddr !== this.lease.addr) return "renewal for another address";
    if (r.leaseTime < 0 && s !== DHCP_RENEWING && s !== DHCP_REBINDING) return "no lease time";
    if (r.mask >= 0 && (prefixLenOf(r.mask) < 1 || prefixLenOf(r.mask) > 32)) return "bad netmask";
    const mask = this.maskFor(r);
    // The seed's consistency rule: without a relay, the server sits on the offered subnet.
    if (r.giaddr === 0 && r.serverId !== 0 && band(r.serverId, mask) !== band(r.yiaddr, mask))
      return "server " + formatIPv4(r.serverId) + " is not on the offered subnet";
    // An offer of an address nobody may use is not worth a REQUEST.
    if (t === DHCPOFFER) {
      const wrong = this.unusableHere(r);
      if (wrong !== "") return "offered address " + formatIPv4(r.yiaddr) + " " + wrong;
    }
    return "";
  }

  /** The netmask a reply implies: its own, else the lease's (a renewal), else the class's. */
  private maskFor(r: DhcpReply): number {
    if (r.mask >= 0) return r.mask;
    if (this.hasLease() && r.yiaddr === this.lease.addr) return this.lease.mask;
    return classfulMask(r.yiaddr);
  }

  /** Copies a validated reply into `l`, keeping what a renewal leaves out. */
  private fillLease(l: DhcpLease, r: DhcpReply, addr: number): void {
    const renewing = this.hasLease() && addr === this.lease.addr;
    l.addr = addr;
    l.mask = this.maskFor(r);
    l.server = r.serverId !== 0 ? r.serverId : this.lease.server;
    // Routers off the subnet cannot be next hops: left out (the seed refuses the whole reply).
    l.routers.splice(0, l.routers.length);
    for (let i = 0; i < r.routers.length; i++)
      if (band(r.routers[i], l.mask) === band(addr, l.mask) && r.routers[i] !== addr) l.routers.push(r.routers[i]);
    if (r.routers.length === 0 && renewing)
      for (let i = 0; i < this.lease.routers.length; i++) l.routers.push(this.lease.routers[i]);
    l.dns.splice(0, l.dns.length);
    const dnsFrom = r.dns.length === 0 && renewing ? this.lease.dns : r.dns;
    for (let i = 0; i < dnsFrom.length; i++) l.dns.push(dnsFrom[i]);
    // A fresh list each lease (the reply's), kept through a renewal that leaves the option out.
    l.ntp = r.ntp === undefined && renewing ? this.lease.ntp : r.ntp;
    l.domain = r.domain === "" && renewing ? this.lease.domain : r.domain;
    l.mtu = r.mtu;
    let lease = r.leaseTime >= 0 ? r.leaseTime : renewing ? this.lease.leaseSecs : 0;
    if (lease < MIN_LEASE_SECS) lease = MIN_LEASE_SECS;
    l.leaseSecs = lease;
    if (lease === LIFETIME_INFINITE) {
      l.t1Secs = LIFETIME_INFINITE;
      l.t2Secs = LIFETIME_INFINITE;
    } else if (r.t1 >= 0 && r.t2 >= 0 && r.t1 < r.t2 && r.t2 < lease && MIN_T1_SECS < lease) {
      // The server's T1 and T2, raised to the floor (a T1 of 0 would renew in a loop).
      l.t1Secs = r.t1 < MIN_T1_SECS ? MIN_T1_SECS : r.t1;
      l.t2Secs = r.t2 < l.t1Secs ? l.t1Secs : r.t2;
    } else {
      l.t1Secs = Math.floor(lease / 2);
      l.t2Secs = Math.floor((lease * 7) / 8);
    }
    l.boundAt = this.clock.now();
  }

  // --- binding ------------------------------------------------------------

  private probe(): void {
    this.cancelTimer();
    this.setState(DHCP_PROBING);
    this.probeHandle = this.stack.arp.probe(this.ifp, this.candidate.addr, (result, ip, mac) => {
      this.probeHandle = -1;
      this.begin();
      if (result === PROBE_FREE) this.bind(DHCP_EV_BOUND);
      else if (result === PROBE_CONFLICT) {
        this.log.write(LOG_WARN, "dhcp " + this.ifp.name + ": " + formatIPv4(ip) + " is in use by " + macText(mac));
        this.decline(ip);
      }
      this.end();
    });
    if (this.probeHandle < 0) this.bind(DHCP_EV_BOUND); // no probe slot: bind as the quick policy would
  }

  /** Makes `candidate` the lease: address with lifetimes, default route, storage, timers, event. */
  private bind(kind: DhcpEvent): void {
    // The retransmission timer stays armed until the lease timer is: cut short anywhere
    // below, the client retransmits (and the recovery timer stands behind that).
    const c = this.candidate;
    const l = this.lease;
    const had = this.hasLease();
    const plen = prefixLenOf(c.mask);
    const newRouter = c.routers.length > 0 ? c.routers[0] : 0;
    const err = applyLease(this.stack, this.ifp, c, l, had);
    if (err < 0) {
      this.log.write(
        LOG_WARN,
        "dhcp " + this.ifp.name + ": cannot configure " + formatIPv4(c.addr) + ": errno " + -err,
      );
      if (had && l.addr !== c.addr) l.addr = 0;
      this.enter(DHCP_INIT, this.backoff(0));
      return;
    }
    pinServer(this.ifp, l, false);
    copyLease(c, l);
    // The server we renew with must stay resolvable through an ARP flood.
    pinServer(this.ifp, l, true);
    this.ifp.acceptUdpToAny = false;
    this.nakCount = 0;
    if (kind !== DHCP_EV_BOUND) this.lostLeases = 0;
    this.stats.bound++;
    this.state = DHCP_BOUND;
    this.armLease();
    this.cancelTimer();
    this.log.write(LOG_INFO, "dhcp " + this.ifp.name + ": BOUND");
    this.storeLease();
    this.log.write(
      LOG_INFO,
      "dhcp " +
        this.ifp.name +
        ": " +
        (kind === DHCP_EV_BOUND ? "bound to " : kind === DHCP_EV_RENEWED ? "renewed " : "rebound ") +
        formatIPv4(l.addr) +
        "/" +
        plen +
        (newRouter !== 0 ? " via " + formatIPv4(newRouter) : "") +
        (l.leaseSecs === LIFETIME_INFINITE
          ? " lease infinite"
          : " lease " + l.leaseSecs + " s (renew at " + l.t1Secs + " s, rebind at " + l.t2Secs + " s)") +
        " from " +
        formatIPv4(l.server),
    );
    this.stack.events.emit("dhcp", kind, this, l);
  }

  private unbind(kind: DhcpEvent): void {
    if (!this.hasLease()) return;
    pinServer(this.ifp, this.lease, false);
    removeLease(this.stack, this.ifp, this.lease);
    this.cancelLeaseTimer();
    this.stack.events.emit("dhcp", kind, this, this.lease);
    this.lease.addr = 0;
  }

  private nak(): void {
    this.stats.naks++;
    this.nakCount++;
    if (this.hasLease()) this.unbind(DHCP_EV_NAK);
    else this.stack.events.emit("dhcp", DHCP_EV_NAK, this, this.candidate);
    this.forgetStoredLease();
    // A NAK storm must not make us loop fast: 0, 2, 4, ... 64 s.
    let wait = 0;
    for (let i = 1; i < this.nakCount && wait < 64000; i++) wait = wait === 0 ? 2000 : wait * 2;
    this.enter(DHCP_INIT, wait > 64000 ? 64000 : wait);
  }

  private decline(ip: number): void {
    this.stats.declines++;
    const server = this.hasLease() ? this.lease.server : this.offerServer;
    if (this.hasLease()) this.unbind(DHCP_EV_DECLINED);
    else this.stack.events.emit("dhcp", DHCP_EV_DECLINED, this, this.candidate);
    this.cancelTimer();
    this.setState(DHCP_DECLINING);
    this.send(DHCPDECLINE, ip, server);
    this.forgetStoredLease();
    // RFC 2131 3.1.5: wait at least ten seconds before starting over.
    this.arm(DECLINE_WAIT_MS);
  }

  /** ARP saw another host with one of our addresses. */
  private conflict(ifp: Ifnet, ip: number, mac: Bytes): void {
    if (ifp !== this.ifp || !this.hasLease() || ip !== this.lease.addr) return;
    this.begin();
    this.defend(ip, mac);
    this.end();
  }

  private defend(ip: number, mac: Bytes): void {
    const now = this.clock.now();
    if (now < this.quickUntil) {
      this.log.write(
        LOG_WARN,
        "dhcp " + this.ifp.name + ": " + formatIPv4(ip) + " is in use by " + macText(mac) + " (seen while announcing)",
      );
      this.decline(ip);
      return;
    }
    // RFC 5227 2.4 (b): defend once; a second conflict within DEFEND_INTERVAL gives the address up.
    if (this.lastDefence >= 0 && now - this.lastDefence < DEFEND_INTERVAL_MS) {
      this.log.write(
        LOG_WARN,
        "dhcp " + this.ifp.name + ": " + formatIPv4(ip) + " keeps being claimed by " + macText(mac) + ": giving it up",
      );
      this.decline(ip);
      return;
    }
    this.lastDefence = now;
    this.stack.arp.announce(this.ifp, ip);
  }

  // --- lease timers -------------------------------------------------------

  private armLease(): void {
    this.cancelLeaseTimer();
    const l = this.lease;
    if (l.leaseSecs === LIFETIME_INFINITE) return;
    const now = this.clock.now();
    // The next edge this state has not handled yet, even if already past (probing can outlast
    // a short T1): the timer then fires at once and leaseStep moves on.
    let next = this.leaseEdge(l.leaseSecs);
    if (this.state === DHCP_BOUND) next = this.leaseEdge(l.t1Secs);
    else if (this.state === DHCP_RENEWING) next = this.leaseEdge(l.t2Secs);
    this.leaseArmed = true;
    this.leaseTimer = this.clock.set(this.onLeaseTimer, next > now ? next - now : 0);
  }

  private leaseStep(): void {
    const l = this.lease;
    const now = this.clock.now();
    if (!this.hasLease() && this.state !== DHCP_PROBING) return;
    if (now >= this.leaseEdge(l.leaseSecs)) {
      this.log.write(LOG_WARN, "dhcp " + this.ifp.name + ": lease on " + formatIPv4(l.addr) + " expired");
      this.unbind(DHCP_EV_EXPIRED);
      this.forgetStoredLease();
      // Leases lost one after another (a server handing out leases it will not renew) back off like retransmissions.
      this.lostLeases++;
      this.enter(DHCP_INIT, this.lostLeases > 1 ? this.backoff(this.lostLeases - 2) : 0);
      return;
    }
    if (now >= this.leaseEdge(l.t2Secs) && this.state !== DHCP_REBINDING) this.enter(DHCP_REBINDING, 0);
    else if (now >= this.leaseEdge(l.t1Secs) && this.state === DHCP_BOUND) this.enter(DHCP_RENEWING, 0);
    this.armLease();
  }

  // --- persistence ------------------------------------------------------

  private storeLease(): void {
    const key = this.cfg.storageKey;
    if (this.storage === undefined || key === "") return;
    this.storage.write(key + "." + this.ifp.name, encodeLease(this.lease, this.epoch()));
  }

  /**
   * Reads a stored lease: its address is what INIT-REBOOT asks for. false
   * when there is none, it is unreadable, or the wall clock says it ended.
   */
  private loadLease(): boolean {
    const key = this.cfg.storageKey;
    if (this.storage === undefined || key === "") return false;
    const b = this.storage.read(key + "." + this.ifp.name);
    if (b === undefined) return false;
    const stored = this.candidate;
    const granted = decodeLease(b, stored);
    if (granted < 0 || !usableAddress(stored.addr) || prefixLenOf(stored.mask) < 1) return false;
    const now = this.epoch();
    if (
      stored.leaseSecs !== LIFETIME_INFINITE &&
      granted !== EPOCH_UNKNOWN &&
      now >= 0 &&
      now >= granted + stored.leaseSecs
    ) {
      this.forgetStoredLease();
      return false;
    }
    const addr = stored.addr;
    // The candidate was only borrowed to read the record: it holds no offer.
    stored.addr = 0;
    this.rebootAddr = addr;
    return true;
  }

  private forgetStoredLease(): void {
    if (this.storage !== undefined && this.cfg.storageKey !== "")
      this.storage.remove(this.cfg.storageKey + "." + this.ifp.name);
  }

  // --- small things -----------------------------------------------------

  /**
   * Entered from outside (a timer, a datagram, a link change, the API): the
   * recovery timer is armed before any work, so a handler cut short anywhere
   * still leaves the client a timer; end() takes it back when all went well.
   */
  private begin(): void {
    if (this.recoveryArmed) return;
    this.recoveryArmed = true;
    this.recovery = this.clock.set(this.onRecover, RECOVER_MS);
  }
  private end(): void {
    this.cancelRecovery();
  }
  private cancelRecovery(): void {
    if (this.recoveryArmed) this.clock.clear(this.recovery);
    this.recoveryArmed = false;
  }

  /** Outside STOPPED (and a lease that never ends) some timer is always armed: the fuzzer's and tests' invariant. */
  timersArmed(): boolean {
    return this.timerArmed || this.leaseArmed || this.recoveryArmed || this.probeHandle >= 0;
  }

  private arm(ms: number): void {
    this.cancelTimer();
    this.timerArmed = true;
    this.timer = this.clock.set(this.onTimer, ms > 0 ? ms : 0);
  }
  private cancelTimer(): void {
    if (this.timerArmed) this.clock.clear(this.timer);
    this.timerArmed = false;
  }
  private cancelLeaseTimer(): void {
    if (this.leaseArmed) this.clock.clear(this.leaseTimer);
    this.leaseArmed = false;
  }
  private cancelTimers(): void {
    this.cancelTimer();
    this.cancelLeaseTimer();
  }
  private cancelProbe(): void {
    if (this.probeHandle >= 0) {
      const h = this.probeHandle;
      this.probeHandle = -1;
      this.stack.arp.cancelProbe(h);
    }
  }
  private randomUpTo(max: number): number {
    return max <= 0 ? 0 : this.random.u32() % (max + 1);
  }
}

function renewFloorMs(leaseSecs: number): number {
  const scaled = Math.floor((leaseSecs * 1000) / 64);
  return scaled > MIN_RENEW_WAIT_MS
    ? MIN_RENEW_WAIT_MS
    : scaled < MIN_RENEW_WAIT_FLOOR_MS
      ? MIN_RENEW_WAIT_FLOOR_MS
      : scaled;
}

const TYPE_NAMES = ["?", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM"];

export function typeName(t: number): string {
  return t >= 1 && t <= 8 ? TYPE_NAMES[t] : "type " + t;
}

function hex32(v: number): string {
  return (
    hexByte(Math.floor(v / 16777216)) +
    hexByte(Math.floor(v / 65536) % 256) +
    hexByte(Math.floor(v / 256) % 256) +
    hexByte(v % 256)
  );
}

function macText(m: Bytes | undefined): string {
  return m === undefined ? "?" : formatMac(m, 0);
}
