// An mDNS responder for one name (RFC 6762, the part a small device needs):
// `<name>.local` answers A queries with the interface's address. At start
// (an address, a link that came back) it probes three times, 250 ms apart,
// and takes the name only if nobody answers for it; a conflict, or a
// simultaneous probe it loses, makes it try `<name>-2`, `-3`… It then
// announces twice, a second apart, again whenever the address changes, and
// says goodbye (TTL 0) when the address goes. Queries are answered at once
// (the record is unique), by multicast, or unicast to a QU question or a
// legacy resolver (a source port other than 5353); known answers suppress
// ours; a query for another type of our name gets an NSEC saying only A exists.
import { get16, get32, set8, set16, set32, view } from "@hal/bytes";
import { band } from "@hal/u32";
import type { TimerId } from "../../hal/types";
import { LOG_INFO } from "../../hal/types";
import { ADDR_DEL, ADDR_NEW, type InAddr } from "../net/inaddr";
import { IFF_RUNNING, type Ifnet } from "../net/ifnet";
import { joinGroup, leaveGroup } from "../net/mcast";
import type { NetStack } from "../net/stack";
import { UDP_PAYLOAD, type UdpDatagram } from "../net/udp";
import {
  CLASS_IN,
  CLASS_TOP,
  DNS_AA,
  DNS_ANCOUNT,
  DNS_ARCOUNT,
  DNS_FLAGS,
  DNS_HLEN,
  DNS_ID,
  DNS_NSCOUNT,
  DNS_OPCODE_MASK,
  DNS_Q_CLASS,
  DNS_Q_LEN,
  DNS_Q_TYPE,
  DNS_QDCOUNT,
  DNS_QR,
  DNS_RCODE_MASK,
  DNS_RR_CLASS,
  DNS_RR_RDATA,
  DNS_RR_RDLEN,
  DNS_RR_TTL,
  DNS_RR_TYPE,
  NSEC_BIT_A,
  NSEC_BITMAP,
  NSEC_BITMAP_LEN,
  NSEC_WINDOW,
  dnsNameIs,
  dnsPutName,
  dnsSkipName,
  MDNS_GROUP,
  MDNS_PORT,
  NAME_MAX,
  TYPE_A,
  TYPE_ANY,
  TYPE_NSEC,
} from "../wire/dns";

/** Host records live 120 s (RFC 6762 10); legacy unicast answers at most 10 s (6.7). */
const TTL_HOST = 120;
const TTL_LEGACY = 10;
const PROBES = 3;
const PROBE_GAP = 250;
const ANNOUNCEMENTS = 2;
const ANNOUNCE_GAP = 1000;
/** After a lost tie-break, wait this long before probing again (8.2). */
const DEFER_MS = 1000;
/** More than this many conflicts in CONFLICT_WINDOW: probe no faster than once in CONFLICT_WAIT (8.1). */
const CONFLICT_BURST = 15;
const CONFLICT_WINDOW = 10000;
const CONFLICT_WAIT = 5000;
/** A record is multicast at most once a second, or every 250 ms in defence of a probe (6). */
const MULTICAST_GAP = 1000;
const PROBE_DEFENCE_GAP = 250;

const IDLE = 0;
const PROBING = 1;
const ANNOUNCING = 2;
const ANNOUNCED = 3;

export interface MdnsStats {
  queries: number;
  answers: number;
  conflicts: number;
  /** Messages dropped as malformed. */
  dropped: number;
}

export class MdnsResponder {
  readonly stats: MdnsStats = { queries: 0, answers: 0, conflicts: 0, dropped: 0 };
  /** The name in use (without ".local"); it changes after a conflict. */
  name: string;
  private fqdn: string;
  private state = IDLE;
  private addr = 0;
  private step = 0;
  private timer: TimerId = 0;
  private suffix = 1;
  private conflictTimes: number[] = [];
  private lastMulticast = -MULTICAST_GAP;
  private bound = false;
  private readonly rx: (this: void, d: UdpDatagram) => void;
  private readonly tick: (this: void) => void;

