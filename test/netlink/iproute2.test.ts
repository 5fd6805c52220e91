// iproute2 reads our notifications: `ip monitor file` (the format `ip monitor
// save` writes: raw netlink messages back to back) prints what a device sent.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { addrRequest } from "../../src/net/inaddr";
import { LLE_STATIC } from "../../src/net/lltable";
import * as C from "../../src/netlink/constants";
import { PROTO_GENERIC } from "../../src/netlink/frame";
import { ip, macOf } from "../net/helpers";
import { ipMonitorFile } from "./ip-monitor";
import { Rig } from "./rig";
import {
  groupBit,
  GENL_CMD,
  GENLMSGHDR,
  NETRT_A_GROUPS,
  NETRT_CMD_SUBSCRIBE,
  NETRT_GENL_TYPE,
} from "../../src/netlink/family";

describe("iproute2 prints our notifications (ip monitor file)", function () {
  it("shows link, address, neighbour and route events as it shows the kernel's", function () {
    if (spawnSync("ip", ["-V"]).status !== 0) {
      if (process.env.CI) throw new Error("iproute2 is not installed");
      this.skip();
    }
    const rig = new Rig(16);
    rig.send(PROTO_GENERIC, NETRT_GENL_TYPE, 0, GENLMSGHDR.hdrLen, (w) => {
      w.field(GENL_CMD, NETRT_CMD_SUBSCRIBE);
      w.int(
        NETRT_A_GROUPS,
        4,
        groupBit(C.RTNLGRP_LINK) +
          groupBit(C.RTNLGRP_NEIGH) +
          groupBit(C.RTNLGRP_IPV4_IFADDR) +
          groupBit(C.RTNLGRP_IPV4_ROUTE),
      );
    });
    rig.net.clock.advance(100);
    rig.got.length = 0;
    const st = rig.node.stack;
    const step = (f: () => void): void => {
      f();
      rig.net.clock.advance(100);
    };
    step(() => st.setUp(rig.node.eth, false));
    step(() => st.setUp(rig.node.eth, true));
    step(() => st.addrs.add(rig.node.eth, addrRequest(ip("203.0.113.5"), 24)));
    step(() => rig.node.eth.lltable!.addStatic(ip("192.0.2.99"), macOf(99), 0, LLE_STATIC));
    step(() => rig.node.eth.lltable!.remove(ip("192.0.2.99"), false));
    step(() => st.addrs.remove(rig.node.eth, ip("203.0.113.5"), false));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "netrt-mon-")), "saved");
    fs.writeFileSync(file, Buffer.concat(rig.got.map((g) => Buffer.from(g.hex, "hex"))));
    const r = ipMonitorFile(file);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.replace(/ +\n/g, "\n");
    for (const want of [
      /^2: eth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noqueue state DOWN group default\n {4}link\/ether 02:00:00:00:00:0a brd ff:ff:ff:ff:ff:ff$/m,
      /^2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default$/m,
      /^203\.0\.113\.0\/24 dev eth0 proto kernel scope link src 203\.0\.113\.5$/m,
      /^2: eth0 {4}inet 203\.0\.113\.5\/24 brd 203\.0\.113\.255 scope global eth0\n {7}valid_lft forever preferred_lft forever$/m,
      /^192\.0\.2\.99 dev eth0 lladdr 02:00:00:00:00:63 PERMANENT$/m,
      /^Deleted 192\.0\.2\.99 dev eth0 lladdr 02:00:00:00:00:63 PERMANENT$/m,
      /^Deleted 203\.0\.113\.0\/24 dev eth0 proto kernel scope link src 203\.0\.113\.5$/m,
      /^Deleted 2: eth0 {4}inet 203\.0\.113\.5\/24/m,
    ])
      assert.match(out, want);
  });
});
