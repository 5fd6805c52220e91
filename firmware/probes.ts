// The control channel with the device's own probes (netrt ping, arping): the
// generated entry imports this instead of control.ts when the board file says
// "control": { "probes": true }, so a board without them carries none of the code.
import { Prober } from "../src/netlink/probe";
import { serveControl } from "./control";
import type { ControlChannel } from "../src/netlink/channel";
import type { Device, SerialFactory } from "./device";

export function serveControlWithProbes(dev: Device, openSerial: SerialFactory): ControlChannel {
  const ch = serveControl(dev, openSerial);
  // Held by the channel's handlers and the stack's hooks: nothing else keeps it.
  new Prober(ch, dev.platform.clock);
  return ch;
}
