// Source-level portability rules, checked on the TypeScript AST with the type
// checker so that every finding names the construct and its TS location.
//
// - Everything bundled for Espruino: the constructs Espruino 2v29 lacks
//   (../shared/DESIGN.md, "Platform facts").
// - The portable core (src/), for every target: no runtime global except a
//   few Math functions that every runtime (and typescript-to-lua) maps.
import * as path from "node:path";
import ts from "typescript";
import { ESPRUINO_MISSING_GLOBALS, ESPRUINO_MISSING_MEMBERS } from "./espruino-facts";
import type { Finding } from "./findings";
import { ROOT, rel } from "./paths";
import { sourceFiles } from "./source-rules";

export type Target = "espruino" | "lua51" | "lua53" | "node";

const MISSING_GLOBALS = new Set(ESPRUINO_MISSING_GLOBALS);
const MISSING_MEMBERS = new Set(ESPRUINO_MISSING_MEMBERS);
const CORE_ALLOWED_MEMBERS = new Set(["Math.floor", "Math.ceil", "Math.min", "Math.max", "Math.abs"]);
const CORE_ALLOWED_GLOBALS = new Set(["undefined"]);

function isAmbientGlobal(checker: ts.TypeChecker, id: ts.Identifier): boolean {
  let sym = checker.getSymbolAtLocation(id);
  if (sym === undefined) return false;
  if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
  const decls = sym.declarations ?? [];
  if (decls.length === 0) return id.text === "undefined";
  return decls.every((d) => {
    const sf = d.getSourceFile();
    if (sf.isDeclarationFile) return true;
    // `declare const x` inside a module: an ambient runtime global too.
    return isAmbient(d);
  });
}

/** Whether `n` sits inside a `declare` (it describes something outside our code). */
export function isAmbient(n: ts.Node): boolean {
  for (let p: ts.Node | undefined = n; p !== undefined && !ts.isSourceFile(p); p = p.parent)
    if (ts.canHaveModifiers(p) && (ts.getModifiers(p) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword))
      return true;
  return false;
}

function extendsError(checker: ts.TypeChecker, expr: ts.Expression): boolean {
  const sym = checker.getSymbolAtLocation(expr);
  const decl = sym?.valueDeclaration;
  if (decl === undefined || !ts.isClassLike(decl)) return false;
  let type: ts.Type | undefined = checker.getTypeAtLocation(decl);
  for (let depth = 0; type !== undefined && depth < 16; depth++) {
    const bases: ts.Type[] = type.isClassOrInterface() ? checker.getBaseTypes(type) : [];
    if (bases.some((b) => b.symbol?.name === "Error")) return true;
    type = bases[0];
  }
  return false;
}

/** Is `id` used as a value (not a type, not a declared name, not a property name)? */
function isValueReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if (
    (ts.isPropertyAssignment(p) ||
      ts.isPropertyDeclaration(p) ||
      ts.isMethodDeclaration(p) ||
      ts.isPropertySignature(p)) &&
    p.name === id
  )
    return false;
  if (
    (ts.isVariableDeclaration(p) ||
      ts.isParameter(p) ||
      ts.isFunctionDeclaration(p) ||
      ts.isClassDeclaration(p) ||
      ts.isBindingElement(p)) &&
    p.name === id
  )
    return false;
  if (ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p) || ts.isExportSpecifier(p))
    return false;
  if (ts.isGetAccessor(p) || ts.isSetAccessor(p) || ts.isEnumMember(p) || ts.isLabeledStatement(p)) return false;
  if (ts.isBreakOrContinueStatement(p)) return false;
  return true;
}

