// IPv6 interface identifiers (src/net/ifid6.ts): modified EUI-64 against
// the Linux kernel's own link-local addresses, and RFC 7217's stable ones.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import type { Bytes } from "../../hal/types";
import { eui64, linkLocalPrefix, reservedIid, stableIid } from "../../src/net/ifid6";

const b = (u: number[] | Uint8Array): Bytes => Uint8Array.from(u) as unknown as Bytes;
const hex = (x: Bytes): string => Buffer.from(x as unknown as Uint8Array).toString("hex");

function linkLocal(mac: string): string {
  const out = b(new Uint8Array(16));
  linkLocalPrefix(out, 0);
  eui64(b(Buffer.from(mac.replace(/:/g, ""), "hex")), 0, out, 8);
  return hex(out);
}

/** The kernel's link-local address for a veth with this MAC, in a namespace of our own. */
function kernelLinkLocal(mac: string): string {
  const ns = `nr6-${process.pid % 100000}`;
  const sh = (cmd: string): string => {
    const r = spawnSync("sh", ["-c", cmd], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
    return r.stdout;
  };
  try {
    sh(`ip netns add ${ns}`);
    sh(`ip -n ${ns} link add name v6a type veth peer name v6b`);
    sh(`ip -n ${ns} link set v6a address ${mac}`);
    sh(`ip netns exec ${ns} sysctl -q -w net.ipv6.conf.v6a.addr_gen_mode=0`);
    sh(`ip -n ${ns} link set v6a up && ip -n ${ns} link set v6b up`);
    for (let i = 0; i < 50; i++) {
      const j = JSON.parse(sh(`ip -n ${ns} -6 -j addr show dev v6a scope link`)) as {
        addr_info: { local: string }[];
      }[];
      const a = j[0]?.addr_info[0]?.local;
      if (a !== undefined) {
        // Expand "fe80::ff:fe00:1" to 32 hex digits.
        const [head, tail] = a.split("::");
        const words = (s: string): string[] => (s === "" ? [] : s.split(":"));
        const all = [
          ...words(head),
          ...new Array(8 - words(head).length - words(tail ?? "").length).fill("0"),
          ...words(tail ?? ""),
        ];
        return all.map((w) => w.padStart(4, "0")).join("");
      }
      spawnSync("sleep", ["0.05"]);
    }
    throw new Error("no link-local address appeared");
  } finally {
    spawnSync("ip", ["netns", "del", ns]);
  }
}

describe("IPv6 interface identifiers", function () {
  it("modified EUI-64: the universal/local bit inverted, ff:fe in the middle (RFC 4291 appendix A)", function () {
    assert.equal(linkLocal("02:00:00:00:00:01"), "fe80000000000000000000fffe000001");
    assert.equal(linkLocal("00:1b:63:84:45:e6"), "fe80000000000000021b63fffe8445e6");
  });

  it("the same link-local address as the Linux kernel for the same MAC", function () {
    if (process.getuid?.() !== 0) {
      if (process.env.CI) throw new Error("needs root (a network namespace)");
      this.skip();
    }
    for (const mac of ["02:00:00:00:01:e5", "5a:12:34:56:78:9a", "00:1b:63:84:45:e6"])
      assert.equal(linkLocal(mac), kernelLinkLocal(mac), mac);
  });

  it("RFC 7217: the same identifier for the same inputs; another for another prefix, interface or DAD count", function () {
    const secret = b(Buffer.from("a secret of the board's, 16 bytes"));
    const mac = b([2, 0, 0, 0, 1, 0xe5]);
    const iid = (prefix: string, ifname: string, counter: number): string => {
      const out = b(new Uint8Array(8));
      stableIid(b(Buffer.from(prefix, "hex")), 0, ifname, mac, 0, counter, secret, out, 0);
      return hex(out);
    };
    const base = iid("20010db800000001", "eth0", 0);
    assert.equal(iid("20010db800000001", "eth0", 0), base);
    const others = [
      iid("20010db800000002", "eth0", 0),
      iid("20010db800000001", "eth1", 0),
      iid("20010db800000001", "eth0", 1),
    ];
    for (const o of others) assert.notEqual(o, base);
    assert.ok(!base.includes("fffe"), "nothing of the MAC");
  });

  it("RFC 5453's reserved identifiers are reserved", function () {
    const r = (h: string): boolean => reservedIid(b(Buffer.from(h, "hex")), 0);
    assert.ok(r("0000000000000000"));
    assert.ok(r("02005efffe000000") && r("02005efffe005212"));
    assert.ok(!r("02005efffe005213"));
    assert.ok(r("fdffffffffffff80") && r("fdffffffffffffff"));
    assert.ok(!r("fdffffffffffff7f") && !r("fdfffffffffeff80"));
  });
});
