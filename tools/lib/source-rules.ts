// Project-wide source rules, checked on the syntax tree of every TypeScript
// file with file:line:col findings (npm run check:source, part of npm test):
//
// - import boundaries: src/ (the portable core) imports only src/,
//   hal/types.ts and the @hal/* aliases; hal/ never imports src/ or test/;
//   cli/ imports no device state, only the control-plane vocabulary, the
//   codec and small utilities; only tests and simulations import hal/sim/;
// - wire layouts live in src/wire/ (tools/lib/wire-offsets.ts);
// - no literal errno numbers in src/ or cli/ (nor errors compared with bare
//   numbers in tests): errno.ts names them;
// - interfaces in hal/espruino/ are `declare interface`: they describe
//   natives, whose member names the Espruino build must keep.
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import type { Finding } from "./findings";
import { ROOT } from "./paths";
import { wireOffsetFindings } from "./wire-offsets";

/** What cli/ may import from src/: the vocabulary, the codec and utilities that hold no device state. */
const CLI_MAY_IMPORT = [
  "src/netlink/constants.ts",
  "src/netlink/schemas.ts",
  "src/netlink/family.ts",
  "src/netlink/family-probes.ts",
  "src/netlink/family-settings.ts",
  "src/config/settings.ts",
  "src/netlink/parse.ts",
  "src/netlink/policy.ts",
  "src/netlink/writer.ts",
  "src/netlink/frame.ts",
  "src/dhcp/states.ts",
  "src/net/addr.ts",
  "src/net/addr6.ts",
  "src/net/errno.ts",
];
const CLI_MAY_IMPORT_DIRS = ["src/wire/", "src/util/"];
const SOURCE_DIRS = ["src", "hal", "cli", "firmware", "tools", "bench", "test"];

/** The repository's TypeScript files under `dirs` (relative paths, sorted). */
export function sourceFiles(root: string, dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!fs.existsSync(path.join(root, d))) return;
    for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      const p = path.posix.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && p !== "build/gen") walk(p);
      } else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
    }
  };
  for (const d of dirs) walk(d);
  return out.sort();
}

function resolveImport(file: string, spec: string): string | undefined {
  if (spec.startsWith("@hal/")) return spec;
  if (!spec.startsWith(".")) return undefined;
  const p = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
  return p.endsWith(".ts") || p.endsWith(".js") ? p : `${p}.ts`;
}

/** Why `file` may not import `target` (a repository path or @hal alias), or undefined when it may. */
function boundary(file: string, target: string): string | undefined {
  if (file.startsWith("src/")) {
    if (target.startsWith("@hal/") || target === "hal/types.ts" || target.startsWith("src/")) return undefined;
    return `the portable core (src/) may import only src/, hal/types.ts and @hal/*, not ${target}`;
  }
  if (file.startsWith("hal/")) {
    if (target.startsWith("src/") || target.startsWith("test/"))
      return `hal/ may not import ${target.split("/")[0]}/ (${target})`;
    if (target.startsWith("hal/sim/") && !file.startsWith("hal/sim/"))
      return `only tests and simulations use hal/sim/; a runtime binding may not (${target})`;
    return undefined;
  }
  if ((file.startsWith("firmware/") || file.startsWith("cli/")) && target.startsWith("hal/sim/"))
    return `only tests and simulations use hal/sim/ (${target})`;
  if (file.startsWith("cli/") && target.startsWith("src/")) {
    if (CLI_MAY_IMPORT.includes(target) || CLI_MAY_IMPORT_DIRS.some((d) => target.startsWith(d))) return undefined;
    return `cli/ may import the vocabulary and the codec, not device state (${target})`;
  }
  return undefined;
}

function numbersInExpression(e: ts.Expression): ts.NumericLiteral[] {
  const out: ts.NumericLiteral[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isNumericLiteral(n) && n.text !== "0") out.push(n);
    else ts.forEachChild(n, visit);
  };
  visit(e);
  return out;
}

function at(sf: ts.SourceFile, file: string, node: ts.Node, message: string): Finding {
  const pos = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return { file, line: pos.line + 1, col: pos.character + 1, message };
}

/** The findings of every rule in one file. */
export function checkFile(file: string, text: string): Finding[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const findings: Finding[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier !== undefined) {
      const spec = (n.moduleSpecifier as ts.StringLiteral).text;
      const target = resolveImport(file, spec);
      const why = target === undefined ? undefined : boundary(file, target);
      if (why !== undefined) findings.push(at(sf, file, n.moduleSpecifier, why));
    }
    if (
      (file.startsWith("src/") || file.startsWith("cli/")) &&
      ts.isPrefixUnaryExpression(n) &&
      n.operator === ts.SyntaxKind.MinusToken &&
      ts.isNumericLiteral(n.operand) &&
      Number(n.operand.text) > 1 &&
      Number(n.operand.text) < 256
    )
      findings.push(at(sf, file, n, `a literal errno (-${n.operand.text}): name it from src/net/errno.ts`));
    // The Espruino bindings' interfaces describe natives (dgram, Storage, SPI):
    // the build renames our own member names, and keeps only declared ones.
    if (
      file.startsWith("hal/espruino/") &&
      ts.isInterfaceDeclaration(n) &&
      !(ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)
    )
      findings.push(
        at(
          sf,
          file,
          n.name,
          "an interface in the Espruino bindings describes a native: write `declare interface`, or the Espruino build renames its members",
        ),
      );
    // In tests: an error compared with a bare number (assert.equal(m.header.error, -19)).
    if (
      file.startsWith("test/") &&
      ts.isCallExpression(n) &&
      n.arguments.length >= 2 &&
      /(\.error|errno)$/.test(n.arguments[0].getText(sf)) &&
      ts.isPrefixUnaryExpression(n.arguments[1]) &&
      ts.isNumericLiteral(n.arguments[1].operand)
    )
      findings.push(
        at(sf, file, n.arguments[1], `a literal errno (${n.arguments[1].getText(sf)}): name it from src/net/errno.ts`),
      );
    if (
      (file.startsWith("src/") || file.startsWith("cli/")) &&
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      ["fail", "set", "parse"].includes(n.expression.name.text) &&
      /(^|\.)err$/.test(n.expression.expression.getText(sf))
    ) {
      const code = n.arguments[n.expression.name.text === "parse" ? 1 : 0];
      if (code !== undefined && ts.isNumericLiteral(code))
        findings.push(at(sf, file, code, `a literal errno (${code.text}): name it from src/net/errno.ts`));
      // The extended-ack offset of the field to blame is a wire offset too (-1: none).
      const off = n.arguments[n.expression.name.text === "parse" ? 3 : 2];
      if (off !== undefined && !(ts.isPrefixUnaryExpression(off) && off.getText(sf) === "-1"))
        for (const lit of numbersInExpression(off))
          findings.push(at(sf, file, lit, `an error offset written as a number (${lit.text}): name the field`));
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  if (file.startsWith("src/") && !file.startsWith("src/wire/")) findings.push(...wireOffsetFindings(sf, file));
  return findings;
}

/** Every rule over the repository at `root`. */
export function checkSourceTree(root: string = ROOT): Finding[] {
  const findings: Finding[] = [];
  for (const f of sourceFiles(root, SOURCE_DIRS))
    findings.push(...checkFile(f, fs.readFileSync(path.join(root, f), "utf8")));
  return findings;
}
