// An SNTP client (RFC 4330, RFC 5905 client mode): asks one server at a
// time for the time, round the servers the leases name (option 42) or the
// board's, and sets the wall clock from the answer: the server's transmit
// time plus half the round trip less the server's own hold time. The request
// carries a random nonce as its transmit timestamp; a reply must echo it as
// its origin, come from the server asked, and be a synchronized server's
// (mode 4, stratum 1..15, no alarm, a root distance under 16 s). Kiss-o'-death:
// DENY and RSTR drop the server, RATE halves how often it is asked.
import { get8, get32, set8, set32 } from "@hal/bytes";
import type { TimerId } from "../../hal/types";
import type { NetStack } from "../net/stack";
import { UDP_PAYLOAD, type UdpDatagram } from "../net/udp";
import {
  KOD_DENY,
  KOD_RATE,
  KOD_RSTR,
  NTP_LEN,
  NTP_LI_ALARM,
  NTP_LVM,
  NTP_MODE_CLIENT,
  NTP_MODE_SERVER,
  NTP_ORIGIN_TS,
  NTP_PORT,
  NTP_RECEIVE_TS,
  NTP_REFID,
  NTP_ROOT_DELAY,
  NTP_ROOT_DISP,
  NTP_STRATUM,
  NTP_STRATUM_KOD,
  NTP_STRATUM_MAX,
  NTP_TRANSMIT_TS,
  NTP_TS_FRAC,
  NTP_TS_SEC,
  NTP_UNIX_OFFSET,
  NTP_VERSION,
} from "../wire/ntp";
import { bindEphemeral } from "../net/ephemeral";

export interface SntpConfig {
  /** Seconds between polls once synchronized (RFC 4330 asks for no less than 15; 2^10 is ntpd's usual). */
  pollSecs: number;
  /** How long to wait for one server's answer (ms). */
  timeout: number;
  /** The first wait after a round of servers without an answer (s); it doubles up to pollSecs. */
  retrySecs: number;
}

export function defaultSntpConfig(): SntpConfig {
  return { pollSecs: 1024, timeout: 3000, retrySecs: 16 };
}

export interface SntpStats {
  sent: number;
  replies: number;
  /** Replies refused: not ours, malformed, unsynchronized, too far. */
  dropped: number;
  kisses: number;
}

/** The longest poll a RATE kiss can push us to (RFC 5905's MAXPOLL, 2^17 s: 36 h). */
const POLL_MAX = 131072;
/** A root distance (delay / 2 + dispersion) beyond this is not believed (RFC 5905 MAXDISP, 16 s). */
const MAX_ROOT_DIST = 16 * 65536;
const TWO32 = 4294967296;
/** The second sample's delay after the first. */
const BURST_MS = 2000;

export class SntpClient {
  readonly stats: SntpStats = { sent: 0, replies: 0, dropped: 0, kisses: 0 };
  /** Wall-clock milliseconds at clock time 0, once synchronized; check synced(). */
  private wallBase = 0;
  private isSynced = false;
  /** The server the time came from, and when (clock ms). */
  server = 0;
  syncedAt = -1;
  private running = false;
  private samples = 0;
  private port = 0;
  private timer: TimerId = 0;
  private nonceHi = 0;
  private nonceLo = 0;
  private sentAt = 0;
  private asked = 0;
  /** Index into the server list of this round, and how many were tried. */
  private next = 0;
  private tried = 0;
  private retry: number;
  private poll: number;
  /** Servers that said DENY or RSTR: not asked again. */
  private readonly banned: number[] = [];
  private readonly rx: (this: void, d: UdpDatagram) => void;
  private readonly tick: (this: void) => void;

  constructor(
    private readonly stack: NetStack,
    private readonly servers: () => number[],
    /** Sets the runtime's wall clock (the RTC, Date) to this many ms since 1970. */
    private readonly setWall: (unixMs: number) => void,
    private readonly cfg: SntpConfig,
    /** After each successful poll: the time (ms since 1970) and the server. */
    private readonly onSync: ((unixMs: number, server: number) => void) | undefined,
  ) {
    this.retry = cfg.retrySecs;
    this.poll = cfg.pollSecs;
    this.rx = (d) => this.input(d);
    this.tick = () => this.step();
  }

  /** Starts polling now (again, if running: a new lease brings new servers). */
  start(): void {
    this.running = true;
    this.tried = 0;
    this.retry = this.cfg.retrySecs;
    this.stack.clock.clear(this.timer);
    this.step();
  }

  stop(): void {
    this.running = false;
    this.stack.clock.clear(this.timer);
    this.release();
  }

  synced(): boolean {
    return this.isSynced;
  }

  /** Milliseconds since 1970 now, or -1 before the first answer. */
  now(): number {
    return this.isSynced ? this.wallBase + this.stack.clock.now() : -1;
  }

  private release(): void {
    if (this.port !== 0) this.stack.udp.unbind(this.port, undefined);
    this.port = 0;
    this.asked = 0;
  }

  private usable(): number[] {
    const all = this.servers();
    const out: number[] = [];
    for (let i = 0; i < all.length; i++) {
      let ok = true;
      for (let k = 0; k < this.banned.length; k++) if (this.banned[k] === all[i]) ok = false;
      if (ok) out.push(all[i]);
    }
    return out;
  }

