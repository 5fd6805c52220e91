// The NodeMCU binding's pieces that can run off a board, built as firmware
// is and run on lua5.1 and lua5.3.
import { strict as assert } from "node:assert";
import { buildProgram, runProgram } from "../../tools/lib/program";
import { probeRuntimes } from "../../tools/lib/runtimes";

describe("NodeMCU binding on real Lua", function () {
  for (const runtime of ["lua51", "lua53"] as const) {
    it(`${runtime}: rtctime's several results (seconds first); an integer firmware refused; the console UART and an ESP32 UART opened, read, written and closed as NodeMCU documents; timers beyond tmr's ceiling chained, an exception in one caught`, async function () {
      const probe = probeRuntimes().find((p) => p.runtime === runtime)!;
      if (probe.absent !== undefined) {
        if (process.env.CI) assert.fail(`${runtime} must run in CI: ${probe.absent}`);
        this.skip();
      }
      const artifact = await buildProgram(
        { name: "nodemcu-binding", jsEntry: "", luaEntry: "test/nodemcu/binding-entry.ts" },
        runtime,
      );
      const r = runProgram(probe, artifact);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n"), [
        "epoch absent -1",
        "epoch unset -1",
        "epoch set 1764000000",
        "numbers here nil",
        "numbers integer build netrt needs a NodeMCU float build: this firmware's numbers are integers (7 / 2 = 3)",
        "-- uart0 esp8266",
        // The module's own constants for no parity and one stop bit; echo off; run_input 0: the bytes are ours.
        "setup 0 115200 8 7 9 0",
        "on data 0 fn 0",
        "readable 2",
        "read bytes",
        "write 0 ok",
        // Closing gives the console back to the Lua prompt.
        "on data 0 fn 1",
        "-- uart2 esp32",
        "setup 2 115200 8 7 9 {tx=17,rx=16}",
        "start 2",
        "on 2 data 0 fn",
        "readable 2",
        "read bytes",
        "write 2 ok",
        "stop 2",
        "-- uart2 esp8266",
        "error uart2 needs NodeMCU-ESP32 and numeric control.pins tx and rx",
        // A day is chained in waits tmr accepts (it raises an error above 6,870,947 ms).
        "-- tmr",
        "alarm 6870947",
        "alarm 6870947",
        "alarm 5",
        "fault boom",
        ...Array.from({ length: 11 }, () => "alarm 6870947"),
        "alarm 3948636",
        "fired before -1",
        "fired at 86400000 faults 1 pending 0",
        "-- identity",
        "identity chip 10723963",
        "identity mac 24:0a:c4:12:34:56",
        "identity []",
      ]);
    });
  }
});
