// The device: what every firmware runs once its runtime binding is up.
// Until the network stack lands it brings the MAC up, reports link changes
// and drains received frames, counting them.
import { alloc, len } from "@hal/bytes";
import { type Bytes, LOG_INFO, LOG_WARN, type Mac, type MacOptions, type Platform } from "../hal/types";
import { formatMac, parseMac } from "../src/net/addr";
import type { BoardConfig } from "./board";

export const VERSION = "0.1.0";

export type MacFactory = (o: MacOptions) => Mac;

export interface Device {
  readonly platform: Platform;
  readonly board: BoardConfig;
  mac: Mac | undefined;
  framesSeen: number;
  bytesSeen: number;
}

export function startDevice(p: Platform, board: BoardConfig, openMac: MacFactory | undefined): Device {
  const dev: Device = { platform: p, board: board, mac: undefined, framesSeen: 0, bytesSeen: 0 };
  p.log.write(LOG_INFO, "netrt " + VERSION + " on " + board.name + " (" + p.runtime + ")");
  if (openMac === undefined) {
    p.log.write(LOG_WARN, "no MAC driver '" + board.mac.driver + "' in this build: no network interface");
    return dev;
  }
  dev.mac = openMac({
    onReadable: () => {
      const m = dev.mac;
      if (m === undefined) return;
      let f = m.read();
      while (f !== undefined) {
        dev.framesSeen++;
        dev.bytesSeen += len(f);
        f = m.read();
      }
    },
    onLinkChange: (up) => p.log.write(LOG_INFO, "link " + (up ? "up" : "down")),
    onError: (msg) => p.log.write(LOG_WARN, "mac: " + msg),
  });
  p.log.write(LOG_INFO, "eth0 " + formatMac(dev.mac.hwaddr, 0) + " mtu " + dev.mac.mtu());
  return dev;
}

/** The board's MAC address as bytes; a malformed one falls back to a locally administered address. */
export function boardHwaddr(board: BoardConfig): Bytes {
  const b = alloc(6);
  if (!parseMac(board.mac.hwaddr, b, 0)) parseMac("02:00:00:00:00:01", b, 0);
  return b;
}
