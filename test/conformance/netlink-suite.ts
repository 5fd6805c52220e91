// Conformance for the control channel's netlink code on every runtime: the
// kernel's own messages parse with the attribute counts Node worked out, and
// the kernel's recorded requests, replayed against the same state on a
// simulated stack, get the kernel's answers (types, flags, seq, errno).
import * as B from "@hal/bytes";
import { band } from "@hal/u32";
import { netlinkKernel } from "@vectors";
import { SimClock } from "../../hal/sim/clock";
import { SimSegment } from "../../hal/sim/link";
import { SimRandom } from "../../hal/sim/random";
import type { Bytes, Log } from "../../hal/types";
import { addrRequest } from "../../src/net/inaddr";
import { defaultLltableParams, LLE_STATIC } from "../../src/net/lltable";
import { defaultStackConfig, NetStack } from "../../src/net/stack";
import { NLMSG_ERROR, NLMSG_HDRLEN } from "../../src/netlink/constants";
import { Rtnl } from "../../src/netlink/rtnl";
import { schemaFor } from "../../src/netlink/schemas";
import { fromHex, toHex } from "../../src/util/hex";
import { hmacSha256, sha256 } from "../../src/util/sha256";
import type { Checker } from "./net-suites";
import { getLe16, getLe32, getS32 } from "../../src/wire/endian";
import { NlError, NlMsg, parseMessage } from "../../src/netlink/parse";

const quietLog: Log = { write: () => undefined };

function mac(last: number): Bytes {
  const m = B.alloc(6);
  B.set8(m, 0, 2);
  B.set8(m, 5, last);
  return m;
}

/** Every message of a frame through the walker; the attribute count of each, or -1 when one fails. */
function counts(f: Bytes): number[] {
  const out: number[] = [];
  const m = new NlMsg();
  const err = new NlError();
  let off = 0;
  while (B.len(f) - off >= NLMSG_HDRLEN) {
    if (!parseMessage(f, off, B.len(f) - off, schemaFor(getLe16(f, off + 4)), m, err)) {
      out.push(-1);
      return out;
    }
    out.push(m.attrs.count);
    off += Math.floor((m.len + 3) / 4) * 4;
  }
  return out;
}

/** The kernel vectors' namespace: lo, eth0 (index 2, 02:00:00:00:00:0a) with 192.0.2.10/24, 192.0.2.1 permanent. */
function device(replies: Bytes[]): Rtnl {
  const clock = new SimClock();
  const seg = new SimSegment(clock, 1);
  const stack = new NetStack(clock, new SimRandom(1), quietLog, defaultStackConfig());
  const eth = stack.attachEthernet("eth0", (o) => seg.attach(mac(10), o, 1500), defaultLltableParams(8));
  if (eth !== undefined) {
    stack.addrs.add(eth, addrRequest(0xc000020a, 24));
    if (eth.lltable !== undefined) eth.lltable.addStatic(0xc0000201, mac(1), 0, LLE_STATIC);
  }
  return new Rtnl(
    stack,
    {
      driverName: () => "sim",
      mayMutate: () => true,
      send: (b, n) => {
        const f = B.alloc(n);
        B.copy(f, 0, b, 0, n);
        replies.push(f);
        return true;
      },
    },
    2048,
  );
}

const REPLAYED = [
  "getlink_dump",
  "getlink_dump_iproute2",
  "getlink_index",
  "getlink_name",
  "getlink_missing_index",
  "getaddr_dump",
  "getneigh_dump",
  "newneigh_create",
  "delneigh_missing",
  "newlink_mtu",
  "newlink_mtu_too_small",
  "newlink_mtu_restore",
  "malformed_nla_wrong_size",
  "malformed_short_ifinfomsg",
];

