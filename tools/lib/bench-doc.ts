// docs/BENCHMARKS.md is written by `npm run bench`: each part of the bench
// replaces its own section, stamped with the date and commit it measured, so
// a partial run (--only) leaves the other sections as they were measured.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import Table from "cli-table3";
import { ROOT } from "./paths";

export const BENCH_DOC = path.join(ROOT, "docs", "BENCHMARKS.md");

const HEADER = `# Benchmarks

Written by \`npm run bench\` (\`--only runtimes|control|memory|dhcp|soak\` for
one part). Each section is replaced by the run that measured it and says
when and at which commit; the JSON behind each is in \`dist/bench*.json\`.
Absolute timings swing about 2× between runs on a shared machine: compare
ratios measured in the same run. What the numbers mean for each board is in
[BOARDS.md](BOARDS.md); how they came down, in [../CHANGELOG.md](../CHANGELOG.md).
`;

/** A table printed to the terminal (cli-table3) and kept for the Markdown section. */
export class BenchTable {
  private readonly rows: string[][] = [];
  constructor(readonly head: string[]) {}

  push(row: (string | number)[]): void {
    this.rows.push(row.map((c) => String(c)));
  }

  get length(): number {
    return this.rows.length;
  }

  toString(): string {
    const t = new Table({ head: this.head, style: { head: [], border: [] } });
    for (const r of this.rows) t.push(r);
    return t.toString();
  }

  markdown(): string {
    const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [
      `| ${this.head.map(esc).join(" | ")} |`,
      `| ${this.head.map(() => "---").join(" | ")} |`,
      ...this.rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
    ].join("\n");
  }
}

/** The commit the working tree is at, marked when it has changes. */
export function commitStamp(): string {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  if (head.status !== 0) return "an unknown commit";
  // The document itself is rewritten section by section: its own changes do not count.
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/BENCHMARKS.md"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return `${head.stdout.trim()}${dirty.stdout.trim() !== "" ? " with local changes" : ""}`;
}

/** Replaces (or appends) the section `id` of docs/BENCHMARKS.md. */
export function writeBenchSection(id: string, title: string, parts: (BenchTable | string)[], doc = BENCH_DOC): void {
  const stamp = `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC at ${commitStamp()}.`;
  const body = parts.map((p) => (typeof p === "string" ? p : p.markdown())).join("\n\n");
  const section = `<!-- bench:${id} -->\n## ${title}\n\n${stamp}\n\n${body}\n<!-- /bench:${id} -->`;
  let text = fs.existsSync(doc) ? fs.readFileSync(doc, "utf8") : `${HEADER}\n`;
  const re = new RegExp(`<!-- bench:${id} -->[\\s\\S]*?<!-- /bench:${id} -->`);
  text = re.test(text) ? text.replace(re, () => section) : `${text.trimEnd()}\n\n${section}\n`;
  fs.mkdirSync(path.dirname(doc), { recursive: true });
  fs.writeFileSync(doc, text);
}