  constructor(
    private readonly stack: NetStack,
    private readonly ifp: Ifnet,
    /** A single DNS label: letters, digits and hyphens. */
    private readonly base: string,
    /** Told each time a name is taken (after probing), with the name. */
    private readonly onName: ((name: string) => void) | undefined,
  ) {
    this.name = base;
    this.fqdn = base + ".local";
    this.rx = (d) => this.input(d);
    this.tick = () => this.next();
    stack.events.add({
      addr: (kind, ia) => this.addrEvent(kind, ia),
      link: (_kind, ifp, mask) => {
        // The link went or came back: our name must be probed again when it returns (8.3).
        if (ifp === this.ifp && band(mask, IFF_RUNNING) !== 0) this.restart();
      },
    });
  }

  /** Joins the group, binds 5353 on the interface and, with an address, starts probing. 0 or -errno. */
  start(): number {
    if (!this.bound) {
      const err = this.stack.udp.bind(MDNS_PORT, this.rx, this.ifp);
      if (err < 0) return err;
      joinGroup(this.ifp, MDNS_GROUP);
      this.bound = true;
    }
    this.restart();
    return 0;
  }

  /** Says goodbye if the name was announced, then leaves the group and frees the port. */
  stop(): void {
    if (!this.bound) return;
    if (this.state >= ANNOUNCING) this.goodbye();
    this.state = IDLE;
    this.stack.clock.clear(this.timer);
    this.stack.udp.unbind(MDNS_PORT, this.ifp);
    leaveGroup(this.ifp, MDNS_GROUP);
    this.bound = false;
  }

  /** Announced and answering. */
  ready(): boolean {
    return this.state === ANNOUNCED || this.state === ANNOUNCING;
  }

  private restart(): void {
    this.stack.clock.clear(this.timer);
    const ia = this.stack.addrs.firstOn(this.ifp);
    if (!this.bound || ia === undefined || !this.ifp.has(IFF_RUNNING)) {
      this.state = IDLE;
      return;
    }
    this.addr = ia.addr;
    this.probe(this.stack.random.u32() % PROBE_GAP);
  }

  private addrEvent(kind: number, ia: InAddr): void {
    if (ia.ifp !== this.ifp || !this.bound) return;
    if (kind === ADDR_DEL && ia.addr === this.addr && this.state !== IDLE) {
      // The address is gone from the table but not from the link yet: a goodbye from it (10.1).
      if (this.state >= ANNOUNCING) this.goodbye();
      this.restart();
    } else if (kind === ADDR_NEW) {
      if (this.state === IDLE) return this.restart();
      if (this.state >= ANNOUNCING && ia === this.stack.addrs.firstOn(this.ifp)) {
        // New data for the same name: announce it again (8.4).
        this.addr = ia.addr;
        this.announce(0);
      }
    }
  }

  private probe(delay: number): void {
    this.state = PROBING;
    this.step = 0;
    this.arm(delay);
  }

  private announce(delay: number): void {
    this.state = ANNOUNCING;
    this.step = 0;
    this.arm(delay);
  }

  private arm(ms: number): void {
    this.stack.clock.clear(this.timer);
    this.timer = this.stack.clock.set(this.tick, ms);
  }

  private next(): void {
    if (this.state === PROBING) {
      if (this.step < PROBES) {
        this.step++;
        this.send(SEND_PROBE, 0, MDNS_GROUP, MDNS_PORT, false, TTL_HOST, TYPE_ANY);
        return this.arm(PROBE_GAP);
      }
      this.stack.log.write(LOG_INFO, "mdns " + this.ifp.name + ": " + this.fqdn + " is ours");
      if (this.onName !== undefined) this.onName(this.name);
      return this.announce(0);
    }
    if (this.state === ANNOUNCING) {
      this.multicast(false);
      this.lastMulticast = this.stack.clock.now();
      this.step++;
      if (this.step < ANNOUNCEMENTS) return this.arm(ANNOUNCE_GAP);
      this.state = ANNOUNCED;
    }
  }

  /** Someone else has the name: the next one, probed after a pause if conflicts come too fast. */
  private conflict(): void {
    this.stats.conflicts++;
    const now = this.stack.clock.now();
    this.conflictTimes.push(now);
    if (this.conflictTimes.length > CONFLICT_BURST) this.conflictTimes.splice(0, 1);
    const burst = this.conflictTimes.length >= CONFLICT_BURST && now - this.conflictTimes[0] < CONFLICT_WINDOW;
    this.suffix++;
    this.name = this.base + "-" + this.suffix;
    this.fqdn = this.name + ".local";
    this.stack.log.write(LOG_INFO, "mdns " + this.ifp.name + ": name taken, trying " + this.fqdn);
    this.probe(burst ? CONFLICT_WAIT : 0);
  }

