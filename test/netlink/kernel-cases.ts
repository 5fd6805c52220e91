// The differential suite's cases: requests as iproute2 and other hosts send
// them, every flag combination of the changing requests, every attribute's
// policy failure, and malformed headers and attributes. Each is sent byte
// for byte to the kernel and to the device (kernel-diff.ts).
import { alloc, copy, len, set8 } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import * as C from "../../src/netlink/constants";
import {
  IFA_FAMILY_F,
  IFA_INDEX,
  IFA_PREFIXLEN,
  IFADDRMSG,
  IFI_CHANGE,
  IFI_FLAGS,
  IFI_INDEX,
  IFINFOMSG,
  NDM_FAMILY,
  NDM_FLAGS,
  NDM_IFINDEX,
  NDM_STATE,
  NDMSG,
  RTM_DST_LEN,
  RTM_FAMILY,
  RTM_PROTOCOL,
  RTM_SCOPE,
  RTM_TABLE,
  RTM_TYPE,
  RTMSG,
} from "../../src/netlink/schemas";
import { setLe16, setLe32 } from "../../src/wire/endian";
import { NlWriter } from "../../src/netlink/writer";
import { ip, macOf } from "../net/helpers";
import { LLE_STATIC } from "../../src/net/lltable";
import { addrRequest } from "../../src/net/inaddr";
import { ALL, type DiffCase, diff, type Difference, PORT } from "./kernel-diff";
import type { Ipv6 } from "../../src/net/ipv6";
import { parseIPv6 } from "../../src/net/addr6";
import type { Rig } from "./rig";

const R = C.NLM_F_REQUEST;
const ACK = C.NLM_F_ACK;
const DUMP = C.NLM_F_DUMP;
const CREATE = C.NLM_F_CREATE;
const EXCL = C.NLM_F_EXCL;
const REPLACE = C.NLM_F_REPLACE;
const APPEND = C.NLM_F_APPEND;

let seqNo = 100;

/** One message, as bytes: header (pid PORT), a zeroed family header of `hdrLen`, then what `build` writes. */
export function msg(
  type: number,
  flags: number,
  hdrLen: number,
  build: (w: NlWriter) => void = () => undefined,
): Bytes {
  const w = new NlWriter(alloc(1024));
  w.begin(type, flags, ++seqNo, PORT, hdrLen);
  build(w);
  const n = w.end();
  const b = alloc(n);
  copy(b, 0, w.buf, 0, n);
  return b;
}

function cat(...parts: Bytes[]): Bytes {
  let n = 0;
  for (const p of parts) n += len(p);
  const b = alloc(n);
  let o = 0;
  for (const p of parts) {
    copy(b, o, p, 0, len(p));
    o += len(p);
  }
  return b;
}

/** `b` with its bytes from `at` replaced (a damaged request). */
function patch(b: Bytes, at: number, bytes: number[]): Bytes {
  const c = alloc(len(b));
  copy(c, 0, b, 0, len(b));
  bytes.forEach((v, i) => set8(c, at + i, v));
  return c;
}

/** `b` with nlmsg_len set to `n` (the datagram stays as long as it was). */
function withLen(b: Bytes, n: number): Bytes {
  const c = patch(b, 0, []);
  setLe32(c, 0, n);
  return c;
}

/** `b` and `extra` raw bytes after it, nlmsg_len covering them. */
function trailing(b: Bytes, extra: number[]): Bytes {
  const c = alloc(len(b) + extra.length);
  copy(c, 0, b, 0, len(b));
  extra.forEach((v, i) => set8(c, len(b) + i, v));
  setLe32(c, 0, len(c));
  return c;
}

const link = (type: number, flags: number, index: number, attrs: (w: NlWriter) => void = () => undefined): Bytes =>
  msg(type, R + flags, IFINFOMSG.hdrLen, (w) => {
    w.field(IFI_INDEX, index);
    attrs(w);
  });

const setUp = (index: number, up: boolean, flags = ACK): Bytes =>
  link(C.RTM_NEWLINK, flags, index, (w) => {
    w.field(IFI_FLAGS, up ? 1 : 0);
    w.field(IFI_CHANGE, 1);
  });

function addr(
  type: number,
  flags: number,
  index: number,
  local: string | undefined,
  plen = 24,
  more: (w: NlWriter) => void = () => undefined,
  family = C.AF_INET,
): Bytes {
  return msg(type, R + flags, IFADDRMSG.hdrLen, (w) => {
    w.field(IFA_FAMILY_F, family);
    w.field(IFA_PREFIXLEN, plen);
    w.field(IFA_INDEX, index);
    if (local !== undefined) {
      w.inAddr(C.IFA_LOCAL, ip(local));
      w.inAddr(C.IFA_ADDRESS, ip(local));
    }
    more(w);
  });
}

function neigh(
  type: number,
  flags: number,
  index: number,
  dst: string | undefined,
  mac: number | undefined,
  state = C.NUD_PERMANENT,
  more: (w: NlWriter) => void = () => undefined,
): Bytes {
  return msg(type, R + flags, NDMSG.hdrLen, (w) => {
    w.field(NDM_FAMILY, C.AF_INET);
    w.field(NDM_IFINDEX, index);
    w.field(NDM_STATE, state);
    if (dst !== undefined) w.inAddr(C.NDA_DST, ip(dst));
    if (mac !== undefined) w.bytes(C.NDA_LLADDR, macOf(mac), 0, 6);
    more(w);
  });
}

