// Many sessions, one port: the agent owns a device's serial line and serves
// netrt processes over a local socket. Requests from every client go to the
// device one at a time, each under a sequence number of the agent's (the
// answers are mapped back to the client's own); notifications go to every
// client subscribed to their group, and the device is subscribed to the
// union of the clients' groups. The first netrt to need a port starts one;
// it leaves when its last client has gone (or stays, run as `netrt agent`).
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { SerialPort } from "serialport";
import { alloc } from "../hal/js/bytes";
import type { Bytes } from "../hal/types";
import * as C from "../src/netlink/constants";
import {
  GENL_CMD,
  GENLMSGHDR,
  groupBit,
  NETRT_A_GROUPS,
  NETRT_CMD_SUBSCRIBE,
  NETRT_GENL_TYPE,
  NETRT_GROUP_DHCP,
} from "../src/netlink/family";
import { encodedMax, encodeFrame, FrameDecoder, PROTO_GENERIC } from "../src/netlink/frame";
import { NlWriter } from "../src/netlink/writer";

/** Where the agent of `port` listens: one socket per port, in the user's runtime directory. */
export function agentSocketPath(port: string): string {
  const dir = process.env.XDG_RUNTIME_DIR ?? os.tmpdir();
  const id = crypto.createHash("sha1").update(path.resolve(port)).digest("hex").slice(0, 12);
  return path.join(dir, `netrt-${id}.sock`);
}

const MAX_MESSAGE = 8192;
/** How long the agent waits for the device's answer before it moves on (the client has timed out by then). */
const ANSWER_MS = 5000;

function frameOf(proto: number, msg: Buffer): Buffer {
  const out = alloc(encodedMax(msg.length + 3));
  const k = encodeFrame(proto, msg as unknown as Bytes, 0, msg.length, out, alloc(msg.length + 3));
  return Buffer.concat([Buffer.from([0]), Buffer.from((out as unknown as Uint8Array).subarray(0, k))]);
}

/** Splits one frame's payload into its messages. */
function messagesOf(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off + 16 <= b.length) {
    const n = b.readUInt32LE(off);
    if (n < 16 || off + n > b.length) break;
    out.push(Buffer.from(b.subarray(off, off + n)));
    off += (n + 3) & ~3;
  }
  return out;
}

/** The notification group of a message the device sent unasked (-1: every client's); addresses and routes by family. */
function groupOf(proto: number, type: number, m: Buffer): number {
  if (proto === PROTO_GENERIC) return type === NETRT_GENL_TYPE ? NETRT_GROUP_DHCP : -1;
  const six = m.length > 16 && m[16] === C.AF_INET6;
  if (type >= C.RTM_NEWLINK && type <= C.RTM_SETLINK) return C.RTNLGRP_LINK;
  if (type >= C.RTM_NEWADDR && type <= C.RTM_GETADDR) return six ? C.RTNLGRP_IPV6_IFADDR : C.RTNLGRP_IPV4_IFADDR;
  if (type >= C.RTM_NEWROUTE && type <= C.RTM_GETROUTE) return six ? C.RTNLGRP_IPV6_ROUTE : C.RTNLGRP_IPV4_ROUTE;
  if (type >= C.RTM_NEWNEIGH && type <= C.RTM_GETNEIGH) return C.RTNLGRP_NEIGH;
  return -1;
}

class Client {
  groups = 0;
  readonly decoder: FrameDecoder;
  constructor(
    readonly sock: net.Socket,
    onFrame: (c: Client, proto: number, msg: Buffer) => void,
  ) {
    this.decoder = new FrameDecoder(MAX_MESSAGE, (proto, m, n) =>
      onFrame(this, proto, Buffer.from((m as unknown as Uint8Array).subarray(0, n))),
    );
  }
}

interface Pending {
  client: Client | undefined;
  proto: number;
  msg: Buffer;
  clientSeq: number;
  askedAck: boolean;
  dump: boolean;
  /** A subscription: the client's mask, applied when the device ACKs. */
  groups: number;
}