  /** Asks the next server, or, when this round has asked them all, waits and starts another. */
  private step(): void {
    if (!this.running) return;
    this.release();
    const list = this.usable();
    if (list.length === 0 || this.tried >= list.length) {
      // Nobody answered this round (or there is nobody to ask): back off, doubling up to the poll interval.
      this.tried = 0;
      this.arm(this.retry * 1000);
      this.retry = this.retry * 2 < this.poll ? this.retry * 2 : this.poll;
      return;
    }
    if (this.next >= list.length) this.next = 0;
    const server = list[this.next];
    this.next++;
    this.tried++;
    const port = bindEphemeral(this.stack, this.rx);
    this.arm(this.cfg.timeout);
    if (port < 0) return;
    this.port = port;
    this.asked = server;
    const udp = this.stack.udp;
    const f = udp.alloc(NTP_LEN);
    const p = UDP_PAYLOAD;
    for (let i = 0; i < NTP_LEN; i += 4) set32(f, p + i, 0);
    set8(f, p + NTP_LVM, NTP_VERSION * 8 + NTP_MODE_CLIENT);
    // A random transmit timestamp: the reply must echo it (RFC 5905 8's origin check), and it tells nothing of our clock.
    this.nonceHi = this.stack.random.u32();
    this.nonceLo = this.stack.random.u32();
    set32(f, p + NTP_TRANSMIT_TS + NTP_TS_SEC, this.nonceHi);
    set32(f, p + NTP_TRANSMIT_TS + NTP_TS_FRAC, this.nonceLo);
    this.sentAt = this.stack.clock.now();
    this.stats.sent++;
    udp.send(f, NTP_LEN, -1, port, server, NTP_PORT, undefined);
  }

  private arm(ms: number): void {
    this.stack.clock.clear(this.timer);
    this.timer = this.stack.clock.set(this.tick, ms);
  }

  private input(d: UdpDatagram): void {
    const f = d.f;
    const m = d.off;
    if (d.src !== this.asked || d.srcPort !== NTP_PORT || d.n < NTP_LEN) return this.drop();
    if (get32(f, m + NTP_ORIGIN_TS) !== this.nonceHi || get32(f, m + NTP_ORIGIN_TS + NTP_TS_FRAC) !== this.nonceLo)
      return this.drop();
    const lvm = get8(f, m + NTP_LVM);
    const version = Math.floor(lvm / 8) % 8;
    if (lvm % 8 !== NTP_MODE_SERVER || version < 3 || version > 4) return this.drop();
    const stratum = get8(f, m + NTP_STRATUM);
    this.stats.replies++;
    if (stratum === NTP_STRATUM_KOD) return this.kiss(get32(f, m + NTP_REFID));
    const delay = get32(f, m + NTP_ROOT_DELAY);
    const disp = get32(f, m + NTP_ROOT_DISP);
    if (
      Math.floor(lvm / 64) === NTP_LI_ALARM ||
      stratum > NTP_STRATUM_MAX ||
      delay >= 0x80000000 ||
      delay / 2 + disp > MAX_ROOT_DIST ||
      get32(f, m + NTP_TRANSMIT_TS) === 0 ||
      get32(f, m + NTP_RECEIVE_TS) === 0
    ) {
      this.stats.replies--;
      return this.drop();
    }
    const t4 = this.stack.clock.now();
    const t2 = unixMs(get32(f, m + NTP_RECEIVE_TS), get32(f, m + NTP_RECEIVE_TS + NTP_TS_FRAC));
    const t3 = unixMs(get32(f, m + NTP_TRANSMIT_TS), get32(f, m + NTP_TRANSMIT_TS + NTP_TS_FRAC));
    // The round trip less the time the server held the request; a negative one is clock granularity.
    let rtt = t4 - this.sentAt - (t3 - t2);
    if (rtt < 0) rtt = 0;
    const wall = t3 + rtt / 2;
    this.wallBase = wall - t4;
    this.isSynced = true;
    this.server = this.asked;
    this.syncedAt = t4;
    this.tried = 0;
    this.retry = this.cfg.retrySecs;
    this.release();
    // The first answer may carry an ARP wait in its round trip: a second sample soon after corrects it (as iburst).
    this.arm(this.samples++ === 0 ? BURST_MS : this.poll * 1000);
    this.setWall(wall);
    if (this.onSync !== undefined) this.onSync(wall, this.server);
  }

  private drop(): void {
    this.stats.dropped++;
  }

  /** A kiss-o'-death (RFC 5905 7.4): RATE slows us down, DENY and RSTR end this server for us. */
  private kiss(code: number): void {
    this.stats.kisses++;
    const server = this.asked;
    this.release();
    if (code === KOD_RATE) {
      this.poll = this.poll * 2 < POLL_MAX ? this.poll * 2 : POLL_MAX;
      this.tried = 0;
      this.arm(this.poll * 1000);
      return;
    }
    if (code === KOD_DENY || code === KOD_RSTR) {
      // Out of the list: the ones after it move up, and it does not count as tried.
      this.banned.push(server);
      this.next--;
      this.tried--;
    }
    // Any other kiss: this server has nothing for us now; the next one at once.
    this.step();
  }
}

/** An NTP timestamp as milliseconds since 1970; a seconds field below 2^31 is taken to be after 2036 (era 1). */
export function unixMs(sec: number, frac: number): number {
  const s = sec < 0x80000000 ? sec + TWO32 : sec;
  return (s - NTP_UNIX_OFFSET) * 1000 + Math.floor((frac / TWO32) * 1000);
}
