// TypeScript lowers each class to ES5 inside its own IIFE:
//   var C = (function (_super) { __extends(C, _super); function C() {…} C.prototype.m = function () {…}; return C; }(Base));
// On Espruino every function made inside another keeps a link to that
// scope, about two variables each, and the IIFE's scope object lives as
// long as the class. This pass lifts such class bodies to the program's top
// level, where functions carry no scope: `_super` becomes the base class's
// name. A body that declares anything besides the class itself (static
// helpers, TypeScript temporaries) or whose base is not a plain name keeps
// its IIFE. Runs on ES5 text before minification.
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import { applyEdits, type TextEdit } from "./text-edits";

/** The lifted statements for one `var C = (function (…) {…}(…));`, or undefined when it is not a plain class IIFE. */
function liftClass(code: string, stmt: acorn.Statement): TextEdit | undefined {
  if (stmt.type !== "VariableDeclaration" || stmt.declarations.length !== 1) return undefined;
  const decl = stmt.declarations[0];
  if (decl.id.type !== "Identifier" || decl.init?.type !== "CallExpression") return undefined;
  const name = decl.id.name;
  const call = decl.init;
  const fn = call.callee;
  if (fn.type !== "FunctionExpression" || fn.params.length !== call.arguments.length || fn.params.length > 1)
    return undefined;
  const base = call.arguments[0];
  const param = fn.params[0];
  if (base !== undefined && (base.type !== "Identifier" || param?.type !== "Identifier")) return undefined;
  const body = fn.body.body;
  const last = body[body.length - 1];
  if (
    last?.type !== "ReturnStatement" ||
    last.argument?.type !== "Identifier" ||
    (last.argument as acorn.Identifier).name !== name
  )
    return undefined;
  // Only the class's own constructor may be declared: anything else would become a global.
  let ctor = false;
  for (const s of body.slice(0, -1)) {
    if (s.type === "FunctionDeclaration") {
      if (s.id.name !== name || ctor) return undefined;
      ctor = true;
    } else if (s.type === "VariableDeclaration") return undefined;
  }
  if (!ctor) return undefined;
  // `_super` → the base's name, wherever it is read (never as a property name).
  const renames: TextEdit[] = [];
  if (param !== undefined && base !== undefined) {
    const from = (param as acorn.Identifier).name;
    const to = (base as acorn.Identifier).name;
    // A method's own variable of that name would take the base's place: such a class stays as it is.
    let shadowed = false;
    walk.full(fn.body, (n) => {
      if (n.type === "FunctionExpression" || n.type === "FunctionDeclaration") {
        const f = n as acorn.FunctionExpression;
        if (f.id?.name === to || f.params.some((p) => p.type === "Identifier" && p.name === to)) shadowed = true;
      } else if (n.type === "VariableDeclarator" && (n as acorn.VariableDeclarator).id.type === "Identifier")
        if (((n as acorn.VariableDeclarator).id as acorn.Identifier).name === to) shadowed = true;
    });
    if (shadowed) return undefined;
    walk.ancestor(fn.body, {
      Identifier(n, _state, ancestors) {
        const id = n as acorn.Identifier;
        if (id.name !== from) return;
        const parent = ancestors[ancestors.length - 2];
        if (parent?.type === "MemberExpression" && !parent.computed && parent.property === id) return;
        if (parent?.type === "Property" && parent.key === id && !parent.computed) return;
        renames.push({ start: id.start, end: id.end, text: to });
      },
    });
  }
  renames.sort((a, b) => a.start - b.start);
  const source = (from: number, to: number): string => {
    let text = "";
    let at = from;
    for (const r of renames) {
      if (r.start < from || r.end > to) continue;
      text += code.slice(at, r.start) + r.text;
      at = r.end;
    }
    return text + code.slice(at, to);
  };
  // The constructor first: Espruino does not hoist function declarations, and `__extends(C, Base)` needs C.
  const statements = body.slice(0, -1);
  statements.sort((x, y) => Number(y.type === "FunctionDeclaration") - Number(x.type === "FunctionDeclaration"));
  const text = statements.map((s) => source(s.start, s.end)).join("\n");
  return { start: stmt.start, end: stmt.end, text };
}

/** ES5 `code` with every top-level class IIFE it can lift lifted. */
export function flattenClasses(code: string): { code: string; lifted: number } {
  const tree = acorn.parse(code, { ecmaVersion: 5 });
  const edits: TextEdit[] = [];
  for (const stmt of tree.body) {
    const e = liftClass(code, stmt as acorn.Statement);
    if (e !== undefined) edits.push(e);
  }
  return { code: applyEdits(code, edits), lifted: edits.length };
}
