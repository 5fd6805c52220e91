// The program's module on a NodeMCU board (require("netrt")): the board's
// device, started by the program. A separate entry, so firmware builds
// carry none of the embedding API.
import type { SpiMacFactory } from "../hal/types";
import type { BoardConfig } from "./board";
import type { ControlServer, AddServices } from "./device";
import { makeNetrt, type Netrt } from "./app";
import { boot } from "./lua";

/** The program's module: require("netrt").start({...}) boots the device. */
export function program(
  board: BoardConfig,
  openChip?: SpiMacFactory,
  control?: ControlServer,
  services?: AddServices,
): Netrt {
  return makeNetrt(
    board,
    (b) => {
      const d = boot(b, openChip, control);
      // An integer build of the firmware cannot run the stack: said on the console, and to the program.
      if (d === undefined) throw "netrt: this NodeMCU firmware cannot run netrt (see the console)";
      return d;
    },
    services,
  );
}
