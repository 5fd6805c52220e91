// What the SPI chip drivers share: polling on the clock, the link as the PHY
// reports it, and one frame on its way out at a time with a short queue
// behind it (both chips take one frame per send command and say when it has
// gone). Portable, like the drivers.
import { len } from "@hal/bytes";
import { ETH_HEADER, MacBase } from "../mac-base";
import type { Bytes, ChipPins, Clock, Gpio, MacOptions, PinName, Spi, TimerId } from "../types";

/** What every SPI chip driver is opened with. */
export interface ChipMacOptions extends MacOptions {
  spi: Spi;
  clock: Clock;
  hwaddr: Bytes;
  mtu?: number;
  /** How often the chip is polled for link, received frames and send completion (ms). */
  pollMs?: number;
  /** Drives the chip's reset line, and watches its interrupt line where the driver uses it, when the board wires them. */
  gpio?: Gpio;
  pins?: ChipPins;
}

/** Wired pins, for drivers whose board names none. */
export const NO_PINS: ChipPins = { reset: -1, int: -1 };

export function wired(p: PinName): boolean {
  return p !== -1 && p !== "";
}

/** Frames waiting for the previous send to complete. */
const TX_PENDING = 4;

export abstract class ChipMac extends MacBase {
  protected link = false;
  protected sending = false;
  private readonly pending: Bytes[] = [];
  private timer: TimerId | undefined = undefined;
  private resetTimer: TimerId | undefined = undefined;
  private intWatch = -1;
  private readonly onPoll = (): void => {
    this.timer = undefined;
    this.poll();
    this.timer = this.clock.set(this.onPoll, this.pollMs);
  };
  private readonly onInterrupt = (): void => this.poll();

  readonly hwaddr: Bytes;
  protected readonly spi: Spi;
  protected readonly clock: Clock;
  protected readonly gpio: Gpio | undefined;
  protected readonly pins: ChipPins;
  private readonly pollMs: number;

  /** `pollMs` when the options name none. */
  constructor(c: ChipMacOptions, defaultPollMs: number) {
    super(c, 68, 1500, c.mtu === undefined ? 1500 : c.mtu, 0);
    this.hwaddr = c.hwaddr;
    this.spi = c.spi;
    this.clock = c.clock;
    this.gpio = c.gpio;
    this.pins = c.pins === undefined ? NO_PINS : c.pins;
    this.pollMs = c.pollMs === undefined ? defaultPollMs : c.pollMs;
  }

  /** A reset line is wired and can be driven. */
  protected canHardReset(): boolean {
    return this.gpio !== undefined && wired(this.pins.reset);
  }

  /** Holds the reset line low for `lowMs`, releases it, and calls `then` once the chip has had `settleMs`. */
  protected hardReset(lowMs: number, settleMs: number, then: () => void): void {
    const gpio = this.gpio as Gpio;
    gpio.write(this.pins.reset, false);
    this.resetTimer = this.clock.set(() => {
      gpio.write(this.pins.reset, true);
      this.resetTimer = this.clock.set(() => {
        this.resetTimer = undefined;
        then();
      }, settleMs);
    }, lowMs);
  }

  /** With the interrupt line wired, each falling edge polls at once (the timer stays as a safety net); false when not wired. */
  protected watchInterrupt(): boolean {
    if (this.gpio === undefined || !wired(this.pins.int)) return false;
    this.intWatch = this.gpio.watchFalling(this.pins.int, this.onInterrupt);
    return true;
  }

  /** Set up and ready for frames. */
  protected abstract usable(): boolean;
  /** Programs `hwaddr` into the chip's address filter. */
  protected abstract writeHwaddr(): void;
  /** Puts one frame in the chip and starts sending it; false (counted) when the chip has no room. */
  protected abstract transmit(frame: Bytes): boolean;
  /** Asks the chip whether the frame being sent has gone; calls txDone() when it has. */
  protected abstract checkSent(): void;
  /** One look at the chip: link, completions, received frames. */
  protected abstract poll(): void;

  carrier(): boolean {
    return this.link;
  }

  // A chip still coming up programs the new address when it gets there.
  hwaddrChanged(): void {
    if (this.usable()) this.writeHwaddr();
  }

  write(frame: Bytes): boolean {
    const n = len(frame);
    if (!this.usable() || !this.link || n < ETH_HEADER || n > this.mtu() + ETH_HEADER) {
      this.counters.txDropped++;
      return false;
    }
    if (this.sending) this.checkSent();
    if (this.sending) {
      if (this.pending.length >= TX_PENDING) {
        this.counters.txDropped++;
        return false;
      }
      this.pending.push(frame);
      return true;
    }
    return this.transmit(frame);
  }

  /** Polls now and then every pollMs until stopPolling(). */
  protected startPolling(): void {
    this.onPoll();
  }

  /** Stops the poll timer, a reset in progress and the interrupt watch. */
  protected stopPolling(): void {
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.timer = undefined;
    if (this.resetTimer !== undefined) this.clock.clear(this.resetTimer);
    this.resetTimer = undefined;
    if (this.intWatch >= 0 && this.gpio !== undefined) this.gpio.unwatch(this.intWatch);
    this.intWatch = -1;
  }

  /** The chip finished the frame being sent (with an error, counted); the next queued one goes. */
  protected txDone(failed: boolean): void {
    if (failed) this.counters.txErrors++;
    this.sending = false;
    while (!this.sending && this.pending.length > 0) {
      const f = this.pending[0];
      this.pending.splice(0, 1);
      if (this.link) this.transmit(f);
      else this.counters.txDropped++;
    }
  }

  /** The PHY's link as just read; queued frames die with a lost link. */
  protected linkIs(up: boolean): void {
    if (up === this.link) return;
    this.link = up;
    if (!up) this.dropPending();
    this.o.onLinkChange(up);
  }

  protected dropPending(): void {
    this.pending.splice(0, this.pending.length);
  }
}
