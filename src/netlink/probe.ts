// `netrt ping` and `netrt arping`: the device itself sends one ICMP echo
// request or one ARP request and answers with what came back. One probe at
// a time: the request is answered when the reply arrives or the timeout
// passes (a NETRT_CMD_PING / NETRT_CMD_ARPING message, then the ACK), so a
// host paces a ping run by waiting for each answer. A board feature
// ("probes" in the board file): builds without it carry none of this.
import { alloc, get8, set8, set16 } from "@hal/bytes";
import { band } from "@hal/u32";
import type { Bytes, Clock, TimerId } from "../../hal/types";
import { checksum } from "../net/cksum";
import { EBUSY, EHOSTUNREACH, EINVAL, EMSGSIZE } from "../net/errno";
import type { Ifnet } from "../net/ifnet";
import { IP_OFF, IP_PAYLOAD } from "../net/ipv4";
import { ICMP_CKSUM, ICMP_ECHO, ICMP_ECHO_ID, ICMP_ECHO_SEQ, ICMP_HLEN, ICMP_TYPE } from "../wire/icmp";
import { IPPROTO_ICMP, IPV4_TTL } from "../wire/ipv4";
import { getLe16, getLe32 } from "../wire/endian";
import { NLMSG_FLAGS_OFF, NLMSG_PID_OFF, NLMSG_SEQ_OFF } from "../wire/netlink";
import type { ControlChannel } from "./channel";
import * as C from "./constants";
import {
  GENL_ATTRS,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_ADDRESS,
  NETRT_A_IFINDEX,
  NETRT_A_LLADDR,
  NETRT_A_RTT,
  NETRT_A_SIZE,
  NETRT_A_TIMEOUT,
  NETRT_A_TTL,
  NETRT_CMD_ARPING,
  NETRT_CMD_PING,
  NETRT_GENL_TYPE,
} from "./family";
// Declares the attributes the probes' requests and answers carry.
import "./family-probes";
import { ANSWER_LATER, Handler } from "./handler";
import type { NlMsg } from "./parse";
import { PROTO_GENERIC, PROTO_ROUTE } from "./frame";

/** The echo identifier of the device's pings ("nr"). */
const PING_ID = 0x6e72;
const DEFAULT_TIMEOUT_MS = 1000;
const MAX_TIMEOUT_MS = 10000;
const DEFAULT_SIZE = 56;

export class Prober {
  /** 0 idle, else the command in flight (NETRT_CMD_PING or NETRT_CMD_ARPING). */
  private cmd = 0;
  private dst = 0;
  private sentAt = 0;
  private echoSeq = 0;
  private timer: TimerId | undefined = undefined;
  /** The request's header, for the ACK that ends it. */
  private readonly req: Bytes = alloc(C.NLMSG_HDRLEN);
  private ttl = 0;
  private readonly lladdr: Bytes = alloc(6);
  private readonly onTimeout: () => void;
  /** Its commands, as added to the channel (the protocol document's test reads them). */
  readonly handlers: Handler<ControlChannel>[];

  constructor(
    private readonly c: ControlChannel,
    private readonly clock: Clock,
  ) {
    this.onTimeout = () => this.finish(false);
    const stack = c.stack;
    stack.ip.onEchoReply = (src, id, seq, f) => {
      if (this.cmd !== NETRT_CMD_PING || src !== this.dst || id !== PING_ID || seq !== this.echoSeq) return;
      this.ttl = get8(f, IP_OFF + IPV4_TTL);
      this.finish(true);
    };
    stack.arp.onReply = (_ifp, spa, f, shaOff) => {
      if (this.cmd !== NETRT_CMD_ARPING || spa !== this.dst) return;
      for (let i = 0; i < 6; i++) set8(this.lladdr, i, get8(f, shaOff + i));
      this.finish(true);
    };
    // Sending probes is an action: a device with a key wants a session for it.
    this.handlers = [
      new Handler<ControlChannel>(NETRT_CMD_PING, "ping", true, (_c, m) => this.start(NETRT_CMD_PING, m)),
      new Handler<ControlChannel>(NETRT_CMD_ARPING, "arping", true, (_c, m) => this.start(NETRT_CMD_ARPING, m)),
    ];
    for (let i = 0; i < this.handlers.length; i++) c.extend(this.handlers[i]);
  }

