// Helper processes end with the process that started them, however it ends.
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { spawnTied } from "../../hal/host/tied";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return spawnSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).stdout.trim()[0] !== "Z";
  } catch {
    return false;
  }
};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("tied helper processes (hal/host/tied.ts)", function () {
  this.timeout(30000);
  it("a helper of a process killed with SIGKILL ends too", async function () {
    const parent = spawn(
      process.execPath,
      [
        "-r",
        "tsx/cjs",
        "-e",
        `const { spawnTied } = require(${JSON.stringify(path.join(__dirname, "..", "..", "hal", "host", "tied.ts"))}); const c = spawnTied(["sleep", "300"]); setTimeout(() => console.log("CHILDREN " + c.pid), 300); setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"], cwd: path.join(__dirname, "..", "..") },
    );
    let out = "";
    parent.stdout.on("data", (d) => (out += d));
    for (let i = 0; i < 100 && !out.includes("CHILDREN"); i++) await wait(100);
    const shPid = Number(/CHILDREN (\d+)/.exec(out)![1]);
    const sleepPid = Number(
      spawnSync("pgrep", ["-P", String(shPid), "-x", "sleep"], { encoding: "utf8" }).stdout.trim(),
    );
    assert.ok(sleepPid > 0 && alive(sleepPid), "the helper runs");
    parent.kill("SIGKILL");
    for (let i = 0; i < 50 && alive(sleepPid); i++) await wait(100);
    assert.equal(alive(sleepPid), false, "the helper outlived its killed parent");
  });
  it("SIGTERM or SIGINT to the helper stops the command; its exit status comes back", async function () {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      const c = spawnTied(["sleep", "300"]);
      await wait(200);
      const sleepPid = Number(
        spawnSync("pgrep", ["-P", String(c.pid), "-x", "sleep"], { encoding: "utf8" }).stdout.trim(),
      );
      const exited = new Promise((r) => c.once("exit", r));
      c.kill(sig);
      await exited;
      for (let i = 0; i < 20 && alive(sleepPid); i++) await wait(50);
      assert.equal(alive(sleepPid), false, sig);
    }
    const ok = spawnTied(["sh", "-c", "exit 3"]);
    const code = await new Promise((r) => ok.once("exit", (c) => r(c)));
    assert.equal(code, 3);
  });
});
