// SPI transcripts of the chip drivers: scenarios run on Node against the
// chip models, every transfer recorded (what the driver sent, how many bytes
// it read, what the chip answered) with what the driver reported. The
// conformance program replays them on every runtime with the chip replaced
// by the recording, so the driver must send the same bytes and report the
// same frames on Espruino, Lua 5.1 and Lua 5.3 as on Node.
import { createHash } from "node:crypto";
import { Enc28j60Mac } from "../../hal/drivers/enc28j60";
import { W5500Mac } from "../../hal/drivers/w5500";
import { SimClock } from "../../hal/sim/clock";
import type { Bytes, Mac, Spi } from "../../hal/types";
import { Enc28j60Model } from "./enc28j60-model";
import { W5500Model } from "./w5500-model";

/**
 * A step: ["start"], ["advance", ms], ["drain"], ["write", hex]; and, acted
 * on by the chip model only (the replay sees their effect in the SPI
 * answers): ["wire", hex], ["link", 0|1], ["hold", 0|1], ["complete"].
 */
export type Step = (string | number)[];

export interface DriverVector {
  name: string;
  driver: "w5500" | "enc28j60";
  hwaddr: string;
  steps: Step[];
  /** [bytes sent (hex, or "#" + SHA-256 when longer than LONG), bytes read, bytes the chip answered (hex)] per transfer. */
  spi: [string, number, string][];
  /** Per "drain" step, the frames read ("#" + SHA-256, or hex when short). */
  drains: string[][];
  /** Per "write" step, what write() returned. */
  writes: boolean[];
  /** Link changes reported, 1 up, 0 down. */
  links: number[];
  /** rxPackets, rxBytes, rxErrors, rxDropped, txPackets, txBytes, txErrors, txDropped at the end. */
  counters: number[];
}

const HW = "020000002860";
const hex = (u: Uint8Array): string => Buffer.from(u).toString("hex");
/** Long byte strings the replay only compares are kept as "#" + their SHA-256. */
export const LONG = 64;
const digest = (u: Uint8Array): string =>
  u.length > LONG ? "#" + createHash("sha256").update(u).digest("hex") : hex(u);

function frame(n: number, to: string, seq: number): string {
  const f = Buffer.alloc(n);
  Buffer.from(to, "hex").copy(f, 0);
  Buffer.from("020000000009", "hex").copy(f, 6);
  f[12] = 0x08;
  for (let i = 14; i < n; i++) f[i] = (i * 13 + seq) & 0xff;
  return f.toString("hex");
}

/** The scenarios: bring-up, frames around the ring's end, a full ring, sends with a busy transmitter, link loss. */
export function scenarios(): { name: string; driver: "w5500" | "enc28j60"; steps: Step[] }[] {
  const bc = "ffffffffffff";
  const base: Step[] = [["start"], ["advance", 10]];
  const ring: Step[] = [];
  // Enough traffic to go round either chip's receive ring at least once.
  for (let i = 0; i < 14; i++) ring.push(["wire", frame(60 + ((i * 701) % 1455), i % 3 === 0 ? bc : HW, i)], ["drain"]);
  const burst: Step[] = [];
  for (let i = 0; i < 5; i++) burst.push(["wire", frame(1514, HW, 100 + i)]);
  burst.push(["advance", 10], ["drain"], ["advance", 10], ["drain"]);
  const tx: Step[] = [
    ["hold", 1],
    ["write", frame(300, bc, 1)],
    ["write", frame(60, bc, 2)],
    ["write", frame(1514, bc, 3)],
    ["complete"],
    ["advance", 10],
    ["complete"],
    ["advance", 10],
    ["complete"],
    ["hold", 0],
    ["write", frame(42, bc, 4)],
    ["advance", 10],
  ];
  const link: Step[] = [
    ["link", 0],
    ["advance", 200],
    ["write", frame(60, bc, 5)],
    ["link", 1],
    ["advance", 200],
    ["write", frame(60, bc, 6)],
    ["advance", 10],
  ];
  return (["w5500", "enc28j60"] as const).map((driver) => ({
    name: driver + " bring-up, ring wrap, full ring, transmit, link",
    driver,
    steps: [...base, ...ring, ...burst, ...tx, ...link],
  }));
}

/** Runs one scenario against the chip model and records the transcript. */
export function record(s: { name: string; driver: "w5500" | "enc28j60"; steps: Step[] }): DriverVector {
  const clock = new SimClock();
  const spiLog: [string, number, string][] = [];
  const v: DriverVector = {
    name: s.name,
    driver: s.driver,
    hwaddr: HW,
    steps: s.steps,
    spi: spiLog,
    drains: [],
    writes: [],
    links: [],
    counters: [],
  };
  const toWire = (): void => undefined;
  const w5500 = s.driver === "w5500" ? new W5500Model(toWire) : undefined;
  const enc = s.driver === "enc28j60" ? new Enc28j60Model(toWire, () => clock.now()) : undefined;
  const model = (w5500 ?? enc)!;
  const recorder: Spi = {
    transfer(b: Bytes, off: number, nOut: number, nIn: number): void {
      const u = b as unknown as Uint8Array;
      const out = digest(u.subarray(off, off + nOut));
      model.transfer(b, off, nOut, nIn);
      spiLog.push([out, nIn, hex(u.subarray(off + nOut, off + nOut + nIn))]);
    },
  };
  const hw = Uint8Array.from(Buffer.from(HW, "hex")) as unknown as Bytes;
  const o = { onReadable: () => undefined, onLinkChange: (up: boolean) => v.links.push(up ? 1 : 0) };
  const mac: Mac & { start(): unknown } =
    s.driver === "w5500"
      ? new W5500Mac({ ...o, spi: recorder, clock, hwaddr: hw })
      : new Enc28j60Mac({ ...o, spi: recorder, clock, hwaddr: hw });
  for (const st of s.steps) {
    const [op, arg] = st;
    if (op === "start") mac.start();
    else if (op === "advance") clock.advance(arg as number);
    else if (op === "drain") {
      const got: string[] = [];
      for (let f = mac.read(); f !== undefined; f = mac.read()) got.push(digest(f as unknown as Uint8Array));
      v.drains.push(got);
    } else if (op === "write")
      v.writes.push(mac.write(Uint8Array.from(Buffer.from(arg as string, "hex")) as unknown as Bytes));
    else if (op === "wire") model.fromWire(Uint8Array.from(Buffer.from(arg as string, "hex")));
    else if (op === "link") model.setLink(arg === 1);
    else if (op === "hold") model.holdSends = arg === 1;
    else if (op === "complete") model.completeSend();
    else throw new Error(`unknown step ${op}`);
  }
  const c = mac.counters;
  v.counters = [c.rxPackets, c.rxBytes, c.rxErrors, c.rxDropped, c.txPackets, c.txBytes, c.txErrors, c.txDropped];
  // The frames from the wire reach the replay through the SPI answers; the steps keep only their place.
  v.steps = s.steps.map((st) => (st[0] === "wire" ? ["wire"] : st));
  if (model.stats.errors.length > 0)
    throw new Error(`${s.name}: the driver misused the chip: ${model.stats.errors.join("; ")}`);
  return v;
}
