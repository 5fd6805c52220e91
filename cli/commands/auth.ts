// `netrt auth`: whether the device has a key; set, clear, log out.
import type { Bytes } from "../../hal/types";
import * as C from "../../src/netlink/constants";
import { PROTO_GENERIC } from "../../src/netlink/frame";
import { UsageError } from "../args";
import { Channel } from "../transport";
import {
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_KEY,
  NETRT_CMD_AUTH_END,
  NETRT_CMD_SET_KEY,
  NETRT_GENL_TYPE,
} from "../../src/netlink/family";
import { type Globals, authenticate, print } from "../session";
import type { ObjectDef } from "./object";

const USAGE = `Usage: netrt auth { status | set-key HEX | clear-key | logout }
HEX := 16 to 64 bytes in hex; changes then need -key HEX (or $NETRT_KEY)
`;

async function auth(g: Globals, ch: Channel, verb: string, args: string[]): Promise<void> {
  if (verb === "status") {
    const keyed = await authenticate(ch, undefined);
    print(
      g,
      { keyed },
      keyed
        ? "this device has a key: changes need -key HEX (or NETRT_KEY)"
        : "this device has no key: anyone on the line may change it (netrt auth set-key HEX)",
    );
    return;
  }
  if (verb === "set-key" || verb === "clear-key") {
    let key = Buffer.alloc(0);
    if (verb === "set-key") {
      const text = args[0];
      if (text === undefined || !/^([0-9a-f]{2}){16,64}$/i.test(text))
        throw new UsageError("auth set-key HEX: 16 to 64 bytes in hex");
      key = Buffer.from(text, "hex");
    }
    await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => {
      w.field(GENL_CMD, NETRT_CMD_SET_KEY);
      w.bytes(NETRT_A_KEY, key as unknown as Bytes, 0, key.length);
    });
    return;
  }
  if (verb === "logout") {
    await ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) =>
      w.field(GENL_CMD, NETRT_CMD_AUTH_END),
    );
    return;
  }
}

export const authObject: ObjectDef = {
  commands: ["status", "set-key", "clear-key", "logout", "help"],
  supported: ["status", "set-key", "clear-key", "logout"],
  default: "status",
  usage: USAGE,
  run: auth,
};
