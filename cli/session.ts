// What every command shares: the global options, connecting (and
// authenticating) to the device, keyword arguments, interface names, output.
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import type { Bytes } from "../hal/types";
import * as C from "../src/netlink/constants";
import { PROTO_GENERIC, PROTO_ROUTE } from "../src/netlink/frame";
import { IFINFOMSG } from "../src/netlink/schemas";
import { ENODEV } from "../src/net/errno";
import { UsageError } from "./args";
import { type Globals } from "./grammar";
import { type Style } from "./format";
import { findAttr, type MessageValue } from "./describe";
import { agentSocketPath, answers } from "./agent";
import { Channel, ChannelError, PcapWriter } from "./transport";
import {
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_MAC,
  NETRT_CMD_AUTH_CHALLENGE,
  NETRT_CMD_AUTH_RESPONSE,
  NETRT_GENL_TYPE,
} from "../src/netlink/family";

export type { Globals };

/** How the text output looks, from the options. */
export function style(g: Globals): Style {
  return { color: g.color, details: g.details, stats: g.stats, human: g.human, iec: g.iec };
}

export /** iproute2-style keyword arguments: `dev eth0 mtu 1400 up`. */
function keywords(
  args: string[],
  valued: string[],
  flags: string[],
): { kv: Record<string, string>; set: Set<string>; rest: string[] } {
  const kv: Record<string, string> = {};
  const set = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (valued.includes(a)) {
      // ip's NEXT_ARG() words.
      if (i + 1 >= args.length) throw new UsageError('Command line is not complete. Try option "help"');
      kv[a] = args[++i];
    } else if (flags.includes(a)) set.add(a);
    else rest.push(a);
  }
  return { kv, set, rest };
}

/** nlmsg_flags of ip's add (create, exclusive), replace (create or replace), change (replace only) and delete. */
export function changeFlags(cmd: string): number {
  if (cmd === "delete") return C.NLM_F_ACK;
  if (cmd === "add") return C.NLM_F_ACK + C.NLM_F_CREATE + C.NLM_F_EXCL;
  if (cmd === "replace") return C.NLM_F_ACK + C.NLM_F_CREATE + C.NLM_F_REPLACE;
  return C.NLM_F_ACK + C.NLM_F_REPLACE;
}

export function keyOf(g: Globals): Buffer | undefined {
  const text = g.key ?? process.env.NETRT_KEY;
  if (text === undefined || text === "") return undefined;
  if (!/^([0-9a-f]{2}){16,64}$/i.test(text))
    throw new UsageError("a device key is 16 to 64 bytes in hex (32 to 128 hex digits)");
  return Buffer.from(text, "hex");
}

export /** Challenge-response: HMAC-SHA256(key, nonce). Returns whether the device has a key at all. */
async function authenticate(ch: Channel, key: Buffer | undefined): Promise<boolean> {
  const [c] = await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, 0, GENLMSGHDR.hdrLen, (w) =>
    w.field(GENL_CMD, NETRT_CMD_AUTH_CHALLENGE),
  );
  const keyed = findAttr(c.attrs, "NETRT_A_KEYED")?.value === 1;
  if (!keyed || key === undefined) return keyed;
  const nonce = Buffer.from(String(findAttr(c.attrs, "NETRT_A_NONCE")?.value ?? ""), "hex");
  const mac = crypto.createHmac("sha256", key).update(nonce).digest();
  await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
    w.field(GENL_CMD, NETRT_CMD_AUTH_RESPONSE);
    w.bytes(NETRT_A_MAC, mac as unknown as Bytes, 0, 32);
  });
  return true;
}

