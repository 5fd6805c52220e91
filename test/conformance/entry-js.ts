// Conformance entry for JavaScript runtimes (Node and Espruino).
import { runConformance } from "./program";

declare const console: { log(line: string): void };
declare const quit: (() => void) | undefined;

runConformance((line) => console.log(line));
// The Espruino interpreter stays in its REPL after a script; quit() ends it.
if (typeof quit === "function") quit();
