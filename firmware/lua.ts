// NodeMCU entry (Lua 5.1 + bit and Lua 5.3): wires the NodeMCU binding to the
// device. The board's entry module passes the SPI chip's driver and, when the
// board has them, the control channel and the program's services.
import { integerFirmwareProblem, nodeMcuPlatform, NodeMcuSerial } from "../hal/lua/platform";
import { NodeMcuChipGpio, NodeMcuSpi } from "../hal/lua/spi";
import { LOG_ERROR, type SpiMacFactory } from "../hal/types";
import type { BoardConfig } from "./board";
import { openChipMac, startDevice, type ControlServer, type Device } from "./device";
import { type AddServices, makeNetrt, type Netrt } from "./app";

function boot(board: BoardConfig, openChip?: SpiMacFactory, control?: ControlServer): Device | undefined {
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
    services !== undefined ? services : () => undefined,
    (d) => {
      if (d.eth !== undefined) d.stack.detach(d.eth);
    },
  );
}
