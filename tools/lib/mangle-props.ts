// Which property names the Espruino build may shorten. On Espruino a
// property name of more than 4 characters costs an extra variable in every
// object that holds it (and in every prototype for a method), and minifiers
// rename locals, never properties; so the build renames our own properties
// and methods. The type checker's program says which names are ours: a name
// is shortened only when our (non-ambient) source declares it as a member,
// and nothing outside our code can reach it by that name:
//
// - a name any declaration file declares (the ES library, a runtime's
//   types) or an ambient `declare` in our code declares (Espruino's
//   built-ins, the HAL bindings' natives) stays, so a native's fields,
//   methods and option objects keep their names;
// - a name that appears anywhere as a string (a key looked up by string,
//   NetEvents.emit("link"), a settings key) stays;
// - accessors stay (ES5 lowers them to defineProperty with the name as a
//   string).
import ts from "typescript";
import { isAmbient } from "./portability";

function memberName(n: ts.Node): string | undefined {
  if (
    ts.isPropertyDeclaration(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isPropertySignature(n) ||
    ts.isMethodSignature(n) ||
    ts.isPropertyAssignment(n) ||
    ts.isShorthandPropertyAssignment(n)
  )
    // A quoted key in an object literal (the board's JSON in a generated entry) names a member too.
    return ts.isIdentifier(n.name) || ts.isStringLiteral(n.name) ? n.name.text : undefined;
  // constructor(private readonly x: T): a field named x.
  if (ts.isParameter(n) && ts.isIdentifier(n.name) && ts.isConstructorDeclaration(n.parent))
    return (ts.getModifiers(n) ?? []).some(
      (m) =>
        m.kind === ts.SyntaxKind.PrivateKeyword ||
        m.kind === ts.SyntaxKind.PublicKeyword ||
        m.kind === ts.SyntaxKind.ProtectedKeyword ||
        m.kind === ts.SyntaxKind.ReadonlyKeyword,
    )
      ? n.name.text
      : undefined;
  return undefined;
}

/** Property names of ours the build may rename, sorted. */
export function internalPropertyNames(program: ts.Program): string[] {
  program.getTypeChecker(); // binds the files: sets the parent links the walk reads
  const ours = new Set<string>();
  const kept = new Set<string>();
  for (const sf of program.getSourceFiles()) {
    const external = sf.isDeclarationFile || sf.fileName.includes("/node_modules/");
    const visit = (n: ts.Node): void => {
      const isKey = ts.isStringLiteral(n) && ts.isPropertyAssignment(n.parent) && n.parent.name === n;
      if (isKey) {
        // a quoted key: a member name, handled with its assignment
      } else if (ts.isStringLiteralLike(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) {
        kept.add(n.text);
      } else if (external) {
        if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) kept.add(n.text);
      } else if (ts.isGetAccessor(n) || ts.isSetAccessor(n)) {
        if (ts.isIdentifier(n.name)) kept.add(n.name.text);
      } else if (ts.isIdentifier(n) && isAmbient(n)) {
        kept.add(n.text);
      } else {
        const name = memberName(n);
        if (name !== undefined) ours.add(name);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return [...ours].filter((n) => !kept.has(n) && n.length > 1).sort();
}
