// `netrt link`: show and set interfaces (ip link).
import * as C from "../../src/netlink/constants";
import { PROTO_ROUTE } from "../../src/netlink/frame";
import { IFI_CHANGE, IFI_FLAGS, IFINFOMSG } from "../../src/netlink/schemas";
import { int, lladdr, UsageError } from "../args";
import { linkBrief, linkJson, linkStats, linkText } from "../format";
import { Channel, ChannelError } from "../transport";
import { type Globals, ifindexOf, keywords, links, print, style } from "../session";
import { ENODEV } from "../../src/net/errno";
import type { ObjectDef } from "./object";

const USAGE = `Usage: netrt link set { DEVICE | dev DEVICE } [ { up | down } ] [ address LLADDR ] [ mtu MTU ]
                     [ alias NAME ]
       netrt link show [ [dev] DEVICE ]
       netrt link help
`;

async function show(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const { kv, rest } = keywords(args, ["dev"], []);
  const dev = kv.dev ?? rest[0];
  const st = style(g);
  let ms;
  try {
    ms =
      dev !== undefined
        ? await ch.request(PROTO_ROUTE, C.RTM_GETLINK, 0, IFINFOMSG.hdrLen, (w) => w.str(C.IFLA_IFNAME, dev))
        : await links(ch);
  } catch (e) {
    if (e instanceof ChannelError && e.errno === ENODEV)
      throw new ChannelError(`Device "${dev}" does not exist.`, 0, 1);
    throw e;
  }
  const js = ms.map((m) => linkJson(m, st));
  const text = js.map((j) => {
    if (g.brief) return linkBrief(j, st);
    const t = linkText(j, st) + linkStats(j, st);
    return g.oneline ? t.replace(/\n/g, "\\") : t;
  });
  print(g, js, text.join("\n"));
}

async function set(ch: Channel, args: string[]): Promise<void> {
  // ip reads any abbreviation of "address" (a, addr) as it, where a keyword may stand (not as a value).
  const valued = ["dev", "mtu", "alias", "address"];
  const words: string[] = [];
  let isValue = false;
  for (const a of args) {
    const w: string = !isValue && a !== "" && "address".startsWith(a) ? "address" : a;
    words.push(w);
    isValue = !isValue && valued.includes(w);
  }
  const { kv, set, rest } = keywords(words, valued, ["up", "down"]);
  const dev = kv.dev ?? rest.shift();
  if (dev === undefined) throw new UsageError('Not enough information: "dev" argument is required.');
  if (rest.length > 0) throw new UsageError(`Error: either "dev" is duplicate, or "${rest[0]}" is a garbage.`);
  if (set.has("up") && set.has("down")) throw new UsageError("link set: up or down, not both");
  const mtu = kv.mtu !== undefined ? int(kv.mtu, "mtu", 0, 4294967295) : undefined;
  const hw = kv.address !== undefined ? lladdr(kv.address) : undefined;
  // As ip: an unknown device is "Cannot find device"; `link set DEV` with nothing to change succeeds.
  await ifindexOf(ch, dev);
  if (mtu === undefined && kv.alias === undefined && hw === undefined && set.size === 0) return;
  await ch.request(PROTO_ROUTE, C.RTM_NEWLINK, C.NLM_F_ACK, IFINFOMSG.hdrLen, (w) => {
    w.field(IFI_FLAGS, set.has("up") ? 1 : 0);
    w.field(IFI_CHANGE, set.size > 0 ? 1 : 0);
    w.str(C.IFLA_IFNAME, dev);
    if (hw !== undefined) w.bytes(C.IFLA_ADDRESS, hw as unknown as Parameters<typeof w.bytes>[1], 0, 6);
    if (mtu !== undefined) w.int(C.IFLA_MTU, 4, mtu);
    if (kv.alias !== undefined) w.str(C.IFLA_IFALIAS, kv.alias);
  });
}

export const linkObject: ObjectDef = {
  commands: [
    "add",
    "set",
    "change",
    "replace",
    "delete",
    "show",
    "lst",
    "list",
    "xstats",
    "afstats",
    "property",
    "help",
  ],
  supported: ["set", "change", "show", "lst", "list"],
  default: "show",
  usage: USAGE,
  run(g, ch, cmd, args) {
    if (cmd === "set" || cmd === "change") return set(ch, args);
    return show(g, ch, args);
  },
};