export interface AgentOptions {
  port: string;
  baud: number;
  /** Leave this long after the last client has gone (undefined: stay). */
  idleExitMs?: number;
  log?: (line: string) => void;
}

export class Agent {
  private serial: SerialPort | undefined;
  private server: net.Server | undefined;
  private readonly clients = new Set<Client>();
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private inFlightSeq = 0;
  private answerTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private seq = 1;
  private deviceGroups = 0;
  readonly socketPath: string;
  private readonly decoder: FrameDecoder;
  private closed = false;

  constructor(readonly opts: AgentOptions) {
    this.socketPath = agentSocketPath(opts.port);
    this.decoder = new FrameDecoder(MAX_MESSAGE, (proto, m, n) =>
      this.fromDevice(proto, Buffer.from((m as unknown as Uint8Array).subarray(0, n))),
    );
  }

  /** Opens the port and the socket; rejects when either is taken (another agent serves the port). */
  async start(): Promise<void> {
    const sp = new SerialPort({ path: this.opts.port, baudRate: this.opts.baud, autoOpen: false });
    await new Promise<void>((resolve, reject) => sp.open((e) => (e ? reject(e) : resolve())));
    this.serial = sp;
    sp.on("data", (d: Buffer) => this.decoder.push(new Uint8Array(d) as unknown as Bytes, 0, d.length));
    sp.on("close", () => this.stop());
    // A socket file left by an agent that died: nobody answers on it.
    if (fs.existsSync(this.socketPath) && !(await answers(this.socketPath)))
      fs.rmSync(this.socketPath, { force: true });
    this.server = net.createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.socketPath, () => resolve());
    });
    fs.chmodSync(this.socketPath, 0o600);
    this.armIdle();
  }

  stop(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.answerTimer);
    for (const c of this.clients) c.sock.destroy();
    this.server?.close();
    fs.rmSync(this.socketPath, { force: true });
    if (this.serial?.isOpen) this.serial.close();
  }

  private accept(s: net.Socket): void {
    const c = new Client(s, (cl, proto, msg) => this.fromClient(cl, proto, msg));
    this.clients.add(c);
    clearTimeout(this.idleTimer);
    s.on("data", (d: Buffer) => c.decoder.push(new Uint8Array(d) as unknown as Bytes, 0, d.length));
    s.on("error", () => undefined);
    s.on("close", () => {
      this.clients.delete(c);
      // Its requests still waiting go unanswered to nobody; its groups leave the device's subscription.
      for (const p of this.queue) if (p.client === c) p.client = undefined;
      if (this.inFlight !== undefined && this.inFlight.client === c) this.inFlight.client = undefined;
      this.resubscribe();
      this.armIdle();
    });
  }

  private armIdle(): void {
    if (this.opts.idleExitMs === undefined || this.clients.size > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.clients.size === 0) this.stop();
    }, this.opts.idleExitMs);
  }

  private unionGroups(): number {
    let m = 0;
    for (const c of this.clients) m |= c.groups;
    return m >>> 0;
  }

  private resubscribe(): void {
    const want = this.unionGroups();
    if (want === this.deviceGroups) return;
    const msg = subscription(want, C.NLM_F_REQUEST);
    this.enqueue({
      client: undefined,
      proto: PROTO_GENERIC,
      msg,
      clientSeq: 0,
      askedAck: false,
      dump: false,
      groups: want,
    });
  }

  private fromClient(c: Client, proto: number, frame: Buffer): void {
    for (const msg of messagesOf(frame)) {
      const flags = msg.readUInt16LE(6);
      const p: Pending = {
        client: c,
        proto,
        msg,
        clientSeq: msg.readUInt32LE(8),
        askedAck: (flags & C.NLM_F_ACK) !== 0,
        dump: (flags & C.NLM_F_DUMP) === C.NLM_F_DUMP,
        groups: -1,
      };
      // A subscription is the client's own: the device gets the union of every client's.
      if (proto === PROTO_GENERIC && msg.readUInt16LE(4) === NETRT_GENL_TYPE && msg[16] === NETRT_CMD_SUBSCRIBE) {
        c.groups = msg.length >= 28 && msg.readUInt16LE(22) === NETRT_A_GROUPS ? msg.readUInt32LE(24) : 0;
        p.groups = this.unionGroups();
        p.msg = subscription(p.groups, flags);
      }
      this.enqueue(p);
    }
  }

  private enqueue(p: Pending): void {
    this.queue.push(p);
    this.next();
  }

  /** Sends the next request when none is waiting for its answer. */
  private next(): void {
    if (this.inFlight !== undefined || this.closed) return;
    const p = this.queue.shift();
    if (p === undefined) return;
    this.inFlight = p;
    this.seq = this.seq >= 0x7fffffff ? 1 : this.seq + 1;
    this.inFlightSeq = this.seq;
    p.msg.writeUInt32LE(this.inFlightSeq, 8);
    // Every request but a dump asks for an ACK here, so the agent knows when it is done.
    if (!p.dump) p.msg.writeUInt16LE(p.msg.readUInt16LE(6) | C.NLM_F_ACK, 6);
    this.serial?.write(frameOf(p.proto, p.msg));
    this.answerTimer = setTimeout(() => this.done(), ANSWER_MS);
  }

  private done(): void {
    clearTimeout(this.answerTimer);
    this.inFlight = undefined;
    this.next();
  }

  private fromDevice(proto: number, frame: Buffer): void {
    const mine: Buffer[] = [];
    const p = this.inFlight;
    let finished = false;
    for (const m of messagesOf(frame)) {
      const seq = m.readUInt32LE(8);
      const type = m.readUInt16LE(4);
      if (seq === 0 || p === undefined || seq !== this.inFlightSeq) {
        this.fanOut(proto, type, m);
        continue;
      }
      const ending = type === C.NLMSG_ERROR || type === C.NLMSG_DONE;
      if (ending) finished = true;
      if (type === C.NLMSG_ERROR && p.groups >= 0 && m.readInt32LE(16) === 0) this.deviceGroups = p.groups;
      // The ACK the agent asked for on the client's behalf stays here.
      if (type === C.NLMSG_ERROR && m.readInt32LE(16) === 0 && !p.askedAck && !p.dump) continue;
      m.writeUInt32LE(p.clientSeq, 8);
      if (type === C.NLMSG_ERROR && m.length >= 32) m.writeUInt32LE(p.clientSeq, 28);
      mine.push(m);
    }
    if (p !== undefined && p.client !== undefined && mine.length > 0)
      p.client.sock.write(frameOf(proto, Buffer.concat(mine.map(pad4))));
    if (finished) this.done();
  }

  private fanOut(proto: number, type: number, m: Buffer): void {
    const g = groupOf(proto, type, m);
    for (const c of this.clients)
      if (g < 0 ? c.groups !== 0 || type === C.NLMSG_ERROR : (c.groups & groupBit(g)) !== 0)
        c.sock.write(frameOf(proto, m));
  }
}

/** Our family's SUBSCRIBE to `groups` (the seq is set when it goes out). */
function subscription(groups: number, flags: number): Buffer {
  const w = new NlWriter(alloc(64));
  w.begin(NETRT_GENL_TYPE, flags, 0, 0, GENLMSGHDR.hdrLen);
  w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
  w.int(NETRT_A_GROUPS, 4, groups >>> 0);
  return Buffer.from((w.buf as unknown as Uint8Array).subarray(0, w.end()));
}

function pad4(m: Buffer): Buffer {
  const n = (m.length + 3) & ~3;
  return n === m.length ? m : Buffer.concat([m, Buffer.alloc(n - m.length)]);
}

/** Whether an agent listens on `sock`. */
export function answers(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(sock);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
