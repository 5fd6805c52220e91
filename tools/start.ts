// `npm start`: the main job. Builds the host board, puts it on a private
// network (namespaces, TAP bridge) with a real DHCP server in the peer
// namespace, and shows the DHCP exchange from both ends as it happens, then
// the lease, and the device's services at work: its name answered over
// mDNS in the server's namespace, the time it took by SNTP (chrony there),
// a DNS lookup it made (dnsmasq). The device keeps running until Ctrl-C
// (or --for N seconds); it then releases its lease and everything it made
// is removed.
import { Command, InvalidArgumentError, Option } from "commander";
import Table from "cli-table3";
import * as path from "node:path";
import { buildAll } from "./lib/build";
import { DhcpServer, SERVER_BINARIES, SERVER_NAMES, type ServerName } from "./lib/dhcp-servers";
import { FirmwareProcess } from "./lib/firmware-proc";
import { HostLink, hostLinkUnavailable } from "./lib/hostlink";
import { mdnsPeerUnavailable, mdnsResolve, ntpUnavailable, startNtpServer } from "./lib/peer-services";
import { spawnSync } from "node:child_process";

interface StartOptions {
  server: ServerName;
  lease: number;
  profile: string;
  probe: string;
  rxPort: number;
  txPort: number;
  for?: number;
  id: string;
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number above 0");
  return n;
}

function port(v: string): number {
  const n = positive(v);
  if (n > 65535) throw new InvalidArgumentError("a UDP port is 1..65535");
  return n;
}

const PEER = "192.0.2.1";
const DHCP_LINE = /dhcp eth0|eth0: (added|removed)|netrt |link (up|down)|mdns |sntp: |dns: /;
/** The name the device looks up: its SNTP server's, which dnsmasq answers. */
const TIME_HOST = "time.netrt.test";
// The servers' own lines about the exchange (not their option dumps).
const SERVER_LINE =
  /DHCP(DISCOVER|OFFER|REQUEST|ACK|NAK|RELEASE|DECLINE|INFORM)|DHCP4_(PACKET|LEASE|QUERY)|Sending DHCP|Received DHCP|lease .* (obtained|released)|sending (OFFER|ACK|NAK)/i;

function say(who: string, line: string): void {
  console.log(`${who.padEnd(8)} │ ${line}`);
}

