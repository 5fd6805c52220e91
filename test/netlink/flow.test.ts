// Flow control on the serial line: a host that sends faster than the
// device can answer gets every answer or a report of how many were lost
// (ENOBUFS, as a netlink socket reports an overrun), never silence; and
// each family's answers carry that family's protocol byte.
import { strict as assert } from "node:assert";
import { findAttr } from "../../cli/describe";
import { alloc, copy, len } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { ENOBUFS, ENODEV } from "../../src/net/errno";
import { addrRequest } from "../../src/net/inaddr";
import * as C from "../../src/netlink/constants";
import {
  GENL_CMD,
  GENLMSGHDR,
  groupBit,
  NETRT_A_GROUPS,
  NETRT_CMD_AUTH_CHALLENGE,
  NETRT_CMD_DHCP_GET,
  NETRT_CMD_SUBSCRIBE,
  NETRT_GENL_TYPE,
  NETRT_GROUP_DHCP,
} from "../../src/netlink/family";
import { encodedMax, encodeFrame, PROTO_GENERIC, PROTO_ROUTE } from "../../src/netlink/frame";
import { IFA_FAMILY_F, IFADDRMSG, IFI_INDEX, IFINFOMSG } from "../../src/netlink/schemas";
import { NlWriter } from "../../src/netlink/writer";
import { ip } from "../net/helpers";
import { BAUD, Rig } from "./rig";

function framed(
  proto: number,
  type: number,
  flags: number,
  seq: number,
  hdrLen: number,
  build: (w: NlWriter) => void,
): Bytes {
  const w = new NlWriter(alloc(512));
  w.begin(type, C.NLM_F_REQUEST + flags, seq, 0, hdrLen);
  build(w);
  const n = w.end();
  const out = alloc(encodedMax(n + 3));
  const k = encodeFrame(proto, w.buf, 0, n, out, alloc(n + 3));
  const f = alloc(k + 1); // a leading delimiter, as the CLI sends
  copy(f, 1, out, 0, k);
  return f;
}

/** Request `i` of the flood: GETs of one link, changes with ACK, dumps and unknown types, in turn. */
function request(i: number): Bytes {
  const seq = 1000 + i;
  switch (i % 4) {
    case 0:
      return framed(PROTO_ROUTE, C.RTM_GETLINK, 0, seq, IFINFOMSG.hdrLen, (w) => w.field(IFI_INDEX, 2));
    case 1:
      return framed(PROTO_ROUTE, C.RTM_NEWLINK, C.NLM_F_ACK, seq, IFINFOMSG.hdrLen, (w) => {
        w.field(IFI_INDEX, 2);
        w.str(C.IFLA_IFALIAS, "n" + i);
      });
    case 2:
      return framed(PROTO_ROUTE, C.RTM_GETADDR, C.NLM_F_DUMP, seq, IFADDRMSG.hdrLen, (w) =>
        w.field(IFA_FAMILY_F, C.AF_INET),
      );
    default:
      return framed(PROTO_ROUTE, 99, C.NLM_F_ACK, seq, 0, () => undefined);
  }
}

