// Espruino's hardware SPI buses (SPI1..SPI3 on STM32; SPI1/SPI2 on ESP32,
// routed to any pins) with the chip select driven by send()'s nss argument.
import type { Bytes, Gpio, PinName, Spi } from "../types";

declare interface EspruinoSpiBus {
  setup(o: { sck: unknown; miso: unknown; mosi: unknown; baud: number; mode: number }): void;
  send(data: Uint8Array, nss: unknown): Uint8Array;
}

declare const SPI1: EspruinoSpiBus | undefined;
declare const SPI2: EspruinoSpiBus | undefined;
declare const SPI3: EspruinoSpiBus | undefined;
/** Pin("B13") or Pin(18): undefined when the board has no such pin. */
declare const Pin: (v: string | number) => unknown;

function busByName(name: string): EspruinoSpiBus | undefined {
  // typeof: a build without the bus has no such global at all.
  if (name === "SPI1" && typeof SPI1 !== "undefined") return SPI1;
  if (name === "SPI2" && typeof SPI2 !== "undefined") return SPI2;
  if (name === "SPI3" && typeof SPI3 !== "undefined") return SPI3;
  return undefined;
}

export class EspruinoSpi implements Spi {
  private readonly bus: EspruinoSpiBus;
  private readonly cs: unknown;

  /** Throws with the reason when the bus or a pin does not exist on this board. */
  constructor(
    busName: string,
    pins: { sck: string | number; miso: string | number; mosi: string | number; cs: string | number },
    baud: number,
  ) {
    const bus = busByName(busName);
    if (bus === undefined) throw new Error("no SPI bus " + busName + " on this board");
    const sck = Pin(pins.sck);
    const miso = Pin(pins.miso);
    const mosi = Pin(pins.mosi);
    const cs = Pin(pins.cs);
    if (sck === undefined || miso === undefined || mosi === undefined || cs === undefined)
      throw new Error(
        "SPI pins " + pins.sck + "/" + pins.miso + "/" + pins.mosi + "/" + pins.cs + " do not all exist here",
      );
    bus.setup({ sck: sck, miso: miso, mosi: mosi, baud: baud, mode: 0 });
    this.bus = bus;
    this.cs = cs;
  }

  transfer(b: Bytes, off: number, nOut: number, nIn: number): void {
    const u = b as unknown as Uint8Array;
    const w = u.subarray(off, off + nOut + nIn);
    // What goes out while the chip answers does not matter to it; zeros are the convention.
    if (nIn > 0) w.fill(0, nOut);
    const r = this.bus.send(w, this.cs);
    if (nIn > 0) u.set(r.subarray(nOut), off + nOut);
  }
}

declare const digitalWrite: (pin: unknown, value: number) => void;
declare const setWatch: (
  cb: () => void,
  pin: unknown,
  o: { edge: string; repeat: boolean; debounce: number },
) => number;
declare const clearWatch: (id: number) => void;

/** Espruino's pins: digitalWrite for the reset line, setWatch for the interrupt line. */
export class EspruinoGpio implements Gpio {
  write(pin: PinName, high: boolean): void {
    digitalWrite(Pin(pin), high ? 1 : 0);
  }
  watchFalling(pin: PinName, cb: () => void): number {
    // debounce 0: an interrupt line is driven, not a button.
    return setWatch(cb, Pin(pin), { edge: "falling", repeat: true, debounce: 0 });
  }
  unwatch(id: number): void {
    clearWatch(id);
  }
}
