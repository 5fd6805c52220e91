// `netrt ping` and `netrt arping`: the device sends the probes (ICMP echo,
// ARP request) and the host prints what came back, the way iputils' ping and
// arping print it. One probe per request: the device answers each when the
// reply comes or its timeout passes.
import * as C from "../../src/netlink/constants";
import { PROTO_GENERIC } from "../../src/netlink/frame";
import {
  GENL_ATTRS,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_ADDRESS,
  NETRT_A_IFINDEX,
  NETRT_A_SIZE,
  NETRT_A_TIMEOUT,
  NETRT_CMD_ARPING,
  NETRT_CMD_PING,
  NETRT_GENL_TYPE,
} from "../../src/netlink/family";
import { int, ipv4, UsageError } from "../args";
import { findAttr, type MessageValue } from "../describe";
import { Channel } from "../transport";
import { type Globals, ifindexOf, print } from "../session";
import type { ObjectDef } from "./object";

const PING_USAGE = `Usage: netrt ping [ -c COUNT ] [ -i INTERVAL ] [ -s SIZE ] [ -W TIMEOUT ] ADDRESS
The device sends the echo requests; INTERVAL and TIMEOUT in seconds (as ping's).
`;
const ARPING_USAGE = `Usage: netrt arping [ -c COUNT ] [ -w TIMEOUT ] [ -I DEVICE ] ADDRESS
The device sends the ARP requests on DEVICE (default: the one whose prefix holds ADDRESS).
`;

interface ProbeArgs {
  dst: string;
  count: number;
  intervalMs: number;
  size: number;
  timeoutMs: number;
  dev?: string;
}

/** ping's and arping's own short options: -c 3, -c3. */
function probeArgs(args: string[], valued: string[], what: string): ProbeArgs {
  const o: Record<string, string> = {};
  let dst: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const flag = valued.find((v) => a.startsWith(v));
    if (flag !== undefined) {
      const v = a.length > flag.length ? a.slice(flag.length) : args[++i];
      if (v === undefined) throw new UsageError(`${what}: option requires an argument -- '${flag.slice(1)}'`);
      o[flag] = v;
    } else if (a.startsWith("-")) throw new UsageError(`${what}: invalid option -- '${a.slice(1)}'`);
    else if (dst === undefined) dst = a;
    else throw new UsageError(`${what}: one address only ("${a}")`);
  }
  if (dst === undefined) throw new UsageError(`${what}: which address?`);
  const seconds = (v: string | undefined, dflt: number, name: string): number => {
    if (v === undefined) return dflt;
    const n = /^\d+(\.\d+)?$/.test(v) ? Math.round(Number(v) * 1000) : NaN;
    if (!(n >= 1 && n <= 10000)) throw new UsageError(`${what}: bad ${name}: ${v} (0.001 to 10 seconds)`);
    return n;
  };
  return {
    dst,
    count: o["-c"] !== undefined ? int(o["-c"], "count", 1, 100000) : 4,
    intervalMs: seconds(o["-i"], 1000, "interval"),
    size: o["-s"] !== undefined ? int(o["-s"], "size", 0, 1472) : 56,
    timeoutMs: seconds(o["-W"] ?? o["-w"], 1000, "timeout"),
    dev: o["-I"],
  };
}

