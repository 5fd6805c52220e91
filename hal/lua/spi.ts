// NodeMCU's SPI master: on ESP32 firmware spi.master()/bus:device() (full
// duplex, the chip select driven by the driver); on ESP8266 firmware the
// HSPI bus (id 1, pins fixed: D5 SCK, D6 MISO, D7 MOSI) with send()/recv()
// and the chip select on a GPIO.
/// <reference path="./lua-api.ts" />
import { set8 } from "@hal/bytes";
import { bytesToStr } from "./strings";
import type { Bytes, Gpio, PinName, Spi } from "../types";

const nm = _G as unknown as NodeMcuGlobals;
const ESP8266_HSPI = 1;
const ESP8266_CPU_HZ = 80000000;

/** 18 → 18; "D8" → 8 (NodeMCU's pin index); anything else → -1. */
export function pinNumber(p: string | number): number {
  if (typeof p === "number") return p;
  if (p.length >= 2 && p.length <= 3 && nm.string.sub(p, 1, 1) === "D") {
    let n = 0;
    for (let i = 2; i <= p.length; i++) {
      const c = nm.string.byte(p, i) - 48;
      if (c < 0 || c > 9) return -1;
      n = n * 10 + c;
    }
    return n;
  }
  return -1;
}

export class NodeMcuSpi implements Spi {
  private dev: NodeMcuSpiDevice | undefined = undefined;
  private cs = -1;

  /** Throws with the reason when the firmware lacks the modules or the pins make no sense. */
  constructor(
    bus: string,
    pins: { sck: string | number; miso: string | number; mosi: string | number; cs: string | number },
    baud: number,
  ) {
    const spi = nm.spi;
    if (spi === undefined) throw new Error("this NodeMCU firmware has no spi module");
    const cs = pinNumber(pins.cs);
    if (cs < 0) throw new Error("SPI chip select pin " + pins.cs + " is not a GPIO number or Dn");
    if (spi.master !== undefined) {
      const host = bus === "HSPI" ? spi.HSPI : spi.VSPI;
      if (host === undefined) throw new Error("no SPI host " + bus);
      const b = spi.master(host, { sclk: pinNumber(pins.sck), mosi: pinNumber(pins.mosi), miso: pinNumber(pins.miso) });
      this.dev = b.device({ cs: cs, mode: 0, freq: baud });
      return;
    }
    const gpio = nm.gpio;
    if (gpio === undefined) throw new Error("this NodeMCU firmware has no gpio module");
    const div = Math.ceil(ESP8266_CPU_HZ / baud);
    spi.setup(ESP8266_HSPI, spi.MASTER, spi.CPOL_LOW, spi.CPHA_LOW, 8, div < 2 ? 2 : div);
    gpio.mode(cs, gpio.OUTPUT);
    gpio.write(cs, gpio.HIGH);
    this.cs = cs;
  }

  transfer(b: Bytes, off: number, nOut: number, nIn: number): void {
    const out = bytesToStr(b, off, nOut);
    let back: string;
    let at: number;
    if (this.dev !== undefined) {
      back = this.dev.transfer(nIn > 0 ? out + nm.string.rep("\0", nIn) : out);
      at = nOut + 1;
    } else {
      const gpio = nm.gpio as NodeMcuGpio;
      const spi = nm.spi as NodeMcuSpi8266;
      gpio.write(this.cs, gpio.LOW);
      spi.send(ESP8266_HSPI, out);
      back = nIn > 0 ? spi.recv(ESP8266_HSPI, nIn) : "";
      gpio.write(this.cs, gpio.HIGH);
      at = 1;
    }
    for (let i = 0; i < nIn; i++) set8(b, off + nOut + i, nm.string.byte(back, at + i));
  }
}

/** NodeMCU's gpio module: write for the reset line, trig (one callback per pin) for the interrupt line. */
export class NodeMcuChipGpio implements Gpio {
  write(pin: PinName, high: boolean): void {
    const gpio = nm.gpio;
    const n = pinNumber(pin);
    if (gpio === undefined || n < 0) return;
    gpio.mode(n, gpio.OUTPUT);
    gpio.write(n, high ? gpio.HIGH : gpio.LOW);
  }
  watchFalling(pin: PinName, cb: () => void): number {
    const gpio = nm.gpio;
    const n = pinNumber(pin);
    if (gpio === undefined || n < 0) return -1;
    gpio.mode(n, gpio.INT);
    gpio.trig(n, "down", () => cb());
    return n;
  }
  unwatch(id: number): void {
    const gpio = nm.gpio;
    if (gpio !== undefined && id >= 0) gpio.trig(id, "none");
  }
}
