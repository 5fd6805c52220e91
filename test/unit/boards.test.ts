import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BoardError, loadBoards, parseBoard } from "../../tools/lib/boards";
import { BOARDS_DOC, renderBoardsDoc } from "../../tools/lib/boards-doc";
import { ROOT } from "../../tools/lib/paths";

const good = {
  name: "x",
  runtime: "lua51",
  mac: {
    driver: "enc28j60",
    bus: "HSPI",
    pins: { sck: "D5", miso: "D6", mosi: "D7", cs: "D8" },
    hwaddr: "02:00:00:00:00:01",
    mtu: 1500,
  },
  control: { uart: "uart0", baud: 115200 },
  lltable: { capacity: 8 },
  dhcp: { enabled: true, profile: "fast" },
  hostname: "h",
};
const parse = (o: unknown) => parseBoard("boards/x.json", JSON.stringify(o));

describe("board files", function () {
  it("every committed board file is valid", function () {
    assert.ok(loadBoards().length >= 4);
  });
  it("a valid board parses with its SPI wiring and the default SPI clock", function () {
    const b = parse(good);
    assert.equal(b.config.mac.available, true);
    assert.equal(b.driverNote, undefined);
    assert.deepEqual(
      [b.config.mac.bus, b.config.mac.pins, b.config.mac.spiBaud],
      ["HSPI", { sck: "D5", miso: "D6", mosi: "D7", cs: "D8", reset: -1, int: -1 }, 8000000],
    );
    assert.deepEqual(b.config.control.pins, { tx: "", rx: "" });
    assert.equal(b.config.control.enabled, true);
  });
  it("an ESP32 NodeMCU board may put its control channel on uart2 with its GPIOs", function () {
    const b = parse({
      ...good,
      runtime: "lua53",
      mac: { ...good.mac, bus: "VSPI" },
      control: { uart: "uart2", baud: 115200, pins: { tx: 17, rx: 16 } },
    });
    assert.deepEqual([b.config.control.uart, b.config.control.pins], ["uart2", { tx: 17, rx: 16 }]);
  });
  it("a board's memory budget is read from memory.budget; without one there is none", function () {
    assert.equal(parse({ ...good, memory: { budget: 24000 } }).memoryBudget, 24000);
    assert.equal(parse(good).memoryBudget, undefined);
  });
  it('memory.parameters: "arguments" asks an Espruino build to read parameters from arguments', function () {
    const espruino = { ...good, runtime: "espruino", mac: { driver: "udp", hwaddr: "02:00:00:00:00:01", mtu: 1500 } };
    assert.equal(parse({ ...espruino, memory: { budget: 9, parameters: "arguments" } }).parametersFromArguments, true);
    assert.equal(parse({ ...espruino, memory: { budget: 9, parameters: "named" } }).parametersFromArguments, false);
    assert.equal(parse({ ...espruino, memory: { budget: 9 } }).parametersFromArguments, undefined);
  });
  it('"control": false builds the board without a control channel', function () {
    assert.deepEqual(parse({ ...good, control: false }).config.control, {
      enabled: false,
      uart: "",
      baud: 0,
      maxFrame: 0,
      pins: { tx: "", rx: "" },
      probes: false,
      settings: false,
    });
  });
  it("every SPI chip board names its bus and all four pins", function () {
    for (const b of loadBoards().filter((x) => ["w5500", "enc28j60"].includes(x.config.mac.driver))) {
      assert.notEqual(b.config.mac.bus, "", b.file);
      for (const k of ["sck", "miso", "mosi", "cs"] as const)
        assert.notEqual(b.config.mac.pins[k], -1, `${b.file}: ${k}`);
    }
  });
  it("a misspelt field is refused with the file, the field and the nearest known name", function () {
    assert.throws(
      () => parse({ ...good, control: { ...good.control, maxFrme: 1024 } }),
      /boards\/x\.json: unknown field "control\.maxFrme" \(did you mean "control\.maxFrame"\?\)/,
    );
    assert.throws(() => parse({ ...good, hostnme: "h" }), /unknown field "hostnme" \(did you mean "hostname"\?\)/);
    assert.throws(
      () => parse({ ...good, mac: { ...good.mac, pins: { ...good.mac.pins, rst: "D1" } } }),
      /unknown field "mac\.pins\.rst" \(did you mean "mac\.pins\.(cs|reset)"\?\)/,
    );
  });
  it("only the boards being built are read: a broken board file stops only a build that names it", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-boards-"));
    try {
      fs.copyFileSync(path.join(ROOT, "boards", "host.json"), path.join(dir, "host.json"));
      fs.writeFileSync(path.join(dir, "broken.json"), "{ not json");
      assert.deepEqual(
        loadBoards(dir, ["host"]).map((b) => b.config.name),
        ["host"],
      );
      assert.throws(() => loadBoards(dir, ["broken"]), /broken\.json: not JSON/);
      assert.throws(() => loadBoards(dir), /broken\.json/);
      assert.throws(() => loadBoards(dir, ["hots"]), /unknown board: hots \(did you mean host\?\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  const bad: [string, unknown, RegExp][] = [
    ["not JSON", "{", /not JSON/],
    ["unknown runtime", { ...good, runtime: "micropython" }, /"runtime" must be one of/],
    ["missing field", { ...good, lltable: undefined }, /missing "lltable"/],
    ["wrong type", { ...good, lltable: { capacity: "8" } }, /"lltable.capacity" must be a number/],
    ["bad MAC address", { ...good, mac: { ...good.mac, hwaddr: "02:00:00:00:00" } }, /"mac.hwaddr"/],
    ["unknown driver", { ...good, mac: { ...good.mac, driver: "rtl8139" } }, /unknown MAC driver "rtl8139"/],
    ["driver on the wrong runtime", { ...good, runtime: "node" }, /"enc28j60" does not run on node/],
    ["name not matching the file", { ...good, name: "y" }, /must match the file name/],
    ["an SPI chip without its bus", { ...good, mac: { ...good.mac, bus: undefined } }, /missing "mac.bus"/],
    [
      "an SPI chip without a pin",
      { ...good, mac: { ...good.mac, pins: { sck: "D5", miso: "D6", mosi: "D7" } } },
      /"mac.pins.cs" must be a pin name/,
    ],
    [
      "a pin that is no pin",
      { ...good, mac: { ...good.mac, pins: { ...good.mac.pins, cs: "pin eight" } } },
      /"mac.pins.cs"/,
    ],
    ["an SPI clock out of range", { ...good, mac: { ...good.mac, spiBaud: 80000000 } }, /"mac.spiBaud"/],
    ["a control channel that is neither false nor an object", { ...good, control: true }, /"control" must be a object/],
    [
      "a control pin that is no pin",
      { ...good, control: { ...good.control, pins: { tx: true } } },
      /"control.pins.tx"/,
    ],
    [
      "a NodeMCU UART that does not exist",
      { ...good, control: { uart: "Serial1", baud: 115200 } },
      /"control.uart" must be uart0, uart1, uart2 or none/,
    ],
    [
      "an ESP8266 control channel on its transmit-only uart1",
      { ...good, control: { uart: "uart1", baud: 115200, pins: { tx: 2, rx: 3 } } },
      /receives on uart0 only/,
    ],
    [
      "an ESP32 NodeMCU UART without its GPIOs",
      {
        ...good,
        runtime: "lua53",
        mac: { ...good.mac, bus: "VSPI" },
        control: { uart: "uart2", baud: 115200, pins: { tx: "D17" } },
      },
      /tx and rx as GPIO numbers/,
    ],
    ["bad DHCP profile", { ...good, dhcp: { enabled: true, profile: "slow" } }, /"dhcp.profile"/],
    [
      "a memory budget that is not a positive integer",
      { ...good, memory: { budget: -3 } },
      /"memory.budget" must be a positive integer/,
    ],
    ["an empty memory section", { ...good, memory: {} }, /"memory" needs a "budget" or "parameters"/],
    ["a misspelt memory field", { ...good, memory: { budget: 9, budgett: 9 } }, /unknown field "memory.budgett"/],
    [
      "parameters from arguments on Lua",
      { ...good, memory: { budget: 9, parameters: "arguments" } },
      /"memory.parameters": "arguments" is for Espruino builds only/,
    ],
    [
      "TCP in the chip on a board without a W5500",
      { ...good, services: { tcp: { chip: true } } },
      /"services.tcp.chip" needs a W5500 .* this board has enc28j60/,
    ],
    [
      "TCP in the chip with a buffer size of its own",
      { ...good, mac: { ...good.mac, driver: "w5500" }, services: { tcp: { chip: true, buffer: 4096 } } },
      /"services.tcp.buffer" is the chip's with "chip"/,
    ],
    [
      "more chip TCP sockets than the W5500 has beside MACRAW",
      { ...good, mac: { ...good.mac, driver: "w5500" }, services: { tcp: { chip: true, connections: 8 } } },
      /within 1..7 with "chip"/,
    ],
    [
      "NetworkJS on a board that is not Espruino",
      { ...good, services: { tcp: true, networkjs: true } },
      /"services.networkjs" is Espruino's .* this board runs lua51/,
    ],
    [
      "NetworkJS without TCP",
      { ...good, runtime: "espruino", control: false, services: { sockets: 1, networkjs: true } },
      /"services.networkjs" needs "services.tcp"/,
    ],
    [
      "an unknown way to pass parameters",
      { ...good, memory: { budget: 9, parameters: "stack" } },
      /"named" or "arguments"/,
    ],
  ];
  for (const [what, input, msg] of bad) {
    it(`rejects ${what} with the file and field`, function () {
      assert.throws(
        () => (typeof input === "string" ? parseBoard("boards/x.json", input) : parse(input)),
        (e: Error) => e instanceof BoardError && /^boards\/x\.json: /.test(e.message) && msg.test(e.message),
      );
    });
  }
});

describe("docs/BOARDS.md", function () {
  it("its board sections are what boards/*.json say (npm run docs)", function () {
    const doc = fs.readFileSync(BOARDS_DOC, "utf8");
    assert.equal(doc, renderBoardsDoc(doc), "docs/BOARDS.md is out of date: run npm run docs");
    for (const b of loadBoards()) assert.ok(doc.includes(`### ${b.config.name}\n`), `${b.config.name} is missing`);
  });
});
