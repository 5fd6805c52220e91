// NodeMCU entry (Lua 5.1 + bit and Lua 5.3): wires the NodeMCU binding to the device.
import { nodeMcuPlatform } from "../hal/lua/platform";
import type { BoardConfig } from "./board";
import { startDevice } from "./device";

export function start(board: BoardConfig): void {
  startDevice(nodeMcuPlatform(board.runtime, board.logLevel), board, undefined);
}