  private start(cmd: number, m: NlMsg): number {
    const r = this.c.rtnl;
    if (this.cmd !== 0) return r.err.fail(EBUSY, "a probe is in flight", -1);
    if (!m.attrs.has(NETRT_A_ADDRESS)) return r.err.fail(EINVAL, "NETRT_A_ADDRESS is required", -1);
    const dst = m.attrs.inAddr(NETRT_A_ADDRESS, 0);
    const timeout = m.attrs.num(NETRT_A_TIMEOUT, DEFAULT_TIMEOUT_MS);
    if (timeout < 1 || timeout > MAX_TIMEOUT_MS)
      return r.err.fail(EINVAL, "timeout must be 1 to " + MAX_TIMEOUT_MS + " ms", -1);
    const e = cmd === NETRT_CMD_PING ? this.sendEcho(m, dst) : this.sendArp(m, dst);
    if (e < 0) return e;
    for (let i = 0; i < C.NLMSG_HDRLEN; i++) set8(this.req, i, get8(m.buf!, m.off + i));
    this.cmd = cmd;
    this.dst = dst;
    this.sentAt = this.clock.now();
    this.timer = this.clock.set(this.onTimeout, timeout);
    return ANSWER_LATER;
  }

  private sendEcho(m: NlMsg, dst: number): number {
    const s = this.c.stack;
    const ip = s.ip;
    const size = m.attrs.num(NETRT_A_SIZE, DEFAULT_SIZE);
    const e = ip.route(dst, -1, undefined);
    if (e < 0) return this.c.rtnl.err.fail(-e, "", -1);
    // Checked before anything is allocated: the size comes from outside.
    const rt = s.routes.lookup(dst);
    const ifp = rt !== undefined ? s.ifs.byIndex(rt.ifindex) : undefined;
    if (ifp !== undefined && IP_PAYLOAD - IP_OFF + ICMP_HLEN + size > ifp.mtu)
      return this.c.rtnl.err.fail(EMSGSIZE, "larger than the interface's MTU", -1);
    const f = ip.allocPacket(ICMP_HLEN + size);
    this.echoSeq = this.echoSeq >= 0xffff ? 1 : this.echoSeq + 1;
    set8(f, IP_PAYLOAD + ICMP_TYPE, ICMP_ECHO);
    set16(f, IP_PAYLOAD + ICMP_ECHO_ID, PING_ID);
    set16(f, IP_PAYLOAD + ICMP_ECHO_SEQ, this.echoSeq);
    for (let i = 0; i < size; i++) set8(f, IP_PAYLOAD + ICMP_HLEN + i, band(i, 255));
    set16(f, IP_PAYLOAD + ICMP_CKSUM, checksum(f, IP_PAYLOAD, ICMP_HLEN + size));
    const r = ip.send(f, IPPROTO_ICMP, ICMP_HLEN + size, 64);
    return r < 0 ? this.c.rtnl.err.fail(-r, "", -1) : 0;
  }

  private sendArp(m: NlMsg, dst: number): number {
    const s = this.c.stack;
    // The interface the request names, else the one whose prefix holds the address.
    const index = m.attrs.num(NETRT_A_IFINDEX, 0);
    const rt = index === 0 ? s.routes.lookup(dst) : undefined;
    const ifp: Ifnet | undefined = s.ifs.byIndex(
      index !== 0 ? index : rt !== undefined && rt.gateway === 0 ? rt.ifindex : 0,
    );
    if (ifp === undefined || ifp.lltable === undefined)
      return this.c.rtnl.err.fail(EHOSTUNREACH, "no interface has this address on its link", -1);
    s.arp.request(ifp, s.addrs.sourceFor(ifp, dst), dst, undefined, 0);
    return 0;
  }

  /** Answers the request in flight: what came back (`answered`), or nothing within the timeout. */
  private finish(answered: boolean): void {
    const cmd = this.cmd;
    this.cmd = 0;
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.timer = undefined;
    const r = this.c.rtnl;
    const req = this.req;
    const rtt = this.clock.now() - this.sentAt;
    const dst = this.dst;
    const ttl = this.ttl;
    const ll = this.lladdr;
    r.replyProto = PROTO_GENERIC;
    r.replyOne((w) => {
      if (!w.begin(NETRT_GENL_TYPE, 0, getLe32(req, NLMSG_SEQ_OFF), getLe32(req, NLMSG_PID_OFF), GENLMSGHDR.hdrLen))
        return false;
      w.field(GENL_CMD, cmd);
      w.inAddr(NETRT_A_ADDRESS, dst);
      if (answered) {
        w.put(GENL_ATTRS, NETRT_A_RTT, rtt);
        if (cmd === NETRT_CMD_PING) w.put(GENL_ATTRS, NETRT_A_TTL, ttl);
        else w.bytes(NETRT_A_LLADDR, ll, 0, 6);
      }
      return w.end() > 0;
    });
    if (band(getLe16(req, NLMSG_FLAGS_OFF), C.NLM_F_ACK) !== 0) r.replyError(req, 0, C.NLMSG_HDRLEN, 0, "", -1);
    r.replyProto = PROTO_ROUTE;
  }
}
