// The control channel end to end on the simulated clock: framed requests
// in, framed replies out, paced to the baud rate; subscriptions; and line
// noise that never crashes the device or changes its state (property).
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import fc from "fast-check";
import { findAttr, type MessageValue } from "../../cli/describe";
import { alloc } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { LLE_STATIC } from "../../src/net/lltable";
import * as C from "../../src/netlink/constants";
import { encodedMax, encodeFrame, PROTO_GENERIC, PROTO_ROUTE } from "../../src/netlink/frame";
import {
  IFA_FAMILY_F,
  IFA_INDEX,
  IFA_PREFIXLEN,
  IFADDRMSG,
  IFI_INDEX,
  IFINFOMSG,
  NDMSG,
} from "../../src/netlink/schemas";
import { addrRequest } from "../../src/net/inaddr";
import { ip, macOf } from "../net/helpers";
import { BAUD, Rig } from "./rig";
import {
  groupBit,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_GROUPS,
  NETRT_A_KEY,
  NETRT_A_MAC,
  NETRT_CMD_AUTH_CHALLENGE,
  NETRT_CMD_AUTH_RESPONSE,
  NETRT_CMD_SET_KEY,
  NETRT_CMD_SUBSCRIBE,
  NETRT_GENL_TYPE,
  NETRT_GROUP_DHCP,
  GENL_ATTRS,
  NETRT_A_IFINDEX,
  NETRT_CMD_DHCP_GET,
} from "../../src/netlink/family";
import { PROBE_OFF, rfc2131Profile } from "../../src/dhcp/config";
import { DHCP_EV_EXPIRED } from "../../src/dhcp/states";
import { EINVAL, ENOBUFS, ENODEV, EPERM } from "../../src/net/errno";
import { NlWriter } from "../../src/netlink/writer";
import { SESSION_MS } from "../../src/netlink/auth";

