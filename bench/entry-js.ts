// Benchmark entry for Node and Espruino.
import { runBench } from "./bytes-program";

declare const console: { log(line: string): void };
declare const process: {
  memory?: () => { usage: number };
  memoryUsage?: () => { heapUsed: number; arrayBuffers: number };
};
declare const gc: (() => void) | undefined;
declare const quit: (() => void) | undefined;
declare const getTime: (() => number) | undefined;
declare const performance: { now(): number } | undefined;

const espruino = typeof process.memory === "function";
runBench((line) => console.log(line), {
  // Espruino counts variables (the unit of its fixed pool); Node counts bytes.
  mem: () => {
    if (espruino) return process.memory!().usage;
    // Node's heap moves with the JIT; several collections settle it.
    if (typeof gc === "function") for (let i = 0; i < 4; i++) gc();
    const m = process.memoryUsage!();
    return m.heapUsed + m.arrayBuffers;
  },
  memUnit: espruino ? "vars" : "bytes",
  now: () => (typeof getTime === "function" ? getTime() * 1000 : performance!.now()),
});
if (typeof quit === "function") quit();
