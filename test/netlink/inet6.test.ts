// The control channel's IPv6 part (src/netlink/route/inet6.ts) on a
// simulated device: AF_INET6 addresses with their flags and lifetimes,
// neighbours with nd6's states, the IPv6 main table from Router
// Advertisements, both-family dumps, changes and their notifications.
import { strict as assert } from "node:assert";
import { findAttr, type MessageValue } from "../../cli/describe";
import { alloc } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import * as C from "../../src/netlink/constants";
import { EADDRNOTAVAIL, EEXIST, ENOENT, EOPNOTSUPP } from "../../src/net/errno";
import { GENLMSGHDR, NETRT_A_GROUPS, NETRT_CMD_SUBSCRIBE } from "../../src/netlink/family";
import { Inet6Rtnl } from "../../src/netlink/route/inet6";
import { IFADDRMSG, NDMSG, RTMSG } from "../../src/netlink/schemas";
import { PROTO_ROUTE } from "../../src/netlink/frame";
import { NlWriter } from "../../src/netlink/writer";
import { capture, rawFrom, withIpv6, type V6Node } from "../net/ipv6-node";
import { ALL_NODES, ipv6Packet, ndOption, ndRouterAdvert, prefixInfo } from "../net/ipv6-packets";
import { Rig } from "./rig";

void GENLMSGHDR;
const bytes = (h: string): number[] => [...Buffer.from(h, "hex")];
const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const attr = (m: MessageValue, name: string): unknown => findAttr(m.attrs, name)?.value;

interface Six {
  rig: Rig;
  dev: V6Node;
  router: V6Node;
  advertise(lifetime: number, options: number[][]): void;
  ask(type: number, flags: number, hdrLen: number, build?: (w: NlWriter) => void): MessageValue[];
}

function six(): Six {
  const rig = new Rig();
  const dev = withIpv6(rig.node);
  rig.ch.rtnl.inet6 = new Inet6Rtnl(dev.ip6, rig.net.clock);
  const part = rig.ch.rtnl.inet6 as Inet6Rtnl;
  rig.node.stack.events.add(part.listener(rig.ch.rtnl, (g, b) => rig.ch.publish(g, b)));
  const router = withIpv6(rig.net.node(1), { dadTransmits: 0 });
  capture(rig.node);
  const advertise = (lifetime: number, options: number[][]): void => {
    const slla = ndOption(1, [2, 0, 0, 0, 0, 1]);
    const upper = ndRouterAdvert({ lifetime, options: [slla, ...options] });
    const src = Buffer.from(router.ip6.addrs[0].addr as unknown as Uint8Array).toString("hex");
    rawFrom(
      router,
      Uint8Array.from([0x33, 0x33, 0, 0, 0, 1]) as unknown as Bytes,
      ipv6Packet({ src, dst: ALL_NODES, hopLimit: 255, proto: 58, upper }),
    );
    rig.net.clock.advance(5);
  };
  const ask = (
    type: number,
    flags: number,
    hdrLen: number,
    build: (w: NlWriter) => void = () => undefined,
  ): MessageValue[] => {
    rig.got.length = 0;
    rig.send(PROTO_ROUTE, type, flags, hdrLen, build);
    rig.net.clock.advance(2000);
    return rig.messages();
  };
  return { rig, dev, router, advertise, ask };
}

const family6 = (w: NlWriter): void => w.field(IFADDRMSG.fields[0], C.AF_INET6);
const addrsOf = (ms: MessageValue[]): string[] =>
  ms
    .filter((m) => m.type === C.RTM_NEWADDR)
    .map((m) => `${attr(m, "IFA_ADDRESS") ?? attr(m, "IFA_LOCAL")}/${m.header.prefixlen}`);

