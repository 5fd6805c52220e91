// TCP throughput over the host link (root): the device's transfer program
// (test/fixtures/tcp-transfer.js on the host-app board) against a Linux
// peer, beside Linux's own TCP at the device's end of the same link: a
// namespace whose TAP device takes the firmware's place on the UDP frame
// link, so the frames cross the same socats, unix sockets, bridge and veth.
// Each direction alone, a few MB each; the peer runs tcp_peer.py.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnTied } from "../hal/host/tied";
import { dnsmasqLink } from "../tools/lib/dhcp-servers";
import { FirmwareProcess } from "../tools/lib/firmware-proc";
import type { HostLink } from "../tools/lib/hostlink";
import { hostLinkUnavailable } from "../tools/lib/hostlink";
import { ROOT } from "../tools/lib/paths";
import { TCP_PEER, tcpPeer } from "../tools/lib/peer-services";

const FIXTURE = path.join(ROOT, "test", "fixtures", "tcp-transfer.js");
const LINUX_END = "192.0.2.2";

export interface TcpBenchRow {
  end: string;
  direction: string;
  bytes: number;
  seconds: number;
  mbPerSecond: number;
}

/** Both directions against `addr`, one after the other: rows, or the peer's failure. */
async function measure(link: HostLink, end: string, addr: string, bytes: number): Promise<TcpBenchRow[]> {
  const rows: TcpBenchRow[] = [];
  for (const [cmd, port, direction] of [
    ["send", "5001", "to the end"],
    ["recv", "5002", "from the end"],
  ]) {
    const out = await tcpPeer(link, [cmd, addr, port, String(bytes), "120"], 130000);
    const m = out.match(/^ok \S+ (\d+) bytes in ([\d.]+) s/);
    if (m === null) throw new Error(`${end}, ${direction}: ${out}`);
    const seconds = Number(m[2]);
    rows.push({ end, direction, bytes, seconds, mbPerSecond: Math.round((bytes / seconds / 1e6) * 100) / 100 });
  }
  return rows;
}

/**
 * Linux at the device's end: a namespace whose TAP takes the firmware's UDP
 * ports (the same two socat hops the host link uses on its side).
 */
function linuxEnd(link: HostLink, rx: number, tx: number): { ns: string; stop: () => void } {
  const ns = `netrt-e-${process.pid % 100000}`;
  spawnSync("ip", ["netns", "del", ns]);
  const run = (cmd: string[]) => {
    const r = spawnSync("ip", ["netns", "exec", ns, ...cmd]);
    if (r.status !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr}`);
  };
  if (spawnSync("ip", ["netns", "add", ns]).status !== 0) throw new Error(`ip netns add ${ns}`);
  run(["ip", "link", "set", "lo", "up"]);
  // No IPv6: its first frame, before the root socat listens, would end the namespace's socat.
  run(["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
  const nsSock = path.join(link.dir, "end-ns.sock");
  const rootSock = path.join(link.dir, "end-root.sock");
  const procs = [
    spawnTied([
      "ip",
      "netns",
      "exec",
      ns,
      "socat",
      "-b",
      "65536",
      "TUN,tun-name=tap0,tun-type=tap,iff-no-pi,iff-up",
      `UNIX-SENDTO:${rootSock},bind=${nsSock}`,
    ]),
  ];
  const deadline = Date.now() + 5000;
  const tapUp = () => spawnSync("ip", ["netns", "exec", ns, "ip", "link", "show", "tap0"]).status === 0;
  while (!(fs.existsSync(nsSock) && tapUp()) && Date.now() < deadline) spawnSync("sleep", ["0.05"]);
  procs.push(
    spawnTied([
      "socat",
      "-b",
      "65536",
      `UDP-DATAGRAM:127.0.0.1:${tx},bind=127.0.0.1:${rx}`,
      `UNIX-SENDTO:${nsSock},bind=${rootSock}`,
    ]),
  );
  run(["ip", "addr", "add", `${LINUX_END}/24`, "dev", "tap0"]);
  procs.push(spawnTied(["ip", "netns", "exec", ns, "/usr/bin/python3", TCP_PEER, "serve", LINUX_END, "4194304"]));
  return {
    ns,
    stop: () => {
      for (const p of procs) p.kill("SIGKILL");
      spawnSync("ip", ["netns", "del", ns]);
    },
  };
}

/** The rows, or why the bench cannot run here. */
export async function tcpBench(bytes: number): Promise<{ rows: TcpBenchRow[]; absent?: string }> {
  const why = hostLinkUnavailable();
  if (why !== undefined) return { rows: [], absent: why };
  const base = 47200 + (process.pid % 200) * 2;
  const { link, server } = await dnsmasqLink(`tb${process.pid % 10000}`, base);
  const rows: TcpBenchRow[] = [];
  try {
    // Linux's 200 ms floor under the retransmission timer is not what is measured here (no loss).
    const env = {
      NETRT_RX_PORT: String(base),
      NETRT_TX_PORT: String(base + 1),
      NODE_PATH: path.join(ROOT, "dist", "host-app"),
      TRANSFER_BYTES: String(bytes),
    };
    const fw = new FirmwareProcess(env, path.join(link.dir, "state"), [process.execPath, FIXTURE]);
    try {
      const addr = (await fw.waitFor(/bound (192\.0\.2\.\d+)\/24/, 20000))[1];
      rows.push(...(await measure(link, "netrt (host-app, Node)", addr, bytes)));
    } finally {
      await fw.stop();
    }
    server.stop();
    const end = linuxEnd(link, base, base + 1);
    try {
      await new Promise((r) => setTimeout(r, 500));
      rows.push(...(await measure(link, "Linux's TCP", LINUX_END, bytes)));
    } finally {
      end.stop();
    }
  } finally {
    link.dispose();
  }
  return { rows };
}
