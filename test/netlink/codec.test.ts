// The netlink codec against real kernel bytes (../shared/vectors/netlink-kernel):
// every message the kernel sent and every well-formed request decodes, and
// every attribute the kernel emitted has the size our schemas declare for it.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import fc from "fast-check";
import { describeFrame, findAttr, type AttrValue } from "../../cli/describe";
import { alloc, len } from "../../hal/js/bytes";
import type { Bytes } from "../../hal/types";
import { EEXIST, EINVAL, EMSGSIZE, ERANGE } from "../../src/net/errno";
import * as C from "../../src/netlink/constants";
import { NLA_HDRLEN } from "../../src/netlink/constants";
import {
  ADDR_ATTRS,
  AF_SPEC_ATTRS,
  IFA_INDEX,
  IFA_PREFIXLEN,
  IFADDRMSG,
  IFI_FLAGS,
  IFI_INDEX,
  IFI_TYPE,
  IFINFOMSG,
  LINK_ATTRS,
  NDM_STATE,
  NDMSG,
  NEIGH_ATTRS,
  RTNL_LINK_STATS64_LEN,
  schemaFor,
} from "../../src/netlink/schemas";
import { fromHex, toHex } from "../../src/util/hex";
import { loadVectors, VECTORS } from "./vectors";
import { getLe16 } from "../../src/wire/endian";
import { STATS64_RX_NOHANDLER, STATS64_U64 } from "../../src/wire/netlink";
import { NLA_NESTED, NlAttrSet } from "../../src/netlink/policy";
import { NlError, NlMsg, parseMessage } from "../../src/netlink/parse";
import { NlWriter } from "../../src/netlink/writer";

const bytes = (hex: string): Bytes => {
  const b = fromHex(hex);
  assert.ok(b !== undefined, "hex");
  return b;
};

/** Every message of a frame through the firmware's walker; returns the parsed count. */
function walk(frame: Bytes, err: NlError): number {
  let off = 0;
  let n = 0;
  const m = new NlMsg();
  while (len(frame) - off >= 16) {
    if (!parseMessage(frame, off, len(frame) - off, schemaFor(getLe16(frame, off + 4)), m, err)) return -1;
    n++;
    off += Math.ceil(m.len / 4) * 4;
  }
  return n;
}

/** Checks every attribute (recursively) against its declaration: the kernel's size must be one we accept. */
function checkSizes(attrs: AttrValue[], set: NlAttrSet | undefined, where: string): void {
  for (const a of attrs) {
    const i = set !== undefined ? set.find(a.type) : -1;
    assert.ok(
      set !== undefined && i >= 0,
      `${where}: attribute ${a.type} (${a.name}) is not in our ${set?.name} schema`,
    );
    const name = set.nameAt(i);
    assert.ok(
      set.accepts(i, a.len - NLA_HDRLEN),
      `${where}: ${name} is ${a.len - NLA_HDRLEN} bytes from the kernel; our schema says kind ${set.kindAt(i)} size ${set.sizeAt(i)}`,
    );
    const nested = set.nestedAt(i);
    if (Array.isArray(a.value) && nested !== undefined) checkSizes(a.value, nested, `${where}/${name}`);
  }
}