export async function connect(g: Globals): Promise<Channel> {
  const port = g.port ?? process.env.NETRT_PORT;
  if (port === undefined || port === "")
    throw new UsageError("no device: give --port /dev/ttyX (or tcp://host:port), or set NETRT_PORT");
  const key = keyOf(g);
  const ch = new Channel(g.timeout);
  if (g.pcap !== undefined) ch.pcap = new PcapWriter(g.pcap);
  if (/^tcp:\/\//.test(port)) await ch.open(port, g.baud);
  else await openViaAgent(ch, port, g.baud);
  if (key !== undefined) {
    try {
      await authenticate(ch, key);
    } catch (e) {
      ch.close();
      throw e;
    }
  }
  return ch;
}

/**
 * Opens `port` through its agent, starting one when none runs, so that
 * several netrt processes can use the line at once (a monitor in one
 * terminal, changes in another).
 */
export async function openViaAgent(ch: Channel, port: string, baud: number): Promise<void> {
  const sock = agentSocketPath(port);
  if (await ch.openSocket(sock)) return;
  if (!fs.existsSync(port)) throw new ChannelError(`cannot open ${port}: No such file or directory`);
  const why = await startAgent(port, baud, sock);
  if (await ch.openSocket(sock)) return;
  throw new ChannelError(`cannot open ${port}: ${why !== "" ? why : "its agent did not start"}`);
}

/** Starts a detached agent for `port` (leaving 2 s after its last client); "" once it listens, else why not. */
function startAgent(port: string, baud: number, sock: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1], "-port", port, "-baud", String(baud), "agent"],
    {
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, NETRT_AGENT_IDLE_MS: process.env.NETRT_AGENT_IDLE_MS ?? "2000" },
    },
  );
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => {
    let exited = false;
    child.once("exit", () => (exited = true));
    const t0 = Date.now();
    const poll = async (): Promise<void> => {
      if (exited || Date.now() - t0 > 10000) return resolve(err.trim().replace(/^netrt: /, ""));
      if (fs.existsSync(sock) && (await answers(sock))) {
        child.stderr!.destroy();
        child.unref();
        return resolve("");
      }
      setTimeout(() => void poll(), 50);
    };
    void poll();
  });
}

export async function links(ch: Channel): Promise<MessageValue[]> {
  return ch.request(PROTO_ROUTE, C.RTM_GETLINK, C.NLM_F_DUMP, IFINFOMSG.hdrLen, () => undefined);
}

/** The index of interface `name`; as ip, `Cannot find device "X"` (exit 1) when there is none. */
export async function ifindexOf(ch: Channel, name: string): Promise<number> {
  try {
    const r = await ch.request(PROTO_ROUTE, C.RTM_GETLINK, 0, IFINFOMSG.hdrLen, (w) => w.str(C.IFLA_IFNAME, name));
    return r[0].header.index;
  } catch (e) {
    if (e instanceof ChannelError && e.errno === ENODEV) throw new ChannelError(`Cannot find device "${name}"`, 0, 1);
    throw e;
  }
}

export function namer(ls: MessageValue[]): (i: number) => string {
  const names = new Map(ls.map((m) => [m.header.index, String(findAttr(m.attrs, "IFLA_IFNAME")?.value ?? "?")]));
  return (i) => names.get(i) ?? `if${i}`;
}

/** JSON as ip writes it: compact, or with -p its own pretty layout ("[ {", 4-space indents, "[ a,b ]"). */
export function ipJson(v: unknown, pretty: boolean): string {
  if (!pretty) return JSON.stringify(v);
  const write = (x: unknown, depth: number): string => {
    if (Array.isArray(x)) return x.length === 0 ? "[ ]" : `[ ${x.map((e) => write(e, depth + 1)).join(",")} ]`;
    if (x !== null && typeof x === "object") {
      const fields = Object.entries(x).filter(([, e]) => e !== undefined);
      if (fields.length === 0) return "{}";
      const pad = "    ".repeat(depth + 1);
      return `{${fields.map(([k, e]) => `\n${pad}${JSON.stringify(k)}: ${write(e, depth + 1)}`).join(",")}\n${"    ".repeat(depth)}}`;
    }
    return JSON.stringify(x);
  };
  return write(v, 0);
}

/** Prints `json` with -j, else `text` (nothing when it is empty, as ip prints no blank line). */
export function print(g: Globals, json: unknown, text: string): void {
  if (g.json) console.log(ipJson(json, g.pretty));
  else if (text !== "") console.log(text);
}

// --- commands ---------------------------------------------------------------------
