// The hardware abstraction layer: everything the portable core may touch.
//
// Bytes and u32 arithmetic are static modules chosen at build time through the
// `@hal/bytes` and `@hal/u32` aliases (a program runs on one runtime); the
// rest are objects handed to the core, so tests can swap in the sim binding.
// I/O objects follow ECMA-419's shape: created from an options object that
// carries the callbacks (onReadable, onWritable, onError), then read()/write().

declare const bytesBrand: unique symbol;
/** An opaque byte buffer: Uint8Array on JS runtimes, packed words on Lua. */
export interface Bytes {
  readonly [bytesBrand]: true;
}

export interface BytesApi {
  alloc(n: number): Bytes;
  len(b: Bytes): number;
  get8(b: Bytes, i: number): number;
  set8(b: Bytes, i: number, v: number): void;
  get16(b: Bytes, i: number): number;
  set16(b: Bytes, i: number, v: number): void;
  get32(b: Bytes, i: number): number;
  set32(b: Bytes, i: number, v: number): void;
  /** memmove semantics: overlapping ranges of one buffer are copied correctly. */
  copy(dst: Bytes, dstOff: number, src: Bytes, srcOff: number, n: number): void;
  /** A new buffer holding a copy of the range. */
  slice(b: Bytes, off: number, n: number): Bytes;
  /** A window onto the same storage: writes through it are seen by `b`. */
  view(b: Bytes, off: number, n: number): Bytes;
  fill(b: Bytes, v: number, off: number, n: number): void;
  /** <0, 0, >0 like memcmp over n bytes. */
  compare(a: Bytes, aOff: number, b: Bytes, bOff: number, n: number): number;
  /**
   * acc plus the big-endian 16-bit words of b[off, off+n), an odd last byte
   * padded with zero: the Internet checksum's inner loop, per runtime
   * because it runs over every packet. Unfolded: below 2^53 for any frame.
   */
  sum16(b: Bytes, off: number, n: number, acc: number): number;
}

/** Unsigned 32-bit arithmetic; every result is in [0, 2^32). */
export interface U32Api {
  norm(a: number): number;
  band(a: number, b: number): number;
  bor(a: number, b: number): number;
  bxor(a: number, b: number): number;
  bnot(a: number): number;
  shl(a: number, n: number): number;
  shr(a: number, n: number): number;
  add(a: number, b: number): number;
  sub(a: number, b: number): number;
  mul(a: number, b: number): number;
}

export type TimerCallback = () => void;
export type TimerId = number;

/** Milliseconds since an arbitrary origin, monotonic, never wrapping. */
export interface Clock {
  now(): number;
  /** Calls `cb` once after `ms`; timers of equal deadline fire in set order. */
  set(cb: TimerCallback, ms: number): TimerId;
  clear(id: TimerId): void;
}

export interface Random {
  /** A uniformly distributed value in [0, 2^32). */
  u32(): number;
}

export const LOG_DEBUG = 0;
export const LOG_INFO = 1;
export const LOG_WARN = 2;
export const LOG_ERROR = 3;

export interface Log {
  write(level: number, msg: string): void;
}

/** A small key-value store that survives a reboot (flash files on a board). */
export interface Storage {
  read(key: string): Bytes | undefined;
  /** false when the medium refused (full, read-only). */
  write(key: string, value: Bytes): boolean;
  remove(key: string): void;
}

export interface SerialOptions {
  port: string;
  baud: number;
  /** Called when bytes are waiting; `count` is how many. */
  onReadable(count: number): void;
  onError?(msg: string): void;
}

export interface Serial {
  /** Everything waiting, or undefined when nothing is. */
  read(): Bytes | undefined;
  write(data: Bytes): void;
  close(): void;
}

/**
 * One SPI device on a bus, its chip select handled by the binding: each
 * transfer is one select…deselect window (what WIZnet calls a frame). Chips
 * like the W5500 and ENC28J60 take a command, then either more bytes or
 * answer with some: the shape NodeMCU's half-duplex send/recv also has.
 */
export interface Spi {
  /** Clocks out b[off, off+nOut), then clocks in nIn bytes into b[off+nOut, off+nOut+nIn). */
  transfer(b: Bytes, off: number, nOut: number, nIn: number): void;
}

/** One network a Wi-Fi scan found. */
export interface WifiNetwork {
  ssid: string;
  /** 6 bytes. */
  bssid: Bytes;
  channel: number;
  /** dBm. */
  rssi: number;
  secure: boolean;
}