  private input(d: UdpDatagram): void {
    // Names are compressed from the message's first byte: read it through a view that starts there.
    const f = view(d.f, d.off, d.n);
    const end = d.n;
    if (end < DNS_HLEN || this.state === IDLE) return;
    const flags = get16(f, DNS_FLAGS);
    // Opcode and rcode other than 0 are silently ignored (18.3, 18.11).
    if (band(flags, DNS_OPCODE_MASK) !== 0 || band(flags, DNS_RCODE_MASK) !== 0) return;
    const qd = get16(f, DNS_QDCOUNT);
    const records = get16(f, DNS_ANCOUNT) + get16(f, DNS_NSCOUNT) + get16(f, DNS_ARCOUNT);
    // Walk the questions first, then every record: any bound past the end drops the message.
    let p = DNS_HLEN;
    let askA = false;
    let askOther = false;
    let unicast = false;
    let qtype = TYPE_A;
    for (let i = 0; i < qd; i++) {
      const e = dnsSkipName(f, p, end);
      if (e < 0 || e + DNS_Q_LEN > end) return this.malformed();
      if (dnsNameIs(f, p, end, this.fqdn) && band(get16(f, e + DNS_Q_CLASS), 0x7fff) === CLASS_IN) {
        const type = get16(f, e + DNS_Q_TYPE);
        if (type === TYPE_A || type === TYPE_ANY) {
          askA = true;
          qtype = type;
        } else askOther = true;
        if (get16(f, e + DNS_Q_CLASS) >= CLASS_TOP) unicast = true;
      }
      p = e + DNS_Q_LEN;
    }
    const answersEnd = get16(f, DNS_ANCOUNT);
    const authEnd = answersEnd + get16(f, DNS_NSCOUNT);
    let known = false;
    let theirs = -1;
    let ours = false;
    for (let i = 0; i < records; i++) {
      const owner = p;
      const e = dnsSkipName(f, p, end);
      if (e < 0 || e + DNS_RR_RDATA > end) return this.malformed();
      const rdlen = get16(f, e + DNS_RR_RDLEN);
      p = e + DNS_RR_RDATA + rdlen;
      if (p > end) return this.malformed();
      if (get16(f, e + DNS_RR_TYPE) !== TYPE_A || rdlen !== 4 || !dnsNameIs(f, owner, end, this.fqdn)) continue;
      if (band(get16(f, e + DNS_RR_CLASS), 0x7fff) !== CLASS_IN) continue;
      const a = get32(f, e + DNS_RR_RDATA);
      if (a === this.addr) {
        if (i < answersEnd && get32(f, e + DNS_RR_TTL) >= TTL_HOST / 2) known = true;
        ours = true;
      } else if (band(flags, DNS_QR) !== 0 || (i >= answersEnd && i < authEnd)) theirs = a;
    }
    if (band(flags, DNS_QR) !== 0) {
      // A response with our name and other data: a conflict, while probing or after (9).
      if (theirs >= 0) {
        if (this.state === PROBING) return this.conflict();
        this.stack.log.write(LOG_INFO, "mdns " + this.ifp.name + ": " + this.fqdn + " claimed by another host");
        return this.probe(0);
      }
      return;
    }
    this.stats.queries++;
    // A probe for our name with other data while we probe: the lexicographically later data wins (8.2).
    if (this.state === PROBING && theirs >= 0 && !ours) {
      if (theirs > this.addr) {
        this.stack.log.write(LOG_INFO, "mdns " + this.ifp.name + ": lost a simultaneous probe for " + this.fqdn);
        return this.probe(DEFER_MS);
      }
      return;
    }
    if (this.state === PROBING || (!askA && !askOther)) return;
    if (askA && known) return;
    const nsec = !askA;
    if (d.srcPort !== MDNS_PORT) {
      // A legacy resolver (6.7): its id and question back, unicast, a short TTL; it asked for an address.
      if (nsec) return;
      this.stats.answers++;
      return this.send(SEND_LEGACY, get16(f, DNS_ID), d.src, d.srcPort, false, TTL_LEGACY, qtype);
    }
    if (unicast) {
      this.stats.answers++;
      return this.send(SEND_ANSWER, 0, d.src, d.srcPort, nsec, TTL_HOST, TYPE_A);
    }
    const now = this.stack.clock.now();
    const gap = get16(f, DNS_NSCOUNT) > 0 ? PROBE_DEFENCE_GAP : MULTICAST_GAP;
    if (now - this.lastMulticast < gap) return;
    this.lastMulticast = now;
    this.stats.answers++;
    this.multicast(nsec);
  }

