import { strict as assert } from "node:assert";
import { BoardError, loadBoards, parseBoard } from "../../tools/lib/boards";

const good = {
  name: "x", runtime: "lua51", mac: { driver: "enc28j60", hwaddr: "02:00:00:00:00:01", mtu: 1500 },
  control: { uart: "uart0", baud: 115200 }, lltable: { capacity: 8 }, dhcp: { enabled: true, profile: "fast" }, hostname: "h",
};
const parse = (o: unknown) => parseBoard("boards/x.json", JSON.stringify(o));

describe("board files", function () {
  it("every committed board file is valid", function () {
    assert.ok(loadBoards().length >= 4);
  });
  it("a valid board parses, noting a driver that is not written yet", function () {
    const b = parse(good);
    assert.equal(b.config.mac.available, false);
    assert.match(b.driverNote!, /not written yet/);
  });
  const bad: [string, unknown, RegExp][] = [
    ["not JSON", "{", /not JSON/],
    ["unknown runtime", { ...good, runtime: "micropython" }, /"runtime" must be one of/],
    ["missing field", { ...good, hostname: undefined }, /missing "hostname"/],
    ["wrong type", { ...good, lltable: { capacity: "8" } }, /"lltable.capacity" must be a number/],
    ["bad MAC address", { ...good, mac: { ...good.mac, hwaddr: "02:00:00:00:00" } }, /"mac.hwaddr"/],
    ["unknown driver", { ...good, mac: { ...good.mac, driver: "rtl8139" } }, /unknown MAC driver "rtl8139"/],
    ["driver on the wrong runtime", { ...good, mac: { ...good.mac, driver: "udp" } }, /"udp" does not run on lua51/],
    ["name not matching the file", { ...good, name: "y" }, /must match the file name/],
    ["bad DHCP profile", { ...good, dhcp: { enabled: true, profile: "slow" } }, /"dhcp.profile"/],
  ];
  for (const [what, input, msg] of bad) {
    it(`rejects ${what} with the file and field`, function () {
      assert.throws(() => (typeof input === "string" ? parseBoard("boards/x.json", input) : parse(input)), (e: Error) => e instanceof BoardError && /^boards\/x\.json: /.test(e.message) && msg.test(e.message));
    });
  }
});
