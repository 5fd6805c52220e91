// Simulated GPIO lines between a driver and a chip model: outputs the driver
// drives (a reset line, heard by whatever is connected to it) and inputs the
// outside drives (an interrupt line, whose falling edges reach watchers).
// Portable code (no Map), like the rest of the sim binding.
import type { Gpio, PinName } from "../types";

export class SimGpio implements Gpio {
  private listeners: { pin: PinName; fn: (high: boolean) => void }[] = [];
  private watches: { id: number; pin: PinName; cb: () => void }[] = [];
  private levels: { pin: PinName; high: boolean }[] = [];
  private nextId = 1;

  /** The level a line was last set to (driver or outside); lines start high (pulled up). */
  level(pin: PinName): boolean {
    for (let i = 0; i < this.levels.length; i++) if (this.levels[i].pin === pin) return this.levels[i].high;
    return true;
  }

  /** Something on the other end of an output line (a chip's reset input). */
  connect(pin: PinName, fn: (high: boolean) => void): void {
    this.listeners.push({ pin, fn });
  }

  /** The outside drives an input line (a chip's interrupt output); a falling edge reaches the watchers. */
  drive(pin: PinName, high: boolean): void {
    const was = this.level(pin);
    this.set(pin, high);
    if (was && !high)
      for (let i = 0; i < this.watches.length; i++) if (this.watches[i].pin === pin) this.watches[i].cb();
  }

  write(pin: PinName, high: boolean): void {
    this.set(pin, high);
    for (let i = 0; i < this.listeners.length; i++) if (this.listeners[i].pin === pin) this.listeners[i].fn(high);
  }

  watchFalling(pin: PinName, cb: () => void): number {
    const id = this.nextId++;
    this.watches.push({ id, pin, cb });
    return id;
  }

  unwatch(id: number): void {
    for (let i = 0; i < this.watches.length; i++) if (this.watches[i].id === id) this.watches.splice(i, 1);
  }

  private set(pin: PinName, high: boolean): void {
    for (let i = 0; i < this.levels.length; i++) {
      if (this.levels[i].pin === pin) {
        this.levels[i].high = high;
        return;
      }
    }
    this.levels.push({ pin, high });
  }
}
