// The Node binding on real OS facilities: UDP on loopback, files, and a
// pseudo-terminal pair from socat for the serial port.
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { alloc, get8, len, set8 } from "../../hal/js/bytes";
import { UdpMac } from "../../hal/host/mac-udp";
import { FileStorage, HostRandom } from "../../hal/host/platform";
import { HostSerial } from "../../hal/host/serial";
import { HostClock } from "../../hal/host/clock";
import { ChainedClock } from "../../hal/timers";
import { LineRate } from "../../hal/host/line-rate";
import type { Bytes } from "../../hal/types";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await wait(5);
  }
}

describe("host UDP MAC", function () {
  it("two MACs exchange whole frames, one per datagram", async function () {
    const gotA: Bytes[] = [];
    const gotB: Bytes[] = [];
    const mk = (local: number, remote: number, sink: Bytes[]) => {
      const m: UdpMac = new UdpMac({
        hwaddr: alloc(6),
        localPort: local,
        remotePort: remote,
        onReadable: () => {
          let f = m.read();
          while (f) {
            sink.push(f);
            f = m.read();
          }
        },
        onLinkChange: () => undefined,
      });
      return m;
    };
    const a = mk(39101, 39102, gotA);
    const b = mk(39102, 39101, gotB);
    await a.start();
    await b.start();
    try {
      for (const n of [14, 60, 1514]) {
        const f = alloc(n);
        for (let i = 0; i < n; i++) set8(f, i, i & 0xff);
        assert.ok(a.write(f));
      }
      await until(() => gotB.length === 3);
      assert.deepEqual(gotB.map(len), [14, 60, 1514]);
      assert.equal(get8(gotB[2], 1513), 1513 & 0xff);
      assert.equal(a.write(alloc(1515)), false);
      assert.equal(a.counters.txDropped, 1);
      b.write(alloc(64));
      await until(() => gotA.length === 1);
      assert.equal(b.counters.rxPackets, 3);
      assert.equal(b.counters.rxBytes, 14 + 60 + 1514);
    } finally {
      a.close();
      b.close();
    }
  });

  it("counts datagrams that are not frames as receive errors", async function () {
    const m = new UdpMac({
      hwaddr: alloc(6),
      localPort: 39103,
      remotePort: 39104,
      onReadable: () => undefined,
      onLinkChange: () => undefined,
    });
    await m.start();
    const s = dgram.createSocket("udp4");
    try {
      s.send(Buffer.alloc(5), 39103, "127.0.0.1");
      s.send(Buffer.alloc(4000), 39103, "127.0.0.1");
      await until(() => m.counters.rxErrors === 2);
      assert.equal(m.counters.rxPackets, 0);
    } finally {
      s.close();
      m.close();
    }
  });

  it("reports a port already in use instead of crashing", async function () {
    const a = new UdpMac({
      hwaddr: alloc(6),
      localPort: 39105,
      remotePort: 1,
      onReadable: () => undefined,
      onLinkChange: () => undefined,
    });
    const b = new UdpMac({
      hwaddr: alloc(6),
      localPort: 39105,
      remotePort: 1,
      onReadable: () => undefined,
      onLinkChange: () => undefined,
    });
    await a.start();
    await assert.rejects(b.start(), /EADDRINUSE/);
    a.close();
  });
});

