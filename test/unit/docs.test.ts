// The documents link only inside the repository, and every link lands on a
// file that exists.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../tools/lib/paths";

const DOCS = [
  "README.md",
  "CONTRIBUTING.md",
  "CHANGELOG.md",
  ...fs.readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`),
];

describe("documents", function () {
  it("exist where the README says: the front page, docs/, CONTRIBUTING.md, CHANGELOG.md", function () {
    for (const f of [
      "docs/ARCHITECTURE.md",
      "docs/CONTROL-PROTOCOL.md",
      "docs/PLATFORM-NOTES.md",
      "docs/BOARDS.md",
      "docs/BENCHMARKS.md",
    ])
      assert.ok(DOCS.includes(f), `${f} is missing`);
  });

  for (const doc of DOCS)
    it(`${doc}: no link leaves the repository, and every link resolves`, function () {
      const text = fs.readFileSync(path.join(ROOT, doc), "utf8");
      assert.doesNotMatch(text, /\]\((https?:|mailto:|\/)/, "a link outside the repository");
      assert.doesNotMatch(text, /\.\.\/shared/, "a reference to ../shared");
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = path.join(ROOT, path.dirname(doc), m[1]);
        assert.ok(fs.existsSync(target), `${doc}: ${m[1]} does not exist`);
      }
    });
});
