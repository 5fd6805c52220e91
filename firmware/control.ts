// The control channel as a feature a board's build may leave out: the
// generated entry imports serveControl only when the board file has a
// control channel, so a board short of memory (the Espruino Pico) does not
// carry the netlink code at all.
import { len } from "@hal/bytes";
import { type Bytes, LOG_INFO, LOG_WARN, type Serial } from "../hal/types";
import { ControlChannel } from "../src/netlink/channel";
import type { Device, SerialFactory } from "./device";

/** Builds the control channel, opens the board's control UART and serves the channel on it. */
export function serveControl(dev: Device, openSerial: SerialFactory): ControlChannel {
  const board = dev.board;
  const p = dev.platform;
  let serial: Serial | undefined = undefined;
  const ch = new ControlChannel(
    dev.stack,
    p.clock,
    {
      write: (d: Bytes) => {
        if (serial !== undefined) serial.write(d);
      },
      driverName: () => board.mac.driver,
    },
    { baud: board.control.baud, maxMessage: board.control.maxFrame },
    p.storage,
    p.random,
  );
  // The device holds it whether or not its UART opens: it is built, and the memory bench counts it.
  dev.control = ch;
  if (board.control.uart === "none") {
    // Built (its code and buffers count in memory), but this board has no UART for it.
    p.log.write(LOG_INFO, "control channel built, no UART on this board");
    return ch;
  }
  try {
    serial = openSerial({
      port: board.control.uart,
      baud: board.control.baud,
      onReadable: () => {
        let b = serial !== undefined ? serial.read() : undefined;
        while (b !== undefined) {
          ch.input(b, 0, len(b));
          b = serial !== undefined ? serial.read() : undefined;
        }
      },
      onError: (msg: string) => p.log.write(LOG_WARN, "control " + board.control.uart + ": " + msg),
    });
  } catch (e) {
    p.log.write(LOG_WARN, "control: " + (e as Error).message);
    serial = undefined;
  }
  if (serial === undefined) {
    p.log.write(LOG_WARN, "control: cannot open " + board.control.uart);
    return ch;
  }
  p.log.write(LOG_INFO, "control channel on " + board.control.uart + " at " + board.control.baud + " baud");
  return ch;
}
