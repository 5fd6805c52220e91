// `netrt link`: show and set interfaces (ip link).
import * as C from "../../src/netlink/constants";
import { PROTO_ROUTE } from "../../src/netlink/frame";
import { IFI_CHANGE, IFI_FLAGS, IFINFOMSG } from "../../src/netlink/schemas";
import { int, UsageError } from "../args";
import { linkJson, linkText } from "../format";
import { Channel } from "../transport";
import { type Globals, keywords, links, print } from "../session";

export async function linkCmd(g: Globals, ch: Channel, args: string[]): Promise<void> {
  const verb = args[0] ?? "show";
  if (verb === "show" || verb === "list") {
    const { kv, rest } = keywords(args.slice(1), ["dev"], []);
    const dev = kv.dev ?? rest[0];
    const ms =
      dev !== undefined
        ? await ch.request(PROTO_ROUTE, C.RTM_GETLINK, 0, IFINFOMSG.hdrLen, (w) => w.str(C.IFLA_IFNAME, dev))
        : await links(ch);
    const js = ms.map(linkJson);
    print(g, js, js.map((j) => linkText(j, g.details)).join("\n"));
    return;
  }
  if (verb === "set") {
    const { kv, set, rest } = keywords(args.slice(1), ["dev", "mtu", "alias"], ["up", "down"]);
    const dev = kv.dev ?? rest.shift();
    if (dev === undefined) throw new UsageError("link set: which device? (dev NAME)");
    if (rest.length > 0) throw new UsageError(`link set: unknown argument "${rest[0]}"`);
    if (set.has("up") && set.has("down")) throw new UsageError("link set: up or down, not both");
    const mtu = kv.mtu !== undefined ? int(kv.mtu, "mtu", 0, 65535) : undefined;
    if (mtu === undefined && kv.alias === undefined && set.size === 0)
      throw new UsageError("link set: nothing to change (up, down, mtu N, alias TEXT)");
    await ch.request(PROTO_ROUTE, C.RTM_NEWLINK, C.NLM_F_ACK, IFINFOMSG.hdrLen, (w) => {
      w.field(IFI_FLAGS, set.has("up") ? 1 : 0);
      w.field(IFI_CHANGE, set.size > 0 ? 1 : 0);
      w.str(C.IFLA_IFNAME, dev);
      if (mtu !== undefined) w.int(C.IFLA_MTU, 4, mtu);
      if (kv.alias !== undefined) w.str(C.IFLA_IFALIAS, kv.alias);
    });
    return;
  }
  throw new UsageError(`link: unknown command "${verb}" (show, set)`);
}
