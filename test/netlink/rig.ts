// A simulated device with its control channel, and a host-side decoder that
// records every frame the device sends (tests only).
import { describeFrame, type MessageValue } from "../../cli/describe";
import { alloc, copy, len } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { LLE_STATIC } from "../../src/net/lltable";
import { ControlChannel } from "../../src/netlink/channel";
import * as C from "../../src/netlink/constants";
import { encodedMax, encodeFrame, FrameDecoder, PROTO_GENERIC } from "../../src/netlink/frame";
import { GENL_CMD, GENLMSGHDR, NETRT_GENL_TYPE } from "../../src/netlink/family";
import { DhcpClient } from "../../src/dhcp/client";
import type { DhcpConfig } from "../../src/dhcp/config";
import { MemoryStorage } from "../../hal/sim/storage";
import { SimRandom } from "../../hal/sim/random";
import { ip, macOf, Net, type Node } from "../net/helpers";
import { NlWriter } from "../../src/netlink/writer";

export const BAUD = 115200;

export class Rig {
  readonly net = new Net();
  readonly node: Node;
  readonly ch: ControlChannel;
  readonly storage = new MemoryStorage(4096);
  readonly got: { at: number; proto: number; msgs: MessageValue[]; hex: string }[] = [];
  bytesOut = 0;
  /** Also hands the device's bytes here (a real line, in integration tests). */
  onWrite: ((d: Bytes) => void) | undefined;
  private readonly host: FrameDecoder;

  constructor(neighbours = 8) {
    this.node = this.net.node(10, "192.0.2.10/24", { capacity: neighbours });
    this.node.eth.lltable!.addStatic(ip("192.0.2.1"), macOf(1), 0, LLE_STATIC);
    this.host = new FrameDecoder(4096, (proto, m, n) => {
      const b = alloc(n);
      copy(b, 0, m, 0, n);
      this.got.push({
        at: this.net.clock.now(),
        proto,
        msgs: describeFrame(b),
        hex: Buffer.from(b as unknown as Uint8Array).toString("hex"),
      });
    });
    this.ch = new ControlChannel(
      this.node.stack,
      this.net.clock,
      {
        write: (d) => {
          this.onWrite?.(d);
          this.bytesOut += len(d);
          this.host.push(d, 0, len(d));
        },
        driverName: () => "sim",
      },
      { baud: BAUD, maxMessage: 512 },
      this.storage,
      new SimRandom(3),
    );
  }

  /** Sends one framed request from the host side. */
  send(proto: number, type: number, flags: number, hdrLen: number, build: (w: NlWriter) => void, seq = 5): void {
    const w = new NlWriter(alloc(1024));
    w.begin(type, C.NLM_F_REQUEST + flags, seq, 0, hdrLen);
    build(w);
    const n = w.end();
    const out = alloc(encodedMax(n + 3));
    const k = encodeFrame(proto, w.buf, 0, n, out, alloc(n + 3));
    this.ch.input(out, 0, k);
  }

  /** One command of our family: its genlmsghdr cmd, then what `build` adds. */
  command(cmd: number, flags: number, build: (w: NlWriter) => void = () => undefined, seq = 5): void {
    this.send(
      PROTO_GENERIC,
      NETRT_GENL_TYPE,
      flags,
      GENLMSGHDR.hdrLen,
      (w) => {
        w.field(GENL_CMD, cmd);
        build(w);
      },
      seq,
    );
  }

  /** A DHCP client on the device's eth0 (no storage, no wall clock), known to the channel, not started. */
  dhcpClient(cfg: DhcpConfig): DhcpClient {
    const n = this.node;
    const c = new DhcpClient(n.stack, n.eth, cfg, this.net.clock, n.stack.random, undefined, n.log, () => -1);
    this.ch.dhcp.push(c);
    return c;
  }

  messages(): MessageValue[] {
    return this.got.flatMap((g) => g.msgs);
  }

  /** Everything the device would show: links, addresses, neighbours, routes. */
  snapshot(): string {
    const st = this.node.stack;
    const t = this.node.eth.lltable!;
    const neigh: string[] = [];
    for (let i = 0; i < t.capacity; i++) if (t.inUse(i)) neigh.push(`${t.ipAt(i)}/${t.flagsAt(i)}`);
    return JSON.stringify({
      links: st.ifs.list.map((i) => [i.index, i.flags, i.mtu, i.alias]),
      addrs: st.addrs.list.map((a) => [a.ifp.index, a.addr, a.prefixLen]),
      neigh: neigh.sort(),
      routes: st.routes.routes.map((r) => [r.dst, r.prefixLen, r.gateway]),
    });
  }
}
