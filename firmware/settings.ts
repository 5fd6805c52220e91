// Stored settings as a board feature ("control": { "settings": true }): at
// boot, before eth0 is configured, the stored record replaces the board's
// addressing (DHCP or static addresses, gateway, neighbours, MAC, hostname,
// DHCP profile and probing); a record that cannot be read is reported and
// the board's defaults apply. `netrt save` / `config show` / `config reset`,
// and `netrt dhcp set`.
import { alloc, get8, set8 } from "@hal/bytes";
import { LOG_INFO, LOG_WARN } from "../hal/types";
import { snapshot, SettingsControl } from "../src/config/control";
import {
  decodeSettings,
  DeviceSettings,
  SETTINGS_KEY,
  SETTINGS_NONE,
  SETTINGS_OK,
  SETTINGS_PROBLEMS,
} from "../src/config/settings";
import { DHCP_STOPPED } from "../src/dhcp/states";
import { formatIPv4, formatMac } from "../src/net/addr";
import { addrRequest } from "../src/net/inaddr";
import { LLE_STATIC } from "../src/net/lltable";
import { RTPROT_STATIC, RT_SCOPE_UNIVERSE } from "../src/net/route";
import type { Ifnet } from "../src/net/ifnet";
import type { ControlChannel } from "../src/netlink/channel";
import { attachDhcp, boardHostname, dhcpConfig, type Device } from "./device";

const PROFILES = ["rfc2131", "fast"];
const PROBES = ["strict", "quick", "off"];

export function addSettings(dev: Device, ch: ControlChannel): void {
  const p = dev.platform;
  const board = dev.board;
  // What the board file says, before a stored record overrides it: a save stores only a hostname that differs.
  const boardName = board.hostname;
  const s = new DeviceSettings();
  const status = decodeSettings(p.storage.read(SETTINGS_KEY), s);
  if (status !== SETTINGS_OK && status !== SETTINGS_NONE)
    p.log.write(
      LOG_WARN,
      "settings: the stored settings are " +
        SETTINGS_PROBLEMS[status] +
        ": the board's defaults apply (netrt config show; netrt config reset)",
    );
  const macStored = status === SETTINGS_OK && s.macSet;
  if (status === SETTINGS_OK) {
    p.log.write(
      LOG_INFO,
      "settings: applying the stored settings (DHCP " +
        (s.dhcp === 1 ? "on" : "off") +
        ", " +
        s.addrs.length +
        " addresses, " +
        s.neighIps.length +
        " neighbours" +
        (s.macSet ? ", MAC " + formatMac(s.mac, 0) : "") +
        ")",
    );
    if (s.dhcp >= 0) board.dhcp.enabled = s.dhcp === 1;
    // The stored addresses replace the board's static one.
    board.ipv4 = { address: "", gateway: "" };
    // Read when eth0's chip is opened, just after this.
    if (s.macSet) board.mac.hwaddr = formatMac(s.mac, 0);
    if (s.hostname !== "") board.hostname = s.hostname;
    if (s.profile >= 0) board.dhcp.profile = PROFILES[s.profile];
    if (s.probe >= 0) board.dhcp.probe = PROBES[s.probe];
  }
  // eth0's MAC as it came up: a save keeps a MAC the console changed (or one stored before).
  const bootMac = alloc(6);
  dev.afterEth = (eth) => {
    for (let i = 0; i < 6; i++) set8(bootMac, i, get8(eth.hwaddr, i));
    if (status === SETTINGS_OK) applyStored(dev, eth, s);
    // A static device still gets a client, stopped: `netrt dhcp restart` turns DHCP on, and a save keeps it on.
    if (!board.dhcp.enabled || board.ipv4.address !== "") attachDhcp(dev, eth);
  };
  new SettingsControl(ch, p.storage, (x) => {
    const d = dev.dhcp;
    const eth = dev.eth;
    snapshot(dev.stack, d !== undefined && d.state !== DHCP_STOPPED ? 1 : 0, x);
    // The running client's configuration (netrt dhcp set changes it), else the board's.
    const cfg = d !== undefined ? d.cfg : dhcpConfig(board);
    x.hostname = cfg.hostname;
    // The name the board gives (derived from the MAC it came up with) is not stored: it follows the board.
    if (cfg.hostname === boardHostname(board.name, boardName, bootMac)) x.hostname = "";
    x.profile = cfg.profile;
    x.probe = cfg.probe;
    let moved = false;
    for (let i = 0; eth !== undefined && i < 6; i++) if (get8(eth.hwaddr, i) !== get8(bootMac, i)) moved = true;
    x.macSet = eth !== undefined && (macStored || moved);
    for (let i = 0; x.macSet && i < 6; i++) set8(x.mac, i, get8(eth!.hwaddr, i));
  });
}

/** The stored addresses, gateway and neighbours, on eth0 as it comes up. */
function applyStored(dev: Device, eth: Ifnet, s: DeviceSettings): void {
  const p = dev.platform;
  const st = dev.stack;
  for (let i = 0; i < s.addrs.length; i++) {
    const e = st.addrs.add(eth, addrRequest(s.addrs[i], s.prefixLens[i]));
    if (e < 0) p.log.write(LOG_WARN, "settings: cannot add " + formatIPv4(s.addrs[i]) + ": errno " + -e);
  }
  if (s.gateway !== 0) {
    const e = st.routes.add(
      {
        dst: 0,
        prefixLen: 0,
        gateway: s.gateway,
        ifindex: eth.index,
        protocol: RTPROT_STATIC,
        scope: RT_SCOPE_UNIVERSE,
        metric: 0,
        prefsrc: 0,
      },
      true,
    );
    if (e < 0) p.log.write(LOG_WARN, "settings: cannot route via " + formatIPv4(s.gateway) + ": errno " + -e);
  }
  const t = eth.lltable;
  for (let i = 0; t !== undefined && i < s.neighIps.length; i++)
    t.addStatic(s.neighIps[i], s.neighMacs, i * 6, LLE_STATIC);
}