function route(
  type: number,
  flags: number,
  gw: string | undefined,
  more: (w: NlWriter) => void = () => undefined,
  dstLen = 0,
): Bytes {
  return msg(type, R + flags, RTMSG.hdrLen, (w) => {
    w.field(RTM_FAMILY, C.AF_INET);
    w.field(RTM_DST_LEN, dstLen);
    w.field(RTM_TABLE, C.RT_TABLE_MAIN);
    if (type === C.RTM_NEWROUTE) {
      w.field(RTM_PROTOCOL, 4); // RTPROT_STATIC, as ip route add sends
      w.field(RTM_SCOPE, 0);
      w.field(RTM_TYPE, 1); // RTN_UNICAST
    } else w.field(RTM_SCOPE, 255); // RT_SCOPE_NOWHERE: ip route del's wildcard
    if (gw !== undefined) w.inAddr(C.RTA_GATEWAY, ip(gw));
    more(w);
  });
}

const anAddr = {
  kernel: ["addr add 198.51.100.7/24 dev eth0"],
  device: (r: Rig): void => {
    const q = addrRequest(ip("198.51.100.7"), 24);
    q.broadcast = 0;
    r.node.stack.addrs.add(r.node.eth, q);
  },
};

const aNeighbour = {
  kernel: ["neigh add 192.0.2.33 lladdr 02:00:00:00:00:21 nud permanent dev eth0"],
  device: (r: Rig): void => {
    r.node.eth.lltable!.addStatic(ip("192.0.2.33"), macOf(0x21), 0, LLE_STATIC);
  },
};

/** Where the device answers otherwise on purpose, why, and which parts of a case that may touch. */
export const D = {
  mtuMax: diff(
    ALL,
    "the device's MAC takes frames of at most 1500 bytes (the driver's maximum); Linux's TAP takes 65521",
  ),
  wholeSetlink: diff(
    ["notifications", "state"],
    "a refused link change changes nothing on the device; Linux has already applied the attributes it handles before the refused one (IFLA_ADDRESS before IFLA_MTU)",
  ),
  physical: diff(
    ALL,
    "the device's interfaces are its chips; the oracle's eth0 is a TAP, which Linux may delete (a physical NIC answers EOPNOTSUPP, as the device does)",
  ),
  hostRoute: diff(
    ["notifications", "state"],
    "the device's address table is FreeBSD's in.c: every address has its prefix route, a /32 too",
  ),
  peer: diff(
    ["notifications", "state"],
    "the device's address table is FreeBSD's in.c: a peer address only on a point-to-point interface",
  ),
  scrub: diff(
    ["notifications", "state"],
    "the device's address table is FreeBSD's in.c: deleting an address also takes the routes through gateways no longer on-link and the static neighbours of its prefix; Linux keeps them while the interface has any address left",
  ),
  routesGone: diff(
    ["notifications"],
    "the device announces every route it removes (RTM_DELROUTE for the routes a downed link or a lost prefix takes with it); Linux removes them silently",
  ),
  noIpv6: diff(["replies"], "a device built without IPv6 (as these cases' mirror is) answers EOPNOTSUPP"),
  v6Learned: diff(
    ALL,
    "IPv6 neighbours are learned by Neighbor Discovery on the device, not set: EOPNOTSUPP for RTM_NEWNEIGH of AF_INET6",
  ),
  loNeigh: diff(ALL, "the device's loopback has no neighbour table: EOPNOTSUPP"),
  noRules: diff(["replies"], "no policy routing on the device: EOPNOTSUPP for rule messages"),
  noQdisc: diff(["replies"], "no traffic control on the device: EOPNOTSUPP for qdisc messages"),
  neverSilent: diff(
    ["replies"],
    "Linux drops it silently; the device answers it (EINVAL, EMSGSIZE): on a serial line a host must never wait for nothing",
  ),
  neverSilentRunt: diff(
    ["replies", "notifications"],
    "Linux drops it silently; the device answers EINVAL, with seq 0 as the runt holds none (so it reads as unsolicited): on a serial line a host must never wait for nothing",
  ),
  pid: diff(
    ["replies"],
    "the kernel stamps its socket's port on every answer (4242 here); the device has no sockets and echoes the request's pid",
  ),
  multipath: diff(
    ALL,
    "the device's table holds one route per prefix and metric (no multipath): CREATE on an existing default is EEXIST where Linux appends a second",
  ),
  operstate: diff(
    ["notifications"],
    "the device's operational state follows its carrier: IFLA_OPERSTATE is accepted and not applied, so nothing changes to announce; Linux sets it and announces the link",
  ),
};

/** Cases made in loops, and their listed differences. */
const LISTED: Record<string, Difference> = {
  "setlink, IFLA_OPERSTATE of 4 bytes": D.operstate,
  "setlink eth0 down": D.routesGone,
  "setlink eth0 down then up": D.routesGone,
  "setlink eth0 down without ACK": D.routesGone,
  "setlink by RTM_SETLINK": D.routesGone,
  "a trailing attribute cut short (3 bytes)": D.routesGone,
  "a trailing attribute shorter than its header": D.routesGone,
  "an attribute that overruns the message": D.routesGone,
  "newroute default via another, CREATE": D.multipath,
  "newroute default via the same, CREATE": D.multipath,
  "newroute default via another, CREATE|APPEND": D.multipath,
  "newroute default via the same, CREATE|APPEND": D.multipath,
};

const flagName = (f: number): string =>
  [
    [CREATE, "CREATE"],
    [EXCL, "EXCL"],
    [REPLACE, "REPLACE"],
    [APPEND, "APPEND"],
  ]
    .filter(([b]) => (f & (b as number)) !== 0)
    .map(([, n]) => n)
    .join("|") || "none";

/** Every subset of CREATE, EXCL, REPLACE, APPEND. */
const FLAG_SETS: number[] = [];
for (let i = 0; i < 16; i++)
  FLAG_SETS.push((i & 1 ? CREATE : 0) + (i & 2 ? EXCL : 0) + (i & 4 ? REPLACE : 0) + (i & 8 ? APPEND : 0));