export function checkProgram(program: ts.Program, target: Target): Finding[] {
  const checker = program.getTypeChecker();
  const findings: Finding[] = [];
  const srcDir = path.join(ROOT, "src") + path.sep;

  for (const sf of program.getSourceFiles()) {
    if (sf.isDeclarationFile || sf.fileName.includes("/node_modules/")) continue;
    const file = rel(sf.fileName);
    const isCore = path.resolve(sf.fileName).startsWith(srcDir) && !file.startsWith("src/host/");
    const espruino = target === "espruino";
    const report = (node: ts.Node, message: string): void => {
      const pos = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      findings.push({ file, line: pos.line + 1, col: pos.character + 1, message });
    };
    const lacks = (what: string): string => `${what} is not available on Espruino 2v29`;

    const visit = (node: ts.Node): void => {
      if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
      if (espruino) {
        if (ts.isObjectBindingPattern(node) || ts.isArrayBindingPattern(node)) report(node, lacks("destructuring"));
        if (
          ts.isBinaryExpression(node) &&
          node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
          (ts.isObjectLiteralExpression(node.left) || ts.isArrayLiteralExpression(node.left))
        )
          report(node, lacks("destructuring"));
        if (ts.isSpreadElement(node) || ts.isSpreadAssignment(node)) report(node, lacks("spread syntax"));
        if (ts.isParameter(node) && node.initializer !== undefined) report(node, lacks("a default parameter"));
        if (ts.isAwaitExpression(node)) report(node, lacks("await"));
        if (
          ts.isFunctionLike(node) &&
          (ts.getModifiers(node as ts.HasModifiers) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)
        )
          report(node, lacks("an async function"));
        if (
          (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node)) &&
          node.asteriskToken !== undefined
        )
          report(node, lacks("a generator"));
        if (
          (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node) || ts.isCallExpression(node)) &&
          node.questionDotToken !== undefined
        )
          report(node, lacks("optional chaining"));
        if (
          ts.isBinaryExpression(node) &&
          (node.operatorToken.kind === ts.SyntaxKind.AsteriskAsteriskToken ||
            node.operatorToken.kind === ts.SyntaxKind.AsteriskAsteriskEqualsToken)
        )
          report(node, lacks("the ** operator"));
        if (ts.isLabeledStatement(node)) report(node, lacks("a labelled statement"));
        if (
          ts.isBinaryExpression(node) &&
          node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
          node.operatorToken.kind <= ts.SyntaxKind.LastAssignment &&
          ts.isPropertyAccessExpression(node.left) &&
          node.left.name.text === "length" &&
          checker.isArrayType(checker.getTypeAtLocation(node.left.expression))
        ) {
          report(node, 'assigning an array\'s length is "Assignment to a constant" on Espruino 2v29; use splice');
        }
        if (
          ts.isBinaryExpression(node) &&
          node.operatorToken.kind === ts.SyntaxKind.InstanceOfKeyword &&
          extendsError(checker, node.right)
        ) {
          report(node, "instanceof on a subclass of Error is always false on Espruino 2v29");
        }
      }
      if (
        ts.isPropertyAccessExpression(node) &&
        ts.isIdentifier(node.expression) &&
        isAmbientGlobal(checker, node.expression)
      ) {
        const member = `${node.expression.text}.${node.name.text}`;
        if (espruino && MISSING_MEMBERS.has(member)) report(node, lacks(member));
        else if (isCore && !CORE_ALLOWED_MEMBERS.has(member))
          report(node, `the portable core may not use the runtime global ${member}; go through hal/`);
        visitChildrenExcept(node, node.expression);
        return;
      }
      if (ts.isIdentifier(node) && isValueReference(node) && isAmbientGlobal(checker, node)) {
        if (espruino && MISSING_GLOBALS.has(node.text)) report(node, lacks(node.text));
        else if (isCore && !CORE_ALLOWED_GLOBALS.has(node.text))
          report(node, `the portable core may not use the runtime global ${node.text}; go through hal/`);
      }
      ts.forEachChild(node, visit);
    };
    const visitChildrenExcept = (node: ts.Node, skip: ts.Node): void => {
      ts.forEachChild(node, (c) => (c === skip ? undefined : visit(c)));
    };
    visit(sf);
  }
  return findings;
}

/** Every TypeScript file of the portable core: all are checked, imported or not. */
export function coreFiles(): string[] {
  return sourceFiles(ROOT, ["src"])
    .filter((f) => !f.startsWith("src/host/"))
    .map((f) => path.join(ROOT, f));
}

/** Type-checks and checks the program rooted at `rootNames` (plus all of src/) under `options`. */
export function checkSources(
  rootNames: string[],
  options: ts.CompilerOptions,
  target: Target,
): { findings: Finding[]; errors: string[]; program: ts.Program } {
  const program = ts.createProgram({ rootNames: [...rootNames, ...coreFiles()], options });
  const diags = ts.getPreEmitDiagnostics(program);
  const errors = diags
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d) => {
      const msg = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (d.file === undefined || d.start === undefined) return msg;
      const pos = d.file.getLineAndCharacterOfPosition(d.start);
      return `${rel(d.file.fileName)}:${pos.line + 1}:${pos.character + 1}: ${msg}`;
    });
  return { findings: checkProgram(program, target), errors, program };
}