export function runNetlink(s: Checker): void {
  for (let i = 0; i < netlinkKernel.length; i++) {
    const v = netlinkKernel[i];
    const name = v[0];
    const frames = v[4];
    const replyCount = v[3];
    // 1. The kernel's replies and notifications parse, with the attribute counts expected.
    const hexes = v[2];
    for (let k = 0; k < frames.length && k < hexes.length; k++) {
      const f = fromHex(hexes[k]);
      if (f === undefined) continue;
      const got = counts(f);
      const want = frames[k];
      let same = got.length === want.length;
      for (let j = 0; same && j < want.length; j++) if (got[j] !== want[j][4]) same = false;
      s.check(
        same,
        name + " reply " + k + ": attribute counts " + got.join(",") + " expected " + want.map((x) => x[4]).join(","),
      );
    }
    // 2. The kernel's requests replayed: the same replies, message by message.
    let replayed = false;
    for (let k = 0; k < REPLAYED.length; k++) if (REPLAYED[k] === name) replayed = true;
    if (!replayed || v[1] === "") continue;
    const req = fromHex(v[1]);
    if (req === undefined) continue;
    const out: Bytes[] = [];
    const r = device(out);
    r.input(req, B.len(req));
    const mine: number[][] = [];
    for (let k = 0; k < out.length; k++) {
      let off = 0;
      const f = out[k];
      while (B.len(f) - off >= NLMSG_HDRLEN) {
        const n = getLe32(f, off);
        const type = getLe16(f, off + 4);
        mine.push([
          type,
          band(getLe16(f, off + 6), 2),
          getLe32(f, off + 8),
          type === NLMSG_ERROR ? getS32(f, off + 16) : 0,
        ]);
        off += Math.floor((n + 3) / 4) * 4;
        if (n < NLMSG_HDRLEN) break;
      }
    }
    const theirs: number[][] = [];
    for (let k = 0; k < replyCount; k++)
      for (let j = 0; j < frames[k].length; j++)
        theirs.push([frames[k][j][0], band(frames[k][j][1], 2), frames[k][j][2], frames[k][j][3]]);
    let same = mine.length === theirs.length;
    for (let j = 0; same && j < theirs.length; j++)
      for (let q = 0; q < 4; q++) if (mine[j][q] !== theirs[j][q]) same = false;
    s.check(
      same,
      name +
        ": replies " +
        mine.map((x) => x.join("/")).join(" ") +
        " expected " +
        theirs.map((x) => x.join("/")).join(" "),
    );
  }
}

// FIPS 180-2 examples and RFC 4231 test cases 1, 2 and 6 (a key longer than a block).
const SHA_CASES: [string, string][] = [
  ["616263", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  [
    "6162636462636465636465666465666765666768666768696768696a68696a6b696a6b6c6a6b6c6d6b6c6d6e6c6d6e6f6d6e6f706e6f7071",
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  ],
];
const HMAC_CASES: [string, string, string][] = [
  [
    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
    "4869205468657265",
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
  ],
  [
    "4a656665",
    "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  ],
  [
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  ],
];

/** The control channel's authentication hash on every runtime. */
export function runSha(s: Checker): void {
  for (let i = 0; i < SHA_CASES.length; i++) {
    const m = SHA_CASES[i][0] === "" ? B.alloc(0) : fromHex(SHA_CASES[i][0]);
    if (m === undefined) {
      s.check(false, "sha256 #" + i + " bad hex");
      continue;
    }
    const got = toHex(sha256(m, 0, B.len(m)), 0, 32);
    s.check(got === SHA_CASES[i][1], "sha256 #" + i + " got " + got);
  }
  for (let i = 0; i < HMAC_CASES.length; i++) {
    const k = fromHex(HMAC_CASES[i][0]);
    const m = fromHex(HMAC_CASES[i][1]);
    if (k === undefined || m === undefined) {
      s.check(false, "hmac #" + i + " bad hex");
      continue;
    }
    const got = toHex(hmacSha256(k, m, 0, B.len(m)), 0, 32);
    s.check(got === HMAC_CASES[i][2], "hmac #" + i + " got " + got);
  }
}