export function cases(): DiffCase[] {
  const out: DiffCase[] = [];
  const add = (name: string, requests: Bytes[], more: Partial<DiffCase> = {}): void => {
    out.push({ name, requests, ...more });
  };

  // --- links -------------------------------------------------------------------
  add("getlink dump", [link(C.RTM_GETLINK, DUMP, 0)]);
  add("getlink dump with ACK", [link(C.RTM_GETLINK, DUMP + ACK, 0)]);
  add("getlink dump with IFLA_EXT_MASK", [link(C.RTM_GETLINK, DUMP, 0, (w) => w.int(C.IFLA_EXT_MASK, 4, 1))]);
  add("getlink dump, legacy 1-byte rtgenmsg", [msg(C.RTM_GETLINK, R + DUMP, 1, (w) => w.field(IFI_INDEX, 0))]);
  add("getlink index 2", [link(C.RTM_GETLINK, 0, 2)]);
  add("getlink index 1 with ACK", [link(C.RTM_GETLINK, ACK, 1)]);
  add("getlink missing index", [link(C.RTM_GETLINK, 0, 9)]);
  add("getlink by name", [link(C.RTM_GETLINK, 0, 0, (w) => w.str(C.IFLA_IFNAME, "eth0"))]);
  add("getlink by missing name", [link(C.RTM_GETLINK, 0, 0, (w) => w.str(C.IFLA_IFNAME, "wlan9"))]);
  add("getlink by alt name", [link(C.RTM_GETLINK, 0, 0, (w) => w.str(C.IFLA_ALT_IFNAME, "eth0"))]);
  add("getlink index 2 with another's name", [link(C.RTM_GETLINK, 0, 2, (w) => w.str(C.IFLA_IFNAME, "lo"))]);
  add("getlink without index, name or dump", [link(C.RTM_GETLINK, ACK, 0)]);
  add("getlink with a short header", [msg(C.RTM_GETLINK, R, 8)]);
  add("getlink, IFLA_IFNAME too long", [link(C.RTM_GETLINK, 0, 0, (w) => w.str(C.IFLA_IFNAME, "abcdefghijklmnopq"))]);
  add("getlink, IFLA_EXT_MASK of 2 bytes", [link(C.RTM_GETLINK, 0, 2, (w) => w.int(C.IFLA_EXT_MASK, 2, 1))]);
  add("setlink eth0 down", [setUp(2, false)]);
  add("setlink eth0 down then up", [setUp(2, false), setUp(2, true)]);
  add("setlink eth0 up (already up)", [setUp(2, true)]);
  add("setlink eth0 down without ACK", [setUp(2, false, 0)]);
  add("setlink lo down", [setUp(1, false)]);
  add(
    "setlink by RTM_SETLINK",
    [
      link(C.RTM_SETLINK, ACK, 2, (w) => {
        w.field(IFI_FLAGS, 0);
        w.field(IFI_CHANGE, 1);
      }),
    ],
    {},
  );
  add("setlink mtu 1400", [link(C.RTM_NEWLINK, ACK, 2, (w) => w.int(C.IFLA_MTU, 4, 1400))]);
  add("setlink mtu 1500 by name", [
    link(C.RTM_NEWLINK, ACK, 0, (w) => {
      w.str(C.IFLA_IFNAME, "eth0");
      w.int(C.IFLA_MTU, 4, 1500);
    }),
  ]);
  add("setlink mtu below the minimum", [link(C.RTM_NEWLINK, ACK, 2, (w) => w.int(C.IFLA_MTU, 4, 60))]);
  add("setlink mtu above the maximum", [link(C.RTM_NEWLINK, ACK, 2, (w) => w.int(C.IFLA_MTU, 4, 9000))], {
    deliberate: D.mtuMax,
  });
  add("setlink mtu of 2 bytes", [link(C.RTM_NEWLINK, ACK, 2, (w) => w.int(C.IFLA_MTU, 2, 1400))]);
  const hw = (b: number[]) => (w: NlWriter) => {
    const at = w.reserve(C.IFLA_ADDRESS, b.length);
    for (let i = 0; i < b.length; i++) set8(w.buf, at + i, b[i]);
  };
  add("setlink address", [link(C.RTM_NEWLINK, ACK, 2, hw([2, 0, 0, 0, 0, 0x42]))]);
  add("setlink address, the same again", [link(C.RTM_NEWLINK, ACK, 2, hw([2, 0, 0, 0, 0, 0x0a]))]);
  add("setlink address of lo", [link(C.RTM_NEWLINK, ACK, 1, hw([0, 0, 0, 0, 0, 1]))]);
  add("setlink address multicast", [link(C.RTM_NEWLINK, ACK, 2, hw([1, 0, 0x5e, 0, 0, 1]))]);
  add("setlink address broadcast", [link(C.RTM_NEWLINK, ACK, 2, hw([255, 255, 255, 255, 255, 255]))]);
  add("setlink address zero", [link(C.RTM_NEWLINK, ACK, 2, hw([0, 0, 0, 0, 0, 0]))]);
  add("setlink address of 4 bytes", [link(C.RTM_NEWLINK, ACK, 2, hw([2, 0, 0, 0]))]);
  add("setlink address of 8 bytes", [link(C.RTM_NEWLINK, ACK, 2, hw([2, 0, 0, 0, 0, 0x43, 0, 0]))]);
  add(
    "setlink address and an mtu too big: nothing changes",
    [
      link(C.RTM_NEWLINK, ACK, 2, (w) => {
        hw([2, 0, 0, 0, 0, 0x44])(w);
        w.int(C.IFLA_MTU, 4, 70000);
      }),
    ],
    { deliberate: D.wholeSetlink },
  );
  add("setlink alias", [link(C.RTM_NEWLINK, ACK, 2, (w) => w.str(C.IFLA_IFALIAS, "uplink"))]);
  add("setlink alias, then clear it", [
    link(C.RTM_NEWLINK, ACK, 2, (w) => w.str(C.IFLA_IFALIAS, "uplink")),
    link(C.RTM_NEWLINK, ACK, 2, (w) => w.bytes(C.IFLA_IFALIAS, alloc(0), 0, 0)),
  ]);
  add("setlink alias too long", [link(C.RTM_NEWLINK, ACK, 2, (w) => w.str(C.IFLA_IFALIAS, "x".repeat(300)))]);
  add("setlink missing index", [setUp(9, false)]);
  add("setlink missing index with CREATE", [link(C.RTM_NEWLINK, ACK + CREATE, 9, (w) => w.field(IFI_CHANGE, 1))]);
  add("newlink a new name with CREATE, no kind", [
    link(C.RTM_NEWLINK, ACK + CREATE + EXCL, 0, (w) => w.str(C.IFLA_IFNAME, "br0")),
  ]);
  add("newlink of a missing name without CREATE", [link(C.RTM_NEWLINK, ACK, 0, (w) => w.str(C.IFLA_IFNAME, "br0"))]);
  add("newlink without index or name", [link(C.RTM_NEWLINK, ACK, 0)]);
  add("setlink with read-only IFLA_MIN_MTU", [link(C.RTM_NEWLINK, ACK, 2, (w) => w.int(C.IFLA_MIN_MTU, 4, 68))]);
  add("setlink with read-only IFLA_MAX_MTU", [link(C.RTM_NEWLINK, ACK, 2, (w) => w.int(C.IFLA_MAX_MTU, 4, 1500))]);
  add("setlink with read-only IFLA_CARRIER_UP_COUNT", [
    link(C.RTM_NEWLINK, ACK, 2, (w) => w.int(C.IFLA_CARRIER_UP_COUNT, 4, 1)),
  ]);
  add("setlink with read-only IFLA_CARRIER_DOWN_COUNT", [
    link(C.RTM_NEWLINK, ACK, 2, (w) => w.int(C.IFLA_CARRIER_DOWN_COUNT, 4, 1)),
  ]);
  add("setlink, IFLA_OPERSTATE of 4 bytes", [link(C.RTM_NEWLINK, ACK, 2, (w) => w.int(C.IFLA_OPERSTATE, 4, 6))]);
  add("setlink, IFLA_LINKINFO not nested right", [
    link(C.RTM_NEWLINK, ACK, 2, (w) => {
      const at = w.nest(C.IFLA_LINKINFO);
      w.int(C.IFLA_INFO_KIND, 1, 0x41);
      w.endNest(at);
    }),
  ]);
  add("dellink lo", [link(C.RTM_DELLINK, ACK, 1)]);
  add("dellink missing index", [link(C.RTM_DELLINK, ACK, 9)]);
  add("dellink eth0", [link(C.RTM_DELLINK, ACK, 2)], {
    deliberate: D.physical,
  });

  // --- addresses -----------------------------------------------------------------
  add("getaddr dump", [addr(C.RTM_GETADDR, DUMP, 0, undefined, 0)]);
  add("getaddr dump with ACK", [addr(C.RTM_GETADDR, DUMP + ACK, 0, undefined, 0)]);
  add("getaddr dump of AF_UNSPEC", [addr(C.RTM_GETADDR, DUMP, 0, undefined, 0, undefined, C.AF_UNSPEC)]);
  add("getaddr dump of AF_INET6", [addr(C.RTM_GETADDR, DUMP, 0, undefined, 0, undefined, C.AF_INET6)]);
  add("getaddr dump with ifa_index 2", [addr(C.RTM_GETADDR, DUMP, 2, undefined, 0)]);
  add("getaddr without DUMP", [addr(C.RTM_GETADDR, ACK, 2, undefined, 0)]);
  add("getaddr with a short header", [msg(C.RTM_GETADDR, R + DUMP, 4)]);
  for (const f of FLAG_SETS) {
    add(`newaddr new, ${flagName(f)}`, [addr(C.RTM_NEWADDR, ACK + f, 2, "198.51.100.1")]);
    add(`newaddr existing, ${flagName(f)}`, [addr(C.RTM_NEWADDR, ACK + f, 2, "192.0.2.10")]);
  }
  add("newaddr without ACK", [addr(C.RTM_NEWADDR, CREATE + EXCL, 2, "198.51.100.1")]);
  add("newaddr /32", [addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, "198.51.100.1", 32)], {
    deliberate: D.hostRoute,
  });
  add("newaddr prefix 33", [addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, "198.51.100.1", 33)]);
  add("newaddr on a missing interface", [addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 9, "198.51.100.1")]);
  add("newaddr without IFA_LOCAL", [addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, undefined)]);
  add("newaddr with IFA_ADDRESS only", [
    addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, undefined, 24, (w) => w.inAddr(C.IFA_ADDRESS, ip("198.51.100.1"))),
  ]);
  add(
    "newaddr with a peer",
    [
      addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, undefined, 32, (w) => {
        w.inAddr(C.IFA_LOCAL, ip("198.51.100.1"));
        w.inAddr(C.IFA_ADDRESS, ip("198.51.100.2"));
      }),
    ],
    { deliberate: D.peer },
  );
  add("newaddr with a broadcast", [
    addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, "198.51.100.1", 24, (w) =>
      w.inAddr(C.IFA_BROADCAST, ip("198.51.100.255")),
    ),
  ]);
  add("newaddr with a label", [
    addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, "198.51.100.1", 24, (w) => w.str(C.IFA_LABEL, "eth0:1")),
  ]);
  add("newaddr with lifetimes", [
    addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, "198.51.100.1", 24, (w) => {
      const at = w.reserve(C.IFA_CACHEINFO, 16);
      setLe32(w.buf, at, 100);
      setLe32(w.buf, at + 4, 200);
    }),
  ]);
  add("newaddr of AF_INET6", [addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, "198.51.100.1", 64, undefined, C.AF_INET6)], {
    deliberate: D.noIpv6,
  });
  add("newaddr, IFA_LOCAL of 3 bytes", [
    addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, undefined, 24, (w) => w.bytes(C.IFA_LOCAL, ipBytes(), 0, 3)),
  ]);
  add("newaddr, IFA_LABEL too long", [
    addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, "198.51.100.1", 24, (w) => w.str(C.IFA_LABEL, "eth0:abcdefghijklm")),
  ]);
  add("newaddr, IFA_CACHEINFO of 8 bytes", [
    addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, "198.51.100.1", 24, (w) => w.reserve(C.IFA_CACHEINFO, 8)),
  ]);
  add("deladdr existing", [addr(C.RTM_DELADDR, ACK, 2, "192.0.2.10")], {
    deliberate: D.routesGone,
  });
  add("deladdr a secondary", [addr(C.RTM_DELADDR, ACK, 2, "198.51.100.7")], { extra: anAddr });
  add("deladdr missing", [addr(C.RTM_DELADDR, ACK, 2, "198.51.100.1")]);
  add("deladdr without an address deletes one", [addr(C.RTM_DELADDR, ACK, 2, undefined, 0)], {
    extra: anAddr,
    deliberate: D.scrub,
  });
  add("deladdr without an address, prefix 24", [addr(C.RTM_DELADDR, ACK, 2, undefined, 24)], {
    extra: anAddr,
    deliberate: D.scrub,
  });
  add("deladdr with IFA_LOCAL's type damaged", [patch(addr(C.RTM_DELADDR, ACK, 2, "192.0.2.10"), 24 + 2, [0x7f])], {
    extra: anAddr,
    deliberate: D.scrub,
  });
  add("deladdr on a missing interface", [addr(C.RTM_DELADDR, ACK, 9, "192.0.2.10")]);
  add("deladdr with the wrong prefix length", [addr(C.RTM_DELADDR, ACK, 2, "192.0.2.10", 16)]);
  add("deladdr by label", [addr(C.RTM_DELADDR, ACK, 2, undefined, 0, (w) => w.str(C.IFA_LABEL, "eth0"))], {
    deliberate: D.routesGone,
  });

  // --- neighbours ------------------------------------------------------------------
  add("getneigh dump", [neigh(C.RTM_GETNEIGH, DUMP, 0, undefined, undefined, 0)], { extra: aNeighbour });
  add("getneigh dump with ACK", [neigh(C.RTM_GETNEIGH, DUMP + ACK, 0, undefined, undefined, 0)]);
  add("getneigh dump of ifindex 2 (NDA_IFINDEX)", [
    neigh(C.RTM_GETNEIGH, DUMP, 0, undefined, undefined, 0, (w) => w.int(C.NDA_IFINDEX, 4, 2)),
  ]);
  add("getneigh dump of ifindex 1 (NDA_IFINDEX)", [
    neigh(C.RTM_GETNEIGH, DUMP, 0, undefined, undefined, 0, (w) => w.int(C.NDA_IFINDEX, 4, 1)),
  ]);
  add("getneigh one", [neigh(C.RTM_GETNEIGH, 0, 2, "192.0.2.1", undefined, 0)]);
  add("getneigh one with ACK", [neigh(C.RTM_GETNEIGH, ACK, 2, "192.0.2.1", undefined, 0)]);
  add("getneigh missing", [neigh(C.RTM_GETNEIGH, 0, 2, "192.0.2.99", undefined, 0)]);
  add("getneigh without ifindex", [neigh(C.RTM_GETNEIGH, 0, 0, "192.0.2.1", undefined, 0)]);
  add("getneigh on a missing interface", [neigh(C.RTM_GETNEIGH, 0, 9, "192.0.2.1", undefined, 0)]);
  add("getneigh, NDA_DST of 2 bytes", [
    neigh(C.RTM_GETNEIGH, 0, 2, undefined, undefined, 0, (w) => w.bytes(C.NDA_DST, ipBytes(), 0, 2)),
  ]);
  for (const f of FLAG_SETS) {
    add(`newneigh new, ${flagName(f)}`, [neigh(C.RTM_NEWNEIGH, ACK + f, 2, "192.0.2.50", 0x32)]);
    add(`newneigh existing, ${flagName(f)}`, [neigh(C.RTM_NEWNEIGH, ACK + f, 2, "192.0.2.1", 0x33)]);
  }
  add("newneigh without ACK", [neigh(C.RTM_NEWNEIGH, CREATE + EXCL, 2, "192.0.2.50", 0x32)]);
  add("newneigh on a missing interface", [neigh(C.RTM_NEWNEIGH, ACK + CREATE, 9, "192.0.2.50", 0x32)]);
  add("newneigh without ifindex", [neigh(C.RTM_NEWNEIGH, ACK + CREATE, 0, "192.0.2.50", 0x32)]);
  add("newneigh without NDA_DST", [neigh(C.RTM_NEWNEIGH, ACK + CREATE, 2, undefined, 0x32)]);
  add("newneigh without NDA_LLADDR", [neigh(C.RTM_NEWNEIGH, ACK + CREATE, 2, "192.0.2.50", undefined)]);
  add("newneigh, NDA_LLADDR of 4 bytes", [
    neigh(C.RTM_NEWNEIGH, ACK + CREATE, 2, "192.0.2.50", undefined, C.NUD_PERMANENT, (w) =>
      w.bytes(C.NDA_LLADDR, macOf(1), 0, 4),
    ),
  ]);
  add("newneigh, NDA_DST of 2 bytes", [
    neigh(C.RTM_NEWNEIGH, ACK + CREATE, 2, undefined, 0x32, C.NUD_PERMANENT, (w) =>
      w.bytes(C.NDA_DST, ipBytes(), 0, 2),
    ),
  ]);
  // A proxy entry for 192.0.2.60 (no NDA_LLADDR: the device answers for it with its own).
  const proxy = (): Bytes =>
    msg(C.RTM_NEWNEIGH, R + ACK + CREATE, NDMSG.hdrLen, (w) => {
      w.field(NDM_FAMILY, C.AF_INET);
      w.field(NDM_IFINDEX, 2);
      w.field(NDM_STATE, C.NUD_PERMANENT);
      w.field(NDM_FLAGS, C.NTF_PROXY);
      w.inAddr(C.NDA_DST, ip("192.0.2.60"));
    });
  add("newneigh proxy", [proxy()]);
  add("newneigh proxy, then the proxy dump", [
    proxy(),
    msg(C.RTM_GETNEIGH, R + DUMP, NDMSG.hdrLen, (w) => {
      w.field(NDM_FAMILY, C.AF_INET);
      w.field(NDM_FLAGS, C.NTF_PROXY);
    }),
  ]);
  add("newneigh on lo", [neigh(C.RTM_NEWNEIGH, ACK + CREATE, 1, "127.0.0.5", 0x32)], {
    deliberate: D.loNeigh,
  });
  add("newneigh, then dump", [
    neigh(C.RTM_NEWNEIGH, ACK + CREATE, 2, "192.0.2.50", 0x32),
    neigh(C.RTM_GETNEIGH, DUMP, 0, undefined, undefined, 0),
  ]);
  add("delneigh existing", [neigh(C.RTM_DELNEIGH, ACK, 2, "192.0.2.33", undefined, 0)], { extra: aNeighbour });
  add("delneigh missing", [neigh(C.RTM_DELNEIGH, ACK, 2, "192.0.2.99", undefined, 0)]);
  add("delneigh without NDA_DST", [neigh(C.RTM_DELNEIGH, ACK, 2, undefined, undefined, 0)]);
  add("delneigh without ifindex", [neigh(C.RTM_DELNEIGH, ACK, 0, "192.0.2.33", undefined, 0)], { extra: aNeighbour });
  add("delneigh on a missing interface", [neigh(C.RTM_DELNEIGH, ACK, 9, "192.0.2.33", undefined, 0)]);
  add("delneigh without ACK", [neigh(C.RTM_DELNEIGH, 0, 2, "192.0.2.33", undefined, 0)], { extra: aNeighbour });

  // --- routes ------------------------------------------------------------------------
  add("getroute dump", [route(C.RTM_GETROUTE, DUMP, undefined)]);
  add("getroute dump with ACK", [route(C.RTM_GETROUTE, DUMP + ACK, undefined)]);
  add("getroute dump, short header", [msg(C.RTM_GETROUTE, R + DUMP, 4)]);
  // `ip route get`: one lookup, answered as a cloned /32 with the source the device would use.
  const lookup = (dst: string): Bytes =>
    msg(C.RTM_GETROUTE, R, RTMSG.hdrLen, (w) => {
      w.field(RTM_FAMILY, C.AF_INET);
      w.field(RTM_DST_LEN, 32);
      w.inAddr(C.RTA_DST, ip(dst));
    });
  add("getroute one on-link destination", [lookup("192.0.2.77")]);
  add("getroute one destination via the gateway", [lookup("8.8.8.8")]);
  add("getroute the device's own address", [lookup("192.0.2.10")]);
  add("getroute a loopback address", [lookup("127.0.0.5")]);
  add("getroute with no route to it", [route(C.RTM_DELROUTE, ACK, undefined), lookup("8.8.8.8")]);
  for (const f of FLAG_SETS) {
    add(`newroute default via another, ${flagName(f)}`, [route(C.RTM_NEWROUTE, ACK + f, "192.0.2.254")]);
    add(`newroute default via the same, ${flagName(f)}`, [route(C.RTM_NEWROUTE, ACK + f, "192.0.2.1")]);
  }
  add("newroute default without ACK", [route(C.RTM_NEWROUTE, CREATE + REPLACE, "192.0.2.254")]);
  add("newroute default with a metric", [
    route(C.RTM_NEWROUTE, ACK + CREATE + EXCL, "192.0.2.254", (w) => w.int(C.RTA_PRIORITY, 4, 100)),
  ]);
  add("newroute default with RTA_OIF", [
    route(C.RTM_NEWROUTE, ACK + CREATE + REPLACE, "192.0.2.254", (w) => w.int(C.RTA_OIF, 4, 2)),
  ]);
  add("newroute default with a missing RTA_OIF", [
    route(C.RTM_NEWROUTE, ACK + CREATE + REPLACE, "192.0.2.254", (w) => w.int(C.RTA_OIF, 4, 9)),
  ]);
  add("newroute default via an unreachable gateway", [route(C.RTM_NEWROUTE, ACK + CREATE + REPLACE, "203.0.113.1")]);
  add("newroute, dst_len 33", [route(C.RTM_NEWROUTE, ACK + CREATE, "192.0.2.254", undefined, 33)]);
  add(
    "newroute of AF_INET6",
    [
      msg(C.RTM_NEWROUTE, R + ACK + CREATE, RTMSG.hdrLen, (w) => {
        w.field(RTM_FAMILY, C.AF_INET6);
        w.field(RTM_TABLE, C.RT_TABLE_MAIN);
      }),
    ],
    { deliberate: D.noIpv6 },
  );
  add("newroute, RTA_GATEWAY of 2 bytes", [
    route(C.RTM_NEWROUTE, ACK + CREATE, undefined, (w) => w.bytes(C.RTA_GATEWAY, ipBytes(), 0, 2)),
  ]);
  add("newroute, RTA_OIF of 2 bytes", [
    route(C.RTM_NEWROUTE, ACK + CREATE, "192.0.2.254", (w) => w.int(C.RTA_OIF, 2, 2)),
  ]);
  add("delroute default", [route(C.RTM_DELROUTE, ACK, undefined)]);
  add("delroute default via its gateway", [route(C.RTM_DELROUTE, ACK, "192.0.2.1")]);
  add("delroute default via another gateway", [route(C.RTM_DELROUTE, ACK, "192.0.2.254")]);
  add("delroute default twice", [route(C.RTM_DELROUTE, ACK, undefined), route(C.RTM_DELROUTE, ACK, undefined)]);
  add("delroute without ACK", [route(C.RTM_DELROUTE, 0, undefined)]);
  add("delroute of scope link (the default is universe)", [
    route(C.RTM_DELROUTE, ACK, undefined, (w) => w.field(RTM_SCOPE, 253)),
  ]);
  add("delroute of another protocol", [route(C.RTM_DELROUTE, ACK, undefined, (w) => w.field(RTM_PROTOCOL, 16))]);
  add("delroute of AF_INET6", [msg(C.RTM_DELROUTE, R + ACK, RTMSG.hdrLen, (w) => w.field(RTM_FAMILY, C.AF_INET6))], {
    deliberate: D.noIpv6,
  });

  // --- headers and datagrams ------------------------------------------------------------
  const get2 = (): Bytes => link(C.RTM_GETLINK, 0, 2);
  add("two requests in one datagram", [cat(link(C.RTM_GETLINK, 0, 2), link(C.RTM_GETLINK, 0, 1))]);
  add("three changes with ACK in one datagram", [
    cat(
      link(C.RTM_NEWLINK, ACK, 2, (w) => w.int(C.IFLA_MTU, 4, 1400)),
      addr(C.RTM_NEWADDR, ACK + CREATE + EXCL, 2, "198.51.100.1"),
      neigh(C.RTM_NEWNEIGH, ACK + CREATE, 2, "192.0.2.50", 0x32),
    ),
  ]);
  add("an error in the middle of a datagram", [cat(link(C.RTM_GETLINK, 0, 9), link(C.RTM_GETLINK, ACK, 1))]);
  add("NLMSG_NOOP with ACK", [msg(C.NLMSG_NOOP, R + ACK, 0)]);
  add("NLMSG_NOOP without ACK", [msg(C.NLMSG_NOOP, R, 0)]);
  add("NLMSG_ERROR as a request, with ACK", [msg(C.NLMSG_ERROR, R + ACK, 20)]);
  add("NLMSG_DONE as a request", [msg(C.NLMSG_DONE, R + ACK, 4)]);
  add("type 15 (below the first family type) with ACK", [msg(15, R + ACK, 0)]);
  add("unknown type 99", [msg(99, R + ACK, 16)]);
  add("unknown type 99 without ACK", [msg(99, R, 16)]);
  add("RTM_NEWRULE (not handled)", [msg(32, R + ACK, 12)], {
    deliberate: D.noRules,
  });
  add("RTM_GETQDISC dump (not handled)", [msg(38, R + DUMP, 20)], {
    deliberate: D.noQdisc,
  });
  add("not a request, without ACK", [withFlags(get2(), 0)]);
  add("not a request, with ACK", [withFlags(get2(), ACK)]);
  add("not a request: NEWLINK down with ACK", [withFlags(setUp(2, false), ACK)]);
  add("nlmsg_len below the header", [withLen(get2(), 8)], {
    deliberate: D.neverSilent,
  });
  add("nlmsg_len beyond the datagram", [withLen(get2(), 200)], {
    deliberate: D.neverSilent,
  });
  add("a datagram shorter than a header", [head(get2(), 10)], { deliberate: D.neverSilentRunt });
  add("a trailing attribute cut short (3 bytes)", [trailing(setUp(2, false), [0x08, 0x00, 0x04])]);
  add("a trailing attribute shorter than its header", [trailing(setUp(2, false), [0x02, 0x00, 0x04, 0x00])]);
  add("an attribute that overruns the message", [trailing(setUp(2, false), [0x40, 0x00, 0x04, 0x00])]);
  add("a bad trailing attribute on a GET", [trailing(link(C.RTM_GETLINK, ACK, 2), [0x40, 0x00, 0x03, 0x00])]);
  add("a bad trailing attribute on a dump", [trailing(link(C.RTM_GETLINK, DUMP, 0), [0x40, 0x00, 0x03, 0x00])]);
  add("nested flag on a plain attribute", [
    link(C.RTM_NEWLINK, ACK, 2, (w) => {
      const at = w.reserve(C.IFLA_MTU, 4);
      setLe32(w.buf, at, 1400);
      setLe16(w.buf, at - 2, C.IFLA_MTU + 0x8000);
    }),
  ]);
  add("seq and pid echoed as sent (pid 7)", [patch(get2(), 12, [7, 0, 0, 0])], {
    deliberate: D.pid,
  });
  // --- IPv6 (the kernel keeps it on; the device has its IPv6 host) ----------------------
  const v6 = (name: string, requests: Bytes[], more: Partial<DiffCase> = {}): void =>
    add(name, requests, { ipv6: true, ...more });
  const a6 = (
    type: number,
    flags: number,
    local: string | undefined,
    plen = 64,
    more: (w: NlWriter) => void = () => undefined,
  ): Bytes =>
    msg(type, R + flags, IFADDRMSG.hdrLen, (w) => {
      w.field(IFA_FAMILY_F, C.AF_INET6);
      w.field(IFA_PREFIXLEN, plen);
      w.field(IFA_INDEX, 2);
      if (local !== undefined) w.bytes(C.IFA_LOCAL, in6(local), 0, 16);
      more(w);
    });
  const n6 = (
    type: number,
    flags: number,
    dst: string | undefined,
    more: (w: NlWriter) => void = () => undefined,
  ): Bytes =>
    msg(type, R + flags, NDMSG.hdrLen, (w) => {
      w.field(NDM_FAMILY, C.AF_INET6);
      w.field(NDM_IFINDEX, 2);
      if (dst !== undefined) w.bytes(C.NDA_DST, in6(dst), 0, 16);
      more(w);
    });
  const family = (type: number, hdrLen: number, f: number): Bytes =>
    msg(type, R + DUMP, hdrLen, (w) => set8(w.buf, w.msgStart + C.NLMSG_HDRLEN, f));
  const global6 = {
    kernel: ["addr add 2001:db8::10/64 dev eth0 nodad"],
    device: (r: Rig): void => {
      (r.node.stack.ip6 as unknown as Ipv6).addAddress(r.node.eth, in6("2001:db8::10"), 0, 64, true);
    },
  };
  const router6 = {
    kernel: ["neigh add fe80::1 lladdr 02:00:00:00:00:01 nud stale router dev eth0"],
    device: (r: Rig): void => {
      const c = (r.node.stack.ip6 as unknown as Ipv6).cacheOf(r.node.eth)!;
      c.heardFrom(in6("fe80::1"), 0, macOf(1), 0, true);
    },
  };
  v6("getaddr dump AF_INET6", [family(C.RTM_GETADDR, IFADDRMSG.hdrLen, C.AF_INET6)]);
  v6("getaddr dump AF_INET6 with a global address", [family(C.RTM_GETADDR, IFADDRMSG.hdrLen, C.AF_INET6)], {
    extra: global6,
  });
  v6("getaddr dump AF_UNSPEC: both families", [family(C.RTM_GETADDR, IFADDRMSG.hdrLen, C.AF_UNSPEC)], {
    extra: global6,
  });
  v6("newaddr AF_INET6 nodad", [
    a6(C.RTM_NEWADDR, ACK + CREATE + EXCL, "2001:db8::20", 64, (w) => w.int(C.IFA_FLAGS, 4, C.IFA_F_NODAD)),
  ]);
  v6("newaddr AF_INET6 /128 nodad", [
    a6(C.RTM_NEWADDR, ACK + CREATE + EXCL, "2001:db8::21", 128, (w) => w.int(C.IFA_FLAGS, 4, C.IFA_F_NODAD)),
  ]);
  v6("newaddr AF_INET6 twice, EXCL", [
    a6(C.RTM_NEWADDR, ACK + CREATE + EXCL, "2001:db8::20", 64, (w) => w.int(C.IFA_FLAGS, 4, C.IFA_F_NODAD)),
    a6(C.RTM_NEWADDR, ACK + CREATE + EXCL, "2001:db8::20", 64, (w) => w.int(C.IFA_FLAGS, 4, C.IFA_F_NODAD)),
  ]);
  v6("newaddr AF_INET6, prefix length 129", [a6(C.RTM_NEWADDR, ACK + CREATE, "2001:db8::20", 129)]);
  v6("newaddr AF_INET6 without an address", [a6(C.RTM_NEWADDR, ACK + CREATE, undefined)]);
  v6("deladdr AF_INET6", [a6(C.RTM_DELADDR, ACK, "2001:db8::10")], { extra: global6 });
  v6("deladdr AF_INET6, another prefix length", [a6(C.RTM_DELADDR, ACK, "2001:db8::10", 48)], { extra: global6 });
  v6("deladdr AF_INET6 missing", [a6(C.RTM_DELADDR, ACK, "2001:db8::99")]);
  v6("deladdr the link-local address", [a6(C.RTM_DELADDR, ACK, "fe80::ff:fe00:a")]);
  v6("getneigh dump AF_INET6", [family(C.RTM_GETNEIGH, NDMSG.hdrLen, C.AF_INET6)], { extra: router6 });
  v6("getneigh dump AF_UNSPEC: both families", [family(C.RTM_GETNEIGH, NDMSG.hdrLen, C.AF_UNSPEC)], { extra: router6 });
  v6("getneigh AF_INET6 by address", [n6(C.RTM_GETNEIGH, 0, "fe80::1")], { extra: router6 });
  v6("getneigh AF_INET6 missing", [n6(C.RTM_GETNEIGH, 0, "fe80::2")], { extra: router6 });
  v6("delneigh AF_INET6", [n6(C.RTM_DELNEIGH, ACK, "fe80::1")], { extra: router6 });
  v6("delneigh AF_INET6 missing", [n6(C.RTM_DELNEIGH, ACK, "fe80::2")]);
  v6(
    "newneigh AF_INET6",
    [
      n6(C.RTM_NEWNEIGH, ACK + CREATE, "fe80::5", (w) => {
        set8(w.buf, w.msgStart + C.NLMSG_HDRLEN + 8, C.NUD_PERMANENT);
        w.bytes(C.NDA_LLADDR, macOf(5), 0, 6);
      }),
    ],
    { deliberate: D.v6Learned },
  );
  v6("getroute dump AF_INET6", [family(C.RTM_GETROUTE, RTMSG.hdrLen, C.AF_INET6)], { extra: global6 });

  // Cases made in loops get their notes here.
  for (const c of out) if (LISTED[c.name] !== undefined) c.deliberate = LISTED[c.name];
  return out;
}

function withFlags(b: Bytes, flags: number): Bytes {
  const c = patch(b, 0, []);
  setLe16(c, 6, flags);
  return c;
}

function ipBytes(): Bytes {
  const b = alloc(4);
  set8(b, 0, 198);
  set8(b, 1, 51);
  set8(b, 2, 100);
  set8(b, 3, 1);
  return b;
}

function head(b: Bytes, n: number): Bytes {
  const c = alloc(n);
  copy(c, 0, b, 0, n);
  return c;
}

/** An IPv6 address's 16 bytes from its text (the core's reading of RFC 4291 text). */
function in6(text: string): Bytes {
  const b = alloc(16);
  if (!parseIPv6(text, b, 0)) throw new Error(`not an IPv6 address: ${text}`);
  return b;
}
