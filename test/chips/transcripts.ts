// SPI transcripts of the chip drivers: scenarios run on Node against the
// chip models, every transfer recorded (what the driver sent, how many bytes
// it read, what the chip answered) with what the driver reported. The
// conformance program replays them on every runtime with the chip replaced
// by the recording, so the driver must send the same bytes and report the
// same frames on Espruino, Lua 5.1 and Lua 5.3 as on Node.
import { createHash } from "node:crypto";
import { Enc28j60Mac } from "../../hal/drivers/enc28j60";
import { W5500Mac } from "../../hal/drivers/w5500";
import { W5500Tcp } from "../../hal/drivers/w5500-tcp";
import { SimClock } from "../../hal/sim/clock";
import { SimSegment } from "../../hal/sim/link";
import { MemoryLog } from "../../hal/sim/log";
import { SimRandom } from "../../hal/sim/random";
import type { Bytes, Mac, Spi } from "../../hal/types";
import { addrRequest } from "../../src/net/inaddr";
import { defaultLltableParams } from "../../src/net/lltable";
import { defaultStackConfig, NetStack } from "../../src/net/stack";
import { defaultTcpParams, Tcp, type TcpConn } from "../../src/net/tcp";
import { Enc28j60Model } from "./enc28j60-model";
import { W5500Model } from "./w5500-model";
import { TCP_PEER, TCP_UNIT, TcpSteps } from "../conformance/tcp-steps";

/**
 * A step: ["start"], ["advance", ms], ["drain"], ["write", hex]; and, acted
 * on by the chip model only (the replay sees their effect in the SPI
 * answers): ["wire", hex], ["link", 0|1], ["hold", 0|1], ["complete"].
 * The W5500's TCP sockets (with tcpSockets): ["address", ip, mask, gw],
 * ["connect", ip, port], ["listen", port], ["send", k, hex], ["recv", k],
 * ["close", k] on the driver (k: the k-th socket it gave, by connect or
 * accept); and the peer's, acted on by the recording only: ["peer-listen",
 * port], ["peer-connect", port], ["peer-send", hex], ["peer-close"].
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
  /** The W5500's TCP sockets set aside (0: MACRAW alone). */
  tcpSockets: number;
  /** What the TCP sockets did and told, in order (calls' results and callbacks). */
  tcp: string[];
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
export function scenarios(): { name: string; driver: "w5500" | "enc28j60"; tcpSockets: number; steps: Step[] }[] {
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
  const plain = (["w5500", "enc28j60"] as const).map((driver) => ({
    name: driver + " bring-up, ring wrap, full ring, transmit, link",
    driver,
    tcpSockets: 0,
    steps: [...base, ...ring, ...burst, ...tx, ...link],
  }));
  const big = "ab".repeat(3000);
  const tcp: Step[] = [
    ["start"],
    ["advance", 10],
    ["address", TCP_UNIT, 0xffffff00, 0],
    ["peer-listen", 80],
    ["connect", TCP_PEER, 80],
    ["advance", 50],
    ["send", 0, Buffer.from("GET / HTTP/1.0\r\n\r\n").toString("hex")],
    ["advance", 50],
    ["peer-send", Buffer.from("HTTP/1.0 200 OK\r\n\r\nhello").toString("hex")],
    ["peer-close"],
    ["advance", 50],
    ["recv", 0],
    ["advance", 20],
    ["close", 0],
    ["advance", 100],
    ["listen", 8080],
    ["advance", 20],
    ["peer-connect", 8080],
    ["advance", 50],
    ["send", 1, big],
    ["advance", 20],
    ["send", 1, big],
    ["advance", 200],
    ["peer-send", "0102030405"],
    ["advance", 50],
    ["recv", 1],
    ["peer-close"],
    ["advance", 50],
    ["close", 1],
    ["advance", 100],
    ["connect", TCP_PEER, 9],
    ["advance", 100],
  ];
  return [
    ...plain,
    {
      name: "w5500 TCP sockets beside MACRAW: connect, listen, send, receive, close, refused",
      driver: "w5500" as const,
      tcpSockets: 2,
      steps: tcp,
    },
  ];
}

