// `netrt --port` with no path: the serial ports this machine has, each
// marked when a netrt device answers our framing on it (one GETLINK, a
// short wait): which /dev/ttyUSBn is the board.
import * as fs from "node:fs";
import { SerialPort } from "serialport";
import * as C from "../src/netlink/constants";
import { PROTO_ROUTE } from "../src/netlink/frame";
import { IFI_INDEX, IFINFOMSG } from "../src/netlink/schemas";
import { agentSocketPath } from "./agent";
import { Channel, ChannelError } from "./transport";
import { type Globals, print } from "./session";

/** Whether a netrt device answers on `path`: any answer (a link or an error) counts; silence does not. */
export async function answersFraming(path: string, baud: number, timeoutMs: number): Promise<boolean> {
  const ch = new Channel(timeoutMs);
  try {
    // A port an agent holds is asked through the agent.
    if (!(await ch.openSocket(agentSocketPath(path)))) await ch.open(path, baud);
  } catch {
    return false;
  }
  try {
    await ch.request(PROTO_ROUTE, C.RTM_GETLINK, 0, IFINFOMSG.hdrLen, (w) => w.field(IFI_INDEX, 1));
    return true;
  } catch (e) {
    // The device's own error is an answer; a timeout is not.
    return e instanceof ChannelError && e.errno !== 0;
  } finally {
    ch.close();
  }
}

interface PortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
}

/** serialport's list (udev on Linux); without udevadm (a container), the USB and ACM ttys in /dev. */
async function serialPorts(): Promise<PortInfo[]> {
  try {
    return await SerialPort.list();
  } catch {
    return fs
      .readdirSync("/dev")
      .filter((n) => /^tty(USB|ACM|AMA)\d+$/.test(n))
      .map((n) => ({ path: "/dev/" + n }));
  }
}

export async function listPorts(g: Globals): Promise<void> {
  const ports = await serialPorts();
  // Probed together: each waits at most 800 ms for an answer.
  const answers = await Promise.all(ports.map((p) => answersFraming(p.path, g.baud, Math.min(g.timeout, 800))));
  const rows = ports.map((p, i) => ({
    path: p.path,
    manufacturer: p.manufacturer ?? "",
    serial: p.serialNumber ?? "",
    netrt: answers[i],
  }));
  const text =
    rows.length === 0
      ? "no serial ports found"
      : rows
          .map((r) =>
            [r.path, r.netrt ? "netrt device" : "-", r.manufacturer, r.serial].filter((x) => x !== "").join("  "),
          )
          .join("\n");
  print(g, rows, text);
}
