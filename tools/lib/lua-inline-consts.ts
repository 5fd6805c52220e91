// A typescript-to-lua plugin that puts numeric constants in the code instead
// of in module tables. TSTL keeps every `export const X = 16` as a field of
// its module's table and every use as a table read through an upvalue; with
// about 400 such constants (netlink, DHCP and IP numbers) that was tens of KB
// of Lua heap a board keeps even with its code in flash. esbuild + terser
// already fold them for Espruino; this does the same for Lua.
//
// Only a top-level `const` whose initialiser is a constant expression
// (numbers, other such constants, + - *) is folded; its exported declaration
// is then dropped, so a read the plugin did not fold would be nil. Reads
// reach it as identifiers and property accesses (visitors below); TSTL
// builds shorthand properties (`{ A }`) without visitors, so object literals
// are patched after the fact; the forms left (re-exports, `export =`,
// `export *`, a namespace indexed or used as a value, a shorthand beside a
// spread) fail the build at their TypeScript line.
import ts from "typescript";
import * as lua from "typescript-to-lua";
import type { Plugin } from "typescript-to-lua";

/**
 * The value of a constant expression: numeric literals, other foldable
 * constants, and + - * and negation over them (what our constant tables are
 * written with), computed as JavaScript would; undefined for anything else.
 */
function constValue(e: ts.Expression, checker: ts.TypeChecker, depth: number): number | undefined {
  if (depth > 16) return undefined;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isParenthesizedExpression(e)) return constValue(e.expression, checker, depth);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) {
    const v = constValue(e.operand, checker, depth);
    return v === undefined ? undefined : -v;
  }
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op !== ts.SyntaxKind.PlusToken && op !== ts.SyntaxKind.MinusToken && op !== ts.SyntaxKind.AsteriskToken)
      return undefined;
    const l = constValue(e.left, checker, depth);
    const r = l === undefined ? undefined : constValue(e.right, checker, depth);
    if (l === undefined || r === undefined) return undefined;
    return op === ts.SyntaxKind.PlusToken ? l + r : op === ts.SyntaxKind.MinusToken ? l - r : l * r;
  }
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) {
    const d = foldableDeclaration(declarationOf(e, checker), checker, depth + 1);
    return d === undefined || d.name === e ? undefined : constValue(d.initializer!, checker, depth + 1);
  }
  return undefined;
}

function declarationOf(node: ts.Node, checker: ts.TypeChecker): ts.Declaration | undefined {
  // A shorthand property's name is the property; the value it reads is another symbol.
  let sym = ts.isShorthandPropertyAssignment(node)
    ? checker.getShorthandAssignmentValueSymbol(node)
    : checker.getSymbolAtLocation(node);
  if (sym === undefined) return undefined;
  if ((sym.flags & ts.SymbolFlags.Alias) !== 0) sym = checker.getAliasedSymbol(sym);
  return sym.valueDeclaration;
}

/** The declaration, when `d` is a top-level `const NAME = <constant expression>`. */
function foldableDeclaration(
  d: ts.Declaration | undefined,
  checker: ts.TypeChecker,
  depth: number,
): ts.VariableDeclaration | undefined {
  if (d === undefined || !ts.isVariableDeclaration(d) || !ts.isIdentifier(d.name) || d.initializer === undefined)
    return undefined;
  if ((ts.getCombinedNodeFlags(d) & ts.NodeFlags.Const) === 0) return undefined;
  const statement = d.parent.parent;
  if (!ts.isVariableStatement(statement) || !ts.isSourceFile(statement.parent)) return undefined;
  return constValue(d.initializer, checker, depth) !== undefined ? d : undefined;
}

/** The value `node` reads, when it names a foldable constant (directly, through an import, or as `ns.NAME`). */
export function foldedValue(
  node: ts.Identifier | ts.PropertyAccessExpression | ts.ShorthandPropertyAssignment,
  checker: ts.TypeChecker,
): number | undefined {
  const d = foldableDeclaration(declarationOf(node, checker), checker, 0);
  if (d === undefined || d.name === node) return undefined;
  return constValue(d.initializer!, checker, 1);
}

function numberExpression(v: number, node: ts.Node): lua.Expression {
  return v < 0
    ? lua.createUnaryExpression(lua.createNumericLiteral(-v, node), lua.SyntaxKind.NegationOperator, node)
    : lua.createNumericLiteral(v, node);
}

/** A shorthand property `{ A }` whose value is a folded constant: its name and value. */
function foldedShorthand(
  p: ts.ObjectLiteralElementLike,
  checker: ts.TypeChecker,
): { name: string; value: number } | undefined {
  if (!ts.isShorthandPropertyAssignment(p)) return undefined;
  const v = foldedValue(p, checker);
  return v === undefined ? undefined : { name: p.name.text, value: v };
}

function error(node: ts.Node, text: string): ts.Diagnostic {
  return {
    file: node.getSourceFile(),
    start: node.getStart(),
    length: node.getWidth(),
    messageText: text,
    category: ts.DiagnosticCategory.Error,
    code: 0,
  };
}

function isNamespaceImport(n: ts.Identifier, checker: ts.TypeChecker): boolean {
  const sym = checker.getSymbolAtLocation(n);
  return (
    sym !== undefined &&
    (sym.flags & ts.SymbolFlags.Alias) !== 0 &&
    sym.declarations !== undefined &&
    sym.declarations.some((d) => ts.isNamespaceImport(d))
  );
}

/** Whether the module `node` names (a namespace identifier or a module specifier) declares a folded constant. */
function moduleHasFolded(node: ts.Node, checker: ts.TypeChecker): boolean {
  let sym = checker.getSymbolAtLocation(node);
  if (sym === undefined) return false;
  if ((sym.flags & ts.SymbolFlags.Alias) !== 0) sym = checker.getAliasedSymbol(sym);
  return checker.getExportsOfModule(sym).some((e) => foldableDeclaration(e.valueDeclaration, checker, 0) !== undefined);
}

