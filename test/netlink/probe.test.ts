// The device's own probes (netrt ping, arping): one echo or ARP request per
// control request, answered when the reply arrives or at the timeout.
import { strict as assert } from "node:assert";
import { findAttr } from "../../cli/describe";
import * as C from "../../src/netlink/constants";
import { PROTO_GENERIC } from "../../src/netlink/frame";
import {
  GENL_ATTRS,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_ADDRESS,
  NETRT_A_SIZE,
  NETRT_A_TIMEOUT,
  NETRT_CMD_ARPING,
  NETRT_CMD_PING,
  NETRT_GENL_TYPE,
} from "../../src/netlink/family";
import { Prober } from "../../src/netlink/probe";
import { EBUSY, EHOSTUNREACH, EINVAL, EMSGSIZE, ENETUNREACH } from "../../src/net/errno";
import { ip, macOf } from "../net/helpers";
import { Rig } from "./rig";

function rig(): Rig {
  const r = new Rig();
  r.net.node(20, "192.0.2.20/24");
  new Prober(r.ch, r.net.clock);
  return r;
}

function probe(r: Rig, cmd: number, dst: string, more: Record<number, number> = {}, seq = 7): void {
  r.command(
    cmd,
    C.NLM_F_ACK,
    (w) => {
      w.inAddr(NETRT_A_ADDRESS, ip(dst));
      for (const [a, v] of Object.entries(more)) w.put(GENL_ATTRS, Number(a), v);
    },
    seq,
  );
}

describe("the device's probes (ping, arping)", function () {
  it("ping: one echo request, answered with the round trip and TTL, then the ACK", function () {
    const r = rig();
    probe(r, NETRT_CMD_PING, "192.0.2.20");
    assert.equal(r.messages().length, 0, "nothing until the network answers");
    r.net.clock.advance(200);
    const [reply, ack] = r.messages();
    assert.equal(reply.typeName, "NETRT");
    assert.equal(reply.seq, 7);
    assert.equal(findAttr(reply.attrs, "NETRT_A_ADDRESS")?.value, "192.0.2.20");
    assert.equal(findAttr(reply.attrs, "NETRT_A_TTL")?.value, 64);
    assert.equal(typeof findAttr(reply.attrs, "NETRT_A_RTT")?.value, "number");
    assert.deepEqual([ack.typeName, ack.seq, ack.header.error], ["NLMSG_ERROR", 7, 0]);
    assert.equal(r.got[0].proto, PROTO_GENERIC, "answers go out as our family");
  });

  it("ping nobody: at the timeout, an answer without a round trip; one probe at a time (EBUSY)", function () {
    const r = rig();
    probe(r, NETRT_CMD_PING, "192.0.2.99", { [NETRT_A_TIMEOUT]: 500 });
    probe(r, NETRT_CMD_PING, "192.0.2.20", {}, 8);
    const busy = r.messages();
    assert.deepEqual([busy[0].seq, busy[0].header.error], [8, -EBUSY]);
    r.net.clock.advance(499);
    assert.equal(r.messages().length, 1);
    r.net.clock.advance(2);
    const [, answer, ack] = r.messages();
    assert.equal(answer.seq, 7);
    assert.equal(findAttr(answer.attrs, "NETRT_A_RTT"), undefined, "no reply, no round trip");
    assert.deepEqual([ack.seq, ack.header.error], [7, 0]);
    // And the prober is free again.
    probe(r, NETRT_CMD_PING, "192.0.2.20", {}, 9);
    r.net.clock.advance(200);
    assert.ok(r.messages().some((m) => m.seq === 9 && findAttr(m.attrs, "NETRT_A_RTT") !== undefined));
  });

  it("a payload beyond 255 bytes (its pattern wraps) and the largest the MTU takes", function () {
    const r = rig();
    probe(r, NETRT_CMD_PING, "192.0.2.20", { [NETRT_A_SIZE]: 1472 }, 1);
    r.net.clock.advance(200);
    assert.ok(r.messages().some((m) => m.seq === 1 && findAttr(m.attrs, "NETRT_A_RTT") !== undefined));
    probe(r, NETRT_CMD_PING, "192.0.2.20", { [NETRT_A_SIZE]: 0xffffffff }, 2);
    assert.equal(
      r.messages().find((m) => m.seq === 2)?.header.error,
      -EMSGSIZE,
      "refused before anything is allocated",
    );
  });

  it("refuses what it cannot send: no route, too large, a bad timeout, no address", function () {
    const r = rig();
    const errOf = (seq: number): number | undefined => r.messages().find((m) => m.seq === seq)?.header.error;
    probe(r, NETRT_CMD_PING, "8.8.8.8", {}, 1);
    assert.equal(errOf(1), -ENETUNREACH);
    probe(r, NETRT_CMD_PING, "192.0.2.20", { [NETRT_A_SIZE]: 1500 }, 2);
    assert.equal(errOf(2), -EMSGSIZE);
    probe(r, NETRT_CMD_PING, "192.0.2.20", { [NETRT_A_TIMEOUT]: 0 }, 3);
    assert.equal(errOf(3), -EINVAL);
    r.send(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => w.field(GENL_CMD, NETRT_CMD_PING), 4);
    assert.equal(errOf(4), -EINVAL);
  });

  it("arping: one ARP request, answered with the neighbour's MAC", function () {
    const r = rig();
    probe(r, NETRT_CMD_ARPING, "192.0.2.20");
    r.net.clock.advance(200);
    const [reply, ack] = r.messages();
    assert.equal(reply.seq, 7);
    assert.equal(
      findAttr(reply.attrs, "NETRT_A_LLADDR")?.value,
      Buffer.from(macOf(20) as unknown as Uint8Array).toString("hex"),
    );
    assert.deepEqual([ack.seq, ack.header.error], [7, 0]);
    probe(r, NETRT_CMD_ARPING, "198.51.100.1", {}, 8);
    assert.equal(r.messages().find((m) => m.seq === 8)?.header.error, -EHOSTUNREACH, "off-link");
  });
});
