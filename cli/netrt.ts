// netrt: an `ip`-like command line for a device's network, over its serial
// control channel. `netrt --port /dev/ttyUSB0 addr show`, `-j` for JSON.
import { Command, InvalidArgumentError } from "commander";
import { UsageError } from "./args";
import { Channel, ChannelError } from "./transport";
import { authCmd } from "./commands/auth";
import { addrCmd } from "./commands/addr";
import { dhcpCmd } from "./commands/dhcp";
import { linkCmd } from "./commands/link";
import { monitorCmd } from "./commands/monitor";
import { neighCmd } from "./commands/neigh";
import { routeCmd } from "./commands/route";
import { Agent } from "./agent";
import { listPorts } from "./ports";
import { type Globals, connect } from "./session";

const COMMANDS: Record<string, (g: Globals, ch: Channel, args: string[]) => Promise<void>> = {
  auth: authCmd,
  link: linkCmd,
  l: linkCmd,
  address: addrCmd,
  addr: addrCmd,
  a: addrCmd,
  neighbour: neighCmd,
  neighbor: neighCmd,
  neigh: neighCmd,
  n: neighCmd,
  route: routeCmd,
  r: routeCmd,
  dhcp: dhcpCmd,
  monitor: monitorCmd,
};

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number above 0");
  return n;
}

const program = new Command()
  .name("netrt")
  .description("an ip-like tool for a netrt device's network, over its serial control channel")
  .option(
    "-p, --port [path]",
    "the device: a serial port, a pty, or tcp://host:port (default: $NETRT_PORT); with no path, list the serial ports and mark those a device answers on",
  )
  .option("-b, --baud <rate>", "baud rate of a serial port", positive, 115200)
  .option("-j, --json", "JSON output, with iproute2's field names", false)
  .option("-d, --details", "more detail (link counters and limits)", false)
  .option("-t, --timeout <ms>", "how long to wait for the device", positive, 3000)
  .option("--pcap <file>", "append the session's netlink messages to a pcap (Wireshark, tshark)")
  .option("-k, --key <hex>", "the device key, for changes once the device has one (default: $NETRT_KEY)")
  .argument("[object]", "link | addr | neigh | route | dhcp | monitor | auth")
  .argument("[args...]", "as for ip(8): show, add, del, set …")
  .showHelpAfterError()
  .action(async (object: string | undefined, args: string[], opts: Omit<Globals, "port"> & { port?: unknown }) => {
    const o: Globals = { ...opts, port: typeof opts.port === "string" ? opts.port : undefined };
    if (opts.port === true) {
      if (object !== undefined)
        throw new UsageError("--port without a path lists the ports; give a path to run a command");
      return listPorts(o);
    }
    if (object === undefined) throw new UsageError("which object? (link, addr, neigh, route, dhcp, monitor, auth)");
    if (object === "agent") return runAgent(o);
    const run = COMMANDS[object];
    if (run === undefined)
      throw new UsageError(`unknown object "${object}" (link, addr, neigh, route, dhcp, monitor, auth)`);
    const ch = await connect(o);
    try {
      await run(o, ch, args);
    } finally {
      ch.close();
    }
  });

/** `netrt agent --port P`: serve the port to other netrt processes until stopped. */
async function runAgent(o: Globals): Promise<void> {
  if (o.port === undefined || o.port === "") throw new UsageError("agent: which port? (--port /dev/ttyX)");
  const idle = process.env.NETRT_AGENT_IDLE_MS;
  const agent = new Agent({ port: o.port, baud: o.baud, idleExitMs: idle !== undefined ? Number(idle) : undefined });
  try {
    await agent.start();
  } catch (e) {
    throw new ChannelError(`cannot open ${o.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (idle === undefined) console.error(`netrt agent: serving ${o.port} on ${agent.socketPath}; Ctrl-C to stop`);
  const stop = (): void => agent.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof ChannelError) console.error(`Error: ${e.message}${e.errno !== 0 ? ` (errno ${e.errno})` : ""}`);
  else if (e instanceof UsageError) console.error(`netrt: ${e.message}`);
  else console.error(`netrt: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