describe("control channel flow control", function () {
  it("1,000 requests pipelined without reading: every one answered or reported lost, none silently", function () {
    const r = new Rig();
    r.node.stack.addrs.add(r.node.eth, addrRequest(ip("198.51.100.1"), 24));
    const total = 1000;
    // The host writes as fast as the line goes: each request arrives when its last byte would.
    const msPerByte = 10000 / BAUD;
    let due = 0;
    for (let i = 0; i < total; i++) {
      const f = request(i);
      due += len(f) * msPerByte;
      const wait = Math.floor(due - r.net.clock.now());
      if (wait > 0) r.net.clock.advance(wait);
      r.ch.input(f, 0, len(f));
    }
    r.net.clock.advance(120000);
    const answered = new Set<number>();
    let lost = 0;
    for (const m of r.messages()) {
      if (m.seq >= 1000 && m.seq < 1000 + total) {
        // A dump is answered when its NLMSG_DONE (or its error) arrives; the others by their one answer.
        if (m.seq % 4 !== 2 || m.typeName === "NLMSG_DONE" || m.typeName === "NLMSG_ERROR") answered.add(m.seq);
      } else if (m.seq === 0 && m.typeName === "NLMSG_ERROR") {
        assert.equal(m.header.error, -ENOBUFS);
        const text = String(findAttr(m.attrs, "NLMSGERR_ATTR_MSG")?.value);
        const k = /^(\d+) replies lost/.exec(text);
        assert.ok(k !== null, text);
        lost += Number(k[1]);
      }
    }
    assert.ok(lost > 0, "the flood is more than the line can answer (else this test shows nothing)");
    assert.ok(answered.size > 100, `${answered.size} answered`);
    console.log(`      ${answered.size} answered, ${lost} reported lost`);
    assert.equal(answered.size + lost, total, `${answered.size} answered + ${lost} reported lost`);
    assert.equal(r.ch.rtnl.counters.repliesDropped, lost);
  });

  it("a host that waits for each answer loses none", function () {
    const r = new Rig();
    for (let i = 0; i < 200; i++) {
      const f = request(i);
      r.ch.input(f, 0, len(f));
      r.net.clock.advance(400);
    }
    r.net.clock.advance(5000);
    assert.equal(r.ch.rtnl.counters.repliesDropped, 0);
    assert.equal(r.messages().filter((m) => m.seq === 0).length, 0, "no loss reports");
  });

  it("answers several requests in one frame, each of them", function () {
    const r = new Rig();
    const w = new NlWriter(alloc(512));
    for (let i = 0; i < 3; i++) {
      w.begin(C.RTM_NEWLINK, C.NLM_F_REQUEST + C.NLM_F_ACK, 50 + i, 0, IFINFOMSG.hdrLen);
      w.field(IFI_INDEX, 2);
      w.str(C.IFLA_IFALIAS, "x" + i);
      w.end();
    }
    const n = w.pos;
    const out = alloc(encodedMax(n + 3));
    const k = encodeFrame(PROTO_ROUTE, w.buf, 0, n, out, alloc(n + 3));
    r.ch.input(out, 0, k);
    r.net.clock.advance(1000);
    assert.deepEqual(
      r.messages().map((m) => [m.seq, m.header.error]),
      [
        [50, 0],
        [51, 0],
        [52, 0],
      ],
    );
  });

  it("each family's answers and notifications carry its own protocol byte; our commands that answer are ACKed too", function () {
    const r = new Rig();
    const sub = framed(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, 7, GENLMSGHDR.hdrLen, (w) => {
      w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
      w.int(NETRT_A_GROUPS, 4, groupBit(C.RTNLGRP_IPV4_IFADDR) + groupBit(NETRT_GROUP_DHCP));
    });
    r.ch.input(sub, 0, len(sub));
    const get = framed(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, 8, GENLMSGHDR.hdrLen, (w) =>
      w.field(GENL_CMD, NETRT_CMD_DHCP_GET),
    );
    r.ch.input(get, 0, len(get));
    const challenge = framed(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, 10, GENLMSGHDR.hdrLen, (w) =>
      w.field(GENL_CMD, NETRT_CMD_AUTH_CHALLENGE),
    );
    r.ch.input(challenge, 0, len(challenge));
    const link = framed(PROTO_ROUTE, C.RTM_GETLINK, C.NLM_F_ACK, 9, IFINFOMSG.hdrLen, (w) => w.field(IFI_INDEX, 2));
    r.ch.input(link, 0, len(link));
    r.net.clock.advance(500);
    r.node.stack.addrs.add(r.node.eth, addrRequest(ip("198.51.100.9"), 24));
    r.net.clock.advance(500);
    const seen = r.got.flatMap((g) => g.msgs.map((m) => [g.proto, m.seq, m.typeName, m.header.error ?? null]));
    assert.deepEqual(seen, [
      [PROTO_GENERIC, 7, "NLMSG_ERROR", 0],
      [PROTO_GENERIC, 8, "NLMSG_ERROR", -ENODEV],
      [PROTO_GENERIC, 10, "NETRT", null],
      [PROTO_GENERIC, 10, "NLMSG_ERROR", 0],
      [PROTO_ROUTE, 9, "RTM_NEWLINK", null],
      [PROTO_ROUTE, 9, "NLMSG_ERROR", 0],
      [PROTO_ROUTE, 0, "RTM_NEWADDR", null],
    ]);
  });
});
