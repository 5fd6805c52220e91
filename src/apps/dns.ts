// A stub resolver (RFC 1035 7, RFC 1123 6.1.3): A queries to the servers
// the leases name (or the board's), one try at a time round the servers
// with the wait doubling each round, CNAME chains followed (in the answer,
// or asked for again), a small cache bounded by the records' TTLs. A reply
// is believed only when it comes from a server we asked, to our port, with
// our id and our question; anything malformed is counted and dropped.
import { get16, get32, len, set16, view } from "@hal/bytes";
import { band } from "@hal/u32";
import { type Bytes, LOG_ERROR, type TimerId } from "../../hal/types";
import { parseIPv4 } from "../net/addr";
import type { NetStack } from "../net/stack";
import { UDP_PAYLOAD, type UdpDatagram } from "../net/udp";
import {
  CLASS_IN,
  DNS_FLAGS,
  DNS_HLEN,
  DNS_ID,
  DNS_OPCODE_MASK,
  DNS_PORT,
  DNS_Q_CLASS,
  DNS_Q_LEN,
  DNS_Q_TYPE,
  DNS_QDCOUNT,
  DNS_QR,
  DNS_RCODE_MASK,
  DNS_RD,
  DNS_RR_CLASS,
  DNS_RR_RDATA,
  DNS_RR_RDLEN,
  DNS_RR_TTL,
  DNS_RR_TYPE,
  DNS_ANCOUNT,
  DNS_TC,
  dnsNameIs,
  dnsNamesEqual,
  dnsNameText,
  dnsPutName,
  dnsSkipName,
  NAME_MAX,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  TYPE_A,
  TYPE_CNAME,
} from "../wire/dns";
import { bindEphemeral } from "../net/ephemeral";

/** A lookup's outcome (the names are Node's dns error codes). */
export const DNS_OK = 0;
/** The name does not exist (NXDOMAIN). */
export const DNS_ENOTFOUND = 1;
/** It exists but has no IPv4 address. */
export const DNS_ENODATA = 2;
/** No server answered. */
export const DNS_ETIMEOUT = 3;
/** Every server answered with a failure (SERVFAIL, REFUSED, NOTIMP, FORMERR). */
export const DNS_ESERVFAIL = 4;
/** No server is known (no lease with option 6, none configured). */
export const DNS_ENOSERVER = 5;
/** Not a host name that can be asked for. */
export const DNS_EBADNAME = 6;
/** Too many lookups at once, or no UDP port free. */
export const DNS_EBUSY = 7;
/** The answer was truncated and holds no address (there is no TCP to ask again). */
export const DNS_ETRUNC = 8;
/** A CNAME chain too long, or one that loops. */
export const DNS_ELOOP = 9;
/** The resolver was stopped first. */
export const DNS_ECANCELLED = 10;
export const DNS_ERROR_NAMES = [
  "OK",
  "ENOTFOUND",
  "ENODATA",
  "ETIMEOUT",
  "ESERVFAIL",
  "ENOSERVER",
  "EBADNAME",
  "EBUSY",
  "ETRUNC",
  "ELOOP",
  "ECANCELLED",
];

/** `err` is a DNS_* code; `addr` and `ttl` (seconds) are meaningful when it is DNS_OK. */
export type DnsCallback = (err: number, addr: number, ttl: number) => void;

export interface ResolverConfig {
  /** Names kept with their address until their TTL runs out. */
  cacheSize: number;
  /** Lookups of different names under way at once. */
  maxPending: number;
  /** The first try's wait (ms); each round of the servers doubles it. */
  timeout: number;
  /** Rounds of the server list before giving up. */
  rounds: number;
}

export function defaultResolverConfig(): ResolverConfig {
  return { cacheSize: 4, maxPending: 4, timeout: 1000, rounds: 3 };
}

export interface DnsStats {
  queries: number;
  replies: number;
  /** Replies dropped: malformed, not ours, not from a server we asked. */
  dropped: number;
  cacheHits: number;
  timeouts: number;
}

/** Links of a CNAME chain followed before giving up (as the answer or by asking again). */
const CHAIN_MAX = 8;
/** Cached TTLs are capped (RFC 2181 8 caps at 2^31; a device re-asks sooner). */
const TTL_CAP = 86400;

interface Query {
  /** What the program asked, and what is being asked now (a CNAME's target after a re-query). */
  name: string;
  qname: string;
  id: number;
  tries: number;
  chain: number;
  timer: TimerId;
  cbs: DnsCallback[];
  /** The servers this query went to (their addresses), so a reply from another is not believed. */
  askedTo: number[];
  /** A server answered with a failure: running out of tries is then ESERVFAIL, not ETIMEOUT. */
  failed: boolean;
}

