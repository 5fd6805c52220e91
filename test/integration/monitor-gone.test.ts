// A device that goes away under `netrt monitor` ends it with an error and a
// word, not with exit 0 in silence. The device is the simulated one behind
// a pty pair (socat); the monitor reaches it through its agent; killing
// socat closes the port under them.
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SerialPort } from "serialport";
import { len } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { Rig } from "../netlink/rig";
import { CLI, compileCli, NODE } from "../../tools/lib/cli-under-test";

describe("integration: netrt monitor when the device goes away", function () {
  this.timeout(60000);

  it("ends with an error and says why", async function () {
    if (spawnSync("sh", ["-c", "command -v socat"]).status !== 0) {
      if (process.env.CI) throw new Error("socat is not installed");
      this.skip();
    }
    await compileCli();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-gone-"));
    const socat: ChildProcess = spawn(
      "socat",
      [`pty,raw,echo=0,link=${dir}/device`, `pty,raw,echo=0,link=${dir}/host`],
      { stdio: "ignore" },
    );
    let mon: ChildProcess | undefined;
    let sp: SerialPort | undefined;
    const rig = new Rig();
    const tick = setInterval(() => rig.net.clock.advance(20), 5);
    try {
      for (let i = 0; i < 100 && !fs.existsSync(`${dir}/device`); i++) await new Promise((r) => setTimeout(r, 50));
      // The simulated device on one end of the pair.
      sp = new SerialPort({ path: `${dir}/device`, baudRate: 115200, autoOpen: false });
      await new Promise<void>((resolve, reject) => sp!.open((e) => (e ? reject(e) : resolve())));
      const line = sp;
      rig.onWrite = (d: Bytes) => line.write(Buffer.from(d as unknown as Uint8Array).subarray(0, len(d)));
      line.on("data", (d: Buffer) => rig.ch.input(new Uint8Array(d) as unknown as Bytes, 0, d.length));
      let err = "";
      mon = spawn(NODE, [CLI, "--port", `${dir}/host`, "monitor", "link"], { stdio: ["ignore", "ignore", "pipe"] });
      mon.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      const t0 = Date.now();
      while (!/monitoring/.test(err) && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 100));
      assert.match(err, /monitoring/, "the monitor started");
      socat.kill();
      const code = await new Promise<number | null>((resolve) =>
        mon!.exitCode !== null ? resolve(mon!.exitCode) : mon!.once("exit", (c) => resolve(c)),
      );
      assert.notEqual(code, 0, `exit code: ${err}`);
      assert.match(err, /the device went away/);
    } finally {
      clearInterval(tick);
      mon?.kill();
      socat.kill();
      if (sp?.isOpen) sp.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