describe("host storage, clock, random", function () {
  it("file storage round-trips, replaces atomically and refuses unsafe keys", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-st-"));
    try {
      const s = new FileStorage(dir);
      const v = alloc(3);
      set8(v, 2, 0xee);
      assert.ok(s.write("dhcp.lease", v));
      assert.equal(get8(new FileStorage(dir).read("dhcp.lease")!, 2), 0xee);
      assert.deepEqual(fs.readdirSync(dir), ["dhcp.lease"]);
      s.remove("dhcp.lease");
      assert.equal(s.read("dhcp.lease"), undefined);
      assert.throws(() => s.write("../escape", v), /bad storage key/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it("clock is monotonic and timers fire and cancel", async function () {
    const c = new HostClock();
    let fired = 0;
    const t0 = c.now();
    c.set(() => fired++, 10);
    const id = c.set(() => (fired += 100), 10);
    c.clear(id);
    await wait(40);
    assert.equal(fired, 1);
    assert.ok(c.now() - t0 >= 10);
  });
  it("a wait beyond setTimeout's 2^31-1 ms ceiling neither fires at once nor warns; it is chained and cancellable", async function () {
    const c = new HostClock();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    let fired = 0;
    try {
      const id = c.set(() => fired++, 3_000_000 * 1000); // npm start -- --lease 3000000
      await wait(30);
      assert.equal(fired, 0, "fired early");
      assert.equal(c.pending(), 1);
      c.clear(id);
      assert.equal(c.pending(), 0);
    } finally {
      process.off("warning", onWarning);
    }
    assert.deepEqual(warnings, []);
  });
  it("a chained wait fires once, after the whole delay (ceiling lowered to see the chain in real time)", async function () {
    const c = new HostClock(7);
    const t0 = c.now();
    let at = -1;
    let fired = 0;
    c.set(() => {
      fired++;
      at = c.now();
    }, 40);
    for (let i = 0; i < 200 && fired === 0; i++) await wait(10);
    await wait(30);
    assert.equal(fired, 1);
    assert.ok(at - t0 >= 40, `fired after ${at - t0} ms`);
  });
  it("native timers that fire a millisecond early (as Node's may) never make a wait end early", function () {
    // A hand-driven clock: each native timer runs 1 ms before its time.
    class EarlyClock extends ChainedClock {
      t = 0;
      queue: { at: number; cb: () => void }[] = [];
      now(): number {
        return this.t;
      }
      protected rawSet(cb: () => void, ms: number): unknown {
        const e = { at: this.t + (ms > 1 ? ms - 1 : ms), cb };
        this.queue.push(e);
        return e;
      }
      protected rawClear(h: unknown): void {
        this.queue = this.queue.filter((e) => e !== h);
      }
      run(): void {
        while (this.queue.length > 0) {
          this.queue.sort((a, b) => a.at - b.at);
          const e = this.queue.shift()!;
          this.t = e.at;
          e.cb();
        }
      }
    }
    const c = new EarlyClock(7);
    const at: number[] = [];
    c.set(() => at.push(c.now()), 40); // chained: 7 ms pieces
    c.set(() => at.push(c.now()), 5); // one native timer
    c.run();
    assert.deepEqual(
      at.sort((a, b) => a - b),
      [5, 40],
    );
    assert.equal(c.pending(), 0);
  });
  it("an exception in a timer callback is caught, counted and reported; later timers still run", async function () {
    const c = new HostClock();
    const faults: string[] = [];
    c.onFault = (m) => faults.push(m);
    let after = 0;
    c.set(() => {
      throw new Error("boom");
    }, 1);
    c.set(() => after++, 5);
    await wait(30);
    assert.equal(c.faults, 1);
    assert.match(faults[0], /boom/);
    assert.equal(after, 1);
  });
  it("random gives unsigned 32-bit values", function () {
    const r = new HostRandom();
    for (let i = 0; i < 100; i++) {
      const v = r.u32();
      assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
    }
  });
});

describe("host serial over a pseudo-terminal pair (socat)", function () {
  let socat: ChildProcess | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-pty-"));
  const ends = [path.join(dir, "a"), path.join(dir, "b")];
  before(async function () {
    if (spawnSync("sh", ["-c", "command -v socat"]).status !== 0) {
      if (process.env.CI) throw new Error("socat must be installed in CI (.ci/run installs it)");
      this.skip();
    }
    socat = spawn("socat", [`PTY,raw,echo=0,link=${ends[0]}`, `PTY,raw,echo=0,link=${ends[1]}`], { stdio: "ignore" });
    await until(() => ends.every((e) => fs.existsSync(e)));
  });
  after(function () {
    socat?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("carries all 256 byte values both ways", async function () {
    const got: number[] = [];
    const a = new HostSerial({ port: ends[0], baud: 115200, onReadable: () => undefined });
    const b = new HostSerial({
      port: ends[1],
      baud: 115200,
      onReadable: () => {
        const d = b.read();
        if (d) for (let i = 0; i < len(d); i++) got.push(get8(d, i));
      },
    });
    await a.opened();
    await b.opened();
    try {
      const all = alloc(256);
      for (let i = 0; i < 256; i++) set8(all, i, i);
      a.write(all);
      await until(() => got.length === 256);
      assert.deepEqual(
        got,
        Array.from({ length: 256 }, (_, i) => i),
      );
    } finally {
      a.close();
      b.close();
    }
  });

  it("a missing port is an error, not a crash", async function () {
    const s = new HostSerial({ port: path.join(dir, "nope"), baud: 9600, onReadable: () => undefined });
    await assert.rejects(s.opened(), /No such file|ENOENT|cannot open/i);
  });
});

describe("host line rate (the control pty's UART model)", function () {
  it("delivers every byte in order, none before its ten bit times at the baud rate have passed", async function () {
    const got: Buffer[] = [];
    const seen: number[] = [];
    const t0 = Number(process.hrtime.bigint()) / 1e6;
    const line = new LineRate(115200, (b) => {
      got.push(Buffer.from(b));
      seen.push(Number(process.hrtime.bigint()) / 1e6 - t0);
    });
    const a = Buffer.alloc(700, 1);
    const b = Buffer.from(Array.from({ length: 452 }, (_, i) => i & 255));
    line.push(a);
    line.push(b);
    assert.ok(line.queued > 0);
    await until(() => line.queued === 0, 3000);
    const all = Buffer.concat(got);
    assert.deepEqual(all, Buffer.concat([a, b]));
    assert.ok(got.length > 2, "delivered as the line runs, not at once");
    // 1152 bytes at 115200 baud take 100 ms; the last byte cannot be early.
    assert.ok(seen[seen.length - 1] >= 99, `all bytes after ${seen[seen.length - 1]} ms`);
    line.close();
  });
});