/** Runs one scenario against the chip model and records the transcript. */
export function record(s: {
  name: string;
  driver: "w5500" | "enc28j60";
  tcpSockets: number;
  steps: Step[];
}): DriverVector {
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
    tcpSockets: s.tcpSockets,
    tcp: [],
  };
  // With TCP sockets, the chip's cable is on a segment with a peer running netrt's TCP.
  const peer = s.tcpSockets > 0 ? tcpPeer(clock, (f) => w5500?.fromWire(f)) : undefined;
  const toWire = (f: Uint8Array): void => {
    peer?.toPeer(f);
  };
  const w5500 =
    s.driver === "w5500"
      ? new W5500Model(
          toWire,
          () => clock.now(),
          s.tcpSockets > 0 ? { clock, random: new SimRandom(11), log: new MemoryLog(clock, 50) } : undefined,
        )
      : undefined;
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
  const w =
    s.driver === "w5500"
      ? new W5500Mac({ ...o, spi: recorder, clock, hwaddr: hw, tcpSockets: s.tcpSockets })
      : undefined;
  const mac: Mac & { start(): unknown } = w ?? new Enc28j60Mac({ ...o, spi: recorder, clock, hwaddr: hw });
  const steps = w !== undefined && s.tcpSockets > 0 ? new TcpSteps(new W5500Tcp(w, 7), v.tcp) : undefined;
  const hexOf = (b: Bytes, n: number): string => digest((b as unknown as Uint8Array).subarray(0, n));
  const bytesOf = (h: string): Bytes => Uint8Array.from(Buffer.from(h, "hex")) as unknown as Bytes;
  for (const st of s.steps) {
    const [op, arg] = st;
    if (steps !== undefined && steps.step(st, hexOf, bytesOf)) continue;
    if (peer !== undefined && peer.step(st)) continue;
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
  if (peer !== undefined && peer.problems.length > 0) throw new Error(`${s.name}: ${peer.problems.join("; ")}`);
  if (model.stats.errors.length > 0)
    throw new Error(`${s.name}: the driver misused the chip: ${model.stats.errors.join("; ")}`);
  return v;
}

/** The TCP scenario's peer: a host with netrt's TCP on a segment with the chip's cable. */
function tcpPeer(clock: SimClock, toChip: (f: Uint8Array) => void) {
  const seg = new SimSegment(clock, 1);
  const log = new MemoryLog(clock, 50);
  const hw = (last: number): Bytes => Uint8Array.from([2, 0, 0, 0, 0, last]) as unknown as Bytes;
  const cable = seg.attach(
    Uint8Array.from(Buffer.from(HW, "hex")) as unknown as Bytes,
    {
      onReadable: () => {
        for (let f = cable.read(); f !== undefined; f = cable.read()) {
          const b = new Uint8Array(Math.max(60, (f as unknown as Uint8Array).length));
          b.set(f as unknown as Uint8Array);
          toChip(b);
        }
      },
      onLinkChange: () => undefined,
    },
    1500,
  );
  const stack = new NetStack(clock, new SimRandom(5), log, defaultStackConfig());
  const eth = stack.attachEthernet("eth0", (o) => seg.attach(hw(2), o, 1500), defaultLltableParams(8));
  if (eth === undefined) throw new Error("peer did not attach");
  stack.addrs.add(eth, addrRequest(TCP_PEER, 24));
  const tcp = new Tcp(stack.ip, clock, new SimRandom(9), log, defaultTcpParams());
  stack.ip.tcp = tcp;
  let conn: TcpConn | undefined;
  const problems: string[] = [];
  const take = (c: TcpConn): void => {
    conn = c;
    c.onReadable = () => {
      const b = new Uint8Array(8192) as unknown as Bytes;
      while (c.read(b, 0, 8192) > 0);
    };
  };
  return {
    problems,
    toPeer: (f: Uint8Array): void => {
      cable.write(f as unknown as Bytes);
    },
    step(st: Step): boolean {
      const op = st[0];
      if (op === "peer-listen") tcp.listen(st[1] as number, 2, take);
      else if (op === "peer-connect") {
        const c = tcp.connect(TCP_UNIT, st[1] as number);
        if (typeof c === "number") problems.push("peer-connect " + c);
        else take(c);
      } else if (op === "peer-send") {
        const b = Uint8Array.from(Buffer.from(st[1] as string, "hex"));
        if (conn === undefined || conn.write(b as unknown as Bytes, 0, b.length) !== b.length)
          problems.push("peer-send");
      } else if (op === "peer-close") conn?.close();
      else return false;
      return true;
    },
  };
}
