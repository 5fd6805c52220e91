// End to end through a chip driver: the device (stack + DHCP client) runs in
// this process on the host platform, its eth0 is the real driver talking SPI
// to the register-level chip model, and the model's cable is the host link's
// UDP frame port into a namespace where dnsmasq serves. The lease has to
// cross every layer: driver, SPI frames, the chip's buffer memory, the wire.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Enc28j60Mac } from "../../hal/drivers/enc28j60";
import { W5500Mac } from "../../hal/drivers/w5500";
import { type HostPlatform, hostPlatform } from "../../hal/host/platform";
import type { Bytes, Mac, MacOptions } from "../../hal/types";
import { type Device, startDevice } from "../../firmware/device";
import { parseMac } from "../../src/net/addr";
import { alloc } from "../../hal/js/bytes";
import { loadBoards } from "../../tools/lib/boards";
import { dnsmasqLink } from "../../tools/lib/dhcp-servers";
import { hostLinkUnavailable } from "../../tools/lib/hostlink";
import { Enc28j60Model } from "../chips/enc28j60-model";
import { W5500Model } from "../chips/w5500-model";
import { DHCP_BOUND } from "../../src/dhcp/states";
import { addChipTcp } from "../../firmware/app-tcp-chip";
import type { AppTcpSocket } from "../../firmware/device";

/** One chip model with its driver: the cable side for the bridge, the driver for the device. */
interface ChipUnderTest {
  fromWire(f: Uint8Array): void;
  /** Misuse the model saw, and its counters, for failure messages. */
  errors(): string[];
  stats(): unknown;
  open(o: MacOptions, p: HostPlatform, hwaddr: Bytes): Mac;
}

const CHIPS: { name: string; make(toWire: (f: Uint8Array) => void): ChipUnderTest }[] = [
  {
    name: "w5500",
    make: (toWire) => {
      const m = new W5500Model(toWire);
      return {
        fromWire: (f) => m.fromWire(f),
        errors: () => m.stats.errors,
        stats: () => m.stats,
        open: (o, p, hwaddr) => {
          const mac = new W5500Mac({ ...o, spi: m, clock: p.clock, hwaddr, pollMs: 2 });
          const err = mac.start();
          if (err !== undefined) throw new Error(err);
          return mac;
        },
      };
    },
  },
  {
    name: "enc28j60",
    make: (toWire) => {
      let clock: HostPlatform["clock"] | undefined;
      const m = new Enc28j60Model(toWire, () => (clock === undefined ? 0 : clock.now()));
      return {
        fromWire: (f) => m.fromWire(f),
        errors: () => m.stats.errors,
        stats: () => m.stats,
        open: (o, p, hwaddr) => {
          clock = p.clock;
          const mac = new Enc28j60Mac({ ...o, spi: m, clock: p.clock, hwaddr, pollMs: 2 });
          mac.start();
          return mac;
        },
      };
    },
  },
];

/**
 * The chip's cable: frames from the host link's UDP port `base` into the model. A TAP hands
 * frames over as the kernel built them (an ARP is 42 bytes); on a cable the sender's MAC
 * pads to 60, and the chip drops anything shorter as a runt.
 */
async function cable(sock: dgram.Socket, base: number, chip: { fromWire(f: Uint8Array): void }): Promise<void> {
  sock.on("message", (m) => {
    const f = new Uint8Array(Math.max(60, m.length));
    f.set(m);
    chip.fromWire(f);
  });
  await new Promise<void>((r) => sock.bind(base, "127.0.0.1", () => r()));
}

/** The host board on an SPI chip, with DHCP (fast, no probing), and its MAC as bytes. */
function chipBoard(driver: string): { board: ReturnType<typeof loadBoards>[number]["config"]; hw: Bytes } {
  const board = loadBoards().find((b) => b.config.name === "host")!.config;
  board.mac = { ...board.mac, driver };
  board.ipv4 = { address: "", gateway: "" };
  board.dhcp = { ...board.dhcp, probe: "off", profile: "fast" };
  const hw = alloc(6);
  parseMac(board.mac.hwaddr, hw, 0);
  return { board, hw };
}

