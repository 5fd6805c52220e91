// `ip monitor file` prints an interface by the name this machine gives its
// index: read a device's messages in a namespace of its own where index 2
// is eth0, as on the device (as root; elsewhere, in the caller's).
import { spawnSync, type SpawnSyncReturns } from "node:child_process";

export function ipMonitorFile(file: string): SpawnSyncReturns<string> {
  if (process.getuid?.() === 0 && spawnSync("unshare", ["-n", "true"]).status === 0)
    return spawnSync("unshare", ["-n", "sh", "-c", 'ip tuntap add eth0 mode tap && exec ip monitor file "$0"', file], {
      encoding: "utf8",
    });
  return spawnSync("ip", ["monitor", "file", file], { encoding: "utf8" });
}
