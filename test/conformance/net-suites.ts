// Conformance suites for the network core: address operations (in.c rules)
// and lltable operations, replayed from vectors made by independent Python
// models (tools/make-vectors.py). Portable: runs on every runtime.
import * as B from "@hal/bytes";
import { addrCases, lltableCases } from "@vectors";
import { SimClock } from "../../hal/sim/clock";
import { SimSegment } from "../../hal/sim/link";
import { SimRandom } from "../../hal/sim/random";
import type { Bytes, Log } from "../../hal/types";
import { formatIPv4 } from "../../src/net/addr";
import { type Ifnet } from "../../src/net/ifnet";
import { INADDR_ANY } from "../../src/net/inaddr";
import { defaultLltableParams, Lltable, type LltableHost } from "../../src/net/lltable";
import { maskOf } from "../../src/net/route";
import { defaultStackConfig, NetStack } from "../../src/net/stack";

export interface Checker {
  check(ok: boolean, what: string): void;
}

const quietLog: Log = { write: () => undefined };

function macTag(tag: number): Bytes {
  const m = B.alloc(6);
  B.set8(m, 0, 2);
  B.set8(m, 5, tag);
  return m;
}

function addrState(stack: NetStack, eth: Ifnet): string {
  let a = "";
  const l = stack.addrs.list;
  for (let i = 0; i < l.length; i++) {
    const ia = l[i];
    if (ia.ifp !== eth) continue;
    if (a !== "") a += " | ";
    a += formatIPv4(ia.addr) + "/" + ia.prefixLen + " " + formatIPv4(ia.broadcast) + " " + (ia.ownsRoute ? "P" : "S");
  }
  const rs: string[] = [];
  const routes = stack.routes.routes;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i];
    if (r.ifindex === eth.index) rs.push(formatIPv4(r.dst) + "/" + r.prefixLen + " src " + formatIPv4(r.prefsrc));
  }
  // Sorted as Python sorts strings: by character code.
  for (let i = 1; i < rs.length; i++) {
    const v = rs[i];
    let j = i - 1;
    while (j >= 0 && rs[j] > v) {
      rs[j + 1] = rs[j];
      j--;
    }
    rs[j + 1] = v;
  }
  let r = "";
  for (let i = 0; i < rs.length; i++) r += (i > 0 ? " | " : "") + rs[i];
  return a + " || " + r;
}

export function runAddr(s: Checker): void {
  for (let c = 0; c < addrCases.length; c++) {
    const clock = new SimClock();
    const seg = new SimSegment(clock, 1);
    const stack = new NetStack(clock, new SimRandom(c + 1), quietLog, defaultStackConfig());
    const eth = stack.attachEthernet("eth0", (o) => seg.attach(macTag(1), o, 1500), defaultLltableParams(8));
    if (eth === undefined) {
      s.check(false, "#" + c + " attach failed");
      continue;
    }
    const ops = addrCases[c];
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k];
      const kind = op[0] as string;
      const a = op[1] as number;
      const where = "#" + c + " op " + k + " " + kind + " " + formatIPv4(a);
      if (kind === "add" || kind === "del") {
        let err: number;
        if (kind === "add") {
          const plen = op[2] as number;
          err = stack.addrs.add(eth, {
            addr: a,
            mask: plen < 0 ? -1 : maskOf(plen),
            broadcast: op[3] as number,
            dst: 0,
            valid: 0xffffffff,
            preferred: 0xffffffff,
            label: "",
          });
        } else err = stack.addrs.remove(eth, a === 0 ? INADDR_ANY : a, true);
        s.check(err === op[4], where + " errno " + err + " expected " + op[4]);
        const st = addrState(stack, eth);
        s.check(st === op[5], where + " state '" + st + "' expected '" + op[5] + "'");
      } else if (kind === "bcast") {
        const b = stack.addrs.isBroadcast(a, eth) ? 1 : 0;
        s.check(b === op[4], where + " broadcast " + b);
      } else if (kind === "route") {
        const r = stack.routes.lookup(a);
        const got = r === undefined ? "none" : formatIPv4(r.dst) + "/" + r.prefixLen;
        s.check(got === op[5], where + " route " + got + " expected " + op[5]);
      } else s.check(false, where + " unknown op");
    }
  }
}

class CountingHost implements LltableHost {
  solicits = 0;
  sent = 0;
  solicit(): void {
    this.solicits++;
  }
  transmit(): void {
    this.sent++;
  }
  onLink(ip: number): boolean {
    return ip >= 0xc0000200 && ip <= 0xc00002ff;
  }
  event(): void {}
}

export function runLltable(s: Checker): void {
  const frame = B.alloc(42);
  for (let c = 0; c < lltableCases.length; c++) {
    const clock = new SimClock();
    const host = new CountingHost();
    const t = new Lltable(defaultLltableParams(16), clock, host);
    const ops = lltableCases[c];
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k];
      const kind = op[0] as string;
      const a = op[1] as number;
      const x = op[2] as number;
      const y = op[3] as number;
      const where = "#" + c + " op " + k + " " + kind + " " + formatIPv4(a);
      if (kind === "resolve") {
        const r = t.resolve(a, frame, x === 1);
        s.check(r === op[4], where + " got " + r + " expected " + op[4]);
      } else if (kind === "input") {
        const forUs = y % 2 === 1;
        const r = t.input(a, macTag(x), 0, y >= 2 && forUs, forUs);
        s.check(r === op[4], where + " got " + r + " expected " + op[4]);
      } else if (kind === "static") t.addStatic(a, macTag(x), 0, y);
      else if (kind === "remove") {
        const r = t.remove(a, true) ? 1 : 0;
        s.check(r === op[4], where + " got " + r);
      } else if (kind === "advance") clock.advance(a);
      else if (kind === "check") {
        const e = op[4] as number[];
        const slot = t.lookup(a);
        let got: number[];
        if (slot < 0) got = [-1, 0, 0, -1, host.solicits, host.sent];
        else {
          const m = B.alloc(6);
          t.macInto(slot, m, 0);
          const st = t.stateAt(slot);
          got = [st, t.probesAt(slot), t.flagsAt(slot), st === 0 ? -1 : B.get8(m, 5), host.solicits, host.sent];
        }
        let same = true;
        for (let i = 0; i < 6; i++) if (got[i] !== e[i]) same = false;
        s.check(same, where + " got [" + got.join(",") + "] expected [" + e.join(",") + "]");
      } else s.check(false, where + " unknown op");
    }
  }
}
