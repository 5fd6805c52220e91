// `netrt monitor`: print the device's notifications as they come (ip monitor).
import * as C from "../../src/netlink/constants";
import { PROTO_GENERIC } from "../../src/netlink/frame";
import { UsageError } from "../args";
import { findAttr } from "../describe";
import { addrJson, addrText, linkJson, linkText, neighJson, neighText, routeJson, routeText } from "../format";
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
import { type Globals, links, namer, print } from "../session";

const GROUPS: Record<string, number> = {
  link: C.RTNLGRP_LINK,
  address: C.RTNLGRP_IPV4_IFADDR,
  neigh: C.RTNLGRP_NEIGH,
  route: C.RTNLGRP_IPV4_ROUTE,
  dhcp: NETRT_GROUP_DHCP,
};

export async function monitorCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const names =
    args.length === 0 || args.includes("all") ? Object.keys(GROUPS) : args.map((a) => (a === "addr" ? "address" : a));
  for (const n of names)
    if (GROUPS[n] === undefined)
      throw new UsageError(`monitor: unknown group "${n}" (link, address, neigh, route, dhcp, all)`);
  const mask = names.reduce((acc, n) => acc + groupBit(GROUPS[n]), 0);
  const name = namer(await links(ch));
  ch.onNotify = (m) => {
    const t = m.typeName;
    if (t === "RTM_NEWLINK" || t === "RTM_DELLINK") {
      const j = linkJson(m);
      print(
        g,
        { ...j, deleted: t === "RTM_DELLINK" || undefined },
        `${t === "RTM_DELLINK" ? "Deleted " : ""}${linkText(j, false)}`,
      );
    } else if (t === "RTM_NEWADDR" || t === "RTM_DELADDR") {
      const a = addrJson(m);
      print(
        g,
        { ifindex: m.header.index, deleted: t === "RTM_DELADDR" || undefined, addr_info: [a] },
        `${t === "RTM_DELADDR" ? "Deleted " : ""}${m.header.index}: ${name(m.header.index)}\n${addrText(a)}`,
      );
    } else if (t === "RTM_NEWNEIGH" || t === "RTM_DELNEIGH") {
      const n = neighJson(m, name);
      print(
        g,
        { ...n, deleted: t === "RTM_DELNEIGH" || undefined },
        `${t === "RTM_DELNEIGH" ? "Deleted " : ""}${neighText(n)}`,
      );
    } else if (t === "RTM_NEWROUTE" || t === "RTM_DELROUTE") {
      const r = routeJson(m, name);
      print(
        g,
        { ...r, deleted: t === "RTM_DELROUTE" || undefined },
        `${t === "RTM_DELROUTE" ? "Deleted " : ""}${routeText(r)}`,
      );
    } else if (t === "NLMSG_ERROR") {
      // ENOBUFS from the device: it could not send everything while the line was busy.
      console.error(`Warning: ${String(findAttr(m.attrs, "NLMSGERR_ATTR_MSG")?.value ?? `error ${m.header.error}`)}`);
    } else if (t === "NETRT") {
      const j = dhcpJson(m);
      print(g, { dhcp: j }, `dhcp ${dhcpText(j, name(Number(j.ifindex)))}`);
    }
  };
  await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
    w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
    w.int(NETRT_A_GROUPS, 4, mask);
  });
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
