// `netrt save`, `netrt config show`, `netrt config reset` on the device, and
// what is saved: the running state, the way a router writes its running
// configuration to its startup configuration. A board feature: builds
// without it carry none of this (firmware/settings.ts adds it).
import { get8, len, set8 } from "@hal/bytes";
import type { Storage } from "../../hal/types";
import { EINVAL, ENOSPC, EPERM } from "../net/errno";
import { fastProfile, rfc2131Profile } from "../dhcp/config";
import { mayMutate } from "../netlink/auth";
import { NLA_HDRLEN } from "../netlink/constants";
import { LLE_IFADDR, LLE_STATIC } from "../net/lltable";
import { RTPROT_DHCP } from "../net/route";
import type { NetStack } from "../net/stack";
import type { ControlChannel } from "../netlink/channel";
import {
  GENL_ATTRS,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_IFINDEX,
  NETRT_A_CONFIG,
  NETRT_A_CONFIG_STATUS,
  NETRT_CMD_CONFIG_GET,
  NETRT_CMD_CONFIG_RESET,
  NETRT_CMD_CONFIG_SAVE,
  NETRT_GENL_TYPE,
} from "../netlink/family";
// Declares the attributes these commands carry.
import {
  NETRT_A_DHCP_PROBE,
  NETRT_A_DHCP_PROFILE,
  NETRT_A_HOSTNAME,
  NETRT_CMD_DHCP_CONFIG,
} from "../netlink/family-settings";
import { Handler, REPLY_SENT } from "../netlink/handler";
import type { NlMsg } from "../netlink/parse";
import { ETH_ALEN } from "../wire/ether";
import {
  decodeSettings,
  DeviceSettings,
  encodeSettings,
  hostnameOk,
  SETTINGS_ADDR_MAX,
  SETTINGS_KEY,
  SETTINGS_MAX,
  SETTINGS_NEIGH_MAX,
} from "./settings";

/** What the device runs now, as settings: `dhcp` 1 when a DHCP client runs, else 0. */
export function snapshot(stack: NetStack, dhcp: number, s: DeviceSettings): void {
  s.clear();
  s.dhcp = dhcp;
  const eth = stack.ifs.byName("eth0");
  if (eth === undefined) return;
  // Addresses without a lifetime are the administrator's; a lease's addresses come back with the lease.
  const as = stack.addrs.list;
  for (let i = 0; i < as.length && s.addrs.length < SETTINGS_ADDR_MAX; i++) {
    const ia = as[i];
    if (ia.ifp !== eth || ia.validUntil >= 0) continue;
    s.addrs.push(ia.addr);
    s.prefixLens.push(ia.prefixLen);
  }
  const rs = stack.routes.routes;
  for (let i = 0; i < rs.length; i++)
    if (rs[i].prefixLen === 0 && rs[i].protocol !== RTPROT_DHCP && s.gateway === 0) s.gateway = rs[i].gateway;
  const t = eth.lltable;
  if (t === undefined) return;
  for (let slot = 0; slot < t.capacity && s.neighIps.length < SETTINGS_NEIGH_MAX; slot++) {
    if (!t.inUse(slot) || t.flagsAt(slot) % 2 !== LLE_STATIC || Math.floor(t.flagsAt(slot) / LLE_IFADDR) % 2 === 1)
      continue;
    const k = s.neighIps.length;
    s.neighIps.push(t.ipAt(slot));
    for (let i = 0; i < ETH_ALEN; i++) set8(s.neighMacs, k * ETH_ALEN + i, get8(t.store, t.macOff(slot) + i));
  }
}

export class SettingsControl {
  private readonly s = new DeviceSettings();
  /** Its commands, as added to the channel (the protocol document's test reads them). */
  readonly handlers: Handler<ControlChannel>[];

  /** `running` fills in what snapshot() cannot see: the DHCP client's state and its configuration. */
  constructor(
    private readonly c: ControlChannel,
    private readonly storage: Storage,
    private readonly running: (s: DeviceSettings) => void,
  ) {
    this.handlers = [
      new Handler<ControlChannel>(NETRT_CMD_CONFIG_GET, "get config", false, (_c, m) => this.get(m)),
      new Handler<ControlChannel>(NETRT_CMD_CONFIG_SAVE, "save config", true, () => this.save()),
      new Handler<ControlChannel>(NETRT_CMD_CONFIG_RESET, "reset config", true, () => this.reset()),
      // Reading is open; the handler checks the session when the message changes something.
      new Handler<ControlChannel>(NETRT_CMD_DHCP_CONFIG, "dhcp config", false, dhcpConfig),
    ];
    for (let i = 0; i < this.handlers.length; i++) c.extend(this.handlers[i]);
  }