/** The uses of folded constants that no visitor sees and that cannot be patched. */
function unfoldableUses(program: ts.Program): ts.Diagnostic[] {
  const checker = program.getTypeChecker();
  const out: ts.Diagnostic[] = [];
  const visit = (n: ts.Node): void => {
    if (
      ts.isIdentifier(n) &&
      n.parent !== undefined &&
      (ts.isExportSpecifier(n.parent) || ts.isExportAssignment(n.parent)) &&
      foldedValue(n, checker) !== undefined
    ) {
      out.push(
        error(
          n,
          `${n.text} is a numeric constant folded into the Lua code and dropped from its module: export it from where it is declared, not again here`,
        ),
      );
    }
    // A module namespace (import * as C) only ever as `C.NAME`: indexed or passed around, it would lack the folded names.
    if (
      ts.isIdentifier(n) &&
      isNamespaceImport(n, checker) &&
      !(ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n) &&
      !ts.isNamespaceImport(n.parent) &&
      moduleHasFolded(n, checker)
    ) {
      out.push(
        error(
          n,
          `${n.text} is a module namespace with numeric constants folded into the Lua code: use it only as ${n.text}.NAME`,
        ),
      );
    }
    if (
      ts.isExportDeclaration(n) &&
      n.exportClause === undefined &&
      n.moduleSpecifier !== undefined &&
      moduleHasFolded(n.moduleSpecifier, checker)
    ) {
      out.push(
        error(
          n,
          "export * from a module with numeric constants folded into the Lua code: they are not in its table; export them by name from where they are declared",
        ),
      );
    }
    if (ts.isObjectLiteralExpression(n) && n.properties.some((p) => ts.isSpreadAssignment(p))) {
      for (const p of n.properties)
        if (foldedShorthand(p, checker) !== undefined)
          out.push(
            error(
              p,
              `write { ${p.name!.getText()}: ${p.name!.getText()} } here: a shorthand property beside a spread cannot be folded for Lua`,
            ),
          );
    }
    ts.forEachChild(n, visit);
  };
  for (const f of program.getSourceFiles())
    if (!f.isDeclarationFile && !f.fileName.includes("/node_modules/")) visit(f);
  return out;
}

export const inlineConstsPlugin: Plugin = {
  beforeTransform: (program) => unfoldableUses(program),
  visitors: {
    [ts.SyntaxKind.ObjectLiteralExpression]: (node, context) => {
      const result = context.superTransformExpression(node);
      for (const p of node.properties) {
        const f = foldedShorthand(p, context.checker);
        if (f === undefined) continue;
        const field = lua.isTableExpression(result)
          ? result.fields.find(
              (x) =>
                x.key !== undefined &&
                lua.isStringLiteral(x.key) &&
                x.key.value === f.name &&
                lua.isIdentifier(x.value),
            )
          : undefined;
        if (field !== undefined) field.value = numberExpression(f.value, p);
        // beforeTransform has reported the shape TSTL does not build as one table (a spread); anything else is ours to fix.
        else if (!node.properties.some((x) => ts.isSpreadAssignment(x)))
          throw new Error(
            `${node.getSourceFile().fileName}: shorthand property ${f.name} was not found in the Lua table`,
          );
      }
      return result;
    },
    [ts.SyntaxKind.Identifier]: (node, context) => {
      const v = foldedValue(node, context.checker);
      return v !== undefined ? numberExpression(v, node) : context.superTransformExpression(node);
    },
    [ts.SyntaxKind.PropertyAccessExpression]: (node, context) => {
      const v = foldedValue(node, context.checker);
      return v !== undefined ? numberExpression(v, node) : context.superTransformExpression(node);
    },
    // A whole constant expression (IP_OFF + IPV4_TTL) becomes one number, as esbuild and terser fold it.
    [ts.SyntaxKind.BinaryExpression]: (node, context) => {
      const op = node.operatorToken.kind;
      if (op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.MinusToken || op === ts.SyntaxKind.AsteriskToken) {
        const v = constValue(node, context.checker, 0);
        if (v !== undefined && Number.isSafeInteger(v)) return numberExpression(v, node);
      }
      return context.superTransformExpression(node);
    },
    // Importing a folded constant would only bind a local to nil: leave it out (and the import when nothing is left).
    [ts.SyntaxKind.ImportDeclaration]: (node, context) => {
      const bindings = node.importClause?.namedBindings;
      if (node.importClause === undefined || node.importClause.name !== undefined || bindings === undefined)
        return context.superTransformStatements(node);
      if (!ts.isNamedImports(bindings)) return context.superTransformStatements(node);
      const kept = bindings.elements.filter((e) => foldedValue(e.name, context.checker) === undefined);
      if (kept.length === bindings.elements.length) return context.superTransformStatements(node);
      if (kept.length === 0) return [];
      const clause = ts.factory.updateImportClause(
        node.importClause,
        node.importClause.isTypeOnly,
        undefined,
        ts.factory.updateNamedImports(bindings, kept),
      );
      return context.superTransformStatements(
        ts.factory.updateImportDeclaration(node, node.modifiers, clause, node.moduleSpecifier, node.attributes),
      );
    },
    [ts.SyntaxKind.VariableStatement]: (node, context) => {
      // Exported or not: every read is folded, and a local left behind would
      // count against NodeMCU Lua 5.1's 50 locals per function.
      if (node.declarationList.declarations.every((d) => foldableDeclaration(d, context.checker, 0) !== undefined))
        return [];
      return context.superTransformStatements(node);
    },
  },
};
