// The program's TCP on a W5500's own sockets (a board feature: "services":
// { "tcp": { "chip": true, "connections": N } } on a W5500 board): sockets
// 1..N of the chip run TCP beside socket 0's MACRAW, so the build carries
// none of src/net/tcp.ts and the MCU none of its buffers. The chip's address
// registers follow eth0's first address and the default route's gateway;
// TCP segments that reach our stack (no chip socket has their port) get RST.
import { W5500Tcp } from "../hal/drivers/w5500-tcp";
import type { W5500Mac } from "../hal/drivers/w5500";
import { LOG_ERROR } from "../hal/types";
import { TcpRefuser } from "../src/net/tcp-reset";
import type { Device } from "./device";
import { serveTcp } from "./tcp-sockets";

export function addChipTcp(dev: Device): void {
  const eth = dev.eth;
  const mac = eth !== undefined ? (eth.mac as W5500Mac | undefined) : undefined;
  if (eth === undefined || mac === undefined || mac.tcpSockets === 0) {
    dev.platform.log.write(LOG_ERROR, "tcp: no W5500 with TCP sockets on eth0");
    return;
  }
  const st = dev.stack;
  const tcp = new W5500Tcp(mac, dev.platform.random.u32());
  const sync = (): void => {
    const ia = st.addrs.firstOn(eth);
    const r = st.routes.lookup(0);
    tcp.setAddress(
      ia !== undefined ? ia.addr : 0,
      ia !== undefined ? ia.mask : 0,
      r !== undefined && r.prefixLen === 0 ? r.gateway : 0,
    );
  };
  st.events.add({ addr: sync, route: sync });
  // What reaches socket 0 is for no chip socket: refused with RST, as a host with TCP does.
  st.ip.tcp = new TcpRefuser(st.ip);
  sync();
  serveTcp(dev, tcp);
}
