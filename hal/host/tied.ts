// Helper processes that end with us. A child of a Node process outlives it
// when Node is killed (SIGKILL, a crash): the socat pairs and servers we
// start would linger. Each is started under a small sh that holds the read
// end of a pipe from us; when we die the pipe closes and sh stops the
// command. SIGTERM, SIGINT or SIGHUP to sh stop the command with SIGTERM (a
// background job of sh ignores SIGINT, so that one could not be passed on).
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";

// fd 3 keeps our pipe: a background job's own stdin would be /dev/null.
const TIED = `exec 3<&0
"$@" <&- &
child=$!
( cat <&3 >/dev/null; kill -TERM $child 2>/dev/null ) &
watcher=$!
trap 'kill -TERM $child 2>/dev/null; kill $watcher 2>/dev/null; wait $child; exit 143' TERM HUP INT
wait $child
status=$?
kill $watcher 2>/dev/null
exit $status`;

/** spawn(), but the command ends when this process does, however it ends. stdin is the tie. */
export function spawnTied(
  cmd: string[],
  o: Omit<SpawnOptions, "stdio"> & { stdout?: "pipe" | "ignore"; stderr?: "pipe" | "ignore" } = {},
): ChildProcess {
  return spawn("sh", ["-c", TIED, "tied", ...cmd], { ...o, stdio: ["pipe", o.stdout ?? "ignore", o.stderr ?? "pipe"] });
}
