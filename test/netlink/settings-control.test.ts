// netrt save / config show / config reset on the device (simulated): what is
// saved is what runs and is the administrator's (not a lease's), and a
// stored record comes back as stored, damage and all, with what is wrong.
import { strict as assert } from "node:assert";
import { findAttr } from "../../cli/describe";
import { SettingsControl, snapshot } from "../../src/config/control";
import {
  decodeSettings,
  DeviceSettings,
  SETTINGS_DAMAGED,
  SETTINGS_KEY,
  SETTINGS_NONE,
  SETTINGS_OK,
} from "../../src/config/settings";
import { addrRequest } from "../../src/net/inaddr";
import { RTPROT_DHCP, RT_SCOPE_UNIVERSE } from "../../src/net/route";
import * as C from "../../src/netlink/constants";
import { NETRT_CMD_CONFIG_GET, NETRT_CMD_CONFIG_RESET, NETRT_CMD_CONFIG_SAVE } from "../../src/netlink/family";
import { ip } from "../net/helpers";
import { PROBE_OFF, PROBE_QUICK, PROBE_STRICT, rfc2131Profile } from "../../src/dhcp/config";
import { EINVAL, EPERM, ERANGE } from "../../src/net/errno";
import { KEY_STORAGE } from "../../src/netlink/auth";
import {
  NETRT_A_DHCP_PROBE,
  NETRT_A_DHCP_PROFILE,
  NETRT_A_HOSTNAME,
  NETRT_CMD_DHCP_CONFIG,
} from "../../src/netlink/family-settings";
import type { MessageValue } from "../../cli/describe";
import type { NlWriter } from "../../src/netlink/writer";
import { Rig } from "./rig";

function command(r: Rig, cmd: number, seq: number): void {
  r.command(cmd, C.NLM_F_ACK, undefined, seq);
}

