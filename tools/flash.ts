// `npm run flash -- --board NAME --port PORT`: builds the board's firmware
// and uploads it. The port is checked for the board's prompt first, so a
// missing or silent board is a clear error, not a hang.
// - Espruino boards go through the espruino package's JavaScript API
//   (tools/lib/espruino-upload.ts) with SAVE_ON_SEND, so the code lands in
//   Storage and runs at every power-up; a port it cannot open is an error.
//   The firmware's first log line, echoed back after the upload, confirms it
//   runs.
// - NodeMCU boards go through nodemcu-tool's connector: netrt.lua (or, with
//   --compile, netrt.lc) and an init.lua that runs it at power-up, after a
//   check that SPIFFS has room; then node.restart(), and the firmware's first
//   log line on the console confirms it runs.
import { Command, InvalidArgumentError, Option } from "commander";
import { type Board, checkUnicastMac, loadBoards } from "./lib/boards";
import { FlashError, FlashOptions, checkPort, stageBar } from "./flash/common";
import { flashEspruino } from "./flash/espruino";
import { flashNodeMcu } from "./flash/nodemcu";

function unicastMac(v: string): string {
  try {
    checkUnicastMac("--mac", "address", v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--mac: "address" /, ""));
  }
  return v;
}

function hostname(v: string): string {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(v))
    throw new InvalidArgumentError("letters, digits and dashes, up to 63 (RFC 1123)");
  return v;
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number above 0");
  return n;
}

function setting(v: string, prev: string[]): string[] {
  if (!/^NETRT_[A-Z0-9_]+=.*$/.test(v)) throw new InvalidArgumentError("NETRT_NAME=value");
  return [...prev, v];
}

async function flash(o: FlashOptions): Promise<void> {
  let board: Board;
  try {
    board = loadBoards(undefined, [o.board])[0];
  } catch (e) {
    throw new FlashError((e as Error).message);
  }
  if (board.runtime === "node")
    throw new FlashError(`${o.board} is the Node host board: run it with npm start, there is nothing to flash`);
  checkPort(o.port);
  const bar = stageBar(4);
  try {
    if (board.runtime === "espruino") await flashEspruino(o, bar);
    else await flashNodeMcu(o, bar);
  } catch (e) {
    bar.stop();
    throw e;
  }
}

new Command()
  .name("flash")
  .description(
    "build a board's firmware and upload it so it runs at power-up (Espruino: to Storage; NodeMCU: netrt.lua + init.lua on SPIFFS)",
  )
  .requiredOption("--board <name>", "a board in boards/")
  .requiredOption("--port <port>", "the board's serial port (/dev/ttyACM0) or tcp://host:port")
  .option("--baud <n>", "serial baud rate", positive, 115200)
  .option("--timeout <s>", "give up on the upload after this long", positive, 120)
  .option(
    "--mac <address>",
    "this unit's MAC address (default: the board file's, else derived from the chip's identity)",
    unicastMac,
  )
  .option(
    "--hostname <name>",
    "this unit's DHCP hostname (default: the board file's, else the board's name and the MAC's last bytes)",
    hostname,
  )
  .option(
    "--compile",
    "NodeMCU: compile netrt.lua to bytecode on the board without debug info (faster start, less RAM; errors lose line numbers)",
    false,
  )
  .addOption(
    new Option(
      "--env <NETRT_NAME=value>",
      "a setting for host bundles (espruino-host, lua51-host, lua53-host), repeatable",
    )
      .argParser(setting)
      .default([])
      .hideHelp(),
  )
  .action(async (o: FlashOptions) => {
    try {
      await flash(o);
    } catch (e) {
      if (!(e instanceof FlashError)) throw e;
      console.error(`flash: ${e.message}`);
      // A serial port that died mid-upload can leave a handle that never closes.
      process.exit(1);
    }
  })
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    console.error(`flash failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
