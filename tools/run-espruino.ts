// Runs Espruino for Linux with its frames on a serial line: a
// pseudo-terminal carrying SLIP (tools/lib/slip-link.ts), joined to the host
// link's UDP frame ports. A program whose require("http"), "net" and "dgram"
// run over netrt (NetworkJS) needs this: Espruino then has no Linux sockets
// of its own to carry the frames. The script sets NETRT_FRAME_PATH to --pty.
//
//   tsx tools/run-espruino.ts --pty DIR/frames.pty --rx-port 9000 --tx-port 9001 -- $ESPRUINO script.js
import { spawn } from "node:child_process";
import { Command, InvalidArgumentError } from "commander";
import { startSlipLink } from "./lib/slip-link";

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("a UDP port is 1..65535");
  return n;
}

const program = new Command()
  .name("run-espruino")
  .description("Espruino for Linux with the host link's frames as SLIP on a pseudo-terminal")
  .requiredOption("--pty <path>", "where the pseudo-terminal goes (the script's NETRT_FRAME_PATH)")
  .option("--rx-port <port>", "UDP port the host link sends the device's frames to (NETRT_RX_PORT)", port, 9000)
  .option("--tx-port <port>", "UDP port the host link reads the device's frames on (NETRT_TX_PORT)", port, 9001)
  .argument("<command...>", "the interpreter and its arguments")
  .action(async (command: string[], o: { pty: string; rxPort: number; txPort: number }) => {
    const link = await startSlipLink(o.pty, o.rxPort, o.txPort);
    // stdin stays a pipe that is open and silent (see tools/lib/firmware-proc.ts); its end is our parent's.
    const child = spawn(command[0], command.slice(1), { stdio: ["pipe", "inherit", "inherit"] });
    process.stdin.pipe(child.stdin);
    process.stdin.on("end", () => child.kill("SIGTERM"));
    for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => child.kill(sig));
    child.on("exit", (code, sig) => {
      link.close();
      process.exit(code ?? (sig !== null ? 128 + 15 : 1));
    });
  });

program.parseAsync().catch((e: unknown) => {
  console.error(`run-espruino: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