export class Resolver {
  readonly stats: DnsStats = { queries: 0, replies: 0, dropped: 0, cacheHits: 0, timeouts: 0 };
  private readonly pending: Query[] = [];
  private port = 0;
  private readonly cacheNames: string[] = [];
  private readonly cacheAddrs: number[] = [];
  private readonly cacheExpiry: number[] = [];
  private readonly rx: (this: void, d: UdpDatagram) => void;

  constructor(
    private readonly stack: NetStack,
    /** The servers to ask, in order of preference (the leases' option 6, or configured ones). */
    private readonly servers: () => number[],
    private readonly cfg: ResolverConfig,
  ) {
    this.rx = (d) => this.input(d);
  }

  /** Resolves `name` to an IPv4 address; `cb` is always called, and never before lookup returns. */
  lookup(name: string, cb: DnsCallback): void {
    const literal = parseIPv4(name);
    if (literal >= 0) return this.later(cb, DNS_OK, literal, 0);
    const key = hostKey(name);
    if (key === undefined) return this.later(cb, DNS_EBADNAME, 0, 0);
    const c = this.cached(key);
    if (c >= 0) {
      this.stats.cacheHits++;
      const left = Math.ceil((this.cacheExpiry[c] - this.stack.clock.now()) / 1000);
      return this.later(cb, DNS_OK, this.cacheAddrs[c], left);
    }
    for (let i = 0; i < this.pending.length; i++) {
      if (this.pending[i].name === key) {
        this.pending[i].cbs.push(cb);
        return;
      }
    }
    if (this.servers().length === 0) return this.later(cb, DNS_ENOSERVER, 0, 0);
    if (this.pending.length >= this.cfg.maxPending) return this.later(cb, DNS_EBUSY, 0, 0);
    if (this.port === 0) {
      // A new random port for each burst of lookups (RFC 5452): a spoofer must guess it and the id.
      const p = bindEphemeral(this.stack, this.rx);
      if (p < 0) return this.later(cb, DNS_EBUSY, 0, 0);
      this.port = p;
    }
    const q: Query = {
      name: key,
      qname: key,
      id: 0,
      tries: 0,
      chain: 0,
      timer: 0,
      cbs: [cb],
      askedTo: [],
      failed: false,
    };
    this.pending.push(q);
    this.start(q);
  }

  /** Forgets the cache (a new network). */
  flush(): void {
    this.cacheNames.splice(0, this.cacheNames.length);
    this.cacheAddrs.splice(0, this.cacheAddrs.length);
    this.cacheExpiry.splice(0, this.cacheExpiry.length);
  }

  /** Ends every lookup with DNS_ECANCELLED and frees the port. */
  stop(): void {
    while (this.pending.length > 0) this.finish(this.pending[0], DNS_ECANCELLED, 0, 0);
  }

  private later(cb: DnsCallback, err: number, addr: number, ttl: number): void {
    this.stack.clock.set(() => cb(err, addr, ttl), 0);
  }

  private cached(key: string): number {
    const now = this.stack.clock.now();
    for (let i = 0; i < this.cacheNames.length; i++) {
      if (this.cacheNames[i] === key && this.cacheExpiry[i] > now) return i;
    }
    return -1;
  }

  private remember(key: string, addr: number, ttl: number): void {
    if (ttl <= 0 || this.cfg.cacheSize <= 0) return;
    const expiry = this.stack.clock.now() + (ttl < TTL_CAP ? ttl : TTL_CAP) * 1000;
    // The entry for this name, else a free one, else the one that expires first.
    let at = -1;
    for (let i = 0; i < this.cacheNames.length; i++) if (this.cacheNames[i] === key) at = i;
    if (at < 0 && this.cacheNames.length < this.cfg.cacheSize) {
      at = this.cacheNames.length;
      this.cacheNames.push(key);
      this.cacheAddrs.push(0);
      this.cacheExpiry.push(0);
    }
    if (at < 0) {
      at = 0;
      for (let i = 1; i < this.cacheExpiry.length; i++) if (this.cacheExpiry[i] < this.cacheExpiry[at]) at = i;
      this.cacheNames[at] = key;
    }
    this.cacheAddrs[at] = addr;
    this.cacheExpiry[at] = expiry;
  }

  /** A new question (the first, or a CNAME's target): a new id and the first server again. */
  private start(q: Query): void {
    q.id = this.stack.random.u32() % 65536;
    q.tries = 0;
    q.failed = false;
    q.askedTo.splice(0, q.askedTo.length);
    this.send(q);
  }