describe("stored settings on the device (save, show, reset)", function () {
  it("saves the administrator's addresses, gateway and permanent neighbours, not a lease's", function () {
    const r = new Rig();
    const st = r.node.stack;
    // A lease's address has a lifetime; a DHCP route is the lease's too.
    st.addrs.add(r.node.eth, { ...addrRequest(ip("192.0.2.50"), 24), valid: 600, preferred: 600 });
    st.routes.add(
      {
        dst: 0,
        prefixLen: 0,
        gateway: ip("192.0.2.1"),
        ifindex: r.node.eth.index,
        protocol: RTPROT_DHCP,
        scope: RT_SCOPE_UNIVERSE,
        metric: 0,
        prefsrc: 0,
      },
      false,
    );
    const s = new DeviceSettings();
    snapshot(st, 0, s);
    assert.deepEqual(
      [s.dhcp, s.addrs, s.prefixLens, s.gateway, s.neighIps],
      [0, [ip("192.0.2.10")], [24], 0, [ip("192.0.2.1")]],
      "the rig's static address and neighbour; the lease's address and route left out",
    );
  });

  it("save stores it, show returns the record and its status, reset removes it", function () {
    const r = new Rig();
    new SettingsControl(r.ch, r.storage, (s) => snapshot(r.node.stack, 1, s));
    command(r, NETRT_CMD_CONFIG_GET, 1);
    assert.equal(findAttr(r.messages()[0].attrs, "NETRT_A_CONFIG_STATUS")?.value, SETTINGS_NONE);
    command(r, NETRT_CMD_CONFIG_SAVE, 2);
    assert.equal(r.messages().find((m) => m.seq === 2)?.header.error, 0);
    const s = new DeviceSettings();
    assert.equal(decodeSettings(r.storage.read(SETTINGS_KEY), s), SETTINGS_OK);
    assert.deepEqual([s.dhcp, s.addrs], [1, [ip("192.0.2.10")]]);
    command(r, NETRT_CMD_CONFIG_GET, 3);
    const got = r.messages().find((m) => m.seq === 3 && m.typeName === "NETRT")!;
    assert.equal(findAttr(got.attrs, "NETRT_A_CONFIG_STATUS")?.value, SETTINGS_OK);
    assert.equal(typeof findAttr(got.attrs, "NETRT_A_CONFIG")?.value, "string");
    // Damage it: show says so, and still returns the bytes.
    const b = r.storage.read(SETTINGS_KEY)! as unknown as Uint8Array;
    b[b.length - 1] ^= 1;
    r.storage.write(SETTINGS_KEY, b as never);
    command(r, NETRT_CMD_CONFIG_GET, 4);
    const bad = r.messages().find((m) => m.seq === 4 && m.typeName === "NETRT")!;
    assert.equal(findAttr(bad.attrs, "NETRT_A_CONFIG_STATUS")?.value, SETTINGS_DAMAGED);
    command(r, NETRT_CMD_CONFIG_RESET, 5);
    assert.equal(r.messages().find((m) => m.seq === 5)?.header.error, 0);
    assert.equal(r.storage.read(SETTINGS_KEY), undefined);
  });

  it("dhcp set: hostname, profile and probing change the running client at once; a bad one changes nothing", function () {
    const r = new Rig();
    new SettingsControl(r.ch, r.storage, () => undefined);
    const cfg = { ...rfc2131Profile(), probe: PROBE_STRICT, hostname: "host-0010", rapidCommit: true };
    const client = r.dhcpClient(cfg);
    const ask = (seq: number, flags: number, build: (w: NlWriter) => void): MessageValue[] => {
      r.command(NETRT_CMD_DHCP_CONFIG, flags, build, seq);
      // The answers leave at the line rate: give them the time.
      r.net.clock.advance(100);
      return r.messages().filter((m) => m.seq === seq);
    };
    const shown = (m: MessageValue): unknown[] =>
      ["NETRT_A_HOSTNAME", "NETRT_A_DHCP_PROFILE", "NETRT_A_DHCP_PROBE"].map((n) => findAttr(m.attrs, n)?.value);
    const [read] = ask(1, 0, () => undefined);
    assert.deepEqual(shown(read), ["host-0010", 0, PROBE_STRICT]);

    const set = ask(2, C.NLM_F_ACK, (w) => {
      w.str(NETRT_A_HOSTNAME, "sensor-9");
      w.int(NETRT_A_DHCP_PROFILE, 1, 1);
      w.int(NETRT_A_DHCP_PROBE, 1, PROBE_QUICK);
    });
    assert.deepEqual(shown(set[0]), ["sensor-9", 1, PROBE_QUICK]);
    assert.equal(set[1].header.error, 0);
    assert.deepEqual(
      [
        cfg.hostname,
        cfg.profile,
        cfg.backoff,
        cfg.jitterMs,
        cfg.initDelayMaxMs,
        cfg.probe,
        cfg.rapidCommit,
        cfg.vendorClass,
      ],
      ["sensor-9", 1, [1500, 1750, 5000], 250, 0, PROBE_QUICK, true, "netrt"],
      "the fast table; what the board set beside it stays",
    );
    // The next DISCOVER carries the new hostname (option 12).
    const sent: Buffer[] = [];
    r.net.segment.filter = (f) => {
      sent.push(Buffer.from(f as unknown as Uint8Array));
      return false;
    };
    client.start();
    r.net.clock.advance(100);
    const discover = sent.find((f) => f.readUInt16BE(36) === 67);
    assert.ok(discover !== undefined, "a DISCOVER went out at once (the fast profile waits for nothing)");
    assert.ok(discover.includes(Buffer.from([12, 8, ...Buffer.from("sensor-9")])), "option 12 is sensor-9");

    // Refused whole: a hostname with a space, too long or with a control byte, a profile of 2, a probe of 3.
    for (const [seq, build] of [
      [3, (w: NlWriter) => w.str(NETRT_A_HOSTNAME, "bad name")],
      [4, (w: NlWriter) => w.str(NETRT_A_HOSTNAME, "x".repeat(33))],
      [8, (w: NlWriter) => w.str(NETRT_A_HOSTNAME, "bell\x07")],
      [5, (w: NlWriter) => w.int(NETRT_A_DHCP_PROFILE, 1, 2)],
      [
        6,
        (w: NlWriter) => {
          w.str(NETRT_A_HOSTNAME, "fine");
          w.int(NETRT_A_DHCP_PROBE, 1, 3);
        },
      ],
    ] as const) {
      const [err] = ask(seq, C.NLM_F_ACK, build);
      // Longer than the attribute's policy allows: the policy's ERANGE, as Linux's.
      assert.equal(err.header.error, seq === 4 ? -ERANGE : -EINVAL, `seq ${seq}`);
    }
    assert.deepEqual([cfg.hostname, cfg.profile, cfg.probe], ["sensor-9", 1, PROBE_QUICK]);
    const [back] = ask(7, C.NLM_F_ACK, (w) => w.int(NETRT_A_DHCP_PROFILE, 1, 0));
    assert.deepEqual(
      [back.typeName, cfg.backoff, cfg.initDelayMaxMs],
      ["NETRT", [4000, 8000, 16000, 32000, 64000], 1000],
    );
    assert.equal(PROBE_OFF, 2);
  });

  it("dhcp set on a keyed device needs a session; reading does not", function () {
    const r = new Rig();
    new SettingsControl(r.ch, r.storage, () => undefined);
    const cfg = { ...rfc2131Profile(), hostname: "h" };
    r.dhcpClient(cfg);
    r.storage.write(KEY_STORAGE, Uint8Array.from(Array(16).fill(7)) as never);
    r.command(NETRT_CMD_DHCP_CONFIG, 0, undefined, 1);
    assert.equal(r.messages().find((m) => m.seq === 1)?.typeName, "NETRT");
    r.command(NETRT_CMD_DHCP_CONFIG, C.NLM_F_ACK, (w) => w.str(NETRT_A_HOSTNAME, "other"), 2);
    assert.equal(r.messages().find((m) => m.seq === 2)?.header.error, -EPERM);
    assert.equal(cfg.hostname, "h");
  });
});