async function probe(ch: Channel, cmd: number, dst: number, a: ProbeArgs, index: number): Promise<MessageValue> {
  const r = await ch.request(
    PROTO_GENERIC,
    NETRT_GENL_TYPE,
    C.NLM_F_ACK,
    GENLMSGHDR.hdrLen,
    (w) => {
      w.field(GENL_CMD, cmd);
      w.inAddr(NETRT_A_ADDRESS, dst);
      w.put(GENL_ATTRS, NETRT_A_TIMEOUT, a.timeoutMs);
      if (cmd === NETRT_CMD_PING) w.put(GENL_ATTRS, NETRT_A_SIZE, a.size);
      if (index !== 0) w.put(GENL_ATTRS, NETRT_A_IFINDEX, index);
    },
    a.timeoutMs + 3000,
  );
  return r[0];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** min/avg/max/mdev as ping prints them. */
function rttLine(rtts: number[]): string {
  const avg = rtts.reduce((x, y) => x + y, 0) / rtts.length;
  const mdev = Math.sqrt(rtts.reduce((x, y) => x + (y - avg) * (y - avg), 0) / rtts.length);
  const f = (v: number): string => v.toFixed(3);
  return `rtt min/avg/max/mdev = ${f(Math.min(...rtts))}/${f(avg)}/${f(Math.max(...rtts))}/${f(mdev)} ms`;
}

async function ping(g: Globals, ch: Channel, _cmd: string, args: string[]): Promise<void> {
  const a = probeArgs(args, ["-c", "-i", "-s", "-W"], "ping");
  const dst = ipv4(a.dst);
  const t0 = Date.now();
  const rtts: number[] = [];
  const replies: unknown[] = [];
  if (!g.json) console.log(`PING ${a.dst} (${a.dst}) ${a.size}(${a.size + 28}) bytes of data.`);
  for (let seq = 1; seq <= a.count; seq++) {
    const started = Date.now();
    const m = await probe(ch, NETRT_CMD_PING, dst, a, 0);
    const rtt = findAttr(m.attrs, "NETRT_A_RTT")?.value;
    if (typeof rtt === "number") {
      rtts.push(rtt);
      const ttl = Number(findAttr(m.attrs, "NETRT_A_TTL")?.value);
      replies.push({ icmp_seq: seq, ttl, time: rtt });
      if (!g.json) console.log(`${a.size + 8} bytes from ${a.dst}: icmp_seq=${seq} ttl=${ttl} time=${rtt} ms`);
    }
    if (seq < a.count) await sleep(Math.max(0, a.intervalMs - (Date.now() - started)));
  }
  const loss = Math.round((100 * (a.count - rtts.length)) / a.count);
  const time = Date.now() - t0;
  print(
    g,
    { dst: a.dst, transmitted: a.count, received: rtts.length, loss, time, replies },
    `\n--- ${a.dst} ping statistics ---\n${a.count} packets transmitted, ${rtts.length} received, ${loss}% packet loss, time ${time}ms${rtts.length > 0 ? `\n${rttLine(rtts)}` : ""}`,
  );
  // As ping: exit 1 when nothing came back.
  if (rtts.length === 0) process.exitCode = 1;
}

async function arping(g: Globals, ch: Channel, _cmd: string, args: string[]): Promise<void> {
  const a = probeArgs(args, ["-c", "-w", "-I"], "arping");
  const dst = ipv4(a.dst);
  const index = a.dev !== undefined ? await ifindexOf(ch, a.dev) : 0;
  const replies: unknown[] = [];
  if (!g.json) console.log(`ARPING ${a.dst}${a.dev !== undefined ? ` on ${a.dev}` : ""}`);
  for (let i = 1; i <= a.count; i++) {
    const started = Date.now();
    const m = await probe(ch, NETRT_CMD_ARPING, dst, a, index);
    const rtt = findAttr(m.attrs, "NETRT_A_RTT")?.value;
    const ll = findAttr(m.attrs, "NETRT_A_LLADDR")?.value;
    if (typeof rtt === "number" && typeof ll === "string") {
      const mac = ll.replace(/(..)(?!$)/g, "$1:").toUpperCase();
      replies.push({ lladdr: mac.toLowerCase(), time: rtt });
      if (!g.json) console.log(`Unicast reply from ${a.dst} [${mac}]  ${rtt}ms`);
    }
    if (i < a.count) await sleep(Math.max(0, a.intervalMs - (Date.now() - started)));
  }
  print(
    g,
    { dst: a.dst, sent: a.count, received: replies.length, replies },
    `Sent ${a.count} probes (${a.count} broadcast(s))\nReceived ${replies.length} response(s)`,
  );
  if (replies.length === 0) process.exitCode = 1;
}

export const pingObject: ObjectDef = { commands: [], supported: [], default: "", usage: PING_USAGE, run: ping };
export const arpingObject: ObjectDef = { commands: [], supported: [], default: "", usage: ARPING_USAGE, run: arping };