  private send(q: Query): void {
    const list = this.servers();
    const n = list.length;
    if (n === 0 || q.tries >= n * this.cfg.rounds) {
      if (n === 0) return this.finish(q, DNS_ENOSERVER, 0, 0);
      if (q.failed) return this.finish(q, DNS_ESERVFAIL, 0, 0);
      this.stats.timeouts++;
      return this.finish(q, DNS_ETIMEOUT, 0, 0);
    }
    const server = list[q.tries % n];
    let wait = this.cfg.timeout;
    for (let r = Math.floor(q.tries / n); r > 0; r--) wait *= 2;
    q.tries++;
    if (!has(q.askedTo, server)) q.askedTo.push(server);
    q.timer = this.stack.clock.set(() => this.send(q), wait);
    const udp = this.stack.udp;
    const f = udp.alloc(DNS_HLEN + NAME_MAX + 1 + DNS_Q_LEN);
    const m = UDP_PAYLOAD;
    set16(f, m + DNS_ID, q.id);
    set16(f, m + DNS_FLAGS, DNS_RD);
    set16(f, m + DNS_QDCOUNT, 1);
    for (let i = DNS_ANCOUNT; i < DNS_HLEN; i += 2) set16(f, m + i, 0);
    const p = dnsPutName(f, m + DNS_HLEN, len(f), q.qname);
    set16(f, p + DNS_Q_TYPE, TYPE_A);
    set16(f, p + DNS_Q_CLASS, CLASS_IN);
    this.stats.queries++;
    // A send that fails (no route yet) is a try like one unanswered: the timer moves on.
    udp.send(f, p + DNS_Q_LEN - m, -1, this.port, server, DNS_PORT, undefined);
  }

  private finish(q: Query, err: number, addr: number, ttl: number): void {
    this.stack.clock.clear(q.timer);
    for (let i = 0; i < this.pending.length; i++) if (this.pending[i] === q) this.pending.splice(i, 1);
    if (this.pending.length === 0 && this.port !== 0) {
      this.stack.udp.unbind(this.port, undefined);
      this.port = 0;
    }
    for (let k = 0; k < q.cbs.length; k++) {
      const cb = q.cbs[k];
      // The program's callback: what it throws must not leave the resolver half done.
      try {
        cb(err, addr, ttl);
      } catch (e) {
        this.stack.log.write(LOG_ERROR, "dns: callback failed: " + e);
      }
    }
  }

  private input(d: UdpDatagram): void {
    // Compression pointers count from the message's first byte: read it through a view that starts there.
    const f = view(d.f, d.off, d.n);
    const end = d.n;
    const q = this.match(f, end, d);
    if (q === undefined) {
      this.stats.dropped++;
      return;
    }
    this.stats.replies++;
    const flags = get16(f, DNS_FLAGS);
    const rcode = band(flags, DNS_RCODE_MASK);
    if (rcode === RCODE_NXDOMAIN) return this.finish(q, DNS_ENOTFOUND, 0, 0);
    if (rcode !== RCODE_NOERROR) {
      // This server cannot help: the next one at once.
      q.failed = true;
      this.stack.clock.clear(q.timer);
      return this.send(q);
    }
    const r = this.answer(f, end, q);
    if (r === ANSWER_ADDR) {
      if (band(flags, DNS_TC) === 0) this.remember(q.name, this.aAddr, this.aTtl);
      return this.finish(q, DNS_OK, this.aAddr, this.aTtl);
    }
    if (r === ANSWER_MALFORMED) {
      this.stats.dropped++;
      return;
    }
    if (band(flags, DNS_TC) !== 0) return this.finish(q, DNS_ETRUNC, 0, 0);
    if (r === ANSWER_NODATA) return this.finish(q, DNS_ENODATA, 0, 0);
    // The chain ends in a name the server did not resolve: ask for it.
    const target = dnsNameText(f, this.aTarget, end);
    if (r === ANSWER_LOOP || target === undefined) return this.finish(q, DNS_ELOOP, 0, 0);
    this.stack.clock.clear(q.timer);
    q.qname = target;
    this.start(q);
  }

