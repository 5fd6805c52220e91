// The firmware on the host board, with a static address, on a real Linux
// network: the peer namespace's kernel pings it, ARP both ways, and tshark
// reads the capture of the whole exchange.
import { strict as assert } from "node:assert";
import { type ChildProcess, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildAll } from "../../tools/lib/build";
import { HostLink, hostLinkUnavailable } from "../../tools/lib/hostlink";
import { FirmwareProcess } from "../../tools/lib/firmware-proc";

const FIRMWARE_IP = "192.0.2.10";
const PEER_IP = "192.0.2.1";
const FIRMWARE_MAC = "02:00:00:00:00:10"; // boards/host.json

function need(): string | undefined {
  const why =
    hostLinkUnavailable() ??
    (spawnSync("sh", ["-c", "command -v tshark && command -v ping"]).status === 0
      ? undefined
      : "tshark or ping is not installed (bash tools/setup.sh)");
  return why;
}

describe("integration: host board on a Linux network", function () {
  this.timeout(120000);
  let link: HostLink | undefined;
  let fw: FirmwareProcess | undefined;
  let capture: ChildProcess | undefined;
  let pcap = "";

  before(async function () {
    const why = need();
    if (why !== undefined) {
      if (process.env.CI) throw new Error(`integration prerequisites missing in CI: ${why}`);
      console.log(`      skipped: ${why}`);
      this.skip();
    }
    await buildAll(["host"]);
    const base = 20000 + (process.pid % 20000);
    link = new HostLink({
      id: `p${process.pid % 100000}`,
      firmwareRxPort: base,
      firmwareTxPort: base + 1,
      peerCidr: `${PEER_IP}/24`,
    });
    await link.up();
    pcap = path.join(link.dir, "ping.pcap");
    capture = link.spawnIn(link.peerNs, ["dumpcap", "-i", link.peerIf, "-w", pcap]);
    const started = new Promise<void>((resolve) => {
      const onData = (d: Buffer): void => {
        if (d.toString().includes("Capturing on") || d.toString().includes("File:")) resolve();
      };
      capture?.stderr?.on("data", onData);
    });
    await Promise.race([started, new Promise((r) => setTimeout(r, 10000))]);
    fw = new FirmwareProcess({
      NETRT_RX_PORT: String(base),
      NETRT_TX_PORT: String(base + 1),
      NETRT_IPV4: `${FIRMWARE_IP}/24`,
    });
    await fw.waitFor(/eth0: added 192\.0\.2\.10\/24/, 20000);
    await fw.waitFor(/eth0: link up/, 20000);
  });

  after(async function () {
    await fw?.stop();
    if (capture && capture.exitCode === null) capture.kill("SIGINT");
    link?.dispose();
  });

  it("answers ping -c 20 from the Linux peer with 0% loss", function () {
    const out = link!.exec(link!.peerNs, ["ping", "-n", "-c", "20", "-i", "0.2", "-W", "2", FIRMWARE_IP], true);
    assert.match(out, /20 packets transmitted, 20 received, 0% packet loss/, `${out}\n${link!.diagnostics()}`);
  });

  it("the peer's neighbour table holds our MAC", function () {
    const out = link!.exec(link!.peerNs, ["ip", "neigh", "show", FIRMWARE_IP, "dev", link!.peerIf]);
    assert.match(out, new RegExp(`lladdr ${FIRMWARE_MAC}`), out);
  });

  it("our lltable learned the peer's MAC", async function () {
    const info = JSON.parse(link!.exec(link!.peerNs, ["ip", "-j", "link", "show", link!.peerIf])) as {
      address: string;
    }[];
    const peerMac = info[0].address;
    await fw!.waitFor(new RegExp(`eth0: neigh ${PEER_IP.replace(/\./g, "\\.")} lladdr ${peerMac}`), 5000);
  });

  it("tshark finds the exchange in the capture, with no malformed packet and no checksum error", async function () {
    // libpcap hands packets over in blocks with up to a second of delay: let the last ones arrive.
    await new Promise((r) => setTimeout(r, 1500));
    const done = new Promise((r) => capture!.once("exit", r));
    capture!.kill("SIGINT");
    await Promise.race([done, new Promise((r) => setTimeout(r, 10000))]);
    assert.ok(fs.existsSync(pcap), "no capture file");
    const read = (filter: string): string[] => {
      const r = spawnSync(
        "tshark",
        [
          "-n",
          "-r",
          pcap,
          "-o",
          "ip.check_checksum:TRUE",
          "-o",
          "udp.check_checksum:TRUE",
          "-Y",
          filter,
          "-T",
          "fields",
          "-e",
          "frame.number",
        ],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split("\n").filter((l) => l.trim() !== "");
    };
    const summary = spawnSync("tshark", ["-n", "-r", pcap], { encoding: "utf8" }).stdout;
    assert.equal(read(`icmp.type == 8 && ip.dst == ${FIRMWARE_IP}`).length, 20, summary);
    assert.equal(read(`icmp.type == 0 && ip.src == ${FIRMWARE_IP}`).length, 20);
    assert.ok(
      read(`arp.opcode == 2 && arp.src.proto_ipv4 == ${FIRMWARE_IP} && eth.src == ${FIRMWARE_MAC}`).length >= 1,
      "no ARP reply from the firmware",
    );
    // mDNS probes are three identical queries (RFC 6762 8.1), which tshark warns of as "retransmission":
    // that warning alone is left out for them; malformed or bad checksums are not.
    assert.deepEqual(
      read(
        "_ws.malformed || (_ws.expert.severity >= 6291456 && !mdns) || ip.checksum.status == 0 || icmp.checksum.status == 0 || udp.checksum.status == 0",
      ),
      [],
    );
    assert.ok(read("mdns && ip.src == " + FIRMWARE_IP).length >= 3, "the host board's mDNS probes are in the capture");
    assert.ok(
      read(`arp.isannouncement == 1 && arp.src.proto_ipv4 == ${FIRMWARE_IP}`).length >= 1,
      "no gratuitous ARP when the address was added",
    );
  });

  it("removes its namespaces", async function () {
    await fw!.stop();
    const names = [link!.linkNs, link!.peerNs];
    link!.dispose();
    const left = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
    for (const n of names) assert.ok(!left.includes(n), `${n} is still there`);
    assert.ok(!fs.existsSync(link!.dir));
  });
});
