// npm run fuzz in miniature: every target for a few thousand inputs with a
// fixed seed (strict bytes, every invariant), and the planted over-read
// caught and minimized, so the fuzzer itself is known to catch what it must.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

function fuzz(args: string[]): {
  status: number | null;
  out: string;
  json: { results: { target: string; inputs: number; failure?: { invariant: string; minimized: string } }[] };
} {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netrt-fuzz-")), "fuzz.json");
  const r = spawnSync(TSX, ["--tsconfig", "tsconfig.fuzz.json", "tools/fuzz.ts", "--json", json, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 300000,
  });
  return { status: r.status, out: r.stdout + r.stderr, json: JSON.parse(fs.readFileSync(json, "utf8")) };
}

describe("fuzzer (npm run fuzz, a few thousand inputs per target)", function () {
  this.timeout(300000);
  it("every target keeps its invariants for 3,000 inputs (seed 1)", function () {
    const r = fuzz(["--runs", "3000", "--seed", "1"]);
    assert.equal(r.status, 0, r.out);
    assert.deepEqual(
      r.json.results.map((x) => x.target),
      [
        "dhcp-parse",
        "dhcp-client",
        "frames",
        "netlink",
        "family",
        "serial",
        "lease-record",
        "settings-record",
        "dns",
        "sntp",
        "mdns",
        "tcp",
        "ipv6",
      ],
    );
    for (const x of r.json.results) assert.equal(x.inputs, 3000, x.target);
  });
  it("catches a planted over-read through the strict bytes HAL and prints a minimized reproducer", function () {
    const r = fuzz(["--self-test", "--runs", "10000"]);
    assert.equal(r.status, 1);
    const f = r.json.results[0].failure!;
    assert.match(f.invariant, /OutOfRange/);
    assert.ok(f.minimized.length <= 6, `minimized to ${f.minimized}`);
    assert.match(r.out, /minimized [0-9a-f]+/);
  });
});
