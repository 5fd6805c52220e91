// `netrt monitor`: print the device's notifications as they come (ip monitor).
import * as C from "../../src/netlink/constants";
import { PROTO_GENERIC } from "../../src/netlink/frame";
import { UsageError } from "../args";
import { findAttr, type MessageValue } from "../describe";
import {
  addrJson,
  addrText,
  linkJson,
  linkText,
  neighJson,
  neighText,
  routeJson,
  routeOut,
  routeText,
} from "../format";
import { matches } from "../grammar";
import { Channel, ChannelError } from "../transport";
import {
  groupBit,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_GROUPS,
  NETRT_CMD_SUBSCRIBE,
  NETRT_GENL_TYPE,
  NETRT_GROUP_DHCP,
} from "../../src/netlink/family";
import { dhcpJson, dhcpText } from "./dhcp";
import { type Globals, links, namer, print, style } from "../session";
import type { ObjectDef } from "./object";

const USAGE = `Usage: netrt monitor [ all | OBJECTS ] [ label ]
OBJECTS :=  address | link | neigh | route | dhcp
`;

/** Each object's groups: [IPv4's or both families', IPv6's]. */
const GROUPS: Record<string, number[]> = {
  link: [C.RTNLGRP_LINK],
  address: [C.RTNLGRP_IPV4_IFADDR, C.RTNLGRP_IPV6_IFADDR],
  route: [C.RTNLGRP_IPV4_ROUTE, C.RTNLGRP_IPV6_ROUTE],
  neigh: [C.RTNLGRP_NEIGH],
  dhcp: [NETRT_GROUP_DHCP],
};

/** The subscription mask for `names`: with -4 or -6, as ip monitor, only that family's address and route groups. */
export function monitorMask(names: string[], family: Globals["family"]): number {
  let mask = 0;
  for (const n of names) {
    const gs = GROUPS[n];
    for (let i = 0; i < gs.length; i++) {
      if (gs.length === 2 && ((family === "inet" && i === 1) || (family === "inet6" && i === 0))) continue;
      mask += groupBit(gs[i]);
    }
  }
  return mask;
}

/** ip monitor's words in its order; those without a group are ip's that this device has nothing for. */
const WORDS = [
  "file",
  "label",
  "link",
  "address",
  "route",
  "mroute",
  "prefix",
  "neigh",
  "netconf",
  "rule",
  "nsid",
  "nexthop",
];

const two = (n: number): string => String(n).padStart(2, "0");

/** ip's timestamps: -t a "Timestamp:" line (asctime, local), -ts an ISO-like prefix. */
export function timestamp(kind: number, d: Date, usec: number): string {
  const u = String(usec).padStart(6, "0");
  if (kind === 2)
    return `[${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${u}] `;
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getDay()];
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getMonth()];
  return `Timestamp: ${day} ${mon} ${String(d.getDate()).padStart(2)} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()} ${usec} usec\n`;
}

/** The groups and banner choice of `monitor ARGS`, as ip reads them. */
export function monitorArgs(args: string[]): { names: string[]; banner: boolean } {
  const names: string[] = [];
  let banner = false;
  for (const a of args) {
    if (a === "all") {
      banner = true;
      continue;
    }
    if (a === "dhcp") {
      names.push("dhcp");
      continue;
    }
    const w = WORDS.find((x) => matches(a, x));
    if (w === undefined) throw new UsageError(`Argument "${a}" is unknown, try "netrt monitor help".`);
    if (w === "label") banner = true;
    else if (GROUPS[w] !== undefined) names.push(w);
    else throw new UsageError(`Argument "${a}" is not supported by this device (${Object.keys(GROUPS).join(", ")}).`);
  }
  return { names: names.length === 0 ? Object.keys(GROUPS) : names, banner };
}

function eventText(g: Globals, m: MessageValue, name: (i: number) => string): [string, unknown, string] | undefined {
  const t = m.typeName;
  const st = style(g);
  const del = t.startsWith("RTM_DEL") ? "Deleted " : "";
  const deleted = del !== "" || undefined;
  if (t === "RTM_NEWLINK" || t === "RTM_DELLINK") {
    const j = linkJson(m, st, false);
    return ["LINK", { ...j, deleted }, `${del}${linkText(j, st)}`];
  }
  if (t === "RTM_NEWADDR" || t === "RTM_DELADDR") {
    const a = addrJson(m);
    return [
      "ADDR",
      { ifindex: m.header.index, deleted, addr_info: [a] },
      `${del}${m.header.index}: ${name(m.header.index)}    ${addrText(a, st)}`,
    ];
  }
  if (t === "RTM_NEWNEIGH" || t === "RTM_DELNEIGH") {
    const n = neighJson(m, name);
    return ["NEIGH", { ...n, deleted }, `${del}${neighText(n, st)}`];
  }
  if (t === "RTM_NEWROUTE" || t === "RTM_DELROUTE") {
    const r = routeJson(m, name, st);
    return ["ROUTE", { ...routeOut(r), deleted }, `${del}${routeText(r, st)}`];
  }
  if (t === "NETRT") {
    const j = dhcpJson(m);
    return ["DHCP", { dhcp: j }, `dhcp ${dhcpText(j, name(Number(j.ifindex)))}`];
  }
  return undefined;
}

async function monitor(g: Globals, ch: Channel, _cmd: string, args: string[]): Promise<void> {
  const { names, banner } = monitorArgs(args);
  const mask = monitorMask(names, g.family);
  const name = namer(await links(ch));
  ch.onNotify = (m) => {
    if (m.typeName === "NLMSG_ERROR") {
      // ENOBUFS from the device: it could not send everything while the line was busy.
      console.error(`Warning: ${String(findAttr(m.attrs, "NLMSGERR_ATTR_MSG")?.value ?? `error ${m.header.error}`)}`);
      return;
    }
    const e = eventText(g, m, name);
    if (e === undefined) return;
    const now = Date.now();
    const stamp = g.timestamp > 0 && !g.json ? timestamp(g.timestamp, new Date(now), (now % 1000) * 1000) : "";
    print(g, e[1], `${stamp}${banner && !g.json ? `[${e[0]}]` : ""}${e[2]}`);
  };
  await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
    w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
    w.int(NETRT_A_GROUPS, 4, mask);
  });
  // On stderr, so that stdout stays ip's: a session (and a test) knows the subscription holds.
  if (!g.json) console.error(`monitoring ${names.join(", ")}; Ctrl-C to stop`);
  await new Promise<void>((resolve, reject) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
    // A device that goes away ends the monitor with a word and an error, not in silence.
    ch.lost = () => reject(new ChannelError("the device went away: its port closed"));
  });
  // The device's subscription is its only one: leave none behind for the next session.
  ch.onNotify = undefined;
  await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
    w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
    w.int(NETRT_A_GROUPS, 4, 0);
  });
}

/** monitor takes objects, not commands: every word goes to it (help aside). */
export const monitorObject: ObjectDef = {
  commands: [],
  supported: [],
  default: "",
  usage: USAGE,
  run: monitor,
};
