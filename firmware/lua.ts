// NodeMCU entry (Lua 5.1 + bit and Lua 5.3): wires the NodeMCU binding to the
// device. The board's entry module passes the SPI chip's driver and, when the
// board has them, the control channel and the program's services.
import { integerFirmwareProblem, nodeMcuPlatform, NodeMcuSerial } from "../hal/lua/platform";
import { NodeMcuChipGpio, NodeMcuSpi } from "../hal/lua/spi";
import { LOG_ERROR, type SpiMacFactory } from "../hal/types";
import type { BoardConfig } from "./board";
import { openChipMac, startDevice, type ControlServer, type Device, type AddServices } from "./device";

export function boot(board: BoardConfig, openChip?: SpiMacFactory, control?: ControlServer): Device | undefined {
  const p = nodeMcuPlatform(board.runtime, board.logLevel);
  const numbers = integerFirmwareProblem(7 / 2, 4294967296 + 1);
  if (numbers !== undefined) {
    p.log.write(LOG_ERROR, numbers);
    return undefined;
  }
  const openMac = openChipMac(
    p,
    board,
    openChip,
    () => new NodeMcuSpi(board.mac.bus, board.mac.pins, board.mac.spiBaud),
    new NodeMcuChipGpio(),
  );
  return startDevice(
    p,
    board,
    openMac,
    control === undefined ? undefined : (dev) => control(dev, (o) => new NodeMcuSerial(o, board.control.pins)),
  );
}

export function start(
  board: BoardConfig,
  openChip?: SpiMacFactory,
  control?: ControlServer,
  services?: AddServices,
): void {
  const dev = boot(board, openChip, control);
  if (dev !== undefined && services !== undefined) services(dev, {});
}
