// EspruinoClock on the real interpreter: Espruino's source refuses a timeout
// over 100 years, which a lease near 2^32 s asks for; the clock chains.
import { EspruinoClock } from "../../hal/espruino/platform";

declare const console: { log(msg: string): void };
declare const setTimeout: (cb: () => void, ms: number) => number;
declare const quit: () => void;

let native = "";
try {
  setTimeout(() => undefined, 4294967294 * 1000);
  native = "accepted";
} catch (e) {
  native = "refused: " + (e as Error).message;
}
console.log("NATIVE " + native);

const clock = new EspruinoClock();
const id = clock.set(() => console.log("LONG fired"), 4294967294 * 1000);
console.log("LONG pending " + clock.pending());
clock.clear(id);

const chained = new EspruinoClock(20);
chained.onFault = (m: string) => console.log("FAULT " + (m.indexOf("boom") >= 0 ? "boom" : m));
const t0 = chained.now();
chained.set(() => {
  throw new Error("boom");
}, 5);
chained.set(() => {
  console.log(
    "CHAINED after " +
      (chained.now() - t0 >= 70 ? "70+" : chained.now() - t0) +
      " faults " +
      chained.faults +
      " pending " +
      clock.pending(),
  );
  quit();
}, 70);
