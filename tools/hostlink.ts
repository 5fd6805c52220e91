// `npm run hostlink -- up`: puts the host board's frame link on a private
// Linux network (see tools/lib/hostlink.ts) and keeps it there until Ctrl-C,
// then removes every namespace it made. `down` cleans up after a crash.
import * as fs from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { HostLink, HostLinkError, hostLinkUnavailable } from "./lib/hostlink";

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("a UDP port is 1..65535");
  return n;
}

function id(v: string): string {
  if (!/^[a-z0-9]{1,8}$/.test(v)) throw new InvalidArgumentError("1 to 8 lowercase letters or digits");
  return v;
}

function cidr(v: string): string {
  if (!/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(v)) throw new InvalidArgumentError("looks like 192.0.2.1/24");
  return v;
}

const program = new Command()
  .name("hostlink")
  .description("the host board's Ethernet on a private Linux network (namespaces, TAP, bridge, veth); needs root");

program
  .command("up")
  .description("create the link and a peer namespace, and keep them until Ctrl-C")
  .option("--id <id>", "tag for the namespace names", id, "dev")
  .option("--rx-port <port>", "UDP port the firmware receives on (its NETRT_RX_PORT)", port, 9000)
  .option("--tx-port <port>", "UDP port the firmware sends to (its NETRT_TX_PORT)", port, 9001)
  .option("--peer <cidr>", "the Linux peer's address", cidr, "192.0.2.1/24")
  .action(async (o: { id: string; rxPort: number; txPort: number; peer: string }) => {
    const why = hostLinkUnavailable();
    if (why !== undefined) throw new HostLinkError(why);
    const link = new HostLink({ id: o.id, firmwareRxPort: o.rxPort, firmwareTxPort: o.txPort, peerCidr: o.peer });
    await link.up();
    console.log(`host link up: firmware UDP 127.0.0.1:${o.rxPort} (rx) / ${o.txPort} (tx) ⇄ tap0 in ${link.linkNs}`);
    console.log(`peer namespace ${link.peerNs}, ${link.peerIf} ${o.peer}`);
    console.log("run the firmware:  NETRT_IPV4=192.0.2.10/24 node dist/host/firmware.js");
    console.log(`then, for example: ip netns exec ${link.peerNs} ping 192.0.2.10`);
    console.log("Ctrl-C removes everything");
    const stop = (): void => {
      link.dispose();
      console.log("host link removed");
      process.exit(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    setInterval(() => undefined, 1 << 30);
  });

program
  .command("down")
  .description("remove the namespaces of a link (after a crash)")
  .option("--id <id>", "tag for the namespace names", id, "dev")
  .action((o: { id: string }) => {
    const link = new HostLink({ id: o.id, firmwareRxPort: 1, firmwareTxPort: 2, peerCidr: "192.0.2.1/24" });
    try {
      link.takeDown();
    } finally {
      fs.rmSync(link.dir, { recursive: true, force: true });
    }
    console.log(`removed ${link.linkNs} and ${link.peerNs}`);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`hostlink: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
