// docs/BENCHMARKS.md sections: a run replaces its own section, stamped with
// date and commit, and leaves the others as they were measured.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BenchTable, writeBenchSection } from "../../tools/lib/bench-doc";

describe("docs/BENCHMARKS.md sections", function () {
  it("a run replaces its own section and keeps the others; tables are Markdown", function () {
    const doc = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netrt-bench-doc-")), "BENCHMARKS.md");
    const t = new BenchTable(["measure", "node"]);
    t.push(["a|b", 1]);
    writeBenchSection("one", "First", ["intro", t], doc);
    writeBenchSection("two", "Second", ["kept"], doc);
    const t2 = new BenchTable(["measure", "node"]);
    t2.push(["x", 2]);
    writeBenchSection("one", "First", ["again", t2], doc);
    const text = fs.readFileSync(doc, "utf8");
    assert.match(text, /^# Benchmarks/);
    assert.equal(text.match(/<!-- bench:one -->/g)?.length, 1);
    assert.match(
      text,
      /## First\n\nMeasured \d{4}-\d\d-\d\d \d\d:\d\d UTC at [^\n]+\.\n\nagain\n\n\| measure \| node \|\n\| --- \| --- \|\n\| x \| 2 \|/,
    );
    assert.doesNotMatch(text, /a\\\|b/, "the replaced table is gone");
    assert.match(text, /## Second[\s\S]*kept/);
    assert.ok(text.indexOf("## First") < text.indexOf("## Second"), "a section stays where it was");
    fs.rmSync(path.dirname(doc), { recursive: true });
  });
});
