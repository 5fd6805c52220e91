// The host end of the control channel: a serial port (or tcp://host:port),
// the same framing and codec as the firmware, and request/reply matching
// by sequence number. Every request ends in a reply, an error or a timeout
// error: nothing waits forever.
import * as fs from "node:fs";
import * as net from "node:net";
import { SerialPort } from "serialport";
import { alloc } from "../hal/js/bytes";
import type { Bytes } from "../hal/types";
import * as C from "../src/netlink/constants";
import { encodedMax, encodeFrame, FrameDecoder } from "../src/netlink/frame";
import { describeFrame, type MessageValue } from "./describe";
import { NlWriter } from "../src/netlink/writer";

/** What glibc's strerror says, for the errors a device sends without a text (as Linux does). */
const STRERROR: Record<number, string> = {
  1: "Operation not permitted",
  2: "No such file or directory",
  3: "No such process",
  16: "Device or resource busy",
  17: "File exists",
  19: "No such device",
  22: "Invalid argument",
  28: "No space left on device",
  34: "Numerical result out of range",
  90: "Message too long",
  95: "Operation not supported",
  97: "Address family not supported by protocol",
  99: "Cannot assign requested address",
  101: "Network is unreachable",
  105: "No buffer space available",
};

export function strerror(errno: number): string {
  return STRERROR[errno] ?? `error ${errno}`;
}

export class ChannelError extends Error {
  constructor(
    message: string,
    /** Linux errno (positive) when the device answered with an error. */
    readonly errno = 0,
    /** The exit code, as ip's: 2 for an error the device answered, 1 for the rest. */
    readonly exit = errno !== 0 ? 2 : 1,
    /** The device's extended-ack text, when it sent one. */
    readonly ext?: string,
  ) {
    super(message);
  }

  /** Ends a batch at once with this error's code (where ip exits rather than returns). */
  fatal = false;

  /** The line ip prints: "Error: TEXT." with the device's text, else "RTNETLINK answers: STRERROR". */
  ipLine(): string {
    if (this.errno === 0) return this.message;
    if (this.ext !== undefined) return `Error: ${this.ext}${this.ext.endsWith(".") ? "" : "."}`;
    return `RTNETLINK answers: ${strerror(this.errno)}`;
  }
}

