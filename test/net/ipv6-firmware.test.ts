// The board feature (firmware/ipv6.ts) on a simulated device: "ipv6": true
// forms identifiers from the MAC; { "identifiers": "stable" } forms them by
// RFC 7217 from a secret it stores on first boot and reads on the next, so
// the addresses stay across boots and differ between units. Board files that
// ask for something else are refused.
import { strict as assert } from "node:assert";
import { MemoryStorage } from "../../hal/sim/storage";
import { SimRandom } from "../../hal/sim/random";
import type { Bytes, Platform } from "../../hal/types";
import { formatIPv6 } from "../../src/net/addr6";
import type { Ipv6 } from "../../src/net/ipv6";
import { addIpv6 } from "../../firmware/ipv6";
import type { BoardConfig } from "../../firmware/board";
import type { Device } from "../../firmware/device";
import { parseBoard } from "../../tools/lib/boards";
import { Net } from "./helpers";

/** A device of a board with IPv6, on its own segment, booted with `storage` (and random numbers from `seed`); its link-local address once DAD is over. */
function boot(storage: MemoryStorage, stable: boolean, seed = 1): { ll: string; log: string[] } {
  const net = new Net();
  const node = net.node(1);
  const platform = {
    runtime: "sim",
    clock: net.clock,
    // Another unit's random numbers (the same MAC: only the secret differs).
    random: new SimRandom(seed),
    log: node.log,
    storage,
    epochSeconds: () => -1,
  } as unknown as Platform;
  const board = { ipv6: true, ipv6Stable: stable } as unknown as BoardConfig;
  const dev = { platform, board, stack: node.stack, eth: node.eth, dhcp: undefined, control: undefined } as Device;
  addIpv6(dev);
  net.clock.advance(3000);
  const ip6 = node.stack.ip6 as unknown as Ipv6;
  return { ll: formatIPv6(ip6.addrs[0].addr, 0), log: node.log.lines };
}

describe("IPv6 as a board feature (firmware/ipv6.ts)", function () {
  it('"ipv6": true: the link-local address from the MAC (EUI-64); nothing stored', function () {
    const storage = new MemoryStorage(1024);
    assert.equal(boot(storage, false).ll, "fe80::ff:fe00:1");
    assert.equal(storage.read("ip6key"), undefined);
  });

  it('"identifiers": "stable": RFC 7217 from a stored secret, the same on the next boot, another on another unit', function () {
    const storage = new MemoryStorage(1024);
    const first = boot(storage, true).ll;
    assert.ok(first.startsWith("fe80::") && !first.includes("ff:fe"), first);
    const secret = storage.read("ip6key") as Bytes;
    assert.equal((secret as unknown as Uint8Array).length, 16);
    assert.equal(boot(storage, true).ll, first, "the next boot reads the same secret");
    assert.notEqual(boot(new MemoryStorage(1024), true, 2).ll, first, "another unit draws another secret");
  });

  it("storage that refuses the secret: identifiers from the MAC, and the log says why", function () {
    const full = new MemoryStorage(0);
    const r = boot(full, true);
    assert.equal(r.ll, "fe80::ff:fe00:1");
    assert.ok(r.log.some((l) => l.includes("cannot store a secret for stable addresses")));
  });

  it("board files: true, false, { identifiers: eui64 | stable }; anything else is refused with the field named", function () {
    const base = {
      name: "t",
      runtime: "node",
      mac: { driver: "udp", mtu: 1500 },
      control: false,
      lltable: { capacity: 8 },
      dhcp: { enabled: false, profile: "fast", probe: "off" },
    };
    const parse = (ipv6: unknown) => parseBoard("boards/t.json", JSON.stringify({ ...base, ipv6 })).config;
    assert.equal(parse(true).ipv6, true);
    assert.equal(parse(false).ipv6, undefined);
    assert.deepEqual(
      [parse({ identifiers: "stable" }).ipv6, parse({ identifiers: "stable" }).ipv6Stable],
      [true, true],
    );
    assert.deepEqual([parse({}).ipv6, parse({}).ipv6Stable], [true, undefined]);
    assert.throws(() => parse({ identifiers: "random" }), /"ipv6.identifiers" is "eui64" or "stable"/);
    assert.throws(() => parse({ ids: "stable" }), /ipv6\.ids/);
    assert.throws(() => parse("yes"), /"ipv6" must be a boolean/);
  });
});
