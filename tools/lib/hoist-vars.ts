// Espruino 2v29 does not hoist `var`: a declaration that has not run yet does
// not make the local, so an assignment on another path writes the outer
// variable. This pass rewrites ES5 code so that every function declares all
// its vars in one statement at its top, and every declaration below loses its
// `var` keyword. It edits text at acorn's positions, so it runs last,
// after minification.
import * as acorn from "acorn";
import * as walk from "acorn-walk";

type Fn = acorn.FunctionDeclaration | acorn.FunctionExpression;

interface Edit {
  start: number;
  end: number;
  text: string;
}

function declaratorNames(d: acorn.VariableDeclaration): string[] {
  return d.declarations.map((x) => (x.id as acorn.Identifier).name);
}

export function hoistVars(code: string): string {
  const tree = acorn.parse(code, { ecmaVersion: 5 });
  const names = new Map<Fn, Set<string>>();
  const edits: Edit[] = [];
  walk.fullAncestor(tree, (node, _state, ancestors) => {
    if (node.type !== "VariableDeclaration") return;
    const decl = node as acorn.VariableDeclaration;
    let fn: Fn | undefined;
    for (let i = ancestors.length - 2; i >= 0; i--) {
      const a = ancestors[i];
      if (a.type === "FunctionDeclaration" || a.type === "FunctionExpression") {
        fn = a as Fn;
        break;
      }
    }
    // Top-level vars are globals already; the artifact's code lives in an IIFE.
    if (fn === undefined) return;
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
    const at = fn.body.start + 1;
    edits.push({ start: at, end: at, text: `var ${[...set].join(",")};` });
  }
  edits.sort((x, y) => y.start - x.start || y.end - x.end);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