describe("netlink codec", function () {
  const vectors = loadVectors();

  it("finds the kernel vectors", function () {
    assert.ok(vectors.length >= 25, `only ${vectors.length} vector files in ${VECTORS}`);
  });

  it("decodes every message the kernel sent (replies and notifications) with no problem", function () {
    let messages = 0;
    for (const v of vectors) {
      for (const hex of [...(v.replies ?? []), ...(v.notifications ?? [])]) {
        const frame = bytes(hex);
        const d = describeFrame(frame);
        for (const m of d) assert.equal(m.problem, undefined, `${v.name}: ${m.typeName}: ${m.problem}`);
        const err = new NlError();
        const n = walk(frame, err);
        assert.equal(n, d.length, `${v.name}: the firmware walker refused it: ${err.msg} at ${err.off}`);
        messages += n;
      }
    }
    assert.ok(messages >= 35, `${messages} messages`);
  });

  it("gives every attribute the kernel emitted for links, addresses and neighbours the kernel's size", function () {
    let checked = 0;
    for (const v of vectors) {
      for (const hex of [...(v.replies ?? []), ...(v.notifications ?? [])]) {
        for (const m of describeFrame(bytes(hex))) {
          const set =
            m.type >= 16 && m.type <= 19
              ? LINK_ATTRS
              : m.type >= 20 && m.type <= 22
                ? ADDR_ATTRS
                : m.type >= 28 && m.type <= 30
                  ? NEIGH_ATTRS
                  : undefined;
          if (set === undefined) continue;
          checkSizes(m.attrs, set, `${v.name} ${m.typeName}`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 15, `${checked} messages checked`);
  });

  it("reads the kernel's values: eth0, its address, its neighbour, an error's text", function () {
    const byName = new Map(vectors.map((v) => [v.name, v]));
    const link = describeFrame(bytes(byName.get("getlink_index")!.replies![0]))[0];
    assert.equal(link.header.index, 2);
    assert.equal(findAttr(link.attrs, "IFLA_IFNAME")?.value, "eth0");
    assert.equal(findAttr(link.attrs, "IFLA_MTU")?.value, 1500);
    assert.equal(findAttr(link.attrs, "IFLA_ADDRESS")?.value, "02000000000a");
    assert.equal(findAttr(link.attrs, "IFLA_OPERSTATE")?.value, C.IF_OPER_UP);
    const addr = describeFrame(bytes(byName.get("getaddr_dump")!.replies![0])).find((m) => m.header.index === 2)!;
    assert.equal(addr.header.prefixlen, 24);
    assert.equal(findAttr(addr.attrs, "IFA_LOCAL")?.value, "192.0.2.10");
    const neigh = describeFrame(bytes(byName.get("getneigh_dump")!.replies![0]))[0];
    assert.equal(neigh.header.state, C.NUD_PERMANENT);
    assert.equal(findAttr(neigh.attrs, "NDA_DST")?.value, "192.0.2.1");
    assert.equal(findAttr(neigh.attrs, "NDA_LLADDR")?.value, "020000000001");
    const tooSmall = describeFrame(bytes(byName.get("newlink_mtu_too_small")!.replies![0]))[0];
    assert.equal(tooSmall.header.error, -EINVAL);
    assert.equal(findAttr(tooSmall.attrs, "NLMSGERR_ATTR_MSG")?.value, "mtu less than device minimum");
    const capped = describeFrame(bytes(byName.get("newneigh_excl_dup_capack")!.replies![0]))[0];
    assert.equal(capped.header.error, -EEXIST);
    assert.equal(capped.len, 36);
  });

  it("accepts every well-formed request the kernel accepted, and refuses the malformed ones with the kernel's errno", function () {
    const err = new NlError();
    const m = new NlMsg();
    for (const v of vectors) {
      if (v.request === undefined) continue;
      const b = bytes(v.request);
      const type = getLe16(b, 4);
      const ok = parseMessage(b, 0, len(b), schemaFor(type), m, err);
      if (v.name === "malformed_nla_wrong_size") {
        assert.equal(ok, false);
        assert.equal(err.code, ERANGE);
        assert.equal(err.msg, "Attribute failed policy validation");
        assert.equal(err.off, 32, "the kernel's NLMSGERR_ATTR_OFFS");
      } else if (v.name === "malformed_nla_len_overrun") {
        // As the kernel: the attribute is ignored and the request goes on with a warning.
        assert.equal(ok, true);
        assert.equal(m.warning, "bytes leftover after parsing attributes");
      } else if (v.name === "malformed_short_ifinfomsg") {
        assert.equal(ok, false);
        assert.equal(err.code, EINVAL);
        assert.match(err.msg, /Invalid header for link/);
      } else if (v.name === "malformed_nlmsg_len_lt_16") {
        assert.equal(ok, false);
        assert.equal(err.code, EINVAL);
      } else if (v.name === "malformed_nlmsg_len_gt_datagram") {
        assert.equal(ok, false);
        assert.equal(err.code, EMSGSIZE);
      } else assert.ok(ok, `${v.name}: ${err.msg}`);
    }
  });

  it("writes what it reads: a link, an address and a neighbour message round-trip through the schemas", function () {
    const w = new NlWriter(alloc(512));
    w.begin(C.RTM_NEWLINK, C.NLM_F_MULTI, 7, 0, IFINFOMSG.hdrLen);
    w.field(IFI_TYPE, C.ARPHRD_ETHER);
    w.field(IFI_INDEX, 2);
    w.field(IFI_FLAGS, 0x11043);
    w.str(C.IFLA_IFNAME, "eth0");
    w.put(LINK_ATTRS, C.IFLA_MTU, 1500);
    w.put(LINK_ATTRS, C.IFLA_OPERSTATE, C.IF_OPER_UP);
    const nest = w.nest(C.IFLA_LINKINFO);
    w.str(C.IFLA_INFO_KIND, "w5500");
    w.endNest(nest);
    const n1 = w.end();
    w.begin(C.RTM_NEWADDR, 0, 8, 0, IFADDRMSG.hdrLen);
    w.field(IFA_PREFIXLEN, 24);
    w.field(IFA_INDEX, 2);
    w.put(ADDR_ATTRS, C.IFA_LOCAL, 0xc000020a);
    const n2 = w.end();
    w.begin(C.RTM_NEWNEIGH, 0, 9, 0, NDMSG.hdrLen);
    w.field(NDM_STATE, C.NUD_REACHABLE);
    w.put(NEIGH_ATTRS, C.NDA_DST, 0xc0000201);
    w.bytes(C.NDA_LLADDR, bytes("020000000001"), 0, 6);
    const n3 = w.end();
    assert.ok(n1 > 0 && n2 > 0 && n3 > 0 && !w.overflow);
    const frame = bytes(toHex(w.buf, 0, w.pos));
    const d = describeFrame(frame);
    assert.deepEqual(
      d.map((m) => [m.typeName, m.problem, m.seq]),
      [
        ["RTM_NEWLINK", undefined, 7],
        ["RTM_NEWADDR", undefined, 8],
        ["RTM_NEWNEIGH", undefined, 9],
      ],
    );
    assert.equal(findAttr(d[0].attrs, "IFLA_INFO_KIND")?.value, "w5500");
    assert.equal(findAttr(d[0].attrs, "IFLA_IFNAME")?.len, 9, "NUL-terminated like the kernel's");
    assert.equal(findAttr(d[1].attrs, "IFA_LOCAL")?.value, "192.0.2.10");
    assert.equal(d[2].header.state, C.NUD_REACHABLE);
    assert.equal(walk(frame, new NlError()), 3);
  });

  it("stops writing cleanly when the buffer is full", function () {
    const w = new NlWriter(alloc(40));
    assert.ok(w.begin(C.RTM_NEWLINK, 0, 1, 0, IFINFOMSG.hdrLen));
    w.str(C.IFLA_IFNAME, "eth0");
    assert.equal(w.overflow, true);
    assert.equal(w.end(), 0);
    w.abandon();
    assert.equal(w.pos, 0);
  });

  it("reads back every declaration exactly as written: type, kind, size, nested set (property)", function () {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            type: fc.integer({ min: 0, max: 16383 }),
            kind: fc.integer({ min: 1, max: 13 }),
            size: fc.integer({ min: 0, max: 4095 }),
            nested: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (decls) => {
          const inner = new NlAttrSet("inner").a(1, "X", 3);
          const set = new NlAttrSet("t");
          decls.forEach((d, k) =>
            d.nested ? set.nest(d.type, "N" + k, inner) : set.sized(d.type, "A" + k, d.kind, d.size),
          );
          assert.equal(set.count(), decls.length);
          decls.forEach((d, k) => {
            assert.equal(set.typeAt(k), d.type);
            assert.equal(set.kindAt(k), d.nested ? NLA_NESTED : d.kind);
            assert.equal(set.sizeAt(k), d.nested ? 0 : d.size);
            assert.equal(set.nameAt(k), (d.nested ? "N" : "A") + k);
            assert.equal(set.nestedAt(k), d.nested ? inner : undefined);
          });
          // find() answers the first declaration of a type, as the walker uses it.
          decls.forEach((d) =>
            assert.equal(
              set.find(d.type),
              decls.findIndex((e) => e.type === d.type),
            ),
          );
        },
      ),
    );
    // The largest declarations we have keep their sizes and nested sets.
    assert.equal(LINK_ATTRS.sizeAt(LINK_ATTRS.find(C.IFLA_IFALIAS)), 256);
    assert.equal(LINK_ATTRS.sizeAt(LINK_ATTRS.find(C.IFLA_STATS64)), 200);
    assert.equal(LINK_ATTRS.nestedAt(LINK_ATTRS.find(C.IFLA_AF_SPEC)), AF_SPEC_ATTRS);
    assert.equal(LINK_ATTRS.nestedAt(LINK_ATTRS.find(C.IFLA_MTU)), undefined);
    assert.equal(LINK_ATTRS.find(0x3fff), -1);
  });

  it("IFLA_STATS64: our counters sit where Linux's header puts them", function () {
    // pyroute2 0.7 stops before rx_nohandler, so the kernel's own header is the reference.
    const header = "/usr/include/linux/if_link.h";
    if (!fs.existsSync(header)) {
      if (process.env.CI) throw new Error(`${header} is missing (Debian's linux-libc-dev)`);
      console.log(`      skipped: no ${header}`);
      this.skip();
    }
    const text = fs.readFileSync(header, "utf8");
    const body = text.slice(text.indexOf("struct rtnl_link_stats64 {"));
    const fields = [...body.slice(0, body.indexOf("};")).matchAll(/__u64\s+(\w+);/g)].map((m) => m[1]);
    assert.equal(fields.indexOf("rx_nohandler") * STATS64_U64, STATS64_RX_NOHANDLER);
    assert.ok(fields.length * STATS64_U64 <= RTNL_LINK_STATS64_LEN);
  });

  it("never throws on arbitrary bytes or mutated kernel messages (property)", function () {
    const seeds = vectors
      .flatMap((v) => [v.request, ...(v.replies ?? []), ...(v.notifications ?? [])])
      .filter((x): x is string => x !== undefined)
      .map(bytes);
    const m = new NlMsg();
    const err = new NlError();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .tuple(
              fc.constantFrom(...seeds),
              fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
            )
            .map(([s, muts]) => {
              const b = Uint8Array.from(s as unknown as Uint8Array);
              for (const [i, v] of muts) b[i % b.length] = v;
              return b;
            }),
        ),
        (b) => {
          const type = b.length >= 6 ? b[4] + b[5] * 256 : 0;
          const bb = b as unknown as Bytes;
          const ok = parseMessage(bb, 0, b.length, schemaFor(type), m, err);
          if (!ok) assert.ok(err.code > 0 && err.msg !== "");
          describeFrame(bb);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
