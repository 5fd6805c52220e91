// Which interpreters are on this machine, and how to run an artifact on each.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { hasLuaBit } from "./bundle-lua";
import type { Runtime } from "./targets";

export interface RuntimeProbe {
  runtime: Runtime;
  label: string;
  /** Why it cannot run here, or undefined when it can. */
  absent?: string;
  command?: string;
}

function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

export function probeRuntimes(): RuntimeProbe[] {
  const espruino = process.env.ESPRUINO;
  return [
    { runtime: "node", label: `node ${process.version}`, command: process.execPath },
    !onPath("lua5.1")
      ? { runtime: "lua51", label: "lua5.1 + bit", absent: "lua5.1 not installed (apt-get install lua5.1 lua-bitop)" }
      : !hasLuaBit()
        ? { runtime: "lua51", label: "lua5.1 + bit", absent: "lua-bitop not installed (apt-get install lua-bitop)" }
        : { runtime: "lua51", label: "lua5.1 + bit", command: "lua5.1" },
    onPath("lua5.3")
      ? { runtime: "lua53", label: "lua5.3", command: "lua5.3" }
      : { runtime: "lua53", label: "lua5.3", absent: "lua5.3 not installed (apt-get install lua5.3)" },
    espruino === undefined || espruino === ""
      ? {
          runtime: "espruino",
          label: "espruino",
          absent: "ESPRUINO is not set (point it at an Espruino interpreter for Linux)",
        }
      : !fs.existsSync(espruino)
        ? { runtime: "espruino", label: "espruino", absent: `ESPRUINO=${espruino} does not exist` }
        : { runtime: "espruino", label: `espruino (${espruino})`, command: espruino },
  ];
}
