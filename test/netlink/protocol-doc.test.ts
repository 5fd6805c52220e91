// docs/CONTROL-PROTOCOL.md is a host writer's reference: its tables must say
// what the code does. Each table is read back and compared with the
// vocabulary (src/netlink/family.ts, src/dhcp/states.ts), the handler table
// and the framing.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { alloc, set8 } from "../../hal/js/bytes";
import { DHCP_EVENT_NAMES, DHCP_STATE_NAMES } from "../../src/dhcp/states";
import { Prober } from "../../src/netlink/probe";
// A feature's attributes join the set when its module loads (the probes' here).
import "../../src/netlink/family-probes";
import * as FS from "../../src/netlink/family-settings";
import { SettingsControl } from "../../src/config/control";
import { Rig } from "./rig";
import { addFamilyHandlers, type ControlChannel } from "../../src/netlink/channel";
import type { Handler } from "../../src/netlink/handler";
import * as F from "../../src/netlink/family";
import { crc16, PROTO_GENERIC, PROTO_ROUTE } from "../../src/netlink/frame";
import { NLA_BINARY, NLA_IN_ADDR, NLA_STRING, NLA_U32, NLA_U8 } from "../../src/netlink/policy";
import { ROOT } from "../../tools/lib/paths";
import { NLM_F_ACK, NLM_F_REQUEST } from "../../src/netlink/constants";
import { NlWriter } from "../../src/netlink/writer";
import { toHex } from "../../src/util/hex";

const DOC = fs.readFileSync(path.join(ROOT, "docs", "CONTROL-PROTOCOL.md"), "utf8");

/** The rows of the Markdown table whose header starts with `first`, as trimmed cells. */
function table(first: string): string[][] {
  const lines = DOC.split("\n").map((l) => l.trim());
  const at = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  assert.ok(at >= 0, `no table starting "| ${first} |" in the document`);
  const rows: string[][] = [];
  for (let i = at + 2; i < lines.length && lines[i].startsWith("|"); i++)
    rows.push(
      lines[i]
        .slice(1, -1)
        .split(" | ")
        .map((c) => c.trim().replace(/^`|`$/g, "")),
    );
  return rows;
}

function exported(prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of [...Object.entries(F), ...Object.entries(FS)])
    if (k.startsWith(prefix) && typeof v === "number") out.set(k, v);
  return out;
}

describe("docs/CONTROL-PROTOCOL.md against the code", function () {
  it("lists every command of our family with its number, and no other", function () {
    const rows = table("cmd");
    assert.deepEqual(new Map(rows.map((r) => [r[1], Number(r[0])])), exported("NETRT_CMD_"));
  });

  it("says which commands need a session exactly as the handler table's mutates column", function () {
    const t: Handler<ControlChannel>[] = [];
    addFamilyHandlers(t);
    // The probes, a board feature, add theirs.
    const rig = new Rig();
    t.push(...new Prober(rig.ch, rig.net.clock).handlers);
    t.push(...new SettingsControl(rig.ch, rig.storage, () => undefined).handlers);
    for (const r of table("cmd")) {
      const h = t.find((x) => x.type === Number(r[0]));
      const mutates = h !== undefined && h.mutates;
      // "no (a change: yes)": open to read, the handler itself checks a change.
      assert.equal(r[2].split(" ")[0], mutates ? "yes" : "no", `${r[1]}: the document says ${r[2]}`);
    }
  });

  it("lists every attribute with its number, kind and longest payload", function () {
    const kinds: Record<number, string> = {
      [NLA_U8]: "u8",
      [NLA_U32]: "u32",
      [NLA_IN_ADDR]: "in_addr",
      [NLA_STRING]: "string",
      [NLA_BINARY]: "binary",
    };
    const rows = table("type");
    assert.deepEqual(new Map(rows.map((r) => [r[1], Number(r[0])])), exported("NETRT_A_"));
    for (const r of rows) {
      const i = F.GENL_ATTRS.find(Number(r[0]));
      assert.ok(i >= 0, `${r[1]} is not in GENL_ATTRS`);
      assert.equal(F.GENL_ATTRS.nameAt(i), r[1]);
      assert.equal(r[2], kinds[F.GENL_ATTRS.kindAt(i)], `${r[1]}'s kind`);
      const longest = F.GENL_ATTRS.fixedSize(i) >= 0 ? F.GENL_ATTRS.fixedSize(i) : F.GENL_ATTRS.sizeAt(i);
      assert.equal(Number(r[3]), longest, `${r[1]}'s longest payload`);
    }
  });

  it("gives the message type, the DHCP group and its bit", function () {
    assert.match(DOC, new RegExp(`\`nlmsg_type\` \\*\\*${F.NETRT_GENL_TYPE}\\*\\*`));
    const [g] = table("group");
    assert.deepEqual(g, [String(F.NETRT_GROUP_DHCP), "NETRT_GROUP_DHCP", "31"]);
    assert.equal(F.groupBit(F.NETRT_GROUP_DHCP), 2 ** 31);
  });

  it("lists the DHCP states and events with the names the device sends", function () {
    assert.deepEqual(
      table("state").map((r) => r[1]),
      DHCP_STATE_NAMES,
    );
    table("state").forEach((r, i) => assert.equal(Number(r[0]), i));
    assert.deepEqual(
      table("event").map((r) => [Number(r[0]), r[1]]),
      DHCP_EVENT_NAMES.slice(1).map((n, i) => [i + 1, n]),
    );
  });

  it("gives the framing's protocol numbers and the CRC's check value", function () {
    const protocols = table("protocol").map((r) => Number(r[0]));
    assert.deepEqual(protocols, [PROTO_ROUTE, PROTO_GENERIC]);
    const check = alloc(9);
    for (let i = 0; i < 9; i++) set8(check, i, "123456789".charCodeAt(i));
    const crc = crc16(check, 0, 9);
    assert.equal(crc, 0xd64e);
    assert.match(DOC, /check\s+value of the ASCII string `123456789` is 0xd64e/);
  });

  it("the byte-by-byte example is what the writer builds for that request", function () {
    const block = /```\n(10 {2,}[\s\S]*?)```/.exec(DOC);
    assert.ok(block, "no example block");
    const hex = block[1]
      .split("\n")
      .map((l) => l.replace(/ {2,}[A-Za-z].*$/, ""))
      .join(" ")
      .replace(/\s+/g, "");
    assert.equal(hex.slice(0, 2), PROTO_GENERIC.toString(16), "the protocol byte");
    const w = new NlWriter(alloc(64));
    w.begin(F.NETRT_GENL_TYPE, NLM_F_REQUEST + NLM_F_ACK, 1, 0, F.GENLMSGHDR.hdrLen);
    w.field(F.GENL_CMD, F.NETRT_CMD_SUBSCRIBE);
    w.put(F.GENL_ATTRS, F.NETRT_A_GROUPS, F.groupBit(F.NETRT_GROUP_DHCP));
    const n = w.end();
    assert.equal(hex.slice(2), toHex(w.buf, 0, n));
  });
});
