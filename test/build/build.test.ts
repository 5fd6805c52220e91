// `npm run build`: an artifact per board, dist/sizes.json, and artifacts that
// load on the real interpreters.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as acorn from "acorn";
import { type Artifact, buildAll, buildBoard } from "../../tools/lib/build";
import { serviceBoards } from "../../bench/memory-bench";
import { loadBoards } from "../../tools/lib/boards";
import { ROOT } from "../../tools/lib/paths";

describe("build", function () {
  let artifacts: Artifact[] = [];
  before(async function () {
    artifacts = await buildAll();
  });

  it("emits one artifact per board, of that board's runtime", function () {
    const boards = loadBoards();
    assert.deepEqual(artifacts.map((a) => a.board).sort(), boards.map((b) => b.config.name).sort());
    const runtimes = new Set(boards.map((b) => b.runtime));
    for (const r of ["node", "espruino", "lua51", "lua53"]) assert.ok(runtimes.has(r as never), `no ${r} board`);
    for (const a of artifacts) {
      const ext = a.runtime.startsWith("lua") ? "lua" : "js";
      // A program board's artifact is the module require("netrt") loads.
      const base = boards.find((b) => b.config.name === a.board)?.config.program === true ? "netrt" : "firmware";
      assert.equal(a.file, `dist/${a.board}/${base}.${ext}`);
      assert.ok(fs.statSync(path.join(ROOT, a.file)).size > 0);
    }
  });

  it("writes dist/sizes.json with the byte size of every artifact", function () {
    const sizes = JSON.parse(fs.readFileSync(path.join(ROOT, "dist", "sizes.json"), "utf8")).artifacts;
    for (const a of artifacts) {
      assert.equal(sizes[a.board].bytes, fs.statSync(path.join(ROOT, a.file)).size);
      assert.ok(sizes[a.board].gzipBytes < sizes[a.board].bytes);
    }
  });

  it("Espruino artifacts are minified ES5", function () {
    for (const a of artifacts.filter((x) => x.runtime === "espruino")) {
      const code = fs.readFileSync(path.join(ROOT, a.file), "utf8");
      acorn.parse(code, { ecmaVersion: 5 });
      assert.ok(code.split("\n").length <= 2, "not minified");
    }
  });

  it("Lua artifacts parse on their Lua version", function () {
    for (const a of artifacts.filter((x) => x.runtime.startsWith("lua"))) {
      const luac = a.runtime === "lua51" ? "luac5.1" : "luac5.3";
      const r = spawnSync(luac, ["-p", path.join(ROOT, a.file)], { encoding: "utf8" });
      if (r.error) this.skip();
      assert.equal(r.status, 0, r.stderr);
    }
  });

  it("every artifact reports package.json's version", function () {
    const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string })
      .version;
    assert.match(version, /^\d+\.\d+\.\d+$/);
    for (const a of artifacts) {
      const code = fs.readFileSync(path.join(ROOT, a.file), "utf8");
      assert.ok(code.includes(`"${version}"`), `${a.board} does not carry ${version}`);
    }
  });

  it("named wire offsets cost nothing in Lua: constant expressions are single numbers, constant imports are gone", function () {
    for (const a of artifacts.filter((x) => x.runtime.startsWith("lua"))) {
      const code = fs.readFileSync(path.join(ROOT, a.file), "utf8");
      // IP_OFF + IPV4_TTL would read as `14 + 8` if only the names were folded.
      const sums = code.match(/\b(get|set)(8|16|32)\([a-z]+, [0-9]+ [-+*] [0-9]+\b/g) ?? [];
      assert.deepEqual(sums, [], `${a.board}: unfolded constant offsets`);
      for (const name of ["IPV4_TTL", "ARP_SPA", "BOOTP_XID", "NLMSG_SEQ_OFF", "ETH_TYPE"])
        assert.ok(!code.includes(name), `${a.board}: ${name} is still bound in the Lua code`);
    }
  });

  it("each SPI chip board's bundle carries its own chip driver and not the other", function () {
    const marks: Record<string, string> = { w5500: "w5500: no chip answers", enc28j60: "enc28j60: no chip answers" };
    const chipBoards = loadBoards().filter((b) => marks[b.config.mac.driver] !== undefined);
    assert.ok(chipBoards.length >= 5, "five chip boards");
    for (const b of chipBoards) {
      const code = fs.readFileSync(path.join(ROOT, artifacts.find((a) => a.board === b.config.name)!.file), "utf8");
      for (const [driver, mark] of Object.entries(marks))
        assert.equal(code.includes(mark), driver === b.config.mac.driver, `${b.config.name}: ${driver}`);
    }
    assert.deepEqual(
      artifacts.filter((a) => a.driverNote !== undefined),
      [],
    );
  });

  it("a W5500 board with TCP in the chip carries the chip's TCP driver and not netrt's TCP; a board with netrt's TCP the other way round", function () {
    const tcpBoards = loadBoards().filter((b) => (b.config.services?.tcp ?? 0) > 0);
    assert.ok(tcpBoards.some((b) => b.config.services!.tcpChip) && tcpBoards.some((b) => !b.config.services!.tcpChip));
    for (const b of tcpBoards) {
      const code = fs.readFileSync(path.join(ROOT, artifacts.find((a) => a.board === b.config.name)!.file), "utf8");
      const chip = b.config.services!.tcpChip;
      assert.equal(code.includes("tcp: callback failed: "), !chip, `${b.config.name}: src/net/tcp.ts`);
      assert.equal(code.includes("tcp: no W5500 with TCP sockets"), chip, `${b.config.name}: the chip's TCP`);
    }
  });

  it('a board with a control channel carries the netlink code; one without ("control": false) does not', function () {
    const mark = "control channel on ";
    const boards = loadBoards().filter((b) => b.runtime !== "node");
    assert.ok(boards.some((b) => !b.config.control.enabled) && boards.some((b) => b.config.control.enabled));
    for (const b of boards) {
      const code = fs.readFileSync(path.join(ROOT, artifacts.find((a) => a.board === b.config.name)!.file), "utf8");
      assert.equal(code.includes(mark), b.config.control.enabled, b.config.name);
      // The netlink codec's own message, as a second witness.
      assert.equal(
        code.includes("attribute overruns its container"),
        b.config.control.enabled,
        `${b.config.name}: netlink codec`,
      );
    }
  });

  it("IPv6 with a control channel builds for every runtime (the memory bench's variants: Lua 5.1's local limit holds); IPv4-only bundles carry none of IPv6", async function () {
    this.timeout(600000);
    for (const base of ["lua51-host", "lua53-host", "espruino-host"]) {
      const six = serviceBoards(base).find((b) => b.config.name === `${base}-with-ipv6`)!;
      assert.equal(six.config.control.enabled, true);
      const art = await buildBoard(six);
      const code = fs.readFileSync(path.join(ROOT, art.file), "utf8");
      assert.ok(code.includes(" is in use by another host (DAD): not used"), `${base}: IPv6 is in the build`);
      const plain = fs.readFileSync(path.join(ROOT, artifacts.find((a) => a.board === base)!.file), "utf8");
      assert.ok(!plain.includes(" is in use by another host (DAD): not used"), `${base}: no IPv6 without the feature`);
      assert.ok(!plain.includes("src.net.udp6") && !plain.includes("src.net.slaac6"), `${base}: no IPv6 module`);
    }
  });

  it("the Espruino artifact boots on the Espruino interpreter (ESPRUINO)", function () {
    const bin = process.env.ESPRUINO;
    if (!bin) this.skip();
    // A firmware, which starts when loaded (a program board's module waits for require("netrt")).
    const a = artifacts.find((x) => x.runtime === "espruino" && x.file.endsWith("/firmware.js"))!;
    const script = path.join(ROOT, "build", "boot-check.js");
    fs.writeFileSync(
      script,
      `${fs.readFileSync(path.join(ROOT, a.file), "utf8")}\nsetTimeout(function(){quit();},100);\n`,
    );
    const r = spawnSync(bin!, [script], { encoding: "utf8", timeout: 20000 });
    assert.match(r.stdout, new RegExp(`netrt \\S+ on ${a.board} \\(espruino\\)`));
    assert.doesNotMatch(r.stdout, /Uncaught/);
  });
});