  /** The pending query this reply answers, after checking the header and the question. */
  private match(f: Bytes, end: number, d: UdpDatagram): Query | undefined {
    if (d.srcPort !== DNS_PORT || end < DNS_HLEN) return undefined;
    const flags = get16(f, DNS_FLAGS);
    if (band(flags, DNS_QR) === 0 || band(flags, DNS_OPCODE_MASK) !== 0 || get16(f, DNS_QDCOUNT) !== 1)
      return undefined;
    const id = get16(f, DNS_ID);
    for (let i = 0; i < this.pending.length; i++) {
      const q = this.pending[i];
      if (q.id !== id || !has(q.askedTo, d.src)) continue;
      const qend = dnsSkipName(f, DNS_HLEN, end);
      if (qend < 0 || qend + DNS_Q_LEN > end || !dnsNameIs(f, DNS_HLEN, end, q.qname)) return undefined;
      if (get16(f, qend + DNS_Q_TYPE) !== TYPE_A || get16(f, qend + DNS_Q_CLASS) !== CLASS_IN) return undefined;
      return q;
    }
    return undefined;
  }

  // What answer() found: the address and the chain's smallest TTL, or where the chain stopped.
  private aAddr = 0;
  private aTtl = 0;
  private aTarget = 0;

  /**
   * Follows the question's name through the answer section's CNAMEs to an
   * A record. Every record's bounds are checked before any is used.
   */
  private answer(f: Bytes, end: number, q: Query): number {
    const count = get16(f, DNS_ANCOUNT);
    const first = dnsSkipName(f, DNS_HLEN, end) + DNS_Q_LEN;
    // Validate the whole section first: a record past the end makes the reply malformed.
    let p = first;
    for (let i = 0; i < count; i++) {
      const rr = dnsSkipName(f, p, end);
      if (rr < 0 || rr + DNS_RR_RDATA > end) return ANSWER_MALFORMED;
      p = rr + DNS_RR_RDATA + get16(f, rr + DNS_RR_RDLEN);
      if (p > end) return ANSWER_MALFORMED;
    }
    let name = DNS_HLEN;
    let ttl = TTL_CAP;
    let links = 0;
    for (;;) {
      let next = -1;
      p = first;
      for (let i = 0; i < count; i++) {
        const owner = p;
        const rr = dnsSkipName(f, p, end);
        const rdlen = get16(f, rr + DNS_RR_RDLEN);
        const rdata = rr + DNS_RR_RDATA;
        p = rdata + rdlen;
        if (get16(f, rr + DNS_RR_CLASS) !== CLASS_IN || !dnsNamesEqual(f, owner, name, end)) continue;
        const type = get16(f, rr + DNS_RR_TYPE);
        const rttl = rrTtl(f, rr);
        if (type === TYPE_A) {
          if (rdlen !== 4) return ANSWER_MALFORMED;
          this.aAddr = get32(f, rdata);
          this.aTtl = rttl < ttl ? rttl : ttl;
          return ANSWER_ADDR;
        }
        if (type === TYPE_CNAME && next < 0) {
          const e = dnsSkipName(f, rdata, end);
          if (e < 0 || e > rdata + rdlen) return ANSWER_MALFORMED;
          next = rdata;
          if (rttl < ttl) ttl = rttl;
        }
      }
      if (next < 0) return links === 0 ? ANSWER_NODATA : ANSWER_CNAME;
      links++;
      q.chain++;
      if (q.chain > CHAIN_MAX || links > count) return ANSWER_LOOP;
      name = next;
      this.aTarget = next;
    }
  }
}

function has(list: number[], v: number): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
  return false;
}

const ANSWER_ADDR = 0;
const ANSWER_NODATA = 1;
const ANSWER_CNAME = 2;
const ANSWER_LOOP = 3;
const ANSWER_MALFORMED = 4;

/** A record's TTL in seconds; over 2^31 counts as 0 (RFC 2181 8). */
function rrTtl(f: Bytes, rr: number): number {
  const t = get32(f, rr + DNS_RR_TTL);
  return t >= 0x80000000 ? 0 : t;
}

/**
 * The lookup key for a name: lower case, one trailing dot dropped; undefined
 * when it is not a host name (RFC 1123 2.1: letters, digits, hyphens, labels
 * of 1..63 not starting or ending with a hyphen; '_' allowed, as resolvers do).
 */
export function hostKey(name: string): string | undefined {
  let n = name.length;
  if (n > 0 && name.charCodeAt(n - 1) === 46) n--;
  if (n === 0 || n > NAME_MAX - 2) return undefined;
  let s = "";
  let label = 0;
  for (let i = 0; i < n; i++) {
    let c = name.charCodeAt(i);
    if (c === 46) {
      if (label === 0 || name.charCodeAt(i - 1) === 45) return undefined;
      label = 0;
      s += ".";
      continue;
    }
    if (c >= 65 && c <= 90) c += 32;
    const ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c === 45 && label > 0);
    if (!ok || ++label > 63) return undefined;
    s += name.charAt(i).toLowerCase();
  }
  if (name.charCodeAt(n - 1) === 45) return undefined;
  return s;
}
