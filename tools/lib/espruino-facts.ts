// What Espruino 2v29 lacks, measured on its Linux interpreter (`typeof` is
// "undefined" for each); test/build/espruino-facts.test.ts re-measures it
// whenever ESPRUINO is set, so the list cannot drift from the interpreter.
export const ESPRUINO_MISSING_GLOBALS = ["Map", "Set", "WeakMap", "WeakSet", "Symbol", "BigInt", "Proxy", "Reflect"];
export const ESPRUINO_MISSING_MEMBERS = ["Math.imul", "Array.from", "Number.isInteger"];
