// The program's module on Node (require("netrt") with dist/host-app on
// NODE_PATH): the device on the UDP frame link (NETRT_RX_PORT /
// NETRT_TX_PORT), no control channel.
import * as os from "node:os";
import * as path from "node:path";
import { hostPlatform } from "../hal/host/platform";
import { UdpMac } from "../hal/host/mac-udp";
import { LOG_ERROR } from "../hal/types";
import type { BoardConfig } from "./board";
import { boardHwaddr, startDevice, type AddServices } from "./device";
import { makeNetrt, type Netrt } from "./app";

/** The program's module on the host: the device on the UDP frame link (NETRT_RX_PORT / NETRT_TX_PORT), no control channel. */
export function program(board: BoardConfig, _chip?: unknown, _control?: unknown, services?: AddServices): Netrt {
  let mac: UdpMac | undefined;
  let clearTimers: (() => void) | undefined;
  return makeNetrt(
    board,
    (b) => {
      const stateDir = process.env.NETRT_STATE ?? path.join(os.tmpdir(), `netrt-${b.name}`);
      const p = hostPlatform({ storageDir: stateDir, logLevel: b.logLevel });
      clearTimers = () => p.clock.clearAll();
      return startDevice(p, b, (o) => {
        mac = new UdpMac({
          ...o,
          hwaddr: boardHwaddr(b, p),
          localPort: Number(process.env.NETRT_RX_PORT ?? 9000),
          remotePort: Number(process.env.NETRT_TX_PORT ?? 9001),
          mtu: b.mac.mtu,
        });
        mac.start().catch((e: Error) => p.log.write(LOG_ERROR, `eth0: ${e.message}`));
        return mac;
      });
    },
    services,
    // Nothing of ours may keep the process alive after stop(): the socket and every timer go.
    () => {
      mac?.close();
      clearTimers?.();
    },
  );
}