  private malformed(): void {
    this.stats.dropped++;
  }

  /**
   * One message from `from`: a probe (a QU question for our name, our A
   * record in the authority section), or a response with our A record or
   * an NSEC, a legacy query's question (`qtype`) repeated first.
   */
  private send(kind: number, id: number, to: number, port: number, nsec: boolean, ttl: number, qtype: number): void {
    const udp = this.stack.udp;
    const f = udp.alloc(MSG_MAX);
    const m = view(f, UDP_PAYLOAD, MSG_MAX);
    const probe = kind === SEND_PROBE;
    set16(m, DNS_ID, id);
    set16(m, DNS_FLAGS, probe ? 0 : DNS_QR + DNS_AA);
    set16(m, DNS_QDCOUNT, kind === SEND_ANSWER ? 0 : 1);
    set16(m, DNS_ANCOUNT, probe ? 0 : 1);
    set16(m, DNS_NSCOUNT, probe ? 1 : 0);
    set16(m, DNS_ARCOUNT, 0);
    let p = DNS_HLEN;
    if (kind !== SEND_ANSWER) {
      p = dnsPutName(m, p, MSG_MAX, this.fqdn);
      set16(m, p + DNS_Q_TYPE, probe ? TYPE_ANY : qtype);
      set16(m, p + DNS_Q_CLASS, probe ? CLASS_IN + CLASS_TOP : CLASS_IN);
      p += DNS_Q_LEN;
    }
    // Unique records carry the cache-flush bit, except to legacy resolvers and in probes (10.2).
    const flush = kind === SEND_ANSWER && port === MDNS_PORT;
    p = dnsPutName(m, p, MSG_MAX, this.fqdn);
    set16(m, p + DNS_RR_TYPE, nsec ? TYPE_NSEC : TYPE_A);
    set16(m, p + DNS_RR_CLASS, flush ? CLASS_IN + CLASS_TOP : CLASS_IN);
    set32(m, p + DNS_RR_TTL, ttl);
    const rdata = p + DNS_RR_RDATA;
    if (nsec) {
      // Next name: our own; then window 0, a bitmap of one byte with A's bit (type 1).
      const e = dnsPutName(m, rdata, MSG_MAX, this.fqdn);
      set8(m, e + NSEC_WINDOW, 0);
      set8(m, e + NSEC_BITMAP_LEN, 1);
      set8(m, e + NSEC_BITMAP, NSEC_BIT_A);
      p = e + NSEC_BITMAP + 1;
    } else {
      set32(m, rdata, this.addr);
      p = rdata + 4;
    }
    set16(m, rdata - DNS_RR_RDATA + DNS_RR_RDLEN, p - rdata);
    // The source is given: a goodbye goes from the address being removed. IP TTL 255 (11): link-local proof.
    udp.send(f, p, this.addr, MDNS_PORT, to, port, this.ifp, MDNS_IP_TTL);
  }

  private goodbye(): void {
    this.send(SEND_ANSWER, 0, MDNS_GROUP, MDNS_PORT, false, TTL_GOODBYE, TYPE_A);
  }

  private multicast(nsec: boolean): void {
    this.send(SEND_ANSWER, 0, MDNS_GROUP, MDNS_PORT, nsec, TTL_HOST, TYPE_A);
  }
}

const SEND_ANSWER = 0;
const SEND_PROBE = 1;
const SEND_LEGACY = 2;
const TTL_GOODBYE = 0;
const MDNS_IP_TTL = 255;
/** Header, a question and one record with our name (at most 255 bytes each), NSEC's bitmap. */
const MSG_MAX = DNS_HLEN + 2 * (NAME_MAX + DNS_Q_LEN) + DNS_RR_RDATA + NAME_MAX + 4;
