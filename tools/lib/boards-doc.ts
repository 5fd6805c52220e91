// The generated part of docs/BOARDS.md: one section per board file, with the
// chip's wiring and the control UART, from boards/*.json (npm run docs writes
// it; a test keeps the document equal to what this generates).
import * as fs from "node:fs";
import * as path from "node:path";
import { type Board, loadBoards } from "./boards";
import { ROOT } from "./paths";

export const BOARDS_DOC = path.join(ROOT, "docs", "BOARDS.md");
const BEGIN = "<!-- boards:generated -->";
const END = "<!-- /boards:generated -->";

const RUNTIME: Record<string, string> = {
  node: "Node.js (the development host)",
  espruino: "Espruino",
  lua51: "NodeMCU Lua 5.1 (with `bit`)",
  lua53: "NodeMCU Lua 5.3",
};

function section(b: Board, description: string): string {
  const c = b.config;
  const lines = [`### ${c.name}`, "", description, "", "| | |", "| --- | --- |", `| runtime | ${RUNTIME[b.runtime]} |`];
  if (c.mac.bus !== "") {
    const p = c.mac.pins;
    lines.push(`| network chip | ${c.mac.driver.toUpperCase()} on ${c.mac.bus}, ${c.mac.spiBaud / 1e6} MHz |`);
    lines.push(
      `| chip wiring | SCK ${p.sck}, MISO ${p.miso}, MOSI ${p.mosi}, CS ${p.cs}` +
        `${p.reset !== -1 ? `, RESET ${p.reset}` : ""}${p.int !== -1 ? `, INT ${p.int}` : ""} |`,
    );
  } else
    lines.push(
      `| network | ${c.mac.driver === "udp" ? "UDP frame link to the host (tools/lib/hostlink.ts)" : c.mac.driver} |`,
    );
  if (!c.control.enabled) lines.push("| control channel | none in this build |");
  else {
    const pins = c.control.pins.tx !== "" ? ` (TX ${c.control.pins.tx}, RX ${c.control.pins.rx})` : "";
    const where = c.control.uart === "none" ? "built, on no UART" : `${c.control.uart}${pins}`;
    lines.push(
      `| control channel | ${where}, ${c.control.baud} baud, messages up to ${c.control.maxFrame} bytes${c.control.probes ? "; with the device's probes (`netrt ping`, `netrt arping`)" : ""}${c.control.settings ? "; with stored settings (`netrt save`)" : ""} |`,
    );
  }
  lines.push(
    `| addressing | ${c.ipv4.address !== "" ? `static ${c.ipv4.address}` : c.dhcp.enabled ? `DHCP, ${c.dhcp.profile} profile, probing ${c.dhcp.probe}` : "none"} |`,
  );
  lines.push(`| neighbour table | ${c.lltableCapacity} entries |`);
  const sv = c.services;
  if (sv !== undefined) {
    const has: string[] = [];
    if (sv.sockets > 0) has.push(`${sv.sockets} UDP socket${sv.sockets > 1 ? "s" : ""}`);
    if (sv.tcp > 0)
      has.push(
        sv.tcpChip
          ? `TCP in the W5500's sockets 1..${sv.tcp} (2 KB buffers in the chip; MACRAW on socket 0)`
          : `TCP (${sv.tcp} connections, ${sv.tcpBuffer} B buffers)`,
      );
    if (sv.dns) has.push(`DNS${sv.dnsServers.length > 0 ? ` (servers ${sv.dnsServers.join(", ")})` : ""}`);
    if (sv.sntp) has.push(`SNTP${sv.sntpServers.length > 0 ? ` (servers ${sv.sntpServers.join(", ")})` : ""}`);
    if (sv.mdns) has.push("mDNS (<hostname>.local)");
    if (sv.networkjs) has.push("Espruino's `net`, `http` and `dgram` over netrt (NetworkJS)");
    lines.push(`| services | ${has.join(", ")} |`);
  }
  if (c.ipv6 === true)
    lines.push(
      `| IPv6 | link-local and SLAAC addresses (identifiers ${c.ipv6Stable === true ? "by RFC 7217 from a stored secret" : "from the MAC"}), DAD, Neighbor Discovery, router discovery, echo, UDP |`,
    );
  if (c.program === true) lines.push('| build | a module the program starts: `require("netrt")` (examples/) |');
  lines.push(`| MAC address | ${c.mac.hwaddr !== "" ? c.mac.hwaddr : "derived per unit from the chip's identity"} |`);
  return lines.join("\n");
}

/** The generated block, between its markers. */
export function generatedBoards(): string {
  const boards = loadBoards();
  const parts = boards.map((b) => {
    const raw = JSON.parse(fs.readFileSync(b.file, "utf8")) as { description?: string };
    return section(b, raw.description ?? "");
  });
  return `${BEGIN}\n${parts.join("\n\n")}\n${END}`;
}

/** The document with its generated block replaced. */
export function renderBoardsDoc(current: string): string {
  const at = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  if (at < 0 || end < 0) throw new Error(`${path.relative(ROOT, BOARDS_DOC)}: no ${BEGIN} … ${END} block`);
  return current.slice(0, at) + generatedBoards() + current.slice(end + END.length);
}
