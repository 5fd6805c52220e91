// Espruino entry: wires the Espruino binding to the device.
import { espruinoPlatform } from "../hal/espruino/platform";
import type { BoardConfig } from "./board";
import { startDevice } from "./device";

export function start(board: BoardConfig): void {
  // MAC drivers for SPI Ethernet chips arrive with the boards work; until a
  // board's driver exists the device runs without an interface.
  startDevice(espruinoPlatform(board.logLevel), board, undefined);
}
