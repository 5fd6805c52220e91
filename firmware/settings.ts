// Stored settings as a board feature ("control": { "settings": true }): at
// boot, before eth0 is configured, the stored record replaces the board's
// addressing (DHCP or static addresses, gateway, neighbours, hostname, DHCP
// profile and probing); a record that cannot be read is reported and the
// board's defaults apply. `netrt save` / `config show` / `config reset`.
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
import { formatIPv4 } from "../src/net/addr";
import { addrRequest } from "../src/net/inaddr";
import { LLE_STATIC } from "../src/net/lltable";
import { RTPROT_STATIC, RT_SCOPE_UNIVERSE } from "../src/net/route";
import type { ControlChannel } from "../src/netlink/channel";
import type { Device } from "./device";

const PROFILES = ["rfc2131", "fast"];
const PROBES = ["strict", "quick", "off"];

export function addSettings(dev: Device, ch: ControlChannel): void {
  const p = dev.platform;
  const board = dev.board;
  const s = new DeviceSettings();
  const status = decodeSettings(p.storage.read(SETTINGS_KEY), s);
  if (status !== SETTINGS_OK && status !== SETTINGS_NONE)
    p.log.write(
      LOG_WARN,
      "settings: the stored settings are " +
        SETTINGS_PROBLEMS[status] +
        ": the board's defaults apply (netrt config show; netrt config reset)",
    );
  if (status === SETTINGS_OK) {
    p.log.write(
      LOG_INFO,
      "settings: applying the stored settings (DHCP " +
        (s.dhcp === 1 ? "on" : "off") +
        ", " +
        s.addrs.length +
        " addresses, " +
        s.neighIps.length +
        " neighbours)",
    );
    if (s.dhcp >= 0) board.dhcp.enabled = s.dhcp === 1;
    // The stored addresses replace the board's static one.
    board.ipv4 = { address: "", gateway: "" };
    if (s.hostname !== "") board.hostname = s.hostname;
    if (s.profile >= 0) board.dhcp.profile = PROFILES[s.profile];
    if (s.probe >= 0) board.dhcp.probe = PROBES[s.probe];
    dev.afterEth = (eth) => {
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
    };
  }
  new SettingsControl(ch, p.storage, (x) => {
    const d = dev.dhcp;
    snapshot(dev.stack, d !== undefined && d.state !== DHCP_STOPPED ? 1 : 0, x);
    x.hostname = board.hostname;
    x.profile = board.dhcp.profile === "fast" ? 1 : 0;
    x.probe = board.dhcp.probe === "quick" ? 1 : board.dhcp.probe === "off" ? 2 : 0;
  });
}
