// Two passes over the minified Espruino artifact that remove functions, each
// of which costs Espruino about four variables plus one per parameter
// however short its body (its code stays in flash):
//
// - inlineTrivialCalls: a top-level function whose body is one expression
//   using each parameter once, in order (the HAL's byte and 32-bit helpers:
//   `function $h(t,i){return t[i]}`), is written into its call sites. The
//   arguments are then evaluated in the same order as before, once each.
// - dropDeadMethods: a prototype method whose (shortened, so ours) name is
//   never read anywhere else is code no path can reach in this build.
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import { applyEdits, type TextEdit } from "./text-edits";

interface Template {
  params: string[];
  /** The body's expression, with each parameter's position. */
  expr: acorn.Expression;
  uses: acorn.Identifier[];
  /** An expression statement's function returns undefined: only calls whose value is unused may take it. */
  statementOnly: boolean;
}

/** The function as an inlinable template, or undefined. */
function template(fn: acorn.FunctionDeclaration): Template | undefined {
  const body = fn.body.body;
  if (body.length !== 1) return undefined;
  const s = body[0];
  let expr: acorn.Expression | undefined;
  let statementOnly = false;
  if (s.type === "ReturnStatement" && s.argument) expr = s.argument;
  else if (s.type === "ExpressionStatement") {
    expr = s.expression;
    statementOnly = true;
  }
  if (expr === undefined || !fn.params.every((p) => p.type === "Identifier")) return undefined;
  const params = fn.params.map((p) => (p as acorn.Identifier).name);
  let refused = false;
  const uses: acorn.Identifier[] = [];
  walk.fullAncestor(expr, (node, _s, ancestors) => {
    const parent = ancestors[ancestors.length - 2];
    if (
      node.type === "FunctionExpression" ||
      node.type === "ThisExpression" ||
      (node.type === "Identifier" && (node as acorn.Identifier).name === "arguments")
    )
      refused = true;
    if (node.type !== "Identifier") return;
    const id = node as acorn.Identifier;
    if (parent?.type === "MemberExpression" && !parent.computed && parent.property === id) return;
    if (parent?.type === "Property" && parent.key === id) return;
    if (params.includes(id.name)) {
      // A parameter written to would write the caller's expression.
      if (parent?.type === "AssignmentExpression" && parent.left === id) refused = true;
      if (parent?.type === "UpdateExpression") refused = true;
      uses.push(id);
    }
  });
  if (refused) return undefined;
  uses.sort((a, b) => a.start - b.start);
  // Each parameter once, in order: the inlined arguments run as the call ran them.
  if (uses.length !== params.length || uses.some((u, i) => u.name !== params[i])) return undefined;
  return { params, expr, uses, statementOnly };
}

