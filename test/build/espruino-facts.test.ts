// Keeps the list of what Espruino lacks honest: each name must really be
// missing on the interpreter, and the things we rely on must be present.
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildProgram } from "../../tools/lib/program";
import { ESPRUINO_MISSING_GLOBALS, ESPRUINO_MISSING_MEMBERS } from "../../tools/lib/espruino-facts";

describe("Espruino facts (ESPRUINO)", function () {
  it("every name the check rejects is missing on the interpreter, and what we use is there", function () {
    const bin = process.env.ESPRUINO;
    if (!bin) this.skip();
    const missing = [...ESPRUINO_MISSING_GLOBALS, ...ESPRUINO_MISSING_MEMBERS];
    const used = [
      "Uint8Array",
      "Object.defineProperty",
      "Math.floor",
      "E.hwRand",
      "getTime",
      "setTimeout",
      "clearTimeout",
      "String.fromCharCode",
    ];
    const lines = [...missing, ...used].map((n) => `console.log("TYPE ${n} "+typeof ${n});`);
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netrt-facts-")), "t.js");
    fs.writeFileSync(f, `${lines.join("\n")}\nquit();\n`);
    const out = spawnSync(bin!, [f], { encoding: "utf8", timeout: 10000 }).stdout;
    const type = (n: string) => new RegExp(`TYPE ${n.replace(".", "\\.")} (\\w+)`).exec(out)?.[1];
    for (const n of missing)
      assert.equal(type(n), "undefined", `${n} exists on this Espruino: drop it from espruino-facts.ts`);
    for (const n of used) assert.notEqual(type(n), "undefined", `${n} is missing on this Espruino`);
  });

  it("assigning an array's length throws, and splice empties an array (the check rejects the first)", function () {
    const bin = process.env.ESPRUINO;
    if (!bin) this.skip();
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netrt-facts-")), "t.js");
    fs.writeFileSync(
      f,
      'var a=[1,2,3];try{a.length=0;console.log("SET "+a.length);}catch(e){console.log("THROWS "+e.message);}\nvar b=[1,2,3];b.splice(0,b.length);console.log("SPLICE "+b.length);\nquit();\n',
    );
    const out = spawnSync(bin!, [f], { encoding: "utf8", timeout: 10000 }).stdout;
    assert.match(out, /THROWS Assignment to a constant/);
    assert.match(out, /SPLICE 0/);
  });
});

describe("EspruinoClock on the interpreter (ESPRUINO)", function () {
  it("a lease-length wait (2^32 s) is chained in 2^31-1 ms steps and cancellable; an exception in a timer is caught", async function () {
    const bin = process.env.ESPRUINO;
    if (!bin) this.skip();
    const artifact = await buildProgram(
      { name: "espruino-clock", jsEntry: "test/espruino/clock-entry.ts", luaEntry: "" },
      "espruino",
    );
    const out = spawnSync(bin!, [artifact], { encoding: "utf8", timeout: 20000 }).stdout;
    // Espruino's source refuses over 100 years (3.15e12 ms); the Linux build 2v29 took 4.29e12 ms
    // without firing early. Either way the clock chains 2^31-1 ms waits, which every runtime takes.
    assert.match(out, /NATIVE (accepted|refused: Interval is too long)/);
    assert.match(out, /LONG pending 1/);
    assert.doesNotMatch(out, /LONG fired/);
    assert.match(out, /FAULT boom/);
    assert.match(out, /CHAINED after 70\+ faults 1 pending 0/);
  });
});

describe("Espruino host MAC on the interpreter (ESPRUINO)", function () {
  it("a 1514-byte frame arrives whole through Espruino's dgram (it truncates to 528 bytes unless the socket asks for more)", async function () {
    const bin = process.env.ESPRUINO;
    if (!bin) this.skip();
    const artifact = await buildProgram(
      { name: "espruino-udp", jsEntry: "test/espruino/udp-entry.ts", luaEntry: "" },
      "espruino",
    );
    const sock = dgram.createSocket("udp4");
    await new Promise<void>((res) => sock.bind(0, "127.0.0.1", () => res()));
    const mine = sock.address().port;
    const theirs = 20000 + (process.pid % 20000);
    const prog = path.join(path.dirname(artifact), "run.js");
    fs.writeFileSync(prog, `var PORTS=[${theirs},${mine}];\n${fs.readFileSync(artifact, "utf8")}`);
    const child = spawn(bin!, [prog], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    try {
      const deadline = Date.now() + 10000;
      while (!out.includes("LINK up") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const frame = Buffer.alloc(1514);
      for (let i = 0; i < frame.length; i++) frame[i] = (i * 7 + 3) & 255;
      const echo = new Promise<Buffer>((res) => sock.once("message", (m) => res(m)));
      sock.send(frame, theirs, "127.0.0.1");
      const got = await Promise.race([
        echo,
        new Promise<Buffer>((_, rej) => setTimeout(() => rej(new Error(`no echo; espruino said: ${out}`)), 5000)),
      ]);
      assert.equal(got.length, 1514, out);
      assert.ok(got.equals(frame));
      assert.match(out, /FRAME 1514/);
    } finally {
      child.kill("SIGKILL");
      sock.close();
    }
  });
});
