// The control channel's speed: the host board's control pty carries bytes at
// the board's 115200 baud in both directions (hal/host/line-rate.ts), as a
// UART would, and the host CLI's transport talks to it. Request round trips,
// and a 64-entry neighbour dump, against the wire time of the bytes each moved.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as C from "../src/netlink/constants";
import { PROTO_ROUTE } from "../src/netlink/frame";
import { IFI_INDEX, IFINFOMSG, NDM_FAMILY, NDM_IFINDEX, NDM_STATE, NDMSG } from "../src/netlink/schemas";
import { Channel } from "../cli/transport";
import { FirmwareProcess } from "../tools/lib/firmware-proc";

const BAUD = 115200;
const wireMs = (bytes: number): number => (bytes * 10 * 1000) / BAUD;

export interface Timing {
  what: string;
  runs: number;
  minMs: number;
  medianMs: number;
  maxMs: number;
  /** Bytes on the line per run (request + reply, framed) and their time at 115200 baud. */
  bytes: number;
  wireMs: number;
}

function summarise(what: string, times: number[], bytes: number): Timing {
  const t = [...times].sort((a, b) => a - b);
  const r = (v: number): number => Math.round(v * 100) / 100;
  return {
    what,
    runs: t.length,
    minMs: r(t[0]),
    medianMs: r(t[t.length >> 1]),
    maxMs: r(t[t.length - 1]),
    bytes,
    wireMs: r(wireMs(bytes)),
  };
}

export async function controlBench(runs: number): Promise<Timing[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-ctlbench-"));
  const port = path.join(dir, "tty");
  // No network needed: a static address, and a UDP MAC nobody answers.
  const fw = new FirmwareProcess(
    {
      NETRT_IPV4: "192.0.2.10/24",
      NETRT_RX_PORT: "47950",
      NETRT_TX_PORT: "47951",
      NETRT_CONTROL: port,
      NETRT_LLTABLE_CAPACITY: "72",
    },
    path.join(dir, "state"),
  );
  const ch = new Channel(10000);
  try {
    await fw.waitFor(/control port/, 10000);
    await ch.open(port, BAUD);
    const timed = async (fn: () => Promise<unknown>): Promise<[number, number]> => {
      const b0 = ch.bytesIn + ch.bytesOut;
      const t0 = process.hrtime.bigint();
      await fn();
      return [Number(process.hrtime.bigint() - t0) / 1e6, ch.bytesIn + ch.bytesOut - b0];
    };
    const out: Timing[] = [];
    // 64 permanent neighbours (our own address's entry is in the table too, but never listed).
    for (let i = 0; i < 64; i++) {
      await ch.request(PROTO_ROUTE, C.RTM_NEWNEIGH, C.NLM_F_ACK + C.NLM_F_CREATE + C.NLM_F_EXCL, NDMSG.hdrLen, (w) => {
        w.field(NDM_FAMILY, C.AF_INET);
        w.field(NDM_IFINDEX, 2);
        w.field(NDM_STATE, C.NUD_PERMANENT);
        w.inAddr(C.NDA_DST, 0xc0000264 + i);
        w.bytes(C.NDA_LLADDR, Buffer.from([2, 0, 0, 0, 1, i]) as never, 0, 6);
      });
    }
    for (const [what, fn] of [
      [
        "ACKed change (NEWNEIGH replace)",
        () =>
          ch.request(PROTO_ROUTE, C.RTM_NEWNEIGH, C.NLM_F_ACK + C.NLM_F_REPLACE, NDMSG.hdrLen, (w) => {
            w.field(NDM_FAMILY, C.AF_INET);
            w.field(NDM_IFINDEX, 2);
            w.field(NDM_STATE, C.NUD_PERMANENT);
            w.inAddr(C.NDA_DST, 0xc0000264);
            w.bytes(C.NDA_LLADDR, Buffer.from([2, 0, 0, 0, 1, 0]) as never, 0, 6);
          }),
      ],
      [
        "one neighbour (GETNEIGH)",
        () =>
          ch.request(PROTO_ROUTE, C.RTM_GETNEIGH, 0, NDMSG.hdrLen, (w) => {
            w.field(NDM_IFINDEX, 2);
            w.inAddr(C.NDA_DST, 0xc0000264);
          }),
      ],
      [
        "one link (GETLINK eth0)",
        () => ch.request(PROTO_ROUTE, C.RTM_GETLINK, 0, IFINFOMSG.hdrLen, (w) => w.field(IFI_INDEX, 2)),
      ],
      [
        "64-entry neighbour dump",
        async () => {
          const r = await ch.request(PROTO_ROUTE, C.RTM_GETNEIGH, C.NLM_F_DUMP, NDMSG.hdrLen, () => undefined);
          if (r.length !== 64) throw new Error(`dump returned ${r.length} neighbours`);
        },
      ],
    ] as [string, () => Promise<unknown>][]) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < runs; i++) {
        const [ms, b] = await timed(fn);
        times.push(ms);
        bytes = b;
      }
      out.push(summarise(what, times, bytes));
    }
    return out;
  } finally {
    ch.close();
    await fw.stop("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
