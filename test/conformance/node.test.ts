// The conformance vectors in this process, on Node: the fast tier's share of
// what conformance.test.ts runs on every interpreter.
import { strict as assert } from "node:assert";
import { parseOutput } from "../../tools/lib/conformance";
import { runConformance } from "./program";

describe("conformance vectors in-process (Node)", function () {
  it("every suite runs to its RESULT line with no failure", function () {
    const lines: string[] = [];
    runConformance((line) => lines.push(line));
    const r = parseOutput(lines.join("\n"));
    assert.equal(r.complete, true);
    assert.deepEqual(r.failures, []);
    assert.equal(r.failed, 0);
    assert.deepEqual(
      r.suites.map((s) => s.name),
      ["u32", "bytes", "cksum", "ipv4", "mac", "addr", "lltable", "netlink", "sha256", "drivers", "settings", "ipv6"],
    );
    assert.ok(r.passed > 4000, `only ${r.passed} checks ran`);
  });
});
