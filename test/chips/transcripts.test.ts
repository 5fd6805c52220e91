// The committed driver transcripts (test/vectors/drivers.json, replayed on
// every runtime by the conformance program) are what the drivers do today:
// a driver change without `npm run vectors` would test an old driver.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../tools/lib/paths";
import { record, scenarios } from "./transcripts";

describe("driver transcripts", function () {
  it("test/vectors/drivers.json matches a fresh recording against the chip models", function () {
    const committed = JSON.parse(fs.readFileSync(path.join(ROOT, "test", "vectors", "drivers.json"), "utf8")) as {
      vectors: unknown[];
    };
    const fresh = JSON.parse(JSON.stringify(scenarios().map(record))) as unknown[];
    assert.equal(fresh.length, committed.vectors.length);
    fresh.forEach((v, i) => assert.deepEqual(v, committed.vectors[i], `vector ${i}: run npm run vectors`));
  });
});
