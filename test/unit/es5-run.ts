// Running a snippet of ES5 the artifact passes produce: on Node (its `out`,
// as JSON), and on the Espruino interpreter (what `show` prints), for the
// tests that pin an Espruino fact the passes work around.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** `code` run on Node; it sets `out`, returned as JSON. */
export function runOnNode(code: string): string {
  return new Function(`var out;${code};return JSON.stringify(out)`)() as string;
}

/** `code` run on the Espruino interpreter `bin`, then the expression `show` printed; its text, or undefined. */
export function runOnEspruino(bin: string, code: string, show: string): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-es5-"));
  try {
    const f = path.join(dir, "t.js");
    fs.writeFileSync(f, `${code}\nconsole.log("OUT "+${show});\nquit();\n`);
    return /OUT (.*)/.exec(spawnSync(bin, [f], { encoding: "utf8", timeout: 10000 }).stdout)?.[1];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
