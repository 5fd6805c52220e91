// The processes the tests and the bench start never see end of file on
// stdin: Espruino for Linux reads it as a stream of 0xFF bytes into its REPL
// line, which grows by hundreds of variables a second and spoils every
// memory figure taken from it.
import { strict as assert } from "node:assert";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";

describe("firmware processes (tools/lib/firmware-proc.ts)", function () {
  it("get a stdin that stays open and silent", async function () {
    const probe =
      'process.stdin.on("data", () => console.log("stdin: data")); process.stdin.on("end", () => console.log("stdin: end"));' +
      'setTimeout(() => console.log("stdin: quiet"), 400);';
    const fw = new FirmwareProcess({}, undefined, [process.execPath, "-e", probe]);
    try {
      const m = await fw.waitFor(/stdin: (\w+)/, 5000);
      assert.equal(m[1], "quiet");
    } finally {
      await fw.stop();
    }
  });
});