/** `code` with calls of trivial top-level functions replaced by their bodies; the functions go when no other use is left. */
export function inlineTrivialCalls(code: string): { code: string; inlined: string[] } {
  const tree = acorn.parse(code, { ecmaVersion: 5 });
  const templates = new Map<string, { fn: acorn.FunctionDeclaration; t: Template }>();
  for (const s of tree.body) {
    if (s.type !== "FunctionDeclaration") continue;
    const t = template(s);
    if (t !== undefined) templates.set(s.id.name, { fn: s, t });
  }
  // A name declared anywhere else (a local, a parameter) could shadow the function or a name its body reads.
  const declared = new Map<string, number>();
  walk.full(tree, (node) => {
    const names: string[] = [];
    if (node.type === "FunctionDeclaration" || node.type === "FunctionExpression") {
      const f = node as acorn.FunctionDeclaration;
      if (f.id) names.push(f.id.name);
      for (const p of f.params) if (p.type === "Identifier") names.push(p.name);
    } else if (node.type === "VariableDeclarator")
      names.push(((node as acorn.VariableDeclarator).id as acorn.Identifier).name);
    else if (node.type === "CatchClause") names.push(((node as acorn.CatchClause).param as acorn.Identifier).name);
    for (const n of names) declared.set(n, (declared.get(n) ?? 0) + 1);
  });
  // Our globals carry `$` (bundle-js.ts) and no local does: a body may read those, and undeclared ones (Math).
  const global = (n: string): boolean => !declared.has(n) || (n.startsWith("$") && declared.get(n) === 1);
  const bodies = new Set(templates.keys());
  for (const [name, { t }] of templates) {
    let free = false;
    walk.simple(t.expr, {
      Identifier(id) {
        // Another template's call in the body: its own turn comes first, in this round.
        if (!t.params.includes(id.name) && (!global(id.name) || bodies.has(id.name))) free = true;
      },
    });
    if (free || !global(name)) templates.delete(name);
  }
  const edits: TextEdit[] = [];
  const remaining = new Map<string, number>();
  const inlined = new Set<string>();
  walk.fullAncestor(tree, (node, _s, ancestors) => {
    if (node.type !== "Identifier") return;
    const id = node as acorn.Identifier;
    const entry = templates.get(id.name);
    if (entry === undefined) return;
    const parent = ancestors[ancestors.length - 2];
    if (parent === entry.fn) return; // its own declaration
    if (parent?.type === "MemberExpression" && !parent.computed && parent.property === id) return;
    if (parent?.type === "Property" && parent.key === id) return;
    const call = parent?.type === "CallExpression" && parent.callee === id ? parent : undefined;
    const asStatement = ancestors[ancestors.length - 3]?.type === "ExpressionStatement";
    // A call inside another's arguments (or around it) waits for the next round.
    const nested = call !== undefined && edits.some((e) => e.start < call.end && call.start < e.end);
    if (
      call === undefined ||
      call.arguments.length !== entry.t.params.length ||
      (entry.t.statementOnly && !asStatement) ||
      nested
    ) {
      remaining.set(id.name, (remaining.get(id.name) ?? 0) + 1);
      return;
    }
    let text = "";
    let at = entry.t.expr.start;
    entry.t.uses.forEach((u, i) => {
      const arg = call.arguments[i];
      text += code.slice(at, u.start) + `(${code.slice(arg.start, arg.end)})`;
      at = u.end;
    });
    text += code.slice(at, entry.t.expr.end);
    edits.push({ start: call.start, end: call.end, text: `(${text})` });
    inlined.add(id.name);
  });
  const removed: TextEdit[] = [];
  for (const name of inlined)
    if ((remaining.get(name) ?? 0) === 0) {
      const fn = templates.get(name)!.fn;
      removed.push({ start: fn.start, end: fn.end, text: "" });
    }
  // A call inside a removed function goes with it.
  const kept = edits.filter((e) => !removed.some((r) => r.start <= e.start && e.end <= r.end));
  return { code: applyEdits(code, [...kept, ...removed]), inlined: [...inlined] };
}

/** inlineTrivialCalls until nothing is left to inline (calls nested in calls take a round each). */
export function inlineAllTrivialCalls(code: string): string {
  let out = code;
  for (let round = 0; round < 20; round++) {
    const r = inlineTrivialCalls(out);
    if (r.inlined.length === 0) return out;
    out = r.code;
  }
  return out;
}

/**
 * `code` without the prototype methods whose names (among `ours`, the
 * shortened ones) nothing reads. Repeats until none is left, as dropping a
 * method can leave another unread.
 */
