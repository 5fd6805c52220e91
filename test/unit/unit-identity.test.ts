// Every unit of a board gets its own MAC and hostname: from the board file
// or npm run flash -- --mac when given, else derived from the chip.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { alloc } from "../../hal/js/bytes";
import { MemoryLog } from "../../hal/sim/log";
import { SimClock } from "../../hal/sim/clock";
import type { Bytes, Platform } from "../../hal/types";
import { boardHostname, boardHwaddr, deriveHwaddr } from "../../firmware/device";
import { formatMac } from "../../src/net/addr";
import { loadBoards, parseBoard } from "../../tools/lib/boards";
import { buildAll } from "../../tools/lib/build";
import { ROOT } from "../../tools/lib/paths";

const pico = () => loadBoards(undefined, ["espruino-pico-w5500"])[0].config;
const platform = (identity: string | undefined, log = new MemoryLog(new SimClock(), 20)): Platform => ({
  runtime: "test",
  clock: new SimClock(),
  random: { u32: () => 0 },
  log,
  storage: { read: () => undefined, write: () => true, remove: () => undefined },
  epochSeconds: () => -1,
  identity: identity === undefined ? undefined : () => identity,
});

describe("per-unit MAC address and hostname", function () {
  it("derives a stable, locally administered unicast MAC from the unit's identity, different per unit", function () {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const b = alloc(6);
      deriveHwaddr(`3300${i.toString(16).padStart(4, "0")}-5a3c-4b4f`, b);
      const first = (b as unknown as Uint8Array)[0];
      assert.equal(first & 1, 0, "unicast");
      assert.equal(first & 2, 2, "locally administered");
      seen.add(formatMac(b, 0));
    }
    assert.equal(seen.size, 2000, "no two units alike");
    const a = alloc(6);
    const b = alloc(6);
    deriveHwaddr("chip 1234567", a);
    deriveHwaddr("chip 1234567", b);
    assert.equal(formatMac(a, 0), formatMac(b, 0), "the same unit, the same address");
  });
  it("a board without hwaddr derives it; one with hwaddr keeps it; without an identity it says so and uses 02:00:00:00:00:01", function () {
    const board = pico();
    assert.equal(board.mac.hwaddr, "", "chip boards carry no fixed MAC");
    const one = formatMac(boardHwaddr(board, platform("33ffd6053936523848410643")), 0);
    const two = formatMac(boardHwaddr(board, platform("33ffd6053936523848410644")), 0);
    assert.notEqual(one, two);
    assert.equal(
      formatMac(boardHwaddr({ ...board, mac: { ...board.mac, hwaddr: "02:aa:bb:cc:dd:ee" } }, platform("x")), 0),
      "02:aa:bb:cc:dd:ee",
    );
    const log = new MemoryLog(new SimClock(), 20);
    assert.equal(formatMac(boardHwaddr(board, platform(undefined, log)), 0), "02:00:00:00:00:01");
    assert.match(log.lines.join("\n"), /no unit identity/);
  });
  it("the default hostname is the board's name and the MAC's last two bytes", function () {
    const mac = alloc(6);
    (mac as unknown as Uint8Array).set([2, 1, 2, 3, 0xab, 0x0c]);
    assert.equal(boardHostname(pico().name, pico().hostname, mac as Bytes), "espruino-pico-w5500-ab0c");
    assert.equal(boardHostname(pico().name, "door-sensor", mac as Bytes), "door-sensor");
  });
  it("board files refuse a group address as hwaddr", function () {
    assert.throws(
      () =>
        parseBoard(
          "boards/x.json",
          JSON.stringify({
            name: "x",
            runtime: "node",
            mac: { driver: "udp", hwaddr: "01:00:5e:00:00:01", mtu: 1500 },
            control: false,
            lltable: { capacity: 4 },
            dhcp: { enabled: true, profile: "fast" },
          }),
        ),
      /group \(multicast\) address/,
    );
  });
  it("npm run flash -- --mac builds that address into the unit's firmware, and refuses a group address before touching a port", async function () {
    this.timeout(120000);
    const [a] = await buildAll(["espruino-pico-w5500"], { hwaddr: "02:12:34:56:78:9A", hostname: "door-7" });
    const code = fs.readFileSync(path.join(ROOT, a.file), "utf8");
    assert.ok(code.includes("02:12:34:56:78:9a") && code.includes("door-7"));
    const r = spawnSync(
      path.join(ROOT, "node_modules", ".bin", "tsx"),
      ["tools/flash.ts", "--board", "espruino-pico-w5500", "--port", "/dev/nonexistent", "--mac", "03:00:00:00:00:01"],
      { cwd: ROOT, encoding: "utf8", timeout: 60000 },
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--mac.*group \(multicast\) address/);
    await buildAll(["espruino-pico-w5500"]);
  });
});
