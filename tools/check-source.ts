// `npm run check:source`: the project's source rules (tools/lib/source-rules.ts),
// each finding as file:line:col: message. Exit 1 when there is any.
import { formatFindings } from "./lib/findings";
import { checkSourceTree } from "./lib/source-rules";

const findings = checkSourceTree(process.argv[2]);
if (findings.length > 0) {
  console.error(formatFindings(findings));
  console.error(`check:source: ${findings.length} finding${findings.length === 1 ? "" : "s"}`);
  process.exit(1);
}
console.log("check:source: ok");
