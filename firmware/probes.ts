// The device's own probes (netrt ping, arping) as a board feature: the
// generated entry imports this only when the board file says
// "control": { "probes": true }, so a board without them carries none of the code.
import { Prober } from "../src/netlink/probe";
import type { ControlChannel } from "../src/netlink/channel";
import type { Device } from "./device";

export function addProbes(dev: Device, ch: ControlChannel): void {
  // Held by the channel's handlers and the stack's hooks: nothing else keeps it.
  new Prober(ch, dev.platform.clock);
}
