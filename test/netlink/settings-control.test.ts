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
import { PROTO_GENERIC } from "../../src/netlink/frame";
import {
  GENL_CMD,
  GENLMSGHDR,
  NETRT_CMD_CONFIG_GET,
  NETRT_CMD_CONFIG_RESET,
  NETRT_CMD_CONFIG_SAVE,
  NETRT_GENL_TYPE,
} from "../../src/netlink/family";
import { ip } from "../net/helpers";
import { Rig } from "./rig";

function command(r: Rig, cmd: number, seq: number): void {
  r.send(PROTO_GENERIC, NETRT_GENL_TYPE, C.NLM_F_ACK, GENLMSGHDR.hdrLen, (w) => w.field(GENL_CMD, cmd), seq);
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
});
