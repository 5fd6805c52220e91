// JavaScript artifacts. Espruino: esbuild bundles the TypeScript (resolving
// the HAL aliases), TypeScript lowers the bundle to ES5, terser minifies it,
// and acorn re-parses the result as strict ES5 and scans it for globals
// Espruino lacks, a backstop behind the source check. Node: one CommonJS file.
import * as fs from "node:fs";
import * as path from "node:path";
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import * as esbuild from "esbuild";
import { type MinifyOptions, minify } from "terser";
import ts from "typescript";
import { ESPRUINO_MISSING_GLOBALS, ESPRUINO_MISSING_MEMBERS } from "./espruino-facts";
import { type Finding, PortabilityError } from "./findings";
import { flattenClasses } from "./flatten-classes";
import { dropDeadMethods, inlineAllTrivialCalls, parametersFromArguments } from "./shrink-es5";
import { hoistFunctions, hoistVars, unhoistedFunctions } from "./hoist-vars";
import { internalPropertyNames } from "./mangle-props";
import { checkSources } from "./portability";
import { compilerOptions, type Runtime } from "./targets";

/** terser's name cache: for each renamed name ("$" + name), its new name. */
interface NameCache {
  vars?: { props?: Record<string, string> };
  props?: { props?: Record<string, string> };
}

export interface JsBundleOptions {
  entry: string;
  runtime: Extract<Runtime, "node" | "espruino">;
  aliases: Record<string, string>;
  outFile: string;
  /** Extra ambient declaration files the program needs (e.g. Espruino globals). */
  declarations?: string[];
  /** Espruino: parameters read from `arguments` (the board file's memory.parameters; shrink-es5.ts). */
  parametersFromArguments?: boolean;
}

const ESPRUINO_MODULES = ["Storage", "net", "dgram", "http", "Wifi", "WIZnet", "fs", "crypto", "NetworkJS"];
const MISSING_GLOBALS = new Set(ESPRUINO_MISSING_GLOBALS);
const MISSING_MEMBERS = new Set(ESPRUINO_MISSING_MEMBERS);

/** Is this `var` the first statement of its function (or program), where Espruino's lack of hoisting cannot bite? */
function isHoisted(node: acorn.Node, ancestors: acorn.Node[]): boolean {
  let i = ancestors.length - 1;
  let stmt = node;
  // `for (var ...)` as the first statement runs its declaration first too.
  const up = ancestors[i - 1];
  if (up !== undefined && (up.type === "ForStatement" || up.type === "ForInStatement")) {
    stmt = up;
    i--;
  }
  const parent = ancestors[i - 1];
  if (parent === undefined) return false;
  if (parent.type === "Program") {
    // Globals: fine anywhere before the first statement that could run code (TypeScript's
    // ES5 helpers such as __extends sit there, after the "use strict" directive).
    const body = (parent as acorn.Program).body;
    for (const s of body) {
      if (s === stmt) return true;
      if (s.type === "VariableDeclaration" || s.type === "FunctionDeclaration") continue;
      if (!(s.type === "ExpressionStatement" && (s as acorn.ExpressionStatement).directive !== undefined)) return false;
    }
    return false;
  }
  if (parent.type !== "BlockStatement" || (parent as acorn.BlockStatement).body[0] !== stmt) return false;
  const owner = ancestors[i - 2];
  return owner !== undefined && (owner.type === "FunctionDeclaration" || owner.type === "FunctionExpression");
}

/** Checks a finished ES5 artifact; findings carry artifact (not source) locations. */
export function checkEspruinoArtifact(code: string, name: string): Finding[] {
  let tree: acorn.Program;
  try {
    tree = acorn.parse(code, { ecmaVersion: 5, locations: true });
  } catch (e) {
    const err = e as SyntaxError & { loc?: { line: number; column: number } };
    return [
      { file: name, line: err.loc?.line ?? 0, col: (err.loc?.column ?? 0) + 1, message: `not ES5: ${err.message}` },
    ];
  }
  const findings: Finding[] = [];
  const guarded = new Set<acorn.Node>();
  walk.full(tree, (node) => {
    if (node.type === "UnaryExpression" && (node as acorn.UnaryExpression).operator === "typeof")
      guarded.add((node as acorn.UnaryExpression).argument);
  });
  for (const f of unhoistedFunctions(tree)) {
    findings.push({
      file: name,
      line: f.loc!.start.line,
      col: f.loc!.start.column + 1,
      message: "function declared after code in its body: Espruino 2v29 does not hoist function declarations",
    });
  }
  walk.fullAncestor(tree, (node, _state, ancestors) => {
    const parent = ancestors[ancestors.length - 2] as acorn.Node | undefined;
    if (node.type === "VariableDeclaration" && !isHoisted(node, ancestors)) {
      findings.push({
        file: name,
        line: node.loc!.start.line,
        col: node.loc!.start.column + 1,
        message: "var declared below the top of its function: Espruino 2v29 does not hoist var",
      });
    } else if (
      node.type === "ForStatement" &&
      (node as acorn.ForStatement).init &&
      code.startsWith("function", (node as acorn.ForStatement).init!.start)
    ) {
      findings.push({
        file: name,
        line: node.loc!.start.line,
        col: node.loc!.start.column + 1,
        message: "a function expression opens a for initialiser: Espruino 2v29 cannot parse it",
      });
    } else if (node.type === "Identifier") {
      const id = node as acorn.Identifier;
      if (!MISSING_GLOBALS.has(id.name) || guarded.has(id)) return;
      if (
        parent?.type === "MemberExpression" &&
        (parent as acorn.MemberExpression).property === id &&
        !(parent as acorn.MemberExpression).computed
      )
        return;
      if (parent?.type === "Property" && (parent as acorn.Property).key === id) return;
      findings.push({
        file: name,
        line: id.loc!.start.line,
        col: id.loc!.start.column + 1,
        message: `${id.name} is not available on Espruino 2v29`,
      });
    } else if (node.type === "MemberExpression") {
      const m = node as acorn.MemberExpression;
      if (m.object.type === "Identifier" && m.property.type === "Identifier" && !m.computed) {
        const member = `${(m.object as acorn.Identifier).name}.${(m.property as acorn.Identifier).name}`;
        if (MISSING_MEMBERS.has(member))
          findings.push({
            file: name,
            line: m.loc!.start.line,
            col: m.loc!.start.column + 1,
            message: `${member} is not available on Espruino 2v29`,
          });
      }
    }
  });
  return findings;
}

