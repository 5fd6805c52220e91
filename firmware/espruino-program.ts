// The program's module on an Espruino board (require("netrt")): the
// board's device, started by the program. A separate entry, so firmware
// builds carry none of the embedding API.
import type { SpiMacFactory } from "../hal/types";
import type { BoardConfig } from "./board";
import type { ControlServer, AddServices } from "./device";
import { makeNetrt, type Netrt } from "./app";
import { boot } from "./espruino";

/** The program's module: require("netrt").start({...}) boots the device. */
export function program(
  board: BoardConfig,
  openChip?: SpiMacFactory,
  control?: ControlServer,
  services?: AddServices,
): Netrt {
  return makeNetrt(board, (b) => boot(b, openChip, control), services);
}