describe("control channel (framing + rtnetlink + our family)", function () {
  it("answers a framed GETLINK with a framed reply", function () {
    const r = new Rig();
    r.send(PROTO_ROUTE, C.RTM_GETLINK, 0, IFINFOMSG.hdrLen, (w) => w.field(IFI_INDEX, 2));
    const m = r.messages();
    assert.equal(m.length, 1);
    assert.equal(m[0].typeName, "RTM_NEWLINK");
    assert.equal(findAttr(m[0].attrs, "IFLA_IFNAME")?.value, "eth0");
    assert.equal(r.got[0].proto, PROTO_ROUTE);
  });

  it("paces a 64-entry neighbour dump to the line: one frame ahead, never faster than 115200 baud", function () {
    const r = new Rig(64);
    const t = r.node.eth.lltable!;
    for (let i = 0; i < 62; i++) t.addStatic(ip(`192.0.2.${100 + i}`), macOf(100 + i), 0, LLE_STATIC);
    r.send(PROTO_ROUTE, C.RTM_GETNEIGH, C.NLM_F_DUMP, NDMSG.hdrLen, () => undefined);
    const first = r.got.length;
    assert.ok(first >= 1 && first <= 2, `${first} frames at once`);
    r.net.clock.advance(10000);
    const all = r.messages();
    assert.equal(all.filter((m) => m.typeName === "RTM_NEWNEIGH").length, 63);
    assert.equal(all[all.length - 1].typeName, "NLMSG_DONE");
    const wireMs = (r.bytesOut * 10 * 1000) / BAUD;
    const last = r.got[r.got.length - 1].at;
    // The last frame goes out when the line has room for it: within two frames of the wire time.
    assert.ok(
      last >= wireMs - 2 * ((512 * 10 * 1000) / BAUD) && last <= wireMs + 20,
      `last frame at ${last} ms, wire time ${wireMs.toFixed(1)} ms`,
    );
  });

  it("delivers notifications only for subscribed groups", function () {
    const r = new Rig();
    r.node.stack.addrs.add(r.node.eth, addrRequest(ip("198.51.100.1"), 24));
    assert.equal(r.messages().length, 0, "nobody subscribed");
    r.send(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
      w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
      w.int(NETRT_A_GROUPS, 4, groupBit(C.RTNLGRP_IPV4_IFADDR) + groupBit(NETRT_GROUP_DHCP));
    });
    assert.equal(r.messages()[0].header.error, 0, "subscription ACKed");
    r.got.length = 0;
    r.node.stack.addrs.add(r.node.eth, addrRequest(ip("198.51.100.2"), 24));
    r.node.eth.lltable!.addStatic(ip("192.0.2.77"), macOf(77), 0, LLE_STATIC);
    const m = r.messages();
    assert.deepEqual(
      m.map((x) => x.typeName),
      ["RTM_NEWADDR"],
    );
    assert.equal(findAttr(m[0].attrs, "IFA_LOCAL")?.value, "198.51.100.2");
    assert.equal(m[0].seq, 0);
  });

  it("batches a burst of notifications into frames, and reports what it had to drop as ENOBUFS", function () {
    const r = new Rig(64);
    r.send(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
      w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
      w.int(NETRT_A_GROUPS, 4, groupBit(C.RTNLGRP_NEIGH));
    });
    r.net.clock.advance(100);
    r.got.length = 0;
    const t = r.node.eth.lltable!;
    for (let i = 0; i < 40; i++) t.addStatic(ip(`192.0.2.${100 + i}`), macOf(100 + i), 0, LLE_STATIC);
    r.net.clock.advance(5000);
    const m = r.messages();
    const news = m.filter((x) => x.typeName === "RTM_NEWNEIGH").length;
    const lost = m.find((x) => x.typeName === "NLMSG_ERROR");
    assert.ok(lost !== undefined, "the listener hears about the loss");
    assert.equal(lost.header.error, -ENOBUFS);
    const n = Number(/^(\d+) notifications lost/.exec(String(findAttr(lost.attrs, "NLMSGERR_ATTR_MSG")?.value))?.[1]);
    assert.equal(news + n, 40, `${news} delivered + ${n} lost`);
    assert.ok(
      r.got.some((g) => g.msgs.length > 1),
      "several notifications share a frame",
    );
    assert.equal(r.ch.rtnl.counters.notifyDropped, n);
  });

  it("locks changes behind an HMAC challenge-response once a key is set; reads stay open", function () {
    const r = new Rig();
    const genl = (cmd: number, attrs: (w: NlWriter) => void = () => undefined): MessageValue => {
      r.got.length = 0;
      r.send(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
        w.field(GENL_CMD, cmd);
        attrs(w);
      });
      r.net.clock.advance(50);
      return r.messages()[0];
    };
    const setMtu = (mtu: number): MessageValue => {
      r.got.length = 0;
      r.send(PROTO_ROUTE, C.RTM_NEWLINK, C.NLM_F_ACK, IFINFOMSG.hdrLen, (w) => {
        w.field(IFI_INDEX, 2);
        w.int(C.IFLA_MTU, 4, mtu);
      });
      r.net.clock.advance(50);
      return r.messages()[0];
    };
    const key = crypto.randomBytes(32);
    const bytesOf = (b: Buffer): Bytes => b as unknown as Bytes;
    // Bring-up: no key yet, so changes are open and setting the first key is allowed.
    assert.equal(setMtu(1400).header.error, 0);
    assert.equal(genl(NETRT_CMD_SET_KEY, (w) => w.bytes(NETRT_A_KEY, bytesOf(key), 0, 32)).header.error, 0);
    const refused = setMtu(1300);
    assert.equal(refused.header.error, -EPERM);
    assert.match(String(findAttr(refused.attrs, "NLMSGERR_ATTR_MSG")?.value), /authenticated session/);
    assert.equal(r.node.eth.mtu, 1400);
    r.got.length = 0;
    r.send(PROTO_ROUTE, C.RTM_GETLINK, 0, IFINFOMSG.hdrLen, (w) => w.field(IFI_INDEX, 2));
    assert.equal(r.messages()[0].typeName, "RTM_NEWLINK", "reads need no session");
    // A wrong answer fails and spends the nonce.
    let ch = genl(NETRT_CMD_AUTH_CHALLENGE);
    assert.equal(findAttr(ch.attrs, "NETRT_A_KEYED")?.value, 1);
    const nonce = Buffer.from(String(findAttr(ch.attrs, "NETRT_A_NONCE")?.value), "hex");
    assert.equal(nonce.length, 16);
    const wrong = crypto.createHmac("sha256", crypto.randomBytes(32)).update(nonce).digest();
    assert.equal(
      genl(NETRT_CMD_AUTH_RESPONSE, (w) => w.bytes(NETRT_A_MAC, bytesOf(wrong), 0, 32)).header.error,
      -EPERM,
    );
    const right = crypto.createHmac("sha256", key).update(nonce).digest();
    assert.equal(
      genl(NETRT_CMD_AUTH_RESPONSE, (w) => w.bytes(NETRT_A_MAC, bytesOf(right), 0, 32)).header.error,
      -EINVAL,
      "the nonce was used up",
    );
    // The right answer to a fresh nonce opens a session.
    ch = genl(NETRT_CMD_AUTH_CHALLENGE);
    const nonce2 = Buffer.from(String(findAttr(ch.attrs, "NETRT_A_NONCE")?.value), "hex");
    assert.notDeepEqual(nonce2, nonce);
    const mac = crypto.createHmac("sha256", key).update(nonce2).digest();
    assert.equal(genl(NETRT_CMD_AUTH_RESPONSE, (w) => w.bytes(NETRT_A_MAC, bytesOf(mac), 0, 32)).header.error, 0);
    assert.equal(setMtu(1300).header.error, 0);
    assert.equal(r.node.eth.mtu, 1300);
    // Idle sessions end.
    r.net.clock.advance(SESSION_MS + 1000);
    assert.equal(setMtu(1280).header.error, -EPERM);
    assert.deepEqual(r.ch.auth.counters, { challenges: 2, failures: 1, sessions: 1, refused: 2 });
  });

  it("answers requests for DHCP with an error when the device has no DHCP client", function () {
    const r = new Rig();
    r.send(PROTO_GENERIC, NETRT_GENL_TYPE, 0, GENLMSGHDR.hdrLen, (w) => w.field(GENL_CMD, 2), 9);
    const m = r.messages()[0];
    assert.equal(m.typeName, "NLMSG_ERROR");
    assert.equal(m.seq, 9);
    assert.equal(m.header.error, -ENODEV);
  });

  it("answers DHCP requests for the interface they name (NETRT_A_IFINDEX), and publishes each client's events", function () {
    const r = new Rig();
    const client = r.dhcpClient({ ...rfc2131Profile(), probe: PROBE_OFF });
    client.start();
    const get = (ifindex: number, seq: number): MessageValue => {
      r.send(
        PROTO_GENERIC,
        NETRT_GENL_TYPE,
        0,
        GENLMSGHDR.hdrLen,
        (w) => {
          w.field(GENL_CMD, NETRT_CMD_DHCP_GET);
          if (ifindex > 0) w.put(GENL_ATTRS, NETRT_A_IFINDEX, ifindex);
        },
        seq,
      );
      const m = r.messages().filter((x) => x.seq === seq);
      assert.equal(m.length, 1);
      return m[0];
    };
    const mine = get(r.node.eth.index, 20);
    assert.equal(mine.typeName, "NETRT");
    assert.equal(findAttr(mine.attrs, "NETRT_A_IFINDEX")?.value, r.node.eth.index);
    assert.equal(findAttr(get(0, 21).attrs, "NETRT_A_IFINDEX")?.value, r.node.eth.index, "no index: the first client");
    const lo = get(1, 22);
    assert.equal(lo.typeName, "NLMSG_ERROR");
    assert.equal(lo.header.error, -ENODEV);
    assert.match(String(findAttr(lo.attrs, "NLMSGERR_ATTR_MSG")?.value), /no DHCP client on interface 1/);
    // Its events reach a subscriber through the stack's events, with its interface.
    r.send(PROTO_GENERIC, NETRT_GENL_TYPE, 0, GENLMSGHDR.hdrLen, (w) => {
      w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
      w.int(NETRT_A_GROUPS, 4, groupBit(NETRT_GROUP_DHCP));
    });
    const before = r.messages().length;
    r.node.stack.events.emit("dhcp", DHCP_EV_EXPIRED, client, client.lease);
    r.net.clock.advance(100);
    const ev = r.messages().slice(before);
    assert.equal(ev.length, 1);
    assert.equal(findAttr(ev[0].attrs, "NETRT_A_DHCP_EVENT")?.value, DHCP_EV_EXPIRED);
    assert.equal(findAttr(ev[0].attrs, "NETRT_A_IFINDEX")?.value, r.node.eth.index);
  });

  it("survives any noise on the line, never changes state for it, and keeps answering (property)", function () {
    const r = new Rig();
    // Valid mutating requests, to be damaged in transit.
    const frames: Uint8Array[] = [];
    const capture = (
      proto: number,
      type: number,
      flags: number,
      hdrLen: number,
      build: (w: NlWriter) => void,
    ): void => {
      const w = new NlWriter(alloc(512));
      w.begin(type, C.NLM_F_REQUEST + flags, 1, 0, hdrLen);
      build(w);
      const n = w.end();
      const out = alloc(encodedMax(n + 3));
      const k = encodeFrame(proto, w.buf, 0, n, out, alloc(n + 3));
      frames.push((out as unknown as Uint8Array).slice(0, k));
    };
    capture(PROTO_ROUTE, C.RTM_NEWADDR, C.NLM_F_CREATE + C.NLM_F_ACK, IFADDRMSG.hdrLen, (w) => {
      w.field(IFA_FAMILY_F, C.AF_INET);
      w.field(IFA_PREFIXLEN, 24);
      w.field(IFA_INDEX, 2);
      w.inAddr(C.IFA_LOCAL, ip("203.0.113.9"));
    });
    capture(PROTO_ROUTE, C.RTM_NEWLINK, C.NLM_F_ACK, IFINFOMSG.hdrLen, (w) => {
      w.field(IFI_INDEX, 2);
      w.int(C.IFLA_MTU, 4, 1280);
    });
    const before = r.snapshot();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc
            .tuple(
              fc.constantFrom(...frames),
              fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
            )
            .map(([f, flips]) => {
              const b = Uint8Array.from(f);
              for (const [i, x] of flips) b[i % (b.length - 1)] ^= x;
              return b;
            }),
        ),
        (noise) => {
          r.ch.input(noise as unknown as Bytes, 0, noise.length);
          r.ch.input(Uint8Array.from([0]) as unknown as Bytes, 0, 1);
          assert.equal(r.snapshot(), before);
        },
      ),
      { numRuns: 2000, seed: 11 },
    );
    const c = r.ch.decoder.counters;
    assert.ok(c.crcErrors + c.malformed + c.oversize > 1000, JSON.stringify(c));
    r.got.length = 0;
    r.send(PROTO_ROUTE, C.RTM_GETLINK, 0, IFINFOMSG.hdrLen, (w) => w.field(IFI_INDEX, 1));
    assert.equal(findAttr(r.messages()[0].attrs, "IFLA_IFNAME")?.value, "lo", "still answering");
  });
});
