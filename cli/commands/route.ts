// `netrt route`: show the routes, ask the device which one it would use
// (route get), and add, change, replace or delete the default route (ip route).
import * as C from "../../src/netlink/constants";
import { PROTO_ROUTE } from "../../src/netlink/frame";
import {
  RTM_DST_LEN,
  RTM_FAMILY,
  RTM_PROTOCOL,
  RTM_SCOPE,
  RTM_TABLE,
  RTM_TYPE,
  RTMSG,
} from "../../src/netlink/schemas";
import { int, ipv4, looksIPv6, prefix, prefix6, UsageError } from "../args";
import type { Bytes } from "../../hal/types";
import { routeJson, routeOrder, routeOut, routeText } from "../format";
import { Channel } from "../transport";
import { changeFlags, type Globals, keywords, links, ifindexOf, namer, print, style } from "../session";
import type { ObjectDef } from "./object";

/** rtm_scope of a delete that matches any scope. */
const RT_SCOPE_NOWHERE = 255;

const USAGE = `Usage: netrt route [ list ]
       netrt route get ADDRESS
       netrt route { add | change | replace | del } default [ via ADDRESS ] [ dev STRING ]
                   [ metric NUMBER ] [ src ADDRESS ] [ proto { static | boot | dhcp } ]
Only the default route can be changed on this device: the others follow its addresses.
`;

async function show(g: Globals, ch: Channel): Promise<void> {
  if (g.family === "link") return print(g, [], "");
  const st = style(g);
  const name = namer(await links(ch));
  // As ip: IPv4's table unless -6 asks for IPv6's.
  const ms = await ch.request(PROTO_ROUTE, C.RTM_GETROUTE, C.NLM_F_DUMP, RTMSG.hdrLen, (w) =>
    w.field(RTM_FAMILY, g.family === "inet6" ? C.AF_INET6 : C.AF_INET),
  );
  // As `ip route`: the main table (the loopback's local route is listed by `ip route show table local`).
  const js = ms
    .map((m) => routeJson(m, name, st))
    .filter((r) => r.table === C.RT_TABLE_MAIN)
    .sort(routeOrder);
  print(g, js.map(routeOut), js.map((r) => routeText(r, st)).join("\n"));
}

async function get(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const { rest } = keywords(args, [], []);
  let to = rest.shift();
  if (to === "to") to = rest.shift();
  if (to === undefined) throw new UsageError("need at least a destination address", 1);
  if (rest.length > 0) throw new UsageError(`route get: "${rest[0]}" is not supported by this device`);
  const six = g.family === "inet6" || (g.family !== "inet" && looksIPv6(to));
  const st = style(g);
  const name = namer(await links(ch));
  const r = await ch.request(PROTO_ROUTE, C.RTM_GETROUTE, 0, RTMSG.hdrLen, (w) => {
    w.field(RTM_FAMILY, six ? C.AF_INET6 : C.AF_INET);
    w.field(RTM_DST_LEN, six ? 128 : 32);
    if (six) w.bytes(C.RTA_DST, prefix6(to, g.family === "inet6")[0] as unknown as Bytes, 0, 16);
    else w.inAddr(C.RTA_DST, prefix(to)[0]);
  });
  const js = r.map((m) => routeJson(m, name, st));
  print(g, js.map(routeOut), js.map((x) => routeText(x, st)).join("\n"));
}

async function modify(ch: Channel, cmd: string, args: string[]): Promise<void> {
  const { kv, rest } = keywords(args, ["via", "dev", "metric", "src", "proto"], []);
  const dst = rest.shift() ?? "default";
  if (dst !== "default" && dst !== "0.0.0.0/0")
    throw new UsageError("route: only the default route can be changed on this device");
  if (rest.length > 0) throw new UsageError(`route ${cmd}: unknown argument "${rest[0]}"`);
  const del = cmd === "delete";
  if (!del && kv.via === undefined) throw new UsageError(`route ${cmd}: via GATEWAY is required`);
  const index = kv.dev !== undefined ? await ifindexOf(ch, kv.dev) : 0;
  const flags = changeFlags(cmd);
  await ch.request(PROTO_ROUTE, del ? C.RTM_DELROUTE : C.RTM_NEWROUTE, flags, RTMSG.hdrLen, (w) => {
    w.field(RTM_FAMILY, C.AF_INET);
    w.field(RTM_DST_LEN, 0);
    w.field(RTM_TABLE, C.RT_TABLE_MAIN);
    // As ip(8): a delete matches any protocol and scope unless told; an add is proto boot unless told.
    const proto = kv.proto === "dhcp" ? 16 : kv.proto === "static" ? 4 : kv.proto === "boot" ? 3 : -1;
    w.field(RTM_PROTOCOL, proto >= 0 ? proto : del ? 0 : 3);
    w.field(RTM_SCOPE, del ? RT_SCOPE_NOWHERE : 0);
    w.field(RTM_TYPE, C.RTN_UNICAST);
    if (kv.via !== undefined) w.inAddr(C.RTA_GATEWAY, ipv4(kv.via));
    if (index !== 0) w.int(C.RTA_OIF, 4, index);
    if (kv.metric !== undefined) w.int(C.RTA_PRIORITY, 4, int(kv.metric, "metric", 0, 4294967295));
    if (kv.src !== undefined) w.inAddr(C.RTA_PREFSRC, ipv4(kv.src));
  });
}

export const routeObject: ObjectDef = {
  commands: [
    "add",
    ["change", "chg"],
    "replace",
    "prepend",
    "append",
    "test",
    "delete",
    "list",
    "show",
    "lst",
    "get",
    "flush",
    "save",
    "restore",
    "showdump",
    "help",
  ],
  supported: ["add", "change", "replace", "delete", "list", "show", "lst", "get"],
  default: "show",
  usage: USAGE,
  run(g, ch, cmd, args) {
    if (cmd === "get") return get(g, ch, args);
    if (cmd === "list" || cmd === "show" || cmd === "lst") return show(g, ch);
    return modify(ch, cmd, args);
  },
};
