// `netrt save`, `netrt config show`, `netrt config reset`: the settings the
// device keeps across reboots (a router's startup configuration). Changes
// apply at once; `save` stores what runs, applied at the next boot.
import * as C from "../../src/netlink/constants";
import { PROTO_GENERIC } from "../../src/netlink/frame";
import {
  GENL_CMD,
  GENLMSGHDR,
  NETRT_CMD_CONFIG_GET,
  NETRT_CMD_CONFIG_RESET,
  NETRT_CMD_CONFIG_SAVE,
  NETRT_GENL_TYPE,
} from "../../src/netlink/family";
import {
  decodeSettings,
  DeviceSettings,
  SETTINGS_NONE,
  SETTINGS_OK,
  SETTINGS_PROBLEMS,
} from "../../src/config/settings";
import { formatIPv4 } from "../../src/net/addr";
import { findAttr } from "../describe";
import { Channel } from "../transport";
import { type Globals, print } from "../session";
import type { ObjectDef } from "./object";
import type { Bytes } from "../../hal/types";
import { UsageError } from "../args";

const CONFIG_USAGE = `Usage: netrt config { show | reset }
       netrt save
What the device keeps across reboots: eth0's DHCP or static addresses, the
default gateway, permanent neighbours, eth0's MAC (once changed with link set),
the DHCP hostname, profile and probing (dhcp set).
Changes apply at once; netrt save stores them; config reset returns to the
board's defaults at the next boot.
`;

const PROFILES = ["rfc2131", "fast"];
const PROBES = ["strict", "quick", "off"];

function command(ch: Channel, cmd: number, flags: number): ReturnType<Channel["request"]> {
  return ch.request(PROTO_GENERIC, NETRT_GENL_TYPE, flags, GENLMSGHDR.hdrLen, (w) => w.field(GENL_CMD, cmd));
}

async function show(g: Globals, ch: Channel): Promise<void> {
  const [m] = await command(ch, NETRT_CMD_CONFIG_GET, 0);
  const status = Number(findAttr(m.attrs, "NETRT_A_CONFIG_STATUS")?.value ?? -1);
  const hex = findAttr(m.attrs, "NETRT_A_CONFIG")?.value;
  const s = new DeviceSettings();
  // The host reads the record with the device's own decoder.
  const local =
    typeof hex === "string"
      ? decodeSettings(Uint8Array.from(Buffer.from(hex, "hex")) as unknown as Bytes, s)
      : SETTINGS_NONE;
  const problem = SETTINGS_PROBLEMS[status] ?? `status ${status}`;
  const ok = status === SETTINGS_OK && local === SETTINGS_OK;
  const json: Record<string, unknown> = { status: problem };
  const lines = [
    ok
      ? "stored settings (applied at boot):"
      : status === SETTINGS_NONE
        ? "no stored settings: the board's defaults apply at boot"
        : `the stored settings are ${problem}: the board's defaults apply at boot (netrt config reset clears them)`,
  ];
  if (ok) {
    const macText = (b: Bytes, i: number): string =>
      Buffer.from(b as unknown as Uint8Array)
        .subarray(i * 6, i * 6 + 6)
        .toString("hex")
        .replace(/(..)(?!$)/g, "$1:");
    const neigh = s.neighIps.map((ip, i) => ({ dst: formatIPv4(ip), lladdr: macText(s.neighMacs, i) }));
    Object.assign(json, {
      dhcp: s.dhcp < 0 ? undefined : s.dhcp === 1,
      addresses: s.addrs.map((a, i) => `${formatIPv4(a)}/${s.prefixLens[i]}`),
      gateway: s.gateway !== 0 ? formatIPv4(s.gateway) : undefined,
      address: s.macSet ? macText(s.mac, 0) : undefined,
      hostname: s.hostname !== "" ? s.hostname : undefined,
      profile: s.profile >= 0 ? PROFILES[s.profile] : undefined,
      probe: s.probe >= 0 ? PROBES[s.probe] : undefined,
      neighbours: neigh,
    });
    if (s.macSet) lines.push(`    link eth0 address ${json.address}`);
    if (s.dhcp >= 0) lines.push(`    dhcp ${s.dhcp === 1 ? "on" : "off"}`);
    for (const a of json.addresses as string[]) lines.push(`    address ${a} dev eth0`);
    if (s.gateway !== 0) lines.push(`    route default via ${formatIPv4(s.gateway)}`);
    for (const n of neigh) lines.push(`    neigh ${n.dst} lladdr ${n.lladdr} dev eth0`);
    if (s.hostname !== "") lines.push(`    hostname ${s.hostname}`);
    if (s.profile >= 0) lines.push(`    dhcp profile ${PROFILES[s.profile]}`);
    if (s.probe >= 0) lines.push(`    dhcp probe ${PROBES[s.probe]}`);
  }
  print(g, json, lines.join("\n"));
}

export const configObject: ObjectDef = {
  commands: ["show", "reset", "help"],
  supported: ["show", "reset"],
  default: "show",
  usage: CONFIG_USAGE,
  async run(g, ch, cmd) {
    if (cmd === "show") return show(g, ch);
    await command(ch, NETRT_CMD_CONFIG_RESET, C.NLM_F_ACK);
  },
};

export const saveObject: ObjectDef = {
  commands: [],
  supported: [],
  default: "",
  usage: CONFIG_USAGE,
  async run(_g, ch, _cmd, args) {
    if (args.length > 0) throw new UsageError(`save takes no arguments ("${args[0]}")`);
    await command(ch, NETRT_CMD_CONFIG_SAVE, C.NLM_F_ACK);
  },
};
