// The route-family handlers against the kernel: the same state as the
// vectors' namespace (lo, eth0 = index 2 with 02:00:00:00:00:0a,
// 192.0.2.10/24, permanent neighbour 192.0.2.1), the kernel's requests
// replayed, our replies compared with the kernel's.
import { strict as assert } from "node:assert";
import { describeFrame, findAttr, type MessageValue } from "../../cli/describe";
import { alloc, copy, len } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { EEXIST, EINVAL, ENETUNREACH, ENODEV, ENOENT, ENOSPC, EOPNOTSUPP, EPERM, ERANGE } from "../../src/net/errno";
import { IFF_UP } from "../../src/net/ifnet";
import { addrRequest } from "../../src/net/inaddr";
import { LLE_STATIC } from "../../src/net/lltable";
import * as C from "../../src/netlink/constants";
import { Rtnl } from "../../src/netlink/rtnl";
import {
  IFA_INDEX,
  IFA_PREFIXLEN,
  IFADDRMSG,
  IFI_CHANGE,
  IFI_FLAGS,
  IFI_INDEX,
  IFINFOMSG,
  NDM_IFINDEX,
  NDM_STATE,
  NDMSG,
  RTM_FAMILY,
  RTMSG,
} from "../../src/netlink/schemas";
import { fromHex } from "../../src/util/hex";
import { ip, macOf, Net, type Node } from "../net/helpers";
import { loadVectors } from "./vectors";
import { NlWriter } from "../../src/netlink/writer";

class Device {
  readonly net = new Net();
  readonly node: Node;
  readonly frames: Bytes[] = [];
  open = true;
  readonly rtnl: Rtnl;

  constructor(maxFrame = 2048, neighbours = 8) {
    this.node = this.net.node(10, "192.0.2.10/24", { capacity: neighbours });
    this.node.eth.lltable!.addStatic(ip("192.0.2.1"), macOf(1), 0, LLE_STATIC);
    this.rtnl = new Rtnl(
      this.node.stack,
      {
        driverName: () => "sim",
        mayMutate: () => this.open,
        send: (b, n) => {
          const f = alloc(n);
          copy(f, 0, b, 0, n);
          this.frames.push(f);
          return true;
        },
      },
      maxFrame,
    );
  }

  /** Sends a request frame; returns every message of every reply frame. */
  ask(req: Bytes): MessageValue[] {
    this.frames.length = 0;
    this.rtnl.input(req, len(req));
    return this.frames.flatMap((f) => describeFrame(f));
  }
}

const hex = (h: string): Bytes => fromHex(h)!;

function request(type: number, flags: number, build: (w: NlWriter) => void, hdrLen: number): Bytes {
  const w = new NlWriter(alloc(512));
  w.begin(type, C.NLM_F_REQUEST + flags, 77, 0, hdrLen);
  build(w);
  const n = w.end();
  const b = alloc(n);
  copy(b, 0, w.buf, 0, n);
  return b;
}

