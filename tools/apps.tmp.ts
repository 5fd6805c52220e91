import { spawn } from "node:child_process";
import * as path from "node:path";
import { HostLink } from "./lib/hostlink";
import { DhcpServer } from "./lib/dhcp-servers";
import { ROOT } from "./lib/paths";

async function main() {
  const which = process.argv[2];
  const link = new HostLink({ id: "apptmp", firmwareRxPort: 9300, firmwareTxPort: 9301, peerCidr: "192.0.2.1/24" });
  await link.up();
  const server = new DhcpServer("dnsmasq", link, {
    serverIp: "192.0.2.1", rangeStart: "192.0.2.50", rangeEnd: "192.0.2.99", leaseSecs: 600, noPing: true,
    dns: { domain: "netrt.test", hosts: { "peer.netrt.test": "192.0.2.1" } },
  });
  server.start();
  await server.ready();
  link.spawnIn(link.peerNs, ["socat", "UDP4-RECVFROM:7000,bind=192.0.2.1,fork", "EXEC:cat"]);
  const env = { ...process.env, NETRT_RX_PORT: "9300", NETRT_TX_PORT: "9301", NODE_PATH: path.join(ROOT, "dist/host-app"), NETRT_RUN_SECONDS: "8", NETRT_STATE: link.dir };
  const cmd = which === "node" ? ["node", "examples/node/hello-net.js"] : which === "lua53" ? ["lua5.3", "tools/lib/lua-program.lua", "dist/lua53-app", "examples/nodemcu/hello-net.lua"] : ["lua5.1", "tools/lib/lua-program.lua", "dist/lua51-app", "examples/nodemcu/hello-net.lua"];
  if (which === "espruino") {
    const fs = await import("node:fs");
    const { espruinoProgram } = await import("./lib/espruino-host");
    fs.writeFileSync("/tmp/esp-prog.js", espruinoProgram({ NETRT_RX_PORT: "9300", NETRT_TX_PORT: "9301" }, "espruino-app", "examples/espruino/hello-net.js"));
    cmd.splice(0, cmd.length, "/tmp/espruino64", "/tmp/esp-prog.js");
  }
  const p = spawn(cmd[0], cmd.slice(1), { env, stdio: "inherit" });
  await new Promise((r) => setTimeout(r, 9000));
  p.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  console.log(server.log.slice(-15).join("\n"));
  console.log(link.diagnostics());
  server.stop();
  link.dispose();
}
main().catch((e) => { console.error(e); process.exit(1); });
