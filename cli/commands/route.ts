// `netrt route`: show the routes; add, replace and delete the default route (ip route).
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
import { int, ipv4, UsageError } from "../args";
import { routeJson, routeText } from "../format";
import { Channel } from "../transport";
import { type Globals, keywords, links, ifindexOf, namer, print } from "../session";

/** rtm_scope of a delete that matches any scope. */
const RT_SCOPE_NOWHERE = 255;

export async function routeCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const verb = args[0] ?? "show";
  if (verb === "show" || verb === "list") {
    const name = namer(await links(ch));
    const ms = await ch.request(PROTO_ROUTE, C.RTM_GETROUTE, C.NLM_F_DUMP, RTMSG.hdrLen, (w) =>
      w.field(RTM_FAMILY, C.AF_INET),
    );
    const js = ms.map((m) => routeJson(m, name)).filter((r) => r.dev !== "lo");
    print(g, js, js.map(routeText).join("\n"));
    return;
  }
  if (verb === "add" || verb === "replace" || verb === "del" || verb === "delete") {
    const { kv, rest } = keywords(args.slice(1), ["via", "dev", "metric", "src", "proto"], []);
    const dst = rest.shift() ?? "default";
    if (dst !== "default" && dst !== "0.0.0.0/0")
      throw new UsageError("route: only the default route can be changed on this device");
    if (rest.length > 0) throw new UsageError(`route ${verb}: unknown argument "${rest[0]}"`);
    const del = verb === "del" || verb === "delete";
    if (!del && kv.via === undefined) throw new UsageError(`route ${verb}: via GATEWAY is required`);
    const index = kv.dev !== undefined ? await ifindexOf(ch, kv.dev) : 0;
    const flags = del
      ? C.NLM_F_ACK
      : C.NLM_F_ACK + C.NLM_F_CREATE + (verb === "replace" ? C.NLM_F_REPLACE : C.NLM_F_EXCL);
    await ch.request(PROTO_ROUTE, del ? C.RTM_DELROUTE : C.RTM_NEWROUTE, flags, RTMSG.hdrLen, (w) => {
      w.field(RTM_FAMILY, C.AF_INET);
      w.field(RTM_DST_LEN, 0);
      w.field(RTM_TABLE, C.RT_TABLE_MAIN);
      // As ip(8): a delete matches any protocol and scope unless told; an add is static unless told.
      const proto = kv.proto === "dhcp" ? 16 : kv.proto === "static" ? 4 : kv.proto === "boot" ? 3 : -1;
      w.field(RTM_PROTOCOL, proto >= 0 ? proto : del ? 0 : 4);
      w.field(RTM_SCOPE, del ? RT_SCOPE_NOWHERE : 0);
      w.field(RTM_TYPE, C.RTN_UNICAST);
      if (kv.via !== undefined) w.inAddr(C.RTA_GATEWAY, ipv4(kv.via, "gateway"));
      if (index !== 0) w.int(C.RTA_OIF, 4, index);
      if (kv.metric !== undefined) w.int(C.RTA_PRIORITY, 4, int(kv.metric, "metric", 0, 4294967295));
      if (kv.src !== undefined) w.inAddr(C.RTA_PREFSRC, ipv4(kv.src, "src"));
    });
    return;
  }
  throw new UsageError(`route: unknown command "${verb}" (show, add, replace, del)`);
}
