// Conformance for the chip drivers on every runtime: the SPI transcripts
// recorded on Node against the chip models (test/vectors/drivers.json) are
// replayed with the recording standing in for the chip. The driver has to
// send byte for byte what it sent on Node and report the same frames, link
// changes and counters.
import * as B from "@hal/bytes";
import { driverVectors } from "@vectors";
import { Enc28j60Mac } from "../../hal/drivers/enc28j60";
import { W5500Mac } from "../../hal/drivers/w5500";
import { W5500Tcp } from "../../hal/drivers/w5500-tcp";
import { SimClock } from "../../hal/sim/clock";
import type { Bytes, Mac, MacOptions, Spi } from "../../hal/types";
import { fromHex, toHex } from "../../src/util/hex";
import { sha256 } from "../../src/util/sha256";
import type { Checker } from "./net-suites";
import { TcpSteps } from "./tcp-steps";

const LONG = 64;

function digest(b: Bytes, off: number, n: number): string {
  return n > LONG ? "#" + toHex(sha256(b, off, n), 0, 32) : toHex(b, off, n);
}

const orNone = (x: string | undefined): string => (x === undefined ? "(none)" : x);
const hexOf = (b: Bytes, n: number): string => digest(b, 0, n);
const bytesOf = (h: string): Bytes => fromHex(h) as Bytes;

/** The recorded chip: each transfer must be the next one recorded; it answers with the recorded bytes. */
class ReplaySpi implements Spi {
  at = 0;
  broken = "";
  constructor(private readonly rec: [string, number, string][]) {}
  transfer(b: Bytes, off: number, nOut: number, nIn: number): void {
    if (this.broken !== "") return;
    if (this.at >= this.rec.length) {
      this.broken = "transfer #" + this.at + " beyond the recording";
      return;
    }
    const r = this.rec[this.at];
    const sent = digest(b, off, nOut);
    if (sent !== r[0] || nIn !== r[1]) {
      this.broken =
        "transfer #" + this.at + " sent " + sent + " reading " + nIn + ", recorded " + r[0] + " reading " + r[1];
      return;
    }
    const answer = fromHex(r[2]);
    if (answer !== undefined) B.copy(b, off + nOut, answer, 0, nIn);
    this.at++;
  }
}

export function runDrivers(s: Checker): void {
  for (let v = 0; v < driverVectors.length; v++) {
    const vec = driverVectors[v];
    const name = vec.name;
    const clock = new SimClock();
    const spi = new ReplaySpi(vec.spi);
    const hw = fromHex(vec.hwaddr) as Bytes;
    const links: number[] = [];
    // Typed as MacOptions so that typescript-to-lua gives the callbacks the self parameter the driver's calls pass.
    const o: MacOptions = { onReadable: () => undefined, onLinkChange: (up: boolean) => links.push(up ? 1 : 0) };
    let mac: Mac;
    let startMac: () => void;
    const tcpLog: string[] = [];
    let tcp: TcpSteps | undefined = undefined;
    if (vec.driver === "w5500") {
      const w = new W5500Mac({
        onReadable: o.onReadable,
        onLinkChange: o.onLinkChange,
        spi: spi,
        clock: clock,
        hwaddr: hw,
        tcpSockets: vec.tcpSockets,
      });
      if (vec.tcpSockets > 0) tcp = new TcpSteps(new W5500Tcp(w, 7), tcpLog);
      mac = w;
      startMac = () => {
        w.start();
      };
    } else {
      const e = new Enc28j60Mac({
        onReadable: o.onReadable,
        onLinkChange: o.onLinkChange,
        spi: spi,
        clock: clock,
        hwaddr: hw,
      });
      mac = e;
      startMac = () => e.start();
    }
    let drain = 0;
    let write = 0;
    for (let i = 0; i < vec.steps.length && spi.broken === ""; i++) {
      const st = vec.steps[i];
      const op = st[0];
      if (tcp !== undefined && tcp.step(st, hexOf, bytesOf)) continue;
      if (op === "start") startMac();
      else if (op === "advance") clock.advance(st[1] as number);
      else if (op === "drain") {
        const want = vec.drains[drain++];
        let k = 0;
        for (let f = mac.read(); f !== undefined; f = mac.read()) {
          const got = digest(f, 0, B.len(f));
          s.check(k < want.length && got === want[k], name + " step " + i + ": frame " + k + " " + got);
          k++;
        }
        s.check(k === want.length, name + " step " + i + ": " + k + " frames, recorded " + want.length);
      } else if (op === "write") {
        const f = fromHex(st[1] as string) as Bytes;
        const ok = mac.write(f);
        s.check(ok === vec.writes[write++], name + " step " + i + ": write returned " + ok);
      }
      // "wire", "link", "hold", "complete" acted on the chip, "peer-*" on its peer; their effect is in the recording.
    }
    s.check(spi.broken === "", name + ": " + spi.broken);
    s.check(spi.at === vec.spi.length, name + ": " + spi.at + " of " + vec.spi.length + " transfers");
    s.check(links.join(",") === vec.links.join(","), name + ": link changes " + links.join(","));
    for (let k = 0; k < vec.tcp.length || k < tcpLog.length; k++)
      s.check(
        tcpLog[k] === vec.tcp[k],
        name + ": TCP event " + k + ": " + orNone(tcpLog[k]) + ", recorded " + orNone(vec.tcp[k]),
      );
    const c = mac.counters;
    const got = [c.rxPackets, c.rxBytes, c.rxErrors, c.rxDropped, c.txPackets, c.txBytes, c.txErrors, c.txDropped];
    s.check(got.join(",") === vec.counters.join(","), name + ": counters " + got.join(","));
    mac.close();
  }
}
