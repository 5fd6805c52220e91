// The host firmware's settings from the environment: NETRT_CONTROL=off
// means no control channel (and no serialport loaded, no complaint about a
// pty), NETRT_MAC gives a second device on the link its own address.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { buildAll } from "../../tools/lib/build";
import { PACKAGE_VERSION } from "../../tools/lib/boards";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";

const TRACE = path.join(__dirname, "..", "fixtures", "trace-require.js");

describe("host firmware settings (NETRT_CONTROL, NETRT_MAC)", function () {
  this.timeout(120000);
  before(async function () {
    await buildAll(["host"]);
  });
  const port = 30000 + (process.pid % 10000);
  it("NETRT_CONTROL=off: no control channel, serialport never loaded, no 'cannot open'; NETRT_MAC sets eth0's address", async function () {
    const fw = new FirmwareProcess({
      NETRT_CONTROL: "off",
      NETRT_MAC: "02:00:00:00:00:42",
      NETRT_RX_PORT: String(port),
      NETRT_TX_PORT: String(port + 1),
      NODE_OPTIONS: `--require ${TRACE}`,
    });
    try {
      await fw.waitFor(/eth0 02:00:00:00:00:42 mtu/, 10000);
      assert.match(
        fw.lines.join("\n"),
        new RegExp(`netrt ${PACKAGE_VERSION.replace(/\./g, "\\.")} on host \\(node\\)`),
      );
      await fw.waitFor(/control channel off/, 5000);
      await new Promise((r) => setTimeout(r, 300));
      const log = fw.lines.join("\n");
      assert.doesNotMatch(log, /cannot open/);
      assert.doesNotMatch(log, /TRACE loaded serialport/);
    } finally {
      await fw.stop();
    }
  });
  it("with the control channel on, serialport is loaded (the trace would see it)", async function () {
    const fw = new FirmwareProcess({
      NETRT_RX_PORT: String(port + 2),
      NETRT_TX_PORT: String(port + 3),
      NODE_OPTIONS: `--require ${TRACE}`,
    });
    try {
      await fw.waitFor(/control port /, 15000);
      assert.match(fw.lines.join("\n"), /TRACE loaded serialport/);
    } finally {
      await fw.stop();
    }
  });
  it("a NETRT_MAC that is not a unicast MAC is refused with a clear message", async function () {
    const fw = new FirmwareProcess({
      NETRT_CONTROL: "off",
      NETRT_MAC: "03:00:00:00:00:01",
      NETRT_RX_PORT: String(port + 4),
      NETRT_TX_PORT: String(port + 5),
    });
    try {
      await fw.waitFor(/NETRT_MAC=03:00:00:00:00:01: not a unicast MAC address/, 10000);
    } finally {
      await fw.stop();
    }
  });
});