export function dropDeadMethods(code: string, ours: Set<string>): { code: string; dropped: string[] } {
  let out = code;
  const dropped: string[] = [];
  for (;;) {
    const tree = acorn.parse(out, { ecmaVersion: 5 });
    const defined = new Map<string, acorn.Node[]>();
    for (const s of tree.body) {
      if (s.type !== "ExpressionStatement" || s.expression.type !== "AssignmentExpression") continue;
      const left = s.expression.left;
      if (left.type !== "MemberExpression" || left.computed || left.property.type !== "Identifier") continue;
      const owner = left.object;
      if (
        owner.type !== "MemberExpression" ||
        owner.computed ||
        (owner.property as acorn.Identifier).name !== "prototype"
      )
        continue;
      const name = left.property.name;
      if (!ours.has(name)) continue;
      defined.set(name, [...(defined.get(name) ?? []), s]);
    }
    // Names read: as a property (acorn-walk does not visit a non-computed property's identifier) or an object key.
    const read = new Set<string>();
    walk.fullAncestor(tree, (node, _s, ancestors) => {
      let name: string | undefined;
      if (node.type === "MemberExpression" && !(node as acorn.MemberExpression).computed)
        name = ((node as acorn.MemberExpression).property as acorn.Identifier).name;
      else if (node.type === "Property" && (node as acorn.Property).key.type === "Identifier")
        name = ((node as acorn.Property).key as acorn.Identifier).name;
      if (name === undefined || !defined.has(name)) return;
      const parent = ancestors[ancestors.length - 2];
      const isDefinition =
        parent?.type === "AssignmentExpression" &&
        (parent as acorn.AssignmentExpression).left === node &&
        defined.get(name)!.some((d) => d.start <= node.start && node.end <= d.end);
      if (!isDefinition) read.add(name);
    });
    const dead = [...defined.keys()].filter((n) => !read.has(n));
    if (dead.length === 0) return { code: out, dropped };
    const edits: TextEdit[] = [];
    for (const n of dead) for (const s of defined.get(n)!) edits.push({ start: s.start, end: s.end, text: "" });
    dropped.push(...dead);
    out = applyEdits(out, edits);
  }
}

/**
 * Every function with at least `minParams` parameters (and no use of
 * `arguments` already) reads them from `arguments` instead: Espruino keeps
 * one variable per declared parameter for as long as the function exists,
 * and none for `arguments` until a call builds it. Each call then costs an
 * array and about twice the time: a board file's choice (memory.parameters).
 */
export function parametersFromArguments(
  code: string,
  minParams = 1,
): { code: string; functions: number; params: number } {
  const tree = acorn.parse(code, { ecmaVersion: 5 });
  type Fn = acorn.FunctionDeclaration | acorn.FunctionExpression;
  // Each function, its enclosing one and whether it reads `arguments` itself.
  const parent = new Map<Fn, Fn | undefined>();
  const reads = new Set<Fn>();
  walk.fullAncestor(tree, (node, _s, ancestors) => {
    const enclosing = ancestors
      .slice(0, -1)
      .reverse()
      .find((a) => a.type === "FunctionDeclaration" || a.type === "FunctionExpression") as Fn | undefined;
    if (node.type === "FunctionDeclaration" || node.type === "FunctionExpression") parent.set(node as Fn, enclosing);
    else if (node.type === "Identifier" && (node as acorn.Identifier).name === "arguments" && enclosing !== undefined)
      reads.add(enclosing);
  });
  // Espruino keeps a function's `arguments` as a variable of its scope, and
  // a function made inside it finds that one before its own: no function
  // inside one that reads `arguments` may read it too.
  const within = (f: Fn, set: Set<Fn>): boolean => {
    for (let p = parent.get(f); p !== undefined; p = parent.get(p)) if (set.has(p)) return true;
    return false;
  };
  // The functions with a reader somewhere inside them, marked once from each reader up.
  const enclosesReader = new Set<Fn>();
  for (const r of reads) for (let p = parent.get(r); p !== undefined; p = parent.get(p)) enclosesReader.add(p);
  const edits: TextEdit[] = [];
  const taken = new Set<Fn>(reads);
  let functions = 0;
  let params = 0;
  for (const fn of [...parent.keys()].sort((x, y) => x.start - y.start)) {
    if (fn.params.length < minParams || !fn.params.every((p) => p.type === "Identifier")) continue;
    if (reads.has(fn) || within(fn, taken) || enclosesReader.has(fn)) continue;
    taken.add(fn);
    const names = fn.params.map((p) => (p as acorn.Identifier).name);
    edits.push({ start: fn.params[0].start, end: fn.params[fn.params.length - 1].end, text: "" });
    edits.push({
      start: fn.body.start + 1,
      end: fn.body.start + 1,
      text: `var ${names.map((n, i) => `${n}=arguments[${i}]`).join(",")};`,
    });
    functions++;
    params += names.length;
  }
  return { code: applyEdits(code, edits), functions, params };
}
