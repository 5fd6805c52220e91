// netrt: ip(8) for a device's network, over its serial control channel.
// `netrt -port /dev/ttyUSB0 addr show`; the grammar, output and exit codes
// are iproute2's (cli/grammar.ts), so that `ip` habits and scripts carry over.
import * as fs from "node:fs";
import { UsageError } from "./args";
import { Channel, ChannelError } from "./transport";
import { Agent } from "./agent";
import { listPorts } from "./ports";
import { commandOf, Exit, type Globals, objectOf, parseOptions, splitLine, USAGE } from "./grammar";
import { connect } from "./session";
import type { ObjectDef } from "./commands/object";
import { addrObject } from "./commands/addr";
import { authObject } from "./commands/auth";
import { dhcpObject } from "./commands/dhcp";
import { linkObject } from "./commands/link";
import { monitorObject } from "./commands/monitor";
import { neighObject } from "./commands/neigh";
import { routeObject } from "./commands/route";
import { arpingObject, pingObject } from "./commands/ping";
import { configObject, saveObject } from "./commands/config";

const OBJECTS: Record<string, ObjectDef> = {
  address: addrObject,
  route: routeObject,
  neighbor: neighObject,
  neighbour: neighObject,
  link: linkObject,
  monitor: monitorObject,
  dhcp: dhcpObject,
  auth: authObject,
  ping: pingObject,
  arping: arpingObject,
  config: configObject,
  save: saveObject,
};

/** A command line resolved before any byte goes to the device: usage errors cost no session. */
interface Resolved {
  def: ObjectDef;
  cmd: string;
  args: string[];
}

/** ip's "Object … is unknown": in a batch, a failed command rather than the end. */
class UnknownObject extends UsageError {}

function resolve(words: string[]): Resolved | "agent" {
  // (`agent` takes its options after it too: `netrt agent -port P`.)
  const obj = objectOf(words[0]);
  if (obj === undefined) throw new UnknownObject(`Object "${words[0]}" is unknown, try "netrt help".`, 1);
  if (obj === "help") throw new Exit(USAGE, 255);
  if (obj === "agent") return "agent";
  const def = OBJECTS[obj];
  if (def === undefined) throw new UsageError(`Object "${obj}" is not supported by this device, try "netrt help".`, 1);
  const rest = words.slice(1);
  // As ip: "help" anywhere in a command asks for the object's usage.
  if (rest.includes("help")) throw new Exit(def.usage, 255);
  if (def.commands.length === 0) return { def, cmd: "", args: rest };
  const cmd = rest.length === 0 ? def.default : commandOf(rest[0], def.commands, obj);
  if (!def.supported.includes(cmd))
    throw new UsageError(`Command "${cmd}" of "${obj}" is not supported by this device, try "netrt ${obj} help".`);
  return { def, cmd, args: rest.slice(1) };
}

/** `netrt -port P agent`: serve the port to other netrt processes until stopped. */
async function runAgent(g: Globals): Promise<void> {
  if (g.port === undefined || g.port === "") throw new UsageError("agent: which port? (-port /dev/ttyX)");
  const idle = process.env.NETRT_AGENT_IDLE_MS;
  const agent = new Agent({ port: g.port, baud: g.baud, idleExitMs: idle !== undefined ? Number(idle) : undefined });
  try {
    await agent.start();
  } catch (e) {
    throw new ChannelError(`cannot open ${g.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (idle === undefined) console.error(`netrt agent: serving ${g.port} on ${agent.socketPath}; Ctrl-C to stop`);
  const stop = (): void => agent.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

/** What a failure prints, ip's way. */
function report(e: unknown): number {
  if (e instanceof Exit) {
    (e.out ? process.stdout : process.stderr).write(e.text);
    return e.code;
  }
  if (e instanceof UsageError) {
    console.error(e.message);
    return e.code;
  }
  if (e instanceof ChannelError) {
    console.error(e.ipLine());
    return e.exit;
  }
  console.error(`netrt: ${e instanceof Error ? e.message : String(e)}`);
  return 1;
}

/**
 * `-batch FILE` (or - for stdin): one command per line, on one session. As
 * ip: a command that fails (the device refused it, an unknown object) prints
 * "Command failed FILE:LINE" and ends the batch unless -force, and the exit
 * code is then 1; a usage error ends everything at once, with its own code.
 */
async function batch(g: Globals, file: string): Promise<number> {
  const lines = fs.readFileSync(file === "-" ? 0 : file, "utf8").split("\n");
  let ch: Channel | undefined;
  let status = 0;
  try {
    for (let i = 0; i < lines.length; i++) {
      const words = splitLine(lines[i]);
      if (words.length === 0) continue;
      try {
        const r = resolve(words);
        if (r === "agent") throw new UsageError("agent: not in a batch");
        ch ??= await connect(g);
        await r.def.run(g, ch, r.cmd, r.args);
      } catch (e) {
        const failed = e instanceof UnknownObject || (e instanceof ChannelError && e.errno !== 0 && !e.fatal);
        if (!failed) throw e;
        report(e);
        console.error(`Command failed ${file}:${i + 1}`);
        status = 1;
        if (!g.force) break;
      }
    }
  } finally {
    ch?.close();
  }
  return status;
}

async function main(argv: string[]): Promise<number> {
  const { g, rest } = parseOptions(argv, process.stdout.isTTY === true);
  if (g.listPorts) {
    if (rest.length > 0) throw new UsageError("-port without a path lists the ports; give a path to run a command");
    await listPorts(g);
    return 0;
  }
  if (g.batch !== undefined) return batch(g, g.batch);
  if (rest.length === 0) throw new Exit(USAGE, 255);
  const r = resolve(rest);
  if (r === "agent") {
    const after = parseOptions(rest.slice(1)).g;
    await runAgent({ ...g, port: after.port ?? g.port, baud: after.port !== undefined ? after.baud : g.baud });
    return 0;
  }
  const ch: Channel = await connect(g);
  try {
    await r.def.run(g, ch, r.cmd, r.args);
    // -save: the change just made, kept across reboots (as `netrt save` after it).
    if (g.save) await saveObject.run(g, ch, "", []);
  } finally {
    ch.close();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = report(e);
  },
);