describe("rtnetlink handlers", function () {
  const vectors = new Map(loadVectors().map((v) => [v.name, v]));

  it("answers the kernel's recorded requests as the kernel did (types, flags, errno, dump shape)", function () {
    for (const name of [
      "getlink_dump",
      "getlink_dump_iproute2",
      "getlink_index",
      "getlink_name",
      "getlink_missing_index",
      "getaddr_dump",
      "getneigh_dump",
      "newneigh_create",
      "newneigh_excl_dup",
      "delneigh_missing",
      "newlink_mtu",
      "newlink_mtu_too_small",
      "newlink_mtu_restore",
      "malformed_nla_wrong_size",
      "malformed_short_ifinfomsg",
    ]) {
      const v = vectors.get(name)!;
      const dev = new Device();
      if (name === "newneigh_excl_dup") dev.ask(hex(vectors.get("newneigh_create")!.request!));
      const ours = dev.ask(hex(v.request!));
      const theirs = v.replies!.flatMap((r) => describeFrame(hex(r)));
      assert.deepEqual(
        ours.map((m) => [m.typeName, m.seq, m.flags & C.NLM_F_MULTI, m.header.error ?? null]),
        theirs.map((m) => [m.typeName, m.seq, m.flags & C.NLM_F_MULTI, m.header.error ?? null]),
        name,
      );
      for (let i = 0; i < theirs.length; i++) {
        const k = findAttr(theirs[i].attrs, "NLMSGERR_ATTR_MSG");
        if (k !== undefined)
          assert.equal(findAttr(ours[i].attrs, "NLMSGERR_ATTR_MSG")?.value, k.value, `${name}: the kernel's message`);
        if (theirs[i].typeName === "NLMSG_ERROR" && theirs[i].header.error === 0)
          assert.equal(ours[i].len, theirs[i].len, `${name}: a plain ACK is ${theirs[i].len} bytes`);
      }
    }
  });

  it("emits the kernel's attribute types with the kernel's sizes for a link, an address and a neighbour", function () {
    const dev = new Device();
    const compare = (ours: MessageValue, theirs: MessageValue, what: string): void => {
      const sizes = new Map(theirs.attrs.map((a) => [a.type, a.len]));
      for (const a of ours.attrs) {
        if (a.name === "IFLA_LINKINFO") continue; // nested kind: the kernel's is "veth", ours the driver's name
        // in.c derives a broadcast address where `ip addr add` without `brd` leaves none; the
        // kernel emits it (4 bytes) when it has one.
        if (a.name === "IFA_BROADCAST" && !sizes.has(a.type)) {
          assert.equal(a.len, 8);
          continue;
        }
        assert.ok(sizes.has(a.type), `${what}: the kernel does not emit ${a.name}`);
        if (a.name !== "IFLA_IFALIAS")
          assert.equal(
            a.len,
            sizes.get(a.type),
            `${what}: ${a.name} is ${a.len} bytes, the kernel's ${sizes.get(a.type)}`,
          );
      }
      for (const f of Object.keys(theirs.header))
        assert.equal(typeof ours.header[f], "number", `${what}: header field ${f}`);
    };
    const link = dev.ask(hex(vectors.get("getlink_index")!.request!))[0];
    const kLink = describeFrame(hex(vectors.get("getlink_index")!.replies![0]))[0];
    compare(link, kLink, "link");
    assert.equal(link.header.flags, kLink.header.flags, "ifi_flags UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP");
    for (const n of [
      "IFLA_IFNAME",
      "IFLA_MTU",
      "IFLA_ADDRESS",
      "IFLA_BROADCAST",
      "IFLA_OPERSTATE",
      "IFLA_CARRIER",
      "IFLA_TXQLEN",
    ])
      assert.ok(findAttr(link.attrs, n) !== undefined, n);
    assert.equal(findAttr(link.attrs, "IFLA_ADDRESS")?.value, findAttr(kLink.attrs, "IFLA_ADDRESS")?.value);
    const addrs = dev.ask(hex(vectors.get("getaddr_dump")!.request!));
    const kAddrs = vectors.get("getaddr_dump")!.replies!.flatMap((r) => describeFrame(hex(r)));
    const eth = addrs.find((m) => m.header.index === 2)!;
    const kEth = kAddrs.find((m) => m.header.index === 2)!;
    compare(eth, kEth, "address");
    assert.deepEqual(eth.header, kEth.header);
    const lo = addrs.find((m) => m.header.index === 1)!;
    assert.deepEqual(lo.header, kAddrs.find((m) => m.header.index === 1)!.header, "lo's 127.0.0.1/8 scope host");
    const neigh = dev.ask(hex(vectors.get("getneigh_dump")!.request!))[0];
    const kNeigh = describeFrame(hex(vectors.get("getneigh_dump")!.replies![0]))[0];
    compare(neigh, kNeigh, "neighbour");
    assert.deepEqual(neigh.header, kNeigh.header, "ndm_state PERMANENT, type unicast");
    assert.equal(findAttr(neigh.attrs, "NDA_LLADDR")?.value, "020000000001");
  });

  it("changes MTU, admin state and alias through NEWLINK, within the driver's limits, and refuses DELLINK", function () {
    const dev = new Device();
    const eth = dev.node.eth;
    let r = dev.ask(
      request(
        C.RTM_NEWLINK,
        C.NLM_F_ACK,
        (w) => {
          w.field(IFI_INDEX, 2);
          w.int(C.IFLA_MTU, 4, 1400);
          w.str(C.IFLA_IFALIAS, "uplink");
        },
        IFINFOMSG.hdrLen,
      ),
    );
    assert.equal(r[0].header.error, 0);
    assert.equal(eth.mtu, 1400);
    assert.equal(eth.alias, "uplink");
    r = dev.ask(
      request(
        C.RTM_NEWLINK,
        C.NLM_F_ACK,
        (w) => {
          w.field(IFI_INDEX, 2);
          w.int(C.IFLA_MTU, 4, 9000);
        },
        IFINFOMSG.hdrLen,
      ),
    );
    assert.equal(r[0].header.error, -EINVAL);
    assert.equal(findAttr(r[0].attrs, "NLMSGERR_ATTR_MSG")?.value, "mtu greater than device maximum");
    assert.equal(eth.mtu, 1400);
    r = dev.ask(
      request(
        C.RTM_NEWLINK,
        C.NLM_F_ACK,
        (w) => {
          w.field(IFI_INDEX, 2);
          w.field(IFI_FLAGS, 0);
          w.field(IFI_CHANGE, IFF_UP);
        },
        IFINFOMSG.hdrLen,
      ),
    );
    assert.equal(r[0].header.error, 0);
    assert.equal(eth.has(IFF_UP), false);
    const link = dev.ask(request(C.RTM_GETLINK, 0, (w) => w.field(IFI_INDEX, 2), IFINFOMSG.hdrLen))[0];
    assert.equal(findAttr(link.attrs, "IFLA_OPERSTATE")?.value, C.IF_OPER_DOWN);
    assert.equal(findAttr(link.attrs, "IFLA_IFALIAS")?.value, "uplink");
    r = dev.ask(request(C.RTM_DELLINK, C.NLM_F_ACK, (w) => w.field(IFI_INDEX, 2), IFINFOMSG.hdrLen));
    assert.equal(r[0].header.error, -EOPNOTSUPP);
    assert.equal(r[0].attrs.length, 0, "a bare error, as Linux answers a NIC's delete");
    r = dev.ask(request(C.RTM_GETLINK, 0, (w) => w.str(C.IFLA_IFNAME, "wlan9"), IFINFOMSG.hdrLen));
    assert.equal(r[0].header.error, -ENODEV);
  });

  it("adds and deletes addresses with in.c semantics, with EEXIST under NLM_F_EXCL", function () {
    const dev = new Device();
    const add = (flags: number, addr: string, plen: number) =>
      dev.ask(
        request(
          C.RTM_NEWADDR,
          C.NLM_F_ACK + flags,
          (w) => {
            w.field(IFADDRMSG.fields[0], C.AF_INET);
            w.field(IFA_PREFIXLEN, plen);
            w.field(IFA_INDEX, 2);
            w.inAddr(C.IFA_LOCAL, ip(addr));
          },
          IFADDRMSG.hdrLen,
        ),
      )[0];
    assert.equal(add(C.NLM_F_CREATE + C.NLM_F_EXCL, "198.51.100.7", 24).header.error, 0);
    assert.ok(dev.node.stack.addrs.findOn(dev.node.eth, ip("198.51.100.7")) !== undefined);
    assert.equal(add(C.NLM_F_CREATE + C.NLM_F_EXCL, "198.51.100.7", 24).header.error, -EEXIST);
    // As Linux for IPv4: no NLM_F_CREATE needed; an existing address changes only with REPLACE.
    assert.equal(add(0, "203.0.113.1", 24).header.error, 0);
    assert.equal(add(C.NLM_F_CREATE, "203.0.113.1", 24).header.error, -EEXIST);
    dev.node.stack.addrs.remove(dev.node.eth, ip("203.0.113.1"), true);
    const dump = dev.ask(request(C.RTM_GETADDR, C.NLM_F_DUMP, (w) => w.field(IFA_INDEX, 2), IFADDRMSG.hdrLen));
    assert.deepEqual(
      dump.filter((m) => m.typeName === "RTM_NEWADDR").map((m) => findAttr(m.attrs, "IFA_LOCAL")?.value),
      ["127.0.0.1", "192.0.2.10", "198.51.100.7"],
      "every address: Linux filters by ifa_index only for strict sockets",
    );
    const routes = dev.ask(request(C.RTM_GETROUTE, C.NLM_F_DUMP, (w) => w.field(RTM_FAMILY, C.AF_INET), RTMSG.hdrLen));
    assert.ok(
      routes.some((m) => findAttr(m.attrs, "RTA_DST")?.value === "198.51.100.0" && m.header.dst_len === 24),
      "the connected prefix route",
    );
    const del = dev.ask(
      request(
        C.RTM_DELADDR,
        C.NLM_F_ACK,
        (w) => {
          w.field(IFADDRMSG.fields[0], C.AF_INET);
          w.field(IFA_PREFIXLEN, 24);
          w.field(IFA_INDEX, 2);
          w.inAddr(C.IFA_LOCAL, ip("198.51.100.7"));
        },
        IFADDRMSG.hdrLen,
      ),
    )[0];
    assert.equal(del.header.error, 0);
    assert.equal(dev.node.stack.addrs.findOn(dev.node.eth, ip("198.51.100.7")), undefined);
  });

  it("manages neighbours: CREATE, EXCL, REPLACE, single GET, DELETE, and refuses non-permanent states", function () {
    const dev = new Device();
    const neigh = (type: number, flags: number, dst: string, mac?: string, state = C.NUD_PERMANENT) =>
      dev.ask(
        request(
          type,
          flags,
          (w) => {
            w.field(NDMSG.fields[0], C.AF_INET);
            w.field(NDM_IFINDEX, 2);
            w.field(NDM_STATE, state);
            w.inAddr(C.NDA_DST, ip(dst));
            if (mac !== undefined) w.bytes(C.NDA_LLADDR, hex(mac), 0, 6);
          },
          NDMSG.hdrLen,
        ),
      );
    assert.equal(
      neigh(C.RTM_NEWNEIGH, C.NLM_F_ACK + C.NLM_F_CREATE + C.NLM_F_EXCL, "192.0.2.5", "020000000005")[0].header.error,
      0,
    );
    assert.equal(
      neigh(C.RTM_NEWNEIGH, C.NLM_F_ACK + C.NLM_F_CREATE + C.NLM_F_EXCL, "192.0.2.5", "020000000006")[0].header.error,
      -EEXIST,
    );
    assert.equal(neigh(C.RTM_NEWNEIGH, C.NLM_F_ACK + C.NLM_F_REPLACE, "192.0.2.5", "020000000006")[0].header.error, 0);
    const got = neigh(C.RTM_GETNEIGH, 0, "192.0.2.5")[0];
    assert.equal(got.typeName, "RTM_NEWNEIGH");
    assert.equal(findAttr(got.attrs, "NDA_LLADDR")?.value, "020000000006");
    const reach = neigh(C.RTM_NEWNEIGH, C.NLM_F_ACK + C.NLM_F_CREATE, "192.0.2.6", "020000000007", C.NUD_REACHABLE)[0];
    assert.equal(reach.header.error, -EOPNOTSUPP);
    assert.equal(findAttr(reach.attrs, "NLMSGERR_ATTR_MSG")?.value, "only permanent entries (NUD_PERMANENT)");
    const noMac = neigh(C.RTM_NEWNEIGH, C.NLM_F_ACK + C.NLM_F_CREATE, "192.0.2.6")[0];
    assert.equal(findAttr(noMac.attrs, "NLMSGERR_ATTR_MSG")?.value, "NDA_LLADDR not set");
    const own = neigh(C.RTM_DELNEIGH, C.NLM_F_ACK, "192.0.2.10")[0];
    assert.equal(own.header.error, -EPERM);
    assert.equal(neigh(C.RTM_DELNEIGH, C.NLM_F_ACK, "192.0.2.5")[0].header.error, 0);
    assert.equal(neigh(C.RTM_DELNEIGH, C.NLM_F_ACK, "192.0.2.5")[0].header.error, -ENOENT);
    const dump = dev.ask(request(C.RTM_GETNEIGH, C.NLM_F_DUMP, () => undefined, NDMSG.hdrLen));
    assert.deepEqual(
      dump.map((m) => m.typeName),
      ["RTM_NEWNEIGH", "NLMSG_DONE"],
      "our own address is not listed",
    );
  });

  it("adds and deletes a static default route; only the default route may change", function () {
    const dev = new Device();
    const route = (type: number, flags: number, gw: string, dstLen = 0) =>
      dev.ask(
        request(
          type,
          C.NLM_F_ACK + flags,
          (w) => {
            w.field(RTM_FAMILY, C.AF_INET);
            w.field(RTMSG.fields[1], dstLen);
            if (dstLen > 0) w.inAddr(C.RTA_DST, ip("10.0.0.0"));
            w.inAddr(C.RTA_GATEWAY, ip(gw));
          },
          RTMSG.hdrLen,
        ),
      )[0];
    assert.equal(route(C.RTM_NEWROUTE, C.NLM_F_CREATE + C.NLM_F_EXCL, "192.0.2.1").header.error, 0);
    assert.equal(dev.node.stack.routes.lookup(ip("8.8.8.8"))?.gateway, ip("192.0.2.1"));
    assert.equal(route(C.RTM_NEWROUTE, C.NLM_F_CREATE + C.NLM_F_EXCL, "192.0.2.1").header.error, -EEXIST);
    assert.equal(route(C.RTM_NEWROUTE, C.NLM_F_CREATE, "10.9.9.9").header.error, -ENETUNREACH);
    assert.equal(route(C.RTM_NEWROUTE, C.NLM_F_CREATE, "192.0.2.1", 8).header.error, -EOPNOTSUPP);
    const dump = dev.ask(request(C.RTM_GETROUTE, C.NLM_F_DUMP, () => undefined, RTMSG.hdrLen));
    const def = dump.find((m) => m.typeName === "RTM_NEWROUTE" && m.header.dst_len === 0)!;
    assert.equal(findAttr(def.attrs, "RTA_GATEWAY")?.value, "192.0.2.1");
    assert.equal(def.header.protocol, 0, "the request's rtm_protocol, kept as Linux keeps it");
    assert.equal(route(C.RTM_DELROUTE, 0, "192.0.2.1").header.error, 0);
    assert.equal(dev.node.stack.routes.lookup(ip("8.8.8.8")), undefined);
  });

  it("serves a dump whose family header is short (the legacy rtgenmsg), reading nothing past the message", function () {
    const dev = new Device();
    // 23 bytes: a GETLINK dump with 7 bytes of its 16-byte ifinfomsg (the fuzzer's reproducer: it read byte 23).
    const r = dev.ask(hex("1700000012000103000000000000000000000000000000"));
    assert.deepEqual(
      r.map((m) => m.typeName),
      ["RTM_NEWLINK", "RTM_NEWLINK", "NLMSG_DONE"],
    );
  });

  it("answers every malformed or unknown request, never silence (the kernel's shape where it answers)", function () {
    const dev = new Device();
    const cases: [Bytes, number][] = [
      [hex("0c000000"), EINVAL], // shorter than a header
      [hex(vectors.get("malformed_nlmsg_len_lt_16")!.request!), EINVAL],
      [hex(vectors.get("malformed_nlmsg_len_gt_datagram")!.request!), 90], // EMSGSIZE
      [hex(vectors.get("malformed_nla_len_overrun")!.request!), 0], // ACKed with a warning, as Linux does
      [hex(vectors.get("malformed_nla_wrong_size")!.request!), ERANGE],
      [request(99, C.NLM_F_ACK, () => undefined, 0), EOPNOTSUPP],
    ];
    for (const [req, errno] of cases) {
      const r = dev.ask(req);
      assert.equal(r.length, 1, `one reply to ${len(req)} bytes`);
      assert.equal(r[0].typeName, "NLMSG_ERROR");
      assert.equal(r[0].header.error, errno === 0 ? 0 : -errno);
    }
  });

  it("refuses changes without a session when the device is locked, and still answers reads", function () {
    const dev = new Device();
    dev.open = false;
    const r = dev.ask(
      request(
        C.RTM_NEWLINK,
        C.NLM_F_ACK,
        (w) => {
          w.field(IFI_INDEX, 2);
          w.int(C.IFLA_MTU, 4, 1400);
        },
        IFINFOMSG.hdrLen,
      ),
    )[0];
    assert.equal(r.header.error, -EPERM);
    assert.match(String(findAttr(r.attrs, "NLMSGERR_ATTR_MSG")?.value), /authenticated/);
    assert.equal(dev.node.eth.mtu, 1500);
    assert.equal(dev.ask(hex(vectors.get("getlink_dump")!.request!)).length, 3);
  });

  it("splits a 64-entry neighbour dump across frames and resumes when the transport has room", function () {
    // 64 slots: our own address, 192.0.2.1 and 62 more.
    const dev = new Device(600, 64);
    const t = dev.node.eth.lltable!;
    for (let i = 0; i < 62; i++) assert.ok(t.addStatic(ip(`192.0.2.${100 + i}`), macOf(100 + i), 0, LLE_STATIC) >= 0);
    let room = 1;
    const frames: Bytes[] = [];
    const host = (dev.rtnl as unknown as { host: { send: (b: Bytes, n: number) => boolean } }).host;
    host.send = (b, n) => {
      if (room <= 0) return false;
      room--;
      const f = alloc(n);
      copy(f, 0, b, 0, n);
      frames.push(f);
      return true;
    };
    dev.rtnl.input(hex(vectors.get("getneigh_dump")!.request!), len(hex(vectors.get("getneigh_dump")!.request!)));
    assert.equal(frames.length, 1);
    assert.ok(dev.rtnl.dumping());
    while (dev.rtnl.dumping()) {
      room = 1;
      dev.rtnl.pump();
    }
    const all = frames.flatMap((f) => describeFrame(f));
    assert.equal(all.filter((m) => m.typeName === "RTM_NEWNEIGH").length, 63);
    assert.equal(all[all.length - 1].typeName, "NLMSG_DONE");
    assert.ok(frames.length >= 8 && frames.every((f) => len(f) <= 600), `${frames.length} frames`);
  });
  it("a refused NEWLINK changes nothing: lo keeps its state, MTU and alias (validate all, then apply)", function () {
    const dev = new Device();
    const lo = dev.node.stack.lo;
    const before = [lo.mtu, lo.alias, lo.flags];
    const r = dev.ask(
      request(
        C.RTM_NEWLINK,
        C.NLM_F_ACK,
        (w) => {
          w.field(IFI_INDEX, 1);
          w.field(IFI_FLAGS, 0);
          w.field(IFI_CHANGE, IFF_UP);
          w.int(C.IFLA_MTU, 4, 20);
          w.str(C.IFLA_IFALIAS, "changed");
        },
        IFINFOMSG.hdrLen,
      ),
    );
    assert.equal(r[0].header.error, -EINVAL, "an MTU below the minimum");
    assert.deepEqual([lo.mtu, lo.alias, lo.flags], before);
  });

  it("a refused NEWADDR replace changes nothing: the old address stays when the new prefix route finds no slot", function () {
    const dev = new Device();
    const st = dev.node.stack;
    // An alias on the same prefix (it shares 192.0.2.10's route), then a full route table.
    assert.equal(st.addrs.add(dev.node.eth, addrRequest(ip("192.0.2.11"), 24)), 0);
    for (let i = 0; st.routes.routes.length < st.routes.capacity; i++)
      st.routes.add(
        {
          dst: ip(`10.${i}.0.0`),
          prefixLen: 16,
          gateway: ip("192.0.2.1"),
          ifindex: 2,
          protocol: 4,
          scope: 0,
          metric: 0,
          prefsrc: 0,
        },
        false,
      );
    const snap = JSON.stringify([
      st.addrs.list.map((a) => [a.addr, a.prefixLen]),
      st.routes.routes.map((x) => [x.dst, x.prefixLen, x.gateway]),
    ]);
    const replace = (plen: number) =>
      dev.ask(
        request(
          C.RTM_NEWADDR,
          C.NLM_F_ACK + C.NLM_F_CREATE + C.NLM_F_REPLACE,
          (w) => {
            w.field(IFADDRMSG.fields[0], C.AF_INET);
            w.field(IFA_PREFIXLEN, plen);
            w.field(IFA_INDEX, 2);
            w.inAddr(C.IFA_LOCAL, ip("192.0.2.11"));
          },
          IFADDRMSG.hdrLen,
        ),
      )[0];
    const r = replace(25);
    assert.equal(r.header.error, -ENOSPC);
    assert.equal(
      JSON.stringify([
        st.addrs.list.map((a) => [a.addr, a.prefixLen]),
        st.routes.routes.map((x) => [x.dst, x.prefixLen, x.gateway]),
      ]),
      snap,
    );
    // The same prefix needs no new slot.
    const same = replace(24);
    assert.equal(same.header.error, 0);
  });

  it("on 512-byte frames an alias the link message could not carry is refused, and a dump error carries the request's seq", function () {
    const dev = new Device(512);
    const eth = dev.node.eth;
    const room = dev.rtnl.linkRoom(eth);
    assert.ok(room > 20 && room < 120, `room ${room}`);
    const set = (alias: string) =>
      dev.ask(
        request(
          C.RTM_NEWLINK,
          C.NLM_F_ACK,
          (w) => {
            w.field(IFI_INDEX, 2);
            w.str(C.IFLA_IFALIAS, alias);
          },
          IFINFOMSG.hdrLen,
        ),
      )[0];
    const tooLong = set("a".repeat(room + 1));
    assert.equal(tooLong.header.error, -EINVAL);
    assert.match(String(findAttr(tooLong.attrs, "NLMSGERR_ATTR_MSG")?.value), /alias too long/);
    assert.equal(eth.alias, "");
    assert.equal(set("b".repeat(room)).header.error, 0);
    const shown = dev.ask(request(C.RTM_GETLINK, C.NLM_F_DUMP, () => undefined, IFINFOMSG.hdrLen));
    assert.ok(
      shown.some((m) => findAttr(m.attrs, "IFLA_IFALIAS")?.value === "b".repeat(room)),
      "eth0 is still reported",
    );
    assert.equal(shown[shown.length - 1].typeName, "NLMSG_DONE");
    // Forced past the check (an entry that cannot fit): the error ending the dump answers seq 77.
    eth.alias = "c".repeat(room + 40);
    const broken = dev.ask(request(C.RTM_GETLINK, C.NLM_F_DUMP, () => undefined, IFINFOMSG.hdrLen));
    const last = broken[broken.length - 1];
    assert.equal(last.typeName, "NLMSG_ERROR");
    assert.equal(last.seq, 77);
  });
  it("a message whose nlmsg_len is below a header, in a frame that holds one, is answered with its own seq (found by npm run fuzz)", function () {
    const dev = new Device();
    const req = alloc(16);
    (req as unknown as Uint8Array).set([0, 0, 0, 0, 0x12, 0, 5, 0, 0x1f, 0, 0, 0, 0, 0, 0, 0]);
    const r = dev.ask(req);
    assert.equal(r.length, 1);
    assert.equal(r[0].typeName, "NLMSG_ERROR");
    assert.equal(r[0].seq, 0x1f);
  });
});
