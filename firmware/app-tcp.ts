// The program's TCP (a board feature, "services": { "tcp": ... }) on
// netrt's own TCP, src/net/tcp.ts.
import { defaultTcpParams, Tcp } from "../src/net/tcp";
import type { Device } from "./device";
import { serveTcp } from "./tcp-sockets";

export function addTcp(dev: Device): void {
  const sv = dev.board.services;
  const p = defaultTcpParams();
  if (sv !== undefined) {
    p.slots = sv.tcp;
    p.rcvBuf = sv.tcpBuffer;
    p.sndBuf = sv.tcpBuffer;
  }
  const pl = dev.platform;
  const tcp = new Tcp(dev.stack.ip, pl.clock, pl.random, pl.log, p);
  dev.stack.ip.tcp = tcp;
  serveTcp(dev, tcp);
}