/**
 * A Wi-Fi station: a MAC whose carrier is the radio and which stays dormant
 * (IF_OPER_DORMANT, no RUNNING) until associated. It re-associates by itself
 * after a loss, to the strongest access point of its network (roaming).
 */
export interface WifiMac extends Mac {
  /** Dormant now (not associated)? */
  dormant(): boolean;
  scan(done: (networks: WifiNetwork[]) => void): void;
  /** Associates with `ssid`; onDormantChange(false) when done, onError when the passphrase is refused. */
  connect(ssid: string, passphrase: string): void;
  /** Leaves the network and stays off it. */
  disconnect(): void;
  /** Signal of the access point in use (dBm), or 0 when not associated. */
  rssi(): number;
  /** The access point in use (6 bytes), or undefined. */
  bssid(): Bytes | undefined;
}

/** A pin: an Espruino name ("B10"), an ESP32 GPIO number, a NodeMCU index. */
export type PinName = string | number;

/** The few GPIO operations chip drivers need: a reset line to drive, an interrupt line to watch. */
export interface Gpio {
  /** Makes `pin` an output at that level. */
  write(pin: PinName, high: boolean): void;
  /** Calls `cb` on every falling edge of `pin` (an input); the id is for unwatch(). */
  watchFalling(pin: PinName, cb: () => void): number;
  unwatch(id: number): void;
}

/** A chip's optional control lines; -1 where one is not wired. */
export interface ChipPins {
  reset: PinName;
  int: PinName;
}

/** Opens and starts an SPI Ethernet chip's driver; start-up failures arrive through `o.onError`. */
export type SpiMacFactory = (
  spi: Spi,
  clock: Clock,
  hwaddr: Bytes,
  mtu: number,
  o: MacOptions,
  gpio: Gpio | undefined,
  pins: ChipPins,
) => Mac;

/** Counters every MAC driver keeps, in Linux rtnl_link_stats64 terms. */
export interface MacCounters {
  rxPackets: number;
  rxBytes: number;
  rxErrors: number;
  rxDropped: number;
  txPackets: number;
  txBytes: number;
  txErrors: number;
  txDropped: number;
}

export interface MacOptions {
  /** Frames are waiting; `count` is how many read() will return before undefined. */
  onReadable(count: number): void;
  /** Carrier gained or lost. */
  onLinkChange(up: boolean): void;
  /** Wi-Fi: association lost (dormant) or gained; the interface passes no traffic while dormant. */
  onDormantChange?(dormant: boolean): void;
  onError?(msg: string): void;
}

/** An Ethernet MAC: whole frames (no FCS) in and out, plus link state. */
export interface Mac {
  /** 6 bytes. */
  readonly hwaddr: Bytes;
  readonly minMtu: number;
  readonly maxMtu: number;
  readonly counters: MacCounters;
  mtu(): number;
  /** false when `mtu` is outside [minMtu, maxMtu]. */
  setMtu(mtu: number): boolean;
  /** `hwaddr`'s bytes were changed: reprogram the chip's own-address filter (absent where the stack filters). */
  hwaddrChanged?(): void;
  /** Let multicast frames in (a group was joined) or not (the last left); absent where the stack filters. */
  setMulticast?(on: boolean): void;
  carrier(): boolean;
  /** Wi-Fi MACs: not associated (no traffic yet); absent on wired MACs. */
  dormant?(): boolean;
  /** The next received frame, or undefined. */
  read(): Bytes | undefined;
  /** Queues one frame; false (and counted as txDropped) when it cannot. */
  write(frame: Bytes): boolean;
  close(): void;
}

export function zeroCounters(): MacCounters {
  return { rxPackets: 0, rxBytes: 0, rxErrors: 0, rxDropped: 0, txPackets: 0, txBytes: 0, txErrors: 0, txDropped: 0 };
}

/** The services every firmware gets from its runtime binding. */
export interface Platform {
  readonly runtime: string;
  clock: Clock;
  random: Random;
  log: Log;
  storage: Storage;
  /** Wall-clock seconds since 1970 when known (host, a set RTC), else -1. */
  epochSeconds(): number;
  /** Sets the wall clock (SNTP): the RTC and Date where the runtime has them; epochSeconds() follows. */
  setEpochMs?(ms: number): void;
  /** Something unique to this unit (a chip serial, a factory MAC), "" when the runtime has none. */
  identity?(): string;
  /**
   * Memory in use after a collection, in the runtime's own terms: bytes (Lua's
   * collectgarbage("count"), Node's heap), or Espruino's variables with their
   * total; [used, total or -1, unit] where unit is "bytes" or "vars".
   */
  memory?(): (number | string)[];
}