async function main(o: StartOptions): Promise<void> {
  const why = hostLinkUnavailable();
  if (why !== undefined) throw new Error(`${why}; run as root (sudo npm start)`);
  const bin = SERVER_BINARIES[o.server];
  if (spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0)
    throw new Error(`${bin} is not installed (bash tools/setup.sh)`);
  if (o.server === "dnsmasq" && o.lease < 120) throw new Error("dnsmasq will not lease for less than 120 s (--lease)");

  console.log("building the host board …");
  await buildAll(["host"]);

  const link = new HostLink({ id: o.id, firmwareRxPort: o.rxPort, firmwareTxPort: o.txPort, peerCidr: `${PEER}/24` });
  let server: DhcpServer | undefined;
  let fw: FirmwareProcess | undefined;
  let stopping = false;
  const cleanup = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (fw?.running) {
      console.log("\nstopping: the device releases its lease …");
      await fw.stop("SIGTERM");
      await new Promise((r) => setTimeout(r, 300)); // the server's log line about the RELEASE
    }
    const active = server?.leases().filter((l) => l.active) ?? [];
    server?.stop();
    link.dispose();
    console.log(
      `${o.server} holds ${active.length} active lease(s); namespaces ${link.linkNs} and ${link.peerNs} removed`,
    );
    process.exit(code);
  };
  process.once("SIGINT", () => void cleanup(0));
  process.once("SIGTERM", () => void cleanup(0));

  try {
    await link.up();
    console.log(`network: device ⇄ tap0 ─ br0 ─ ${link.peerIf} ${PEER}/24 in namespace ${link.peerNs}`);
    // dnsmasq also answers DNS for netrt.test (the device's SNTP server by name); chrony serves the time.
    const ntp = ntpUnavailable() === undefined;
    server = new DhcpServer(o.server, link, {
      serverIp: PEER,
      rangeStart: "192.0.2.50",
      rangeEnd: "192.0.2.99",
      leaseSecs: o.lease,
      ntp: ntp ? [PEER] : undefined,
      dns: o.server === "dnsmasq" ? { domain: "netrt.test", hosts: { [TIME_HOST]: PEER } } : undefined,
    });
    server.start();
    await server.ready();
    if (ntp) await startNtpServer(link, PEER);
    const srv = server;
    let shown = 0;
    const pump = setInterval(() => {
      for (; shown < srv.log.length; shown++)
        if (SERVER_LINE.test(srv.log[shown])) say(o.server, srv.log[shown].replace(/^dnsmasq-dhcp: /, ""));
    }, 50);
    pump.unref();
    console.log(
      `${o.server} serving 192.0.2.50–99, lease ${o.lease} s; DHCP profile ${o.profile}, probing ${o.probe}\n`,
    );

    fw = new FirmwareProcess(
      {
        NETRT_RX_PORT: String(o.rxPort),
        NETRT_TX_PORT: String(o.txPort),
        NETRT_DHCP_PROFILE: o.profile,
        NETRT_DHCP_PROBE: o.probe,
        ...(o.server === "dnsmasq" ? { NETRT_SNTP: TIME_HOST } : {}),
      },
      path.join(link.dir, "state"),
    );
    fw.onLine = (l) => {
      if (DHCP_LINE.test(l)) say("device", l.trim());
    };
    const bound = await fw.waitFor(
      /bound to ([\d.]+)\/(\d+)(?: via ([\d.]+))? lease (\S+)(?: s \(renew at (\d+) s, rebind at (\d+) s\))? from ([\d.]+)/,
      120000,
    );
    const dns = (await fw.waitFor(/dhcp eth0: dns (.*)/, 1000).catch(() => undefined))?.[1] ?? "";
    const ping = link.exec(link.peerNs, ["ping", "-c", "3", "-i", "0.2", "-W", "1", bound[1]], true);
    const got = /(\d+) received/.exec(ping)?.[1] ?? "0";
    const t = new Table({ style: { head: [], border: [] } });
    console.log(`\nthe lease (${o.server} → device):`);
    t.push(
      ["address", `${bound[1]}/${bound[2]}`],
      ["router", bound[3] ?? "none"],
      ["DNS", dns || "none"],
      ["server", bound[7]],
      ["lease", bound[4] === "infinite" ? "infinite" : `${bound[4]} s`],
      ["renew (T1) / rebind (T2)", bound[5] !== undefined ? `${bound[5]} s / ${bound[6]} s` : "never"],
      [
        `${o.server}'s lease file`,
        srv
          .leases()
          .filter((l) => l.active)
          .map((l) => `${l.ip} ${l.mac}`)
          .join(", ") || "empty",
      ],
      [`ping from ${PEER}`, `${got}/3 answered`],
    );
    // The services: its name over mDNS (asked from the server's namespace), its clock, a name it looked up.
    const mdnsName = (await fw.waitFor(/mdns eth0: (\S+) is ours/, 5000).catch(() => undefined))?.[1];
    const why = mdnsPeerUnavailable();
    t.push([
      `mDNS from ${PEER}`,
      mdnsName === undefined
        ? "no name taken"
        : why !== undefined
          ? `${mdnsName} (${why})`
          : `${mdnsName} → ${mdnsResolve(link, PEER, mdnsName, 4)}`,
    ]);
    const sntp = (await fw.waitFor(/sntp: (\S+) from (\S+)/, 5000).catch(() => undefined)) ?? undefined;
    t.push(["SNTP", sntp !== undefined ? `${sntp[1]} from ${sntp[2]}` : ntp ? "no answer yet" : ntpUnavailable()!]);
    const looked = (await fw.waitFor(/dns: (\S+) is (\S+)/, 3000).catch(() => undefined)) ?? undefined;
    t.push([
      "DNS lookup",
      looked !== undefined
        ? `${looked[1]} → ${looked[2]}`
        : o.server === "dnsmasq"
          ? "no answer"
          : `none (${o.server} serves no DNS here; dnsmasq does)`,
    ]);
    // The device's control line: what a user drives it with from here on.
    const ctl = (await fw.waitFor(/control port (\S+)/, 3000).catch(() => undefined))?.[1];
    if (ctl !== undefined) t.push(["control port", ctl]);
    console.log(t.toString());
    if (ctl !== undefined)
      console.log(
        `\ntry, from another terminal while it runs:  bin/netrt -port ${ctl} addr show    (or: link, neigh, route, dhcp, monitor)`,
      );
    if (o.for !== undefined) {
      console.log(`running for ${o.for} s more`);
      setTimeout(() => void cleanup(0), o.for * 1000);
    } else console.log("the device keeps running and renews its lease; Ctrl-C releases it and cleans up\n");
  } catch (e) {
    console.error(`start: ${(e as Error).message}`);
    await cleanup(1);
  }
}

new Command()
  .name("start")
  .description("boot the host board on a private network with a real DHCP server and show the exchange (needs root)")
  .addOption(
    new Option("--server <name>", "the DHCP server in the peer namespace").choices(SERVER_NAMES).default("dnsmasq"),
  )
  .option("--lease <seconds>", "lease time the server grants", positive, 600)
  .addOption(
    new Option("--profile <name>", "retry profile: RFC 2131 backoff or the fast bring-up table")
      .choices(["rfc2131", "fast"])
      .default("rfc2131"),
  )
  .addOption(
    new Option("--probe <policy>", "address probe before use (RFC 5227)")
      .choices(["strict", "quick", "off"])
      .default("strict"),
  )
  .option("--rx-port <port>", "UDP port the firmware receives frames on", port, 9000)
  .option("--tx-port <port>", "UDP port the firmware sends frames to", port, 9001)
  .addOption(new Option("--id <tag>", "tag in the namespace names (a-z0-9)").default("start").hideHelp())
  .option("--for <seconds>", "stop by itself this long after binding (default: until Ctrl-C)", positive)
  .action((o: StartOptions) => main(o))
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    console.error(`start: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