describe("control channel: IPv6 (AF_INET6)", function () {
  it("dumps the link-local address as Linux writes it: scope link, permanent, IFA_PROTO kernel_ll, tentative until DAD passes", function () {
    const s = six();
    let ms = s.ask(C.RTM_GETADDR, C.NLM_F_DUMP, IFADDRMSG.hdrLen, family6);
    assert.deepEqual(addrsOf(ms), ["fe80::ff:fe00:a/64"]);
    assert.equal(attr(ms[0], "IFA_FLAGS"), C.IFA_F_PERMANENT + C.IFA_F_TENTATIVE, "DAD under way");
    ms = s.ask(C.RTM_GETADDR, C.NLM_F_DUMP, IFADDRMSG.hdrLen, family6);
    const a = ms[0];
    assert.equal(a.header.family, C.AF_INET6);
    assert.equal(a.header.scope, 253);
    assert.equal(attr(a, "IFA_FLAGS"), C.IFA_F_PERMANENT, "DAD passed");
    assert.equal(attr(a, "IFA_PROTO"), C.IFAPROT_KERNEL_LL);
    assert.equal(attr(a, "IFA_CACHEINFO")!.toString().slice(0, 16), "ffffffffffffffff", "forever, both");
    assert.equal(ms[ms.length - 1].type, C.NLMSG_DONE);
    // AF_UNSPEC: IPv4's first, then IPv6's, in one dump.
    ms = s.ask(C.RTM_GETADDR, C.NLM_F_DUMP, IFADDRMSG.hdrLen);
    assert.deepEqual(addrsOf(ms), ["127.0.0.1/8", "192.0.2.10/24", "fe80::ff:fe00:a/64"]);
    // AF_INET: IPv4's only.
    ms = s.ask(C.RTM_GETADDR, C.NLM_F_DUMP, IFADDRMSG.hdrLen, (w) => w.field(IFADDRMSG.fields[0], C.AF_INET));
    assert.deepEqual(addrsOf(ms), ["127.0.0.1/8", "192.0.2.10/24"]);
  });

  it("after a Router Advertisement: the SLAAC address (mngtmpaddr, IFA_PROTO kernel_ra, lifetimes), the routes as Linux's, the router as a neighbour", function () {
    const s = six();
    s.rig.net.clock.advance(2500);
    s.advertise(600, [prefixInfo("20010db8000100000000000000000000", 64, 900, 600), ndOption(5, [0, 0, ...u32(1400)])]);
    s.rig.net.clock.advance(3000);
    let ms = s.ask(C.RTM_GETADDR, C.NLM_F_DUMP, IFADDRMSG.hdrLen, family6);
    assert.deepEqual(
      addrsOf(ms),
      ["2001:db8:1::ff:fe00:a/64", "fe80::ff:fe00:a/64"],
      "global before link-local, as Linux",
    );
    const g = ms[0];
    assert.equal(attr(g, "IFA_FLAGS"), C.IFA_F_MANAGETEMPADDR);
    assert.equal(g.header.flags, 0);
    assert.equal(attr(g, "IFA_PROTO"), C.IFAPROT_KERNEL_RA);
    const ci = Buffer.from(attr(g, "IFA_CACHEINFO") as string, "hex");
    assert.ok(ci.readUInt32LE(0) <= 600 && ci.readUInt32LE(0) >= 594, `preferred ${ci.readUInt32LE(0)}`);
    assert.ok(ci.readUInt32LE(4) <= 900 && ci.readUInt32LE(4) >= 894, `valid ${ci.readUInt32LE(4)}`);

    ms = s.ask(C.RTM_GETROUTE, C.NLM_F_DUMP, RTMSG.hdrLen, (w) => w.field(RTMSG.fields[0], C.AF_INET6));
    const routes = ms.filter((m) => m.type === C.RTM_NEWROUTE);
    const show = routes.map(
      (m) =>
        `${m.header.dst_len === 0 ? "default" : `${attr(m, "RTA_DST")}/${m.header.dst_len}`}${attr(m, "RTA_GATEWAY") !== undefined ? ` via ${attr(m, "RTA_GATEWAY")}` : ""} proto ${m.header.protocol} metric ${attr(m, "RTA_PRIORITY")}`,
    );
    assert.deepEqual(show, [
      "fe80::/64 proto 2 metric 256",
      "2001:db8:1::/64 proto 2 metric 256",
      "default via fe80::ff:fe00:1 proto 9 metric 1024",
    ]);
    const def = routes[2];
    assert.deepEqual(
      [attr(def, "RTAX_MTU"), attr(def, "RTAX_HOPLIMIT")],
      [1400, 64],
      "the advertisement's MTU and hop limit",
    );
    const expires = Buffer.from(attr(def, "RTA_CACHEINFO") as string, "hex").readUInt32LE(8);
    assert.ok(expires > 59000 && expires <= 60000, `expires ${expires} ticks`);

    ms = s.ask(C.RTM_GETNEIGH, C.NLM_F_DUMP, NDMSG.hdrLen, (w) => w.field(NDMSG.fields[0], C.AF_INET6));
    const n = ms.filter((m) => m.type === C.RTM_NEWNEIGH);
    assert.equal(n.length, 1);
    assert.equal(attr(n[0], "NDA_DST"), "fe80::ff:fe00:1");
    assert.equal(attr(n[0], "NDA_LLADDR"), "020000000001");
    assert.equal(n[0].header.state, C.NUD_STALE);
    assert.equal(n[0].header.flags, C.NTF_ROUTER);
    // AF_UNSPEC neighbours: IPv4's permanent one, then IPv6's.
    ms = s.ask(C.RTM_GETNEIGH, C.NLM_F_DUMP, NDMSG.hdrLen);
    assert.deepEqual(
      ms.filter((m) => m.type === C.RTM_NEWNEIGH).map((m) => attr(m, "NDA_DST")),
      ["192.0.2.1", "fe80::ff:fe00:1"],
    );
  });

  it("adds an address (nodad: preferred at once), refuses it twice, deletes it; each change is announced to RTNLGRP_IPV6_IFADDR", function () {
    const s = six();
    s.rig.command(NETRT_CMD_SUBSCRIBE, 0, (w) => w.int(NETRT_A_GROUPS, 4, 1 << (C.RTNLGRP_IPV6_IFADDR - 1)));
    s.rig.net.clock.advance(2500);
    const add = (flags: number, extra: number): MessageValue[] =>
      s.ask(C.RTM_NEWADDR, C.NLM_F_ACK + flags, IFADDRMSG.hdrLen, (w) => {
        w.field(IFADDRMSG.fields[0], C.AF_INET6);
        w.field(IFADDRMSG.fields[1], 64);
        w.field(IFADDRMSG.fields[4], 2);
        w.bytes(C.IFA_LOCAL, Uint8Array.from(bytes("20010db8000000000000000000000010")) as unknown as Bytes, 0, 16);
        w.int(C.IFA_FLAGS, 4, extra);
      });
    let ms = add(C.NLM_F_CREATE + C.NLM_F_EXCL, C.IFA_F_NODAD);
    const err = ms.find((m) => m.type === C.NLMSG_ERROR)!;
    assert.equal(err.header.error, 0);
    const note = ms.find((m) => m.type === C.RTM_NEWADDR)!;
    assert.equal(attr(note, "IFA_ADDRESS"), "2001:db8::10");
    assert.equal(attr(note, "IFA_FLAGS"), C.IFA_F_PERMANENT + C.IFA_F_NODAD);
    assert.ok(s.dev.ip6.addrs.some((a) => a.noDad && a.state === 2));
    ms = add(C.NLM_F_CREATE + C.NLM_F_EXCL, 0);
    assert.equal(ms.find((m) => m.type === C.NLMSG_ERROR)!.header.error, -EEXIST);
    // Its prefix route is in the main table.
    ms = s.ask(C.RTM_GETROUTE, C.NLM_F_DUMP, RTMSG.hdrLen, (w) => w.field(RTMSG.fields[0], C.AF_INET6));
    assert.ok(ms.some((m) => attr(m, "RTA_DST") === "2001:db8::" && m.header.dst_len === 64));
    ms = s.ask(C.RTM_DELADDR, C.NLM_F_ACK, IFADDRMSG.hdrLen, (w) => {
      w.field(IFADDRMSG.fields[0], C.AF_INET6);
      w.field(IFADDRMSG.fields[1], 64);
      w.field(IFADDRMSG.fields[4], 2);
      w.bytes(C.IFA_LOCAL, Uint8Array.from(bytes("20010db8000000000000000000000010")) as unknown as Bytes, 0, 16);
    });
    assert.equal(ms.find((m) => m.type === C.NLMSG_ERROR)!.header.error, 0);
    assert.ok(ms.some((m) => m.type === C.RTM_DELADDR && attr(m, "IFA_ADDRESS") === "2001:db8::10"));
    assert.ok(!s.dev.ip6.addrs.some((a) => a.noDad));
    ms = s.ask(C.RTM_DELADDR, C.NLM_F_ACK, IFADDRMSG.hdrLen, (w) => {
      w.field(IFADDRMSG.fields[0], C.AF_INET6);
      w.field(IFADDRMSG.fields[1], 64);
      w.field(IFADDRMSG.fields[4], 2);
      w.bytes(C.IFA_LOCAL, Uint8Array.from(bytes("20010db8000000000000000000000010")) as unknown as Bytes, 0, 16);
    });
    assert.equal(ms.find((m) => m.type === C.NLMSG_ERROR)!.header.error, -EADDRNOTAVAIL, "EADDRNOTAVAIL");
  });

  it("neighbours: announced to RTNLGRP_NEIGH as nd6 learns them; a GET by address; a delete; no IPv6 entry can be set", function () {
    const s = six();
    s.rig.command(NETRT_CMD_SUBSCRIBE, 0, (w) => w.int(NETRT_A_GROUPS, 4, 1 << (C.RTNLGRP_NEIGH - 1)));
    s.rig.net.clock.advance(2500);
    s.rig.got.length = 0;
    s.advertise(600, []);
    const note = s.rig.messages().find((m) => m.type === C.RTM_NEWNEIGH);
    assert.ok(note !== undefined, "the router's entry is announced");
    assert.equal(note!.header.family, C.AF_INET6);
    const dst = (w: NlWriter): void => {
      w.field(NDMSG.fields[0], C.AF_INET6);
      w.field(NDMSG.fields[1], 2);
      w.bytes(C.NDA_DST, s.router.ip6.addrs[0].addr, 0, 16);
    };
    let ms = s.ask(C.RTM_GETNEIGH, 0, NDMSG.hdrLen, dst);
    assert.equal(ms.filter((m) => m.type === C.RTM_NEWNEIGH).length, 1);
    ms = s.ask(C.RTM_NEWNEIGH, C.NLM_F_ACK + C.NLM_F_CREATE, NDMSG.hdrLen, (w) => {
      dst(w);
      w.bytes(C.NDA_LLADDR, alloc(6), 0, 6);
    });
    assert.equal(ms.find((m) => m.type === C.NLMSG_ERROR)!.header.error, -EOPNOTSUPP, "EOPNOTSUPP");
    ms = s.ask(C.RTM_DELNEIGH, C.NLM_F_ACK, NDMSG.hdrLen, dst);
    assert.equal(ms.find((m) => m.type === C.NLMSG_ERROR)!.header.error, 0);
    assert.ok(
      ms.some((m) => m.type === C.RTM_DELNEIGH),
      "the delete is announced",
    );
    ms = s.ask(C.RTM_GETNEIGH, 0, NDMSG.hdrLen, dst);
    assert.equal(ms.find((m) => m.type === C.NLMSG_ERROR)!.header.error, -ENOENT);
  });

  it("routes are announced to RTNLGRP_IPV6_ROUTE: an advertisement's default and prefix routes as created, and their end", function () {
    const s = six();
    const groups = (1 << (C.RTNLGRP_IPV6_ROUTE - 1)) + (1 << (C.RTNLGRP_IPV6_IFADDR - 1));
    s.rig.command(NETRT_CMD_SUBSCRIBE, 0, (w) => w.int(NETRT_A_GROUPS, 4, groups));
    s.rig.net.clock.advance(2500);
    s.rig.got.length = 0;
    s.advertise(100, [prefixInfo("20010db8000100000000000000000000", 64, 200, 100)]);
    // The SLAAC address is announced as what it is from the first message: SLAAC's, tentative, with lifetimes.
    const addr = s.rig.messages().find((m) => m.type === C.RTM_NEWADDR)!;
    assert.equal(attr(addr, "IFA_FLAGS"), C.IFA_F_MANAGETEMPADDR + C.IFA_F_TENTATIVE);
    assert.equal(Buffer.from(attr(addr, "IFA_CACHEINFO") as string, "hex").readUInt32LE(4), 200);
    const made = s.rig.messages().filter((m) => m.type === C.RTM_NEWROUTE);
    assert.deepEqual(
      made.map((m) => [m.header.dst_len, attr(m, "RTA_GATEWAY") ?? attr(m, "RTA_DST"), m.flags]),
      [
        [0, "fe80::ff:fe00:1", C.NLM_F_CREATE + C.NLM_F_EXCL],
        [64, "2001:db8:1::", C.NLM_F_CREATE + C.NLM_F_EXCL],
      ],
    );
    s.rig.got.length = 0;
    s.rig.net.clock.advance(201_000);
    const gone = s.rig.messages().filter((m) => m.type === C.RTM_DELROUTE);
    assert.deepEqual(
      gone.map((m) => m.header.dst_len),
      [0, 64],
      "the router's 100 s, then the prefix's 200 s",
    );
  });

  it("route get: the next hop and the source the device would use", function () {
    const s = six();
    s.rig.net.clock.advance(2500);
    s.advertise(600, [prefixInfo("20010db8000100000000000000000000", 64, 900, 600)]);
    s.rig.net.clock.advance(3000);
    const ms = s.ask(C.RTM_GETROUTE, 0, RTMSG.hdrLen, (w) => {
      w.field(RTMSG.fields[0], C.AF_INET6);
      w.bytes(C.RTA_DST, Uint8Array.from(bytes("20010db8999900000000000000000001")) as unknown as Bytes, 0, 16);
    });
    const r = ms.find((m) => m.type === C.RTM_NEWROUTE)!;
    assert.equal(attr(r, "RTA_GATEWAY"), "fe80::ff:fe00:1");
    assert.equal(attr(r, "RTA_PREFSRC"), "2001:db8:1::ff:fe00:a");
    assert.equal(r.header.dst_len, 128);
  });

  it("without IPv6 in the build, AF_INET6 dumps are empty (not IPv4's objects)", function () {
    const rig = new Rig();
    for (const [type, hdr] of [
      [C.RTM_GETADDR, IFADDRMSG],
      [C.RTM_GETNEIGH, NDMSG],
      [C.RTM_GETROUTE, RTMSG],
    ] as const) {
      rig.got.length = 0;
      rig.send(PROTO_ROUTE, type, C.NLM_F_DUMP, hdr.hdrLen, (w) => w.field(hdr.fields[0], C.AF_INET6));
      rig.net.clock.advance(1000);
      assert.deepEqual(
        rig.messages().map((m) => m.type),
        [C.NLMSG_DONE],
        `type ${type}`,
      );
    }
  });
});