function missing(): string | undefined {
  return (
    hostLinkUnavailable() ??
    (spawnSync("sh", ["-c", "command -v dnsmasq"]).status === 0
      ? undefined
      : "dnsmasq is not installed (bash tools/setup.sh)")
  );
}

describe("integration: firmware + MAC driver + chip model on the host link gets a lease from dnsmasq", function () {
  this.timeout(60000);
  before(function () {
    const why = missing();
    if (why === undefined) return;
    if (process.env.CI) throw new Error(`integration prerequisites missing in CI: ${why}`);
    console.log(`      skipped: ${why}`);
    this.skip();
  });

  CHIPS.forEach((c, index) => {
    it(`${c.name}: DISCOVER to bound through the driver and the chip's buffers, then RELEASE`, async function () {
      const base = 46000 + (process.pid % 300) * 10 + index * 2;
      const { link, server } = await dnsmasqLink(`c${index}${process.pid % 10000}`, base);
      const sock = dgram.createSocket("udp4");
      const lines: string[] = [];
      let dev: Device | undefined;
      let mac: Mac | undefined;
      const state = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-chip-"));
      const p = hostPlatform({ storageDir: state, logSink: (l) => lines.push(l) });
      try {
        const chip = c.make((f) => sock.send(f, base + 1, "127.0.0.1"));
        await cable(sock, base, chip);
        const { board, hw } = chipBoard(c.name);
        dev = startDevice(p, board, (o) => (mac = chip.open(o, p, hw)));
        const end = Date.now() + 30000;
        while (dev.dhcp?.state !== DHCP_BOUND && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
        assert.equal(
          dev.dhcp?.state,
          DHCP_BOUND,
          `not bound:\n${lines.slice(-30).join("\n")}\n--- dnsmasq\n${server.log.slice(-20).join("\n")}`,
        );
        const lease = server.leases().find((l) => l.mac === board.mac.hwaddr && l.active);
        assert.ok(lease, `dnsmasq holds our lease: ${JSON.stringify(server.leases())}`);
        assert.ok(
          lines.some((l) => l.includes(`bound to ${lease.ip}/24`)),
          "the device configured the address dnsmasq gave",
        );
        // The Linux peer reaches us through the same path (spawned, not spawnSync: the device runs in this event loop).
        const pinger = link.spawnIn(link.peerNs, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", lease.ip]);
        let ping = "";
        pinger.stdout?.on("data", (d: Buffer) => (ping += d.toString()));
        await new Promise((r) => pinger.once("exit", r));
        assert.match(
          ping,
          /3 received/,
          `${ping}\n${lines.slice(-15).join("\n")}\n${JSON.stringify(mac!.counters)} ${JSON.stringify(chip.stats())}`,
        );
        assert.ok(mac!.counters.rxPackets >= 2 && mac!.counters.txPackets >= 2, JSON.stringify(mac!.counters));
        assert.deepEqual(chip.errors(), [], "the driver used the chip only as its datasheet allows");
        dev.dhcp?.release();
        const until = Date.now() + 5000;
        while (server.leases().some((l) => l.mac === board.mac.hwaddr && l.active) && Date.now() < until)
          await new Promise((r) => setTimeout(r, 100));
        assert.ok(!server.leases().some((l) => l.mac === board.mac.hwaddr && l.active), "the RELEASE reached dnsmasq");
        server.stop();
      } finally {
        mac?.close();
        p.clock.clearAll();
        sock.close();
        link.dispose();
        fs.rmSync(state, { recursive: true, force: true });
      }
    });
  });

  it("w5500 hybrid: TCP in the chip's sockets against Linux (Python's http.server, curl), ping answered once by our stack", async function () {
    if (spawnSync("sh", ["-c", "command -v curl"]).status !== 0) {
      if (process.env.CI) throw new Error("curl is not installed");
      this.skip();
    }
    const base = 46000 + (process.pid % 300) * 10 + 8;
    const { link, server } = await dnsmasqLink(`h${process.pid % 10000}`, base);
    const sock = dgram.createSocket("udp4");
    const lines: string[] = [];
    let mac: W5500Mac | undefined;
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "netrt-chip-"));
    const p = hostPlatform({ storageDir: state, logSink: (l) => lines.push(l) });
    const out = (proc: ReturnType<typeof link.spawnIn>): Promise<string> =>
      new Promise((resolve) => {
        let s = "";
        proc.stdout?.on("data", (d: Buffer) => (s += d.toString()));
        proc.once("exit", () => resolve(s));
      });
    try {
      const www = path.join(state, "www");
      fs.mkdirSync(www);
      fs.writeFileSync(path.join(www, "hello.txt"), "hello from linux\n" + "y".repeat(5000) + "\n");
      link.spawnIn(link.peerNs, [
        "/usr/bin/python3",
        "-m",
        "http.server",
        "8080",
        "--bind",
        "192.0.2.1",
        "--directory",
        www,
      ]);
      const chip = new W5500Model(
        (f) => sock.send(f, base + 1, "127.0.0.1"),
        () => p.clock.now(),
        {
          clock: p.clock,
          random: p.random,
          log: p.log,
        },
      );
      await cable(sock, base, chip);
      const { board, hw } = chipBoard("w5500");
      const dev = startDevice(p, board, (o) => {
        mac = new W5500Mac({ ...o, spi: chip, clock: p.clock, hwaddr: hw, pollMs: 2, tcpSockets: 4 });
        const err = mac.start();
        if (err !== undefined) throw new Error(err);
        return mac;
      });
      addChipTcp(dev);
      const end = Date.now() + 30000;
      while (dev.dhcp?.state !== DHCP_BOUND && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      assert.equal(dev.dhcp?.state, DHCP_BOUND, lines.slice(-20).join("\n"));
      const addr = server.leases().find((l) => l.mac === board.mac.hwaddr && l.active)!.ip;
      // Serve a page on 80 from the chip's sockets.
      const served = dev.listenTcp!({
        port: 80,
        onAccept: (s: AppTcpSocket) => {
          s.onReadable = () => {
            if (s.read().indexOf("\r\n\r\n") < 0) return;
            const body = "hello from the chip at " + addr + "\n";
            s.write("HTTP/1.0 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n" + body);
            s.close();
          };
        },
      });
      assert.ok(typeof served !== "number");
      // Fetch a page through another (again while Python's server is still starting: refused).
      const fetch = (): Promise<string> =>
        new Promise<string>((resolve, reject) => {
          let got = "";
          const c = dev.openTcp!({
            host: "192.0.2.1",
            port: 8080,
            onConnect: () => c.write("GET /hello.txt HTTP/1.0\r\n\r\n"),
            onReadable: () => (got += c.read()),
            onEnd: () => c.close(),
            onClose: (err) => (err === undefined ? resolve(got) : reject(new Error(err))),
          }) as AppTcpSocket;
          setTimeout(() => reject(new Error("no page in 15 s; got " + got.length + " bytes")), 15000);
        });
      let fetched = "";
      for (let i = 0; fetched === ""; i++) {
        try {
          fetched = await fetch();
        } catch (e) {
          if (i >= 20 || !/ECONNREFUSED/.test(String(e))) throw e;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      assert.match(fetched, /^HTTP\/1\.0 200 OK\r\n/);
      assert.ok(fetched.endsWith("\r\n\r\nhello from linux\n" + "y".repeat(5000) + "\n"), "the body, intact");
      const page = await out(link.spawnIn(link.peerNs, ["curl", "-s", "-m", "10", `http://${addr}/`]));
      assert.equal(page, `hello from the chip at ${addr}\n`);
      const ping = await out(link.spawnIn(link.peerNs, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", addr]));
      assert.match(ping, /3 packets transmitted, 3 received/);
      assert.doesNotMatch(ping, /DUP!/, "one reply per request: the chip's ping block leaves them to our stack");
      assert.equal(dev.stack.stats.ipInUnknownProtos, 0, "no segment for the chip's sockets reached MACRAW");
      assert.deepEqual(chip.stats.errors, [], "the driver used the chip only as its datasheet allows");
      server.stop();
    } finally {
      mac?.close();
      p.clock.clearAll();
      sock.close();
      link.dispose();
      fs.rmSync(state, { recursive: true, force: true });
    }
  });
});