interface Pending {
  seq: number;
  replies: MessageValue[];
  dump: boolean;
  resolve: (m: MessageValue[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const MAX_MESSAGE = 8192;
const DELIMITER = Buffer.from([0]);

export class Channel {
  private seq = Math.floor(Date.now() / 1000) % 1000000;
  private pending: Pending | undefined;
  private readonly decoder: FrameDecoder;
  private readonly out = alloc(encodedMax(MAX_MESSAGE + 3));
  private readonly scratch = alloc(MAX_MESSAGE + 3);
  /** Bytes on the line each way, frames included (for the bench). */
  bytesIn = 0;
  bytesOut = 0;
  /** Notifications (seq 0 or unmatched), for `monitor`. */
  onNotify: ((m: MessageValue, proto: number) => void) | undefined;
  private writeRaw: (b: Buffer) => void = () => undefined;
  /** Appends every message of the session to a pcap (linktype 253, LINKTYPE_NETLINK). */
  pcap: PcapWriter | undefined;
  private closeRaw: () => void = () => undefined;

  constructor(readonly timeoutMs: number) {
    this.decoder = new FrameDecoder(MAX_MESSAGE, (proto, msg, n) => {
      const bytes = alloc(n);
      for (let i = 0; i < n; i++) (bytes as unknown as Uint8Array)[i] = (msg as unknown as Uint8Array)[i];
      this.pcap?.record(proto, Buffer.from(bytes as unknown as Uint8Array), false);
      for (const m of describeFrame(bytes)) this.onMessage(m, proto);
    });
  }

  /** Opens `/dev/ttyX`, a pty path, or `tcp://host:port`. */
  async open(port: string, baud: number): Promise<void> {
    const feed = this.feed;
    const tcp = /^tcp:\/\/([^:/]+):(\d+)$/.exec(port);
    if (tcp !== null) {
      const sock = net.connect(Number(tcp[2]), tcp[1]);
      await new Promise<void>((resolve, reject) => {
        sock.once("connect", () => resolve());
        sock.once("error", (e) => reject(new ChannelError(`cannot connect to ${port}: ${e.message}`)));
      });
      sock.on("data", feed);
      this.writeRaw = (b) => sock.write(b);
      this.closeRaw = () => sock.destroy();
      return;
    }
    const sp = new SerialPort({ path: port, baudRate: baud, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      sp.open((e) => (e ? reject(new ChannelError(`cannot open ${port}: ${e.message}`)) : resolve())),
    );
    sp.on("data", feed);
    sp.on("close", () => this.lost?.());
    this.writeRaw = (b) => sp.write(b);
    this.closeRaw = () => {
      if (sp.isOpen) sp.close();
    };
  }

  /** Connects to a netrt agent's local socket; false when none listens there. */
  async openSocket(file: string): Promise<boolean> {
    const sock = net.connect(file);
    const ok = await new Promise<boolean>((resolve) => {
      sock.once("connect", () => resolve(true));
      sock.once("error", () => resolve(false));
    });
    if (!ok) return false;
    sock.on("data", this.feed);
    sock.on("error", () => undefined);
    sock.on("close", () => this.lost?.());
    this.writeRaw = (b) => sock.write(b);
    this.closeRaw = () => sock.destroy();
    return true;
  }

  /** Bytes from the line, whichever it is. */
  private readonly feed = (d: Buffer): void => {
    this.bytesIn += d.length;
    this.decoder.push(new Uint8Array(d) as unknown as Bytes, 0, d.length);
  };

  /** Called when the line goes away under a session (an agent that stopped, a port that closed). */
  lost: (() => void) | undefined;

  close(): void {
    this.lost = undefined;
    this.closeRaw();
  }

  private onMessage(m: MessageValue, proto: number): void {
    const p = this.pending;
    if (p === undefined || m.seq !== p.seq || m.seq === 0) {
      this.onNotify?.(m, proto);
      return;
    }
    if (m.typeName === "NLMSG_ERROR") {
      this.finish();
      const errno = -(m.header.error ?? 0);
      if (errno === 0) p.resolve(p.replies);
      else {
        const text = m.attrs.find((a) => a.name === "NLMSGERR_ATTR_MSG")?.value;
        const ext = typeof text === "string" && text !== "" ? text : undefined;
        p.reject(new ChannelError(ext ?? strerror(errno), errno, 2, ext));
      }
      return;
    }
    if (m.typeName === "NLMSG_DONE") {
      this.finish();
      p.resolve(p.replies);
      return;
    }
    p.replies.push(m);
    if (!p.dump && (m.flags & C.NLM_F_MULTI) === 0) {
      this.finish();
      p.resolve(p.replies);
    }
  }

  private finish(): void {
    if (this.pending !== undefined) clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  /**
   * Sends one request built by `build` (type, flags, family header and
   * attributes through the shared writer) and resolves with its replies:
   * the messages of a dump, the one answer of a GET, nothing for an ACK.
   */
  /** `timeoutMs`: for a request the device answers late by design (a probe), else the channel's. */
  request(
    proto: number,
    type: number,
    flags: number,
    hdrLen: number,
    build: (w: NlWriter) => void,
    timeoutMs = this.timeoutMs,
  ): Promise<MessageValue[]> {
    // One request on the line at a time: the device's reply queue is one frame deep, so requests
    // made together wait here for the previous answer rather than race on the wire.
    const turn = this.queue.then(() => this.send(proto, type, flags, hdrLen, build, timeoutMs));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private queue: Promise<unknown> = Promise.resolve();

  private send(
    proto: number,
    type: number,
    flags: number,
    hdrLen: number,
    build: (w: NlWriter) => void,
    timeoutMs: number,
  ): Promise<MessageValue[]> {
    const seq = ++this.seq;
    const w = new NlWriter(alloc(MAX_MESSAGE));
    w.begin(type, C.NLM_F_REQUEST + flags, seq, 0, hdrLen);
    build(w);
    const n = w.end();
    if (n === 0) return Promise.reject(new ChannelError("request too large"));
    const k = encodeFrame(proto, w.buf, 0, n, this.out, this.scratch);
    this.pcap?.record(proto, Buffer.from((w.buf as unknown as Uint8Array).subarray(0, n)), true);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(new ChannelError(`no answer from the device within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending = { seq, replies: [], dump: (flags & C.NLM_F_DUMP) === C.NLM_F_DUMP, resolve, reject, timer };
      // A delimiter first: whatever the line held before (a boot banner, half a frame) ends there.
      this.bytesOut += k + 1;
      this.writeRaw(Buffer.concat([DELIMITER, Buffer.from((this.out as unknown as Uint8Array).subarray(0, k))]));
    });
  }
}

/**
 * A pcap of netlink messages as Linux's nlmon device records them: linktype
 * 253 (LINKTYPE_NETLINK), each packet behind a 16-byte cooked header whose
 * hatype is ARPHRD_NETLINK (824) and whose protocol is the netlink family.
 * Appends to an existing file (one file across several CLI runs).
 */
export class PcapWriter {
  constructor(readonly file: string) {
    if (!fs.existsSync(file) || fs.statSync(file).size === 0) {
      const h = Buffer.alloc(24);
      h.writeUInt32LE(0xa1b2c3d4, 0);
      h.writeUInt16LE(2, 4);
      h.writeUInt16LE(4, 6);
      h.writeUInt32LE(65535, 16);
      h.writeUInt32LE(253, 20);
      fs.writeFileSync(file, h);
    }
  }

  record(proto: number, msg: Buffer, outgoing: boolean): void {
    const now = Date.now();
    const rec = Buffer.alloc(16 + 16);
    rec.writeUInt32LE(Math.floor(now / 1000), 0);
    rec.writeUInt32LE((now % 1000) * 1000, 4);
    rec.writeUInt32LE(16 + msg.length, 8);
    rec.writeUInt32LE(16 + msg.length, 12);
    // Cooked header (big-endian fields): packet type, ARPHRD_NETLINK, address length, address, protocol.
    rec.writeUInt16BE(outgoing ? 4 : 0, 16);
    rec.writeUInt16BE(824, 18);
    rec.writeUInt16BE(0, 20);
    rec.writeUInt16BE(proto, 30);
    fs.appendFileSync(this.file, Buffer.concat([rec, msg]));
  }
}
