// Espruino entry: wires the Espruino binding to the device. The board's
// entry module passes the SPI chip's driver and, when the board has them,
// the control channel and the program's services, so a bundle holds only
// what its board uses.
import { espruinoPlatform, EspruinoSerialPort } from "../hal/espruino/platform";
import { EspruinoGpio, EspruinoSpi } from "../hal/espruino/spi";
import type { SpiMacFactory } from "../hal/types";
import type { BoardConfig } from "./board";
import { openChipMac, startDevice, type ControlServer, type Device, type AddServices } from "./device";

export function boot(board: BoardConfig, openChip?: SpiMacFactory, control?: ControlServer): Device {
  const p = espruinoPlatform(board.logLevel);
  const openMac = openChipMac(
    p,
    board,
    openChip,
    () => new EspruinoSpi(board.mac.bus, board.mac.pins, board.mac.spiBaud),
    new EspruinoGpio(),
  );
  return startDevice(
    p,
    board,
    openMac,
    control === undefined
      ? undefined
      : (dev) =>
          control(dev, (o) => {
            // Only the pins the board routes; the UART's defaults otherwise.
            const pins: { rx?: string | number; tx?: string | number } = {};
            if (board.control.pins.rx !== "") pins.rx = board.control.pins.rx;
            if (board.control.pins.tx !== "") pins.tx = board.control.pins.tx;
            return new EspruinoSerialPort(o, pins);
          }),
  );
}

export function start(
  board: BoardConfig,
  openChip?: SpiMacFactory,
  control?: ControlServer,
  services?: AddServices,
): void {
  const dev = boot(board, openChip, control);
  if (services !== undefined) services(dev, {});
}
