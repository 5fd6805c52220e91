// npm run hostlink: a second `up` with an id in use is refused (naming the
// process holding it) instead of deleting the live link's namespaces, and
// everything a link starts is gone when it is taken down.
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { HostLink, hostLinkUnavailable } from "../../tools/lib/hostlink";

const ROOT = path.join(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const namespaces = () => spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
const socats = (needle: string) => spawnSync("pgrep", ["-f", `socat.*${needle}`], { encoding: "utf8" }).stdout.trim();

describe("host link ownership and cleanup (npm run hostlink)", function () {
  this.timeout(60000);
  before(function () {
    const why = hostLinkUnavailable();
    if (why !== undefined) {
      if (process.env.CI) throw new Error(`host link prerequisites missing in CI: ${why}`);
      this.skip();
    }
  });

  it("a second `up` with the same id is refused and the running link keeps working; `down` too, until its owner is gone", async function () {
    const id = `hl${process.pid % 100000}`;
    const base = 46000 + (process.pid % 500) * 2;
    const first = spawn(
      TSX,
      ["tools/hostlink.ts", "up", "--id", id, "--rx-port", String(base), "--tx-port", String(base + 1)],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    first.stdout.on("data", (d) => (out += d));
    try {
      for (let i = 0; i < 200 && !out.includes("Ctrl-C removes everything"); i++) await wait(100);
      assert.match(out, /host link up/);
      const second = spawnSync(
        TSX,
        ["tools/hostlink.ts", "up", "--id", id, "--rx-port", String(base + 2), "--tx-port", String(base + 3)],
        { cwd: ROOT, encoding: "utf8", timeout: 30000 },
      );
      assert.equal(second.status, 1);
      assert.match(
        second.stderr,
        new RegExp(`host link "${id}": it is in use by process \\d+ \\(.*tools/hostlink.ts up --id ${id}`),
      );
      const down = spawnSync(TSX, ["tools/hostlink.ts", "down", "--id", id], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 30000,
      });
      assert.equal(down.status, 1);
      assert.match(down.stderr, /in use by process/);
      assert.match(namespaces(), new RegExp(`netrt-l-${id}`), "the live link's namespaces are still there");
      assert.notEqual(socats(`netrt-link-${id}`), "", "its socats still run");
    } finally {
      first.kill("SIGTERM");
      await new Promise((r) => first.once("exit", r));
    }
    assert.doesNotMatch(namespaces(), new RegExp(`netrt-[lp]-${id}`));
    for (let i = 0; i < 20 && socats(`netrt-link-${id}`) !== ""; i++) await wait(100);
    assert.equal(socats(`netrt-link-${id}`), "", "no socat left behind");
  });

  it("a link whose owner was killed outright leaves no socat running, and the next `up` takes its leftovers", async function () {
    const id = `hk${process.pid % 100000}`;
    const base = 46600 + (process.pid % 500) * 2;
    const first = spawn(
      TSX,
      ["tools/hostlink.ts", "up", "--id", id, "--rx-port", String(base), "--tx-port", String(base + 1)],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    first.stdout.on("data", (d) => (out += d));
    for (let i = 0; i < 200 && !out.includes("Ctrl-C removes everything"); i++) await wait(100);
    assert.notEqual(socats(`netrt-link-${id}`), "");
    // tsx runs the script in a child node: kill the whole group outright.
    spawnSync("pkill", ["-KILL", "-f", `tools/hostlink.ts up --id ${id}`]);
    for (let i = 0; i < 50 && socats(`netrt-link-${id}`) !== ""; i++) await wait(100);
    assert.equal(socats(`netrt-link-${id}`), "", "the socats ended with their owner");
    const link = new HostLink({ id, firmwareRxPort: base + 2, firmwareTxPort: base + 3, peerCidr: "192.0.2.1/24" });
    try {
      await link.up();
      assert.match(namespaces(), new RegExp(`netrt-l-${id}`));
    } finally {
      link.dispose();
    }
    assert.doesNotMatch(namespaces(), new RegExp(`netrt-[lp]-${id}`));
  });
});