/** Where an Espruino artifact's property-name map is written: firmware.js → firmware.names.json. */
export function namesFile(artifact: string): string {
  return artifact.replace(/\.js$/, ".names.json");
}

export async function bundleJs(o: JsBundleOptions): Promise<number> {
  const check = checkSources([o.entry, ...(o.declarations ?? [])], compilerOptions(o.runtime, o.aliases), o.runtime);
  if (check.errors.length > 0) throw new Error(`type errors:\n${check.errors.join("\n")}`);
  if (check.findings.length > 0) throw new PortabilityError(o.runtime, check.findings);

  const espruino = o.runtime === "espruino";
  const built = await esbuild.build({
    entryPoints: [o.entry],
    bundle: true,
    write: false,
    // CommonJS output leaves Espruino's require("Storage") as written (the
    // iife format wraps it in a shim built on Proxy); we add the IIFE below.
    format: "cjs",
    platform: espruino ? "neutral" : "node",
    target: espruino ? "es2017" : "node20",
    alias: o.aliases,
    // Espruino's built-in modules, resolved by the interpreter at run time.
    // serialport loads a native binding from its own package: it stays in node_modules.
    external: espruino ? ESPRUINO_MODULES : ["serialport", "@serialport/*"],
    logLevel: "silent",
    legalComments: "none",
    // Class fields as plain assignments: smaller than defineProperty helpers.
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
  });
  let code = built.outputFiles[0].text;
  /** Espruino: each shortened property name and the name it stands for. */
  const renamed: Record<string, string> = {};
  if (espruino) {
    // No IIFE around the bundle: on Espruino a function made inside another
    // keeps a link to that scope (about two variables per function), so the
    // code lives at the top level, classes included (flatten-classes.ts).
    code = ts.transpileModule(code, {
      fileName: "bundle.js",
      compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.None, removeComments: true, allowJs: true },
    }).outputText;
    code = flattenClasses(code).code;
    // A fresh object per run: terser keeps its caches in the options it is given.
    const options = (): MinifyOptions => ({
      ecma: 5,
      toplevel: true,
      // Espruino's parser rejects `for(function(){}(), ...;;)`, which joined
      // sequences produce.
      compress: { ecma: 5, passes: 2, sequences: false },
      mangle: {
        toplevel: true,
        // Our own property and method names, shortened (see mangle-props.ts).
        // builtins: the names are ours even where a DOM type has the same one.
        properties: { regex: new RegExp(`^(?:${internalPropertyNames(check.program).join("|")})$`), builtins: true },
      },
      // ASCII only: Espruino reads a UTF-8 source's "\xdb" as a Unicode string, which byte strings never match.
      format: { ecma: 5, comments: false, ascii_only: true },
    });
    // Our globals share the interpreter's root with Espruino's (E, SPI, pins
    // such as A0) and with the user's program, which is free to say `var t`:
    // a first pass names them, a second gives each of those names a `$`,
    // which neither uses, and still at most 4 characters (one variable).
    const first: NameCache = {};
    await minify(code, { ...options(), nameCache: first });
    const nameCache: NameCache = {
      vars: { props: Object.fromEntries(Object.entries(first.vars?.props ?? {}).map(([k, v]) => [k, `$${v}`])) },
    };
    const min = await minify(code, { ...options(), nameCache });
    for (const [k, v] of Object.entries(nameCache.props?.props ?? {})) renamed[v] = k.slice(1); // keys are "$name"
    // Fewer functions: trivial helpers written into their callers, methods nothing calls dropped (shrink-es5.ts).
    code = dropDeadMethods(inlineAllTrivialCalls(min.code ?? ""), new Set(Object.keys(renamed))).code;
    if (o.parametersFromArguments === true) code = parametersFromArguments(code, 1).code;
    // Espruino does not hoist `var`; declare every function's vars at its top.
    code = hoistFunctions(hoistVars(code));
    const findings = checkEspruinoArtifact(code, o.outFile);
    if (findings.length > 0) {
      // Keep the rejected artifact beside the target for inspection.
      fs.mkdirSync(path.dirname(o.outFile), { recursive: true });
      fs.writeFileSync(`${o.outFile}.rejected`, code);
      throw new PortabilityError("espruino (artifact)", findings);
    }
  }
  fs.mkdirSync(path.dirname(o.outFile), { recursive: true });
  fs.writeFileSync(o.outFile, code);
  if (espruino) fs.writeFileSync(namesFile(o.outFile), `${JSON.stringify(renamed, null, 1)}\n`);
  return Buffer.byteLength(code);
}
