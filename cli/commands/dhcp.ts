// `netrt dhcp`: the DHCP client's lease and state; renew, release, restart.
import * as C from "../../src/netlink/constants";
import { PROTO_GENERIC } from "../../src/netlink/frame";
import { UsageError } from "../args";
import { findAttr, type MessageValue } from "../describe";
import { Channel, ChannelError } from "../transport";
import { EOPNOTSUPP } from "../../src/net/errno";
import {
  NETRT_A_DHCP_PROBE,
  NETRT_A_DHCP_PROFILE,
  NETRT_A_HOSTNAME,
  NETRT_CMD_DHCP_CONFIG,
} from "../../src/netlink/family-settings";
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
       netrt dhcp set [ dev IFNAME ] [ hostname NAME ] [ profile { rfc2131 | fast } ]
                      [ probe { strict | quick | off } ]
dhcp set changes the client at once (the next message it sends); netrt save keeps it.
`;

const PROFILES = ["rfc2131", "fast"];
const PROBES = ["strict", "quick", "off"];

function choice(v: string | undefined, what: string, names: string[]): number | undefined {
  if (v === undefined) return undefined;
  const i = names.indexOf(v);
  if (i < 0) throw new UsageError(`dhcp set: ${what} is ${names.join(", ")}, not "${v}"`);
  return i;
}

/** NETRT_CMD_DHCP_CONFIG: sets what `set` carries, answers with the client's hostname, profile and probing. */
async function dhcpConfig(
  ch: Channel,
  ifindex: number,
  set: { hostname?: string; profile?: number; probe?: number },
): Promise<MessageValue | undefined> {
  const changing = Object.values(set).some((v) => v !== undefined);
  try {
    const r = await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, changing ? C.NLM_F_ACK : 0, GENLMSGHDR.hdrLen, (w) => {
      w.field(GENL_CMD, NETRT_CMD_DHCP_CONFIG);
      if (ifindex > 0) w.put(GENL_ATTRS, NETRT_A_IFINDEX, ifindex);
      if (set.hostname !== undefined) w.str(NETRT_A_HOSTNAME, set.hostname);
      if (set.profile !== undefined) w.put(GENL_ATTRS, NETRT_A_DHCP_PROFILE, set.profile);
      if (set.probe !== undefined) w.put(GENL_ATTRS, NETRT_A_DHCP_PROBE, set.probe);
    });
    return r[0];
  } catch (e) {
    // A board built without the settings feature has no such command: show says less, set says why.
    if (!changing && e instanceof ChannelError && e.errno === EOPNOTSUPP) return undefined;
    if (changing && e instanceof ChannelError && e.errno === EOPNOTSUPP)
      throw new ChannelError(
        "this device's build cannot change its DHCP client (the board's \"settings\" feature)",
        EOPNOTSUPP,
        2,
      );
    throw e;
  }
}

async function dhcpSet(ch: Channel, args: string[]): Promise<void> {
  const { kv, rest } = keywords(args, ["dev", "hostname", "profile", "probe"], []);
  if (rest.length > 0) throw new UsageError(`dhcp set: unexpected "${rest[0]}" (hostname, profile, probe, dev)`);
  const hostname = kv.hostname;
  if (hostname !== undefined && !/^[!-~]{1,32}$/.test(hostname))
    throw new UsageError(`dhcp set: a hostname is 1 to 32 printable characters without spaces, not "${hostname}"`);
  const profile = choice(kv.profile, "profile", PROFILES);
  const probe = choice(kv.probe, "probe", PROBES);
  if (hostname === undefined && profile === undefined && probe === undefined)
    throw new UsageError("dhcp set: nothing to set (hostname NAME, profile P, probe P)");
  const ifindex = kv.dev !== undefined ? await ifindexOf(ch, kv.dev) : 0;
  await dhcpConfig(ch, ifindex, { hostname, profile, probe });
}

const CMDS: Record<string, number> = {
  show: NETRT_CMD_DHCP_GET,
  renew: NETRT_CMD_DHCP_RENEW,
  release: NETRT_CMD_DHCP_RELEASE,
  restart: NETRT_CMD_DHCP_RESTART,
};

async function dhcp(g: Globals, ch: Channel, verb: string, args: string[]): Promise<void> {
  if (verb === "set") return dhcpSet(ch, args);
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
  let text = dhcpText(j, name(Number(j.ifindex)));
  const c = await dhcpConfig(ch, ifindex, {});
  if (c !== undefined) {
    const v = (n: string): unknown => findAttr(c.attrs, n)?.value;
    j.hostname = v("NETRT_A_HOSTNAME");
    j.profile = PROFILES[Number(v("NETRT_A_DHCP_PROFILE"))];
    j.probe = PROBES[Number(v("NETRT_A_DHCP_PROBE"))];
    text += `\n    hostname ${j.hostname} profile ${j.profile} probe ${j.probe}`;
  }
  print(g, j, text);
}

export const dhcpObject: ObjectDef = {
  commands: ["show", "set", "renew", "release", "restart", "help"],
  supported: ["show", "set", "renew", "release", "restart"],
  default: "show",
  usage: USAGE,
  run: dhcp,
};
