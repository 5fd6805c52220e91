// The DHCP part of `npm run bench`: runs bench/dhcp-bench.ts under the four
// conditions with a progress bar, prints one table per condition and writes
// the results (every run's figures) as JSON.
import * as fs from "node:fs";
import * as path from "node:path";
import { SingleBar } from "cli-progress";
import {
  BENCH_NOTES,
  benchCondition,
  CLIENTS,
  type ConditionResult,
  dhcpBenchUnavailable,
  linkRoundTrips,
  PROBE_NOTES,
  type Stat,
} from "./dhcp-bench";
import { BenchTable, writeBenchSection } from "../tools/lib/bench-doc";

const CONDITIONS = [
  { lossPercent: 0, probe: false },
  { lossPercent: 30, probe: false },
  { lossPercent: 0, probe: true },
  { lossPercent: 30, probe: true },
];

const ms = (s: Stat | null): string[] =>
  s === null ? ["-", "-", "-"] : [s.min, s.median, s.max].map((v) => v.toFixed(1));

export async function runDhcpBench(runs: number, out: string): Promise<void> {
  const why = dhcpBenchUnavailable();
  if (why !== undefined) {
    console.log(`DHCP bench skipped: ${why}`);
    return;
  }
  const rtt = await linkRoundTrips();
  const results: ConditionResult[] = [];
  const doc: (BenchTable | string)[] = [];
  for (const c of CONDITIONS) {
    const title = `DHCP bring-up against Kea, ${c.lossPercent} % loss, probing ${c.probe ? "on" : "off"}`;
    const bar = new SingleBar({
      format: `${title} [{bar}] {value}/{total} runs`,
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stdout,
    });
    bar.start(runs * CLIENTS.length, 0);
    const r = await benchCondition(c, runs, CLIENTS, (n) => bar.update(n));
    bar.stop();
    results.push(r);
    const t = new BenchTable([
      "client",
      "wire min",
      "median",
      "max ms",
      "start→bound min",
      "median",
      "max ms",
      "failed",
      "ours / fastest peer (wire, start→bound)",
    ]);
    for (const x of r.clients) {
      const failed = Math.max(x.wire?.failed ?? runs, x.startToBound?.failed ?? runs);
      const ratio =
        x.wireRatio !== undefined || x.startToBoundRatio !== undefined
          ? `${x.wireRatio ?? "-"}×, ${x.startToBoundRatio ?? "-"}×`
          : "";
      t.push([x.client, ...ms(x.wire), ...ms(x.startToBound), `${failed}/${runs}`, ratio]);
    }
    console.log(title);
    console.log(t.toString());
    doc.push(`**${title}** (${runs} runs per client; ms)`, t);
    if (r.recaptured > 0) console.log(`  ${r.recaptured} run(s) repeated because dumpcap's capture came back empty`);
    for (const x of r.clients) {
      const bad = x.runs.filter((y) => y.failure !== undefined);
      if (bad.length > 0)
        console.log(
          `  ${x.client}: ${bad.length} run(s) failed; the first: ${bad[0]
            .failure!.split("\n")
            .filter((l) => l.trim() !== "")
            .slice(-3)
            .join(" / ")}`,
        );
    }
  }
  console.log("probing on means:");
  for (const [k, v] of Object.entries(PROBE_NOTES)) console.log(`  ${k}: ${v}`);
  for (const n of BENCH_NOTES) console.log(`  ${n}`);
  console.log(
    `ping round trip from the server namespace, median: to the firmware ${rtt.firmwareMs} ms (UDP frame link, two socat relays), to a Linux host on the same bridge ${rtt.linuxMs} ms`,
  );
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `${JSON.stringify({ server: "kea", runsPerClient: runs, linkRoundTripMs: rtt, probeNotes: PROBE_NOTES, notes: BENCH_NOTES, conditions: results }, null, 2)}\n`,
  );
  console.log(`written: ${path.relative(process.cwd(), out)}`);
  doc.push(
    "Probing on means: " +
      Object.entries(PROBE_NOTES)
        .map(([k, v]) => `${k}: ${v}`)
        .join("; ") +
      ".",
    ...BENCH_NOTES,
    `Ping round trip from the server namespace, median: to the firmware ${rtt.firmwareMs} ms (UDP frame link, two socat relays), to a Linux host on the same bridge ${rtt.linuxMs} ms.`,
  );
  writeBenchSection("dhcp", "DHCP bring-up against Kea, beside udhcpc, dhcpcd and dhclient", doc);
}
