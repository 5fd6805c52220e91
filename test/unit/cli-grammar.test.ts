// ip(8)'s grammar as cli/grammar.ts reads it: option and object prefixes in
// iproute2's order, netrt's own options after ip's, batch lines, ip's JSON
// and numbers. (The same lines against the real `ip` are in
// test/integration/ip-grammar.test.ts, which needs root.)
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { UsageError } from "../../cli/args";
import { commandOf, Exit, matches, objectOf, parseOptions, splitLine } from "../../cli/grammar";
import { statNum, PLAIN } from "../../cli/format";
import { ipJson } from "../../cli/session";
import { timestamp } from "../../cli/commands/monitor";

describe("CLI grammar (ip's)", function () {
  it("options by prefix in iproute2's order: -s stats, -b batch, -br brief, -p pretty, -c color, -t timestamp", function () {
    const o = (...a: string[]): ReturnType<typeof parseOptions>["g"] => parseOptions([...a, "a"]).g;
    assert.equal(o("-s").stats, 1);
    assert.equal(o("-s", "-stat", "-statistics").stats, 3);
    assert.equal(o("-br").brief, true);
    assert.equal(o("-b", "f").batch, "f");
    assert.equal(o("-ba", "f").batch, "f");
    assert.equal(o("-p").pretty, true);
    assert.equal(o("-d").details, true);
    assert.equal(o("-o").oneline, true);
    assert.equal(o("-c").color, true);
    assert.equal(o("-c=never").color, false);
    assert.equal(o("-color=always").color, true);
    assert.equal(o("-t").timestamp, 1);
    assert.equal(o("-ts").timestamp, 2);
    assert.equal(o("-4").family, "inet");
    assert.equal(o("-f", "inet").family, "inet");
    assert.equal(o("-0").family, "link");
    assert.equal(o("--json").json, true, "a second dash is dropped, as ip does");
    assert.equal(o("-j", "-p").pretty, true);
  });

  it("netrt's options come after ip's, so they take no abbreviation from it", function () {
    assert.equal(parseOptions(["-port", "/dev/x", "a"]).g.port, "/dev/x");
    assert.equal(parseOptions(["-po", "/dev/x", "a"]).g.port, "/dev/x");
    assert.equal(parseOptions(["--port", "/dev/x", "a"]).g.port, "/dev/x");
    assert.equal(parseOptions(["--port=/dev/x", "a"]).g.port, "/dev/x");
    assert.equal(parseOptions(["-bau", "9600", "a"]).g.baud, 9600);
    assert.equal(parseOptions(["-timeo", "500", "a"]).g.timeout, 500);
    assert.equal(parseOptions(["-timeout=500", "a"]).g.timeout, 500);
    assert.equal(parseOptions(["-pc", "f.pcap", "a"]).g.pcap, "f.pcap");
    assert.equal(parseOptions(["-k", "00", "a"]).g.key, "00");
    assert.equal(parseOptions(["-sa", "a"]).g.save, true, '"-s" stays -stats; "-sa" is -save');
    assert.equal(parseOptions(["-s", "a"]).g.save, false);
    assert.equal(parseOptions(["-port"]).g.listPorts, true, "-port alone lists the ports");
    assert.equal(parseOptions(["-port", "-j"]).g.listPorts, true);
    const { g, rest } = parseOptions(["-port", "/dev/x", "-br", "a", "s", "-4"]);
    assert.deepEqual([g.port, g.brief, rest], ["/dev/x", true, ["a", "s", "-4"]], "options end at the object");
  });

  it("unknown and unsupported options: ip's words, exit 255", function () {
    for (const [argv, text] of [
      [["-xyz", "a"], 'Option "-xyz" is unknown, try "netrt -help".'],
      [["-color=foo", "a"], 'Option "-color=foo" is unknown, try "netrt -help".'],
      [["-baud", "fast", "a"], 'Error: argument "fast" is wrong: invalid baud rate'],
      [["-n", "x", "a"], 'Option "-n" is not supported by netrt: the device has no network namespaces.'],
    ] as [string[], string][]) {
      assert.throws(
        () => parseOptions(argv),
        (e: unknown) => e instanceof UsageError && e.code === 255 && e.message === text,
        argv.join(" "),
      );
    }
    for (const argv of [["-help"], ["-h", "-help"], ["-b"], ["-family", "help"]])
      assert.throws(
        () => parseOptions(argv),
        (e: unknown) => e instanceof Exit && e.code === 255,
        argv.join(" "),
      );
    assert.throws(
      () => parseOptions(["-V"]),
      (e: unknown) => e instanceof Exit && e.code === 0 && e.out,
    );
    assert.throws(
      () => parseOptions(["--help"]),
      (e: unknown) => e instanceof Exit && e.code === 0 && e.out,
    );
  });

  it("objects and commands: the first in ip's order that the word begins", function () {
    assert.equal(objectOf("a"), "address");
    assert.equal(objectOf("ad"), "address");
    assert.equal(objectOf("addrl"), "addrlabel");
    assert.equal(objectOf("r"), "route");
    assert.equal(objectOf("ro"), "route");
    assert.equal(objectOf("ru"), "rule");
    assert.equal(objectOf("n"), "neighbor");
    assert.equal(objectOf("ne"), "neighbor");
    assert.equal(objectOf("neighbour"), "neighbour");
    assert.equal(objectOf("l"), "link");
    assert.equal(objectOf("li"), "link");
    assert.equal(objectOf("m"), "maddress");
    assert.equal(objectOf("mo"), "monitor");
    assert.equal(objectOf("d"), "dhcp");
    assert.equal(objectOf("au"), "auth");
    assert.equal(objectOf("foo"), undefined);
    assert.equal(objectOf(""), undefined);
    const addr: (string | [string, string])[] = ["add", ["change", "chg"], "replace", "delete", "list", "show", "lst"];
    assert.equal(commandOf("s", addr, "address"), "show");
    assert.equal(commandOf("ls", addr, "address"), "lst");
    assert.equal(commandOf("l", addr, "address"), "list");
    assert.equal(commandOf("a", addr, "address"), "add");
    assert.equal(commandOf("d", addr, "address"), "delete");
    assert.equal(commandOf("chg", addr, "address"), "change");
    assert.throws(() => commandOf("x", addr, "address"), /Command "x" is unknown, try "netrt address help"\./);
    assert.equal(commandOf("s", ["add", "set", "change", "show"], "link"), "set", '"l s" is link set, as in ip');
  });

  it("matches is ip's: a non-empty prefix (property)", function () {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (a, b) => {
        assert.equal(matches(a, a + b), a.length > 0);
        if (a.length > 0 && !b.startsWith(a) && !(a + b).startsWith(a + "x"))
          assert.equal(matches(a + "\u0001", a), false);
      }),
      { numRuns: 2000, seed: 18 },
    );
  });

  it("batch lines: blanks split, quotes group, # comments", function () {
    assert.deepEqual(splitLine("  addr   show dev eth0 "), ["addr", "show", "dev", "eth0"]);
    assert.deepEqual(splitLine('link set eth0 alias "my uplink"'), ["link", "set", "eth0", "alias", "my uplink"]);
    assert.deepEqual(splitLine("link set eth0 alias 'a b' # why"), ["link", "set", "eth0", "alias", "a b"]);
    assert.deepEqual(splitLine("# all comment"), []);
    assert.deepEqual(splitLine(""), []);
    assert.throws(() => splitLine('alias "open'), UsageError);
  });

  it("ip's JSON: compact, or -p's own layout", function () {
    const v = [{ a: 1, f: ["X", "Y"], e: [], o: { b: "c" }, n: null, u: undefined }];
    assert.equal(ipJson(v, false), '[{"a":1,"f":["X","Y"],"e":[],"o":{"b":"c"},"n":null}]');
    assert.equal(
      ipJson(v, true),
      '[ {\n        "a": 1,\n        "f": [ "X","Y" ],\n        "e": [ ],\n        "o": {\n            "b": "c"\n        },\n        "n": null\n    } ]',
    );
    assert.equal(ipJson([], true), "[ ]");
  });

  it("ip's numbers (-s, -h, -iec) and timestamps (-t, -ts)", function () {
    assert.equal(statNum(PLAIN, 10, 726), "       726 ");
    const h = { ...PLAIN, human: true };
    assert.equal(statNum(h, 7, 999), "    999 ");
    assert.equal(statNum(h, 7, 1234), "  1.23k ");
    assert.equal(statNum(h, 7, 12345), "  12.3k ");
    assert.equal(statNum(h, 7, 123456), "   123k ");
    assert.equal(statNum(h, 7, 1234567), "  1.23M ");
    assert.equal(statNum(h, 10, 30840), "     30.8k ", "as ip -s -h printed 30840 bytes");
    assert.equal(statNum({ ...h, iec: true }, 7, 2048), " 2.00ki ");
    const d = new Date(2026, 11, 2, 9, 5, 7);
    assert.equal(timestamp(1, d, 42), "Timestamp: Wed Dec  2 09:05:07 2026 42 usec\n");
    assert.equal(timestamp(2, d, 42), "[2026-12-02T09:05:07.000042] ");
  });
});
