// Espruino 2v29 does not hoist `var`: a declaration that has not run yet does
// not make the local, so an assignment on another path writes the outer
// variable. This pass rewrites ES5 code so that every function declares all
// its vars in one statement at its top, and every declaration below loses its
// `var` keyword. It edits text at acorn's positions, so it runs last,
// after minification.
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import { applyEdits, type TextEdit } from "./text-edits";

type Fn = acorn.FunctionDeclaration | acorn.FunctionExpression;

function declaratorNames(d: acorn.VariableDeclaration): string[] {
  return d.declarations.map((x) => (x.id as acorn.Identifier).name);
}

/** Where the program's code starts: after "use strict" and any other directive. */
function afterDirectives(program: acorn.Program): number {
  let at = program.start;
  for (const s of program.body) {
    if (s.type !== "ExpressionStatement" || (s as acorn.ExpressionStatement).directive === undefined) break;
    at = s.end;
  }
  return at;
}

export function hoistVars(code: string): string {
  const tree = acorn.parse(code, { ecmaVersion: 5 });
  const names = new Map<Fn | acorn.Program, Set<string>>();
  const edits: TextEdit[] = [];
  walk.fullAncestor(tree, (node, _state, ancestors) => {
    if (node.type !== "VariableDeclaration") return;
    const decl = node as acorn.VariableDeclaration;
    let fn: Fn | acorn.Program = tree;
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const a = ancestors[i];
      if (a.type === "FunctionDeclaration" || a.type === "FunctionExpression") {
        fn = a as Fn;
        break;
      }
    }
    // Top-level ones too: the artifact's code lives at the top level, and a
    // global read before its `var` has run would not exist yet.
    let set = names.get(fn);
    if (set === undefined) names.set(fn, (set = new Set()));
    for (const n of declaratorNames(decl)) set.add(n);
    // Dropping just the keyword turns `var a=1,b` into the expression
    // `a=1,b` (b alone is a harmless read) and `for(var k in o)` into
    // `for(k in o)`; the edit never overlaps one inside an initialiser.
    let end = decl.start + 3;
    while (code[end] === " ") end++;
    edits.push({ start: decl.start, end, text: "" });
  });
  for (const [fn, set] of names) {
    const at = fn.type === "Program" ? afterDirectives(fn) : fn.body.start + 1;
    edits.push({ start: at, end: at, text: `var ${[...set].join(",")};` });
  }
  return applyEdits(code, edits);
}

type Body = acorn.Program | acorn.BlockStatement;

/** Statements that may precede a function declaration without being "code that runs first". */
function isPreamble(s: acorn.Node): boolean {
  if (s.type === "VariableDeclaration")
    return (s as acorn.VariableDeclaration).declarations.every((d) => d.init === null || d.init === undefined);
  return s.type === "ExpressionStatement" && (s as acorn.ExpressionStatement).directive !== undefined;
}

/** The first function or program body where a function declaration follows code, or undefined. */
function firstUnhoisted(tree: acorn.Program): Body | undefined {
  let found: Body | undefined;
  const visit = (body: Body): void => {
    if (found !== undefined) return;
    let seenCode = false;
    for (const s of body.body) {
      if (s.type === "FunctionDeclaration") {
        if (seenCode) {
          found = body;
          return;
        }
      } else if (!isPreamble(s)) seenCode = true;
    }
  };
  visit(tree);
  walk.full(tree, (node) => {
    if (node.type === "FunctionDeclaration" || node.type === "FunctionExpression") visit((node as Fn).body);
  });
  return found;
}

/**
 * Espruino 2v29 does not hoist function declarations either: a call that
 * comes before `function f(){}` in its body finds f undefined. This pass
 * moves every function declaration of a body, in order, to just after the
 * body's leading var/directive preamble, body by body until none is left.
 * Run it after hoistVars.
 */
export function hoistFunctions(code: string): string {
  let out = code;
  for (let round = 0; round < 100000; round++) {
    const tree = acorn.parse(out, { ecmaVersion: 5 });
    const body = firstUnhoisted(tree);
    if (body === undefined) return out;
    const stmts = body.body as acorn.Node[];
    let at = body.type === "Program" ? body.start : body.start + 1;
    for (const s of stmts) {
      if (!isPreamble(s)) break;
      at = s.end;
    }
    const fns = stmts.filter((s) => s.type === "FunctionDeclaration" && s.start >= at);
    const moved = fns.map((f) => out.slice(f.start, f.end)).join("");
    let rest = "";
    let pos = at;
    for (const f of fns) {
      rest += out.slice(pos, f.start);
      pos = f.end;
    }
    out = out.slice(0, at) + moved + rest + out.slice(pos);
  }
  throw new Error("hoistFunctions: did not converge");
}

/** Function declarations that follow code in their body (what hoistFunctions fixes), for the artifact check. */
export function unhoistedFunctions(tree: acorn.Program): acorn.Node[] {
  const out: acorn.Node[] = [];
  const visit = (body: Body): void => {
    let seenCode = false;
    for (const s of body.body) {
      if (s.type === "FunctionDeclaration") {
        if (seenCode) out.push(s);
      } else if (!isPreamble(s)) seenCode = true;
    }
  };
  visit(tree);
  walk.full(tree, (node) => {
    if (node.type === "FunctionDeclaration" || node.type === "FunctionExpression") visit((node as Fn).body);
  });
  return out;
}
