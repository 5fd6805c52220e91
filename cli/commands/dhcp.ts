// `netrt dhcp`: the DHCP client's lease and state; renew, release, restart.
import * as C from "../../src/netlink/constants";
import { PROTO_GENERIC } from "../../src/netlink/frame";
import { UsageError } from "../args";
import { findAttr, type MessageValue } from "../describe";
import { Channel } from "../transport";
import {
  GENL_ATTRS,
  GENL_CMD,
  NETRT_A_IFINDEX,
  GENLMSGHDR,
  NETRT_CMD_DHCP_GET,
  NETRT_CMD_DHCP_RELEASE,
  NETRT_CMD_DHCP_RENEW,
  NETRT_CMD_DHCP_RESTART,
  NETRT_GENL_TYPE,
} from "../../src/netlink/family";
import { DHCP_EVENT_NAMES } from "../../src/dhcp/states";
import { type Globals, ifindexOf, keywords, links, namer, print } from "../session";
import type { ObjectDef } from "./object";

export function dhcpJson(m: MessageValue): Record<string, unknown> {
  const all = (n: string): string[] => m.attrs.filter((a) => a.name === n).map((a) => String(a.value));
  const v = (n: string): unknown => findAttr(m.attrs, n)?.value;
  const j: Record<string, unknown> = { ifindex: v("NETRT_A_IFINDEX"), state: v("NETRT_A_STATE_NAME") };
  const ev = v("NETRT_A_DHCP_EVENT");
  if (typeof ev === "number") j.event = DHCP_EVENT_NAMES[ev] ?? ev;
  if (v("NETRT_A_ADDRESS") !== undefined) {
    Object.assign(j, {
      address: v("NETRT_A_ADDRESS"),
      prefixlen: v("NETRT_A_PREFIXLEN"),
      server: v("NETRT_A_SERVER"),
      routers: all("NETRT_A_ROUTER"),
      dns: all("NETRT_A_DNS"),
      lease_time: v("NETRT_A_LEASE"),
      renew_time: v("NETRT_A_T1"),
      rebind_time: v("NETRT_A_T2"),
      remaining: v("NETRT_A_REMAINING"),
    });
    const d = v("NETRT_A_DOMAIN");
    if (d !== undefined) j.domain = d;
  }
  return j;
}

export function dhcpText(j: Record<string, unknown>, ifname: string): string {
  let s = `${ifname}: ${j.event !== undefined ? `${j.event} ` : ""}state ${j.state}`;
  if (j.address !== undefined) {
    s += `\n    lease ${j.address}/${j.prefixlen} from ${j.server}, ${j.remaining} s left of ${j.lease_time} s (renew at ${j.renew_time} s, rebind at ${j.rebind_time} s)`;
    if ((j.routers as string[]).length > 0) s += `\n    routers ${(j.routers as string[]).join(" ")}`;
    if ((j.dns as string[]).length > 0) s += `\n    dns ${(j.dns as string[]).join(" ")}`;
    if (j.domain !== undefined) s += `\n    domain ${j.domain}`;
  }
  return s;
}

const USAGE = `Usage: netrt dhcp { show | renew | release | restart } [ dev IFNAME ]
`;

const CMDS: Record<string, number> = {
  show: NETRT_CMD_DHCP_GET,
  renew: NETRT_CMD_DHCP_RENEW,
  release: NETRT_CMD_DHCP_RELEASE,
  restart: NETRT_CMD_DHCP_RESTART,
};

async function dhcp(g: Globals, ch: Channel, verb: string, args: string[]): Promise<void> {
  const cmd = CMDS[verb];
  // `dev IFNAME` picks the interface's client on a device that runs several; without it, the first.
  const { kv, rest } = keywords(args, ["dev"], []);
  if (rest.length > 0) throw new UsageError(`dhcp ${verb}: unexpected "${rest[0]}" (dev IFNAME)`);
  const ifindex = kv.dev !== undefined ? await ifindexOf(ch, kv.dev) : 0;
  const r = await ch.request(
    PROTO_GENERIC,
    NETRT_GENL_TYPE,
    cmd === NETRT_CMD_DHCP_GET ? 0 : C.NLM_F_ACK,
    GENLMSGHDR.hdrLen,
    (w) => {
      w.field(GENL_CMD, cmd);
      if (ifindex > 0) w.put(GENL_ATTRS, NETRT_A_IFINDEX, ifindex);
    },
  );
  if (cmd !== NETRT_CMD_DHCP_GET) return;
  const name = namer(await links(ch));
  const j = dhcpJson(r[0]);
  print(g, j, dhcpText(j, name(Number(j.ifindex))));
}

export const dhcpObject: ObjectDef = {
  commands: ["show", "renew", "release", "restart", "help"],
  supported: ["show", "renew", "release", "restart"],
  default: "show",
  usage: USAGE,
  run: dhcp,
};