  private get(m: NlMsg): number {
    const b = this.storage.read(SETTINGS_KEY);
    const status = decodeSettings(b, this.s);
    const r = this.c.rtnl;
    const e = r.replyOne((w) => {
      if (!w.begin(NETRT_GENL_TYPE, 0, m.seq, m.pid, GENLMSGHDR.hdrLen)) return false;
      w.field(GENL_CMD, NETRT_CMD_CONFIG_GET);
      w.put(GENL_ATTRS, NETRT_A_CONFIG_STATUS, status);
      // The record as stored, damage and all, so the host can say what is wrong with it.
      if (b !== undefined && len(b) > 0) w.bytes(NETRT_A_CONFIG, b, 0, len(b) < SETTINGS_MAX ? len(b) : SETTINGS_MAX);
      return w.end() > 0;
    });
    return e < 0 ? e : REPLY_SENT;
  }

  private save(): number {
    this.running(this.s);
    const b = encodeSettings(this.s);
    if (b === undefined || !this.storage.write(SETTINGS_KEY, b))
      return this.c.rtnl.err.fail(ENOSPC, "the settings could not be stored", -1);
    return 0;
  }

  private reset(): number {
    this.storage.remove(SETTINGS_KEY);
    return 0;
  }
}

/** `netrt dhcp set` and what `dhcp show` adds: the client's hostname, profile and probing, changed at once. */
function dhcpConfig(c: ControlChannel, m: NlMsg): number {
  const d = c.dhcpFor(m);
  if (d === undefined) return -c.rtnl.err.code;
  const a = m.attrs;
  const err = c.rtnl.err;
  const h = a.find(NETRT_A_HOSTNAME);
  const profile = a.num(NETRT_A_DHCP_PROFILE, -1);
  const probe = a.num(NETRT_A_DHCP_PROBE, -1);
  if ((h >= 0 || profile >= 0 || probe >= 0) && !mayMutate(c.auth))
    return err.fail(EPERM, "this device needs an authenticated session to change state (netrt --key …)", -1);
  let n = 0;
  if (h >= 0) while (n < a.lens[h] && get8(a.buf!, a.offs[h] + n) !== 0) n++;
  if (h >= 0 && !hostnameOk(a.buf!, a.offs[h], n))
    return err.fail(
      EINVAL,
      "a hostname is 1 to 32 printable characters without spaces",
      a.offs[h] - NLA_HDRLEN - m.off,
    );
  if (profile > 1) return err.fail(EINVAL, "profile: 0 rfc2131 or 1 fast", -1);
  if (probe > 2) return err.fail(EINVAL, "probe: 0 strict, 1 quick or 2 off", -1);
  const cfg = d.cfg;
  if (h >= 0) cfg.hostname = a.str(NETRT_A_HOSTNAME)!;
  if (probe >= 0) cfg.probe = probe;
  if (profile >= 0) {
    // The retransmission table only: what the board set beside it (rapid commit, vendor class) stays.
    const t = profile === 1 ? fastProfile() : rfc2131Profile();
    cfg.profile = profile;
    cfg.backoff = t.backoff;
    cfg.capMs = t.capMs;
    cfg.jitterMs = t.jitterMs;
    cfg.initDelayMaxMs = t.initDelayMaxMs;
  }
  const e = c.rtnl.replyOne((w) => {
    if (!w.begin(NETRT_GENL_TYPE, 0, m.seq, m.pid, GENLMSGHDR.hdrLen)) return false;
    w.field(GENL_CMD, NETRT_CMD_DHCP_CONFIG);
    w.put(GENL_ATTRS, NETRT_A_IFINDEX, d.ifindex());
    w.str(NETRT_A_HOSTNAME, cfg.hostname);
    w.put(GENL_ATTRS, NETRT_A_DHCP_PROFILE, cfg.profile);
    w.put(GENL_ATTRS, NETRT_A_DHCP_PROBE, cfg.probe);
    return w.end() > 0;
  });
  return e < 0 ? e : REPLY_SENT;
}
