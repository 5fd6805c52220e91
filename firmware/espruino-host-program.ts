// The program's module on Espruino for Linux (require("netrt")): the
// interpreter's own event loop runs it. A separate entry, so firmware
// builds carry none of the embedding API.
import type { BoardConfig } from "./board";
import type { ControlServer, AddServices } from "./device";
import { makeNetrt, type Netrt } from "./app";
import { hostDevice } from "./espruino-host";

/** The program's module on Espruino for Linux: the interpreter's own event loop runs it. */
export function program(
  board: BoardConfig,
  _openChip?: unknown,
  control?: ControlServer,
  services?: AddServices,
): Netrt {
  return makeNetrt(board, (b) => hostDevice(b, control), services);
}
