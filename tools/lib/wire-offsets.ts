// The rule that keeps wire layouts in one place: outside src/wire/, the
// offset arguments of the byte accessors may not contain a number (other
// than a bare 0, the start of a buffer). `get16(f, IP_OFF + 12)` must be
// `get16(f, ip + IPV4_TOTAL_LEN)`, with the field named in its protocol's
// src/wire/ module. The build folds the names back into numbers.
import ts from "typescript";
import type { Finding } from "./findings";

/** Accessor name → the indexes of its offset arguments. */
const OFFSET_ARGS: Record<string, number[]> = {
  get8: [1],
  get16: [1],
  get32: [1],
  set8: [1],
  set16: [1],
  set32: [1],
  copy: [1, 3],
  compare: [1, 3],
  fill: [2],
  slice: [1],
  view: [1],
  sum16: [1],
  getLe16: [1],
  getLe32: [1],
  getLe64: [1],
  getS32: [1],
  getBe32: [1],
  setLe16: [1],
  setLe32: [1],
  setLe64: [1],
  setBe32: [1],
  checksum: [1],
  asciiText: [1],
  isBroadcastMac: [1],
  isGroupMac: [1],
  isZeroMac: [1],
  isAllHostsMac: [1],
  sameMac: [1, 3],
  setBroadcastMac: [1],
  setMulticastMac: [1],
  formatMac: [1],
  readMac: [1],
};

function numbersIn(e: ts.Expression): ts.NumericLiteral[] {
  if (ts.isNumericLiteral(e)) return e.text === "0" ? [] : [e];
  const out: ts.NumericLiteral[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isNumericLiteral(n)) out.push(n);
    else ts.forEachChild(n, visit);
  };
  visit(e);
  return out;
}

/** Inline offsets in one source file, as findings (file relative to the repository). */
export function wireOffsetFindings(sf: ts.SourceFile, file: string): Finding[] {
  const findings: Finding[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) {
      const args = OFFSET_ARGS[n.expression.text];
      if (args !== undefined)
        for (const i of args) {
          const a = n.arguments[i];
          if (a === undefined) continue;
          for (const lit of numbersIn(a)) {
            const pos = sf.getLineAndCharacterOfPosition(lit.getStart(sf));
            findings.push({
              file,
              line: pos.line + 1,
              col: pos.character + 1,
              message: `inline wire offset ${lit.text} in ${n.expression.text}(): name the field in src/wire/`,
            });
          }
        }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return findings;
}
