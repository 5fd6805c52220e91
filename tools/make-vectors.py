#!/usr/bin/env python3
"""Writes test/vectors/{u32,bytes,cksum,ipv4,mac}.json.

The expected values come from Python's arbitrary-precision integers and its
standard library (ipaddress, struct), an implementation independent of ours.
Deterministic: the same file every run (fixed seed)."""
import ipaddress
import json
import os
import random
import struct

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "vectors")
M = 0xFFFFFFFF
rng = random.Random(20261122)

EDGE = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000,
        0x80000001, 0xC0A80164, 0xDEADBEEF, 0xFFFFFFFE, 0xFFFFFFFF]


def write(name, doc):
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def u32_cases():
    vals = EDGE + [rng.getrandbits(32) for _ in range(24)]
    cases = []
    for a in vals:
        cases.append(["norm", a, 0, a & M])
        cases.append(["bnot", a, 0, ~a & M])
    # norm also takes values outside [0, 2^32): negatives and sums past 2^32
    for a in [-1, -2, -0x80000000, 0x100000000, 0x1FFFFFFFF, 0x100000005]:
        cases.append(["norm", a, 0, a & M])
    for a in vals:
        for b in rng.sample(vals, 6):
            cases.append(["band", a, b, a & b])
            cases.append(["bor", a, b, a | b])
            cases.append(["bxor", a, b, a ^ b])
            cases.append(["add", a, b, (a + b) & M])
            cases.append(["sub", a, b, (a - b) & M])
            cases.append(["mul", a, b, (a * b) & M])
    for a in vals:
        for n in [0, 1, 4, 8, 15, 16, 24, 31, 32]:
            cases.append(["shl", a, n, (a << n) & M if n < 32 else 0])
            cases.append(["shr", a, n, a >> n if n < 32 else 0])
    return {"about": "[op, a, b, expected]: unsigned 32-bit results; shift counts over 31 give 0",
            "cases": cases}


def bytes_cases():
    cases = []

    def run(name, size, ops):
        """Applies ops to a Python model and records the final contents."""
        stack = [(bytearray(size), 0, size, "root")]  # (storage, offset, length, kind)
        root = stack[0][0]
        out_ops = []
        for op in ops:
            store, base, n, _ = stack[-1]
            kind = op[0]
            if kind == "set8":
                store[base + op[1]] = op[2] & 0xFF
            elif kind == "set16":
                store[base + op[1]:base + op[1] + 2] = struct.pack(">H", op[2])
            elif kind == "set32":
                store[base + op[1]:base + op[1] + 4] = struct.pack(">I", op[2])
            elif kind == "get8":
                op = [kind, op[1], store[base + op[1]]]
            elif kind == "get16":
                op = [kind, op[1], struct.unpack(">H", store[base + op[1]:base + op[1] + 2])[0]]
            elif kind == "get32":
                op = [kind, op[1], struct.unpack(">I", store[base + op[1]:base + op[1] + 4])[0]]
            elif kind == "copy":  # within the current buffer, memmove semantics
                d, s, k = op[1], op[2], op[3]
                chunk = bytes(store[base + s:base + s + k])
                store[base + d:base + d + k] = chunk
            elif kind == "fill":
                v, o, k = op[1], op[2], op[3]
                store[base + o:base + o + k] = bytes([v]) * k
            elif kind == "len":
                op = [kind, n]
            elif kind == "view":
                stack.append((store, base + op[1], op[2], "view"))
            elif kind == "slice":
                stack.append((bytearray(store[base + op[1]:base + op[1] + op[2]]), 0, op[2], "slice"))
            elif kind == "hex":  # contents of the current buffer
                op = [kind, bytes(store[base:base + n]).hex()]
            elif kind == "cmp":  # compare current[a..] with current[b..] over k
                a, b, k = op[1], op[2], op[3]
                x, y = bytes(store[base + a:base + a + k]), bytes(store[base + b:base + b + k])
                op = [kind, a, b, k, (x > y) - (x < y)]
            elif kind == "pop":
                stack.pop()
            else:
                raise ValueError(kind)
            out_ops.append(list(op))
        cases.append({"name": name, "size": size, "ops": out_ops, "hex": bytes(root).hex()})

    run("fresh buffer is zeroed", 9, [["len"], ["hex"], ["get32", 0], ["get32", 5]])
    run("u8 round trip", 5, [["set8", 0, 0], ["set8", 1, 0x7F], ["set8", 2, 0x80], ["set8", 3, 0xFF],
                             ["set8", 4, 0x01], ["get8", 2], ["get8", 3], ["hex"]])
    run("set8 keeps neighbours in the same word", 8,
        [["set32", 0, 0xFFFFFFFF], ["set8", 1, 0x00], ["set8", 2, 0x5A], ["get32", 0], ["get8", 0], ["get8", 3]])
    for off in range(0, 6):
        run("u16 at offset %d" % off, 8, [["set16", off, 0xBEEF], ["get16", off], ["get8", off], ["get8", off + 1],
                                          ["set16", off, 0x00FF], ["get16", off]])
    for off in range(0, 8):
        v = [0xDEADBEEF, 0x80000000, 0xFFFFFFFF, 0x01020304][off % 4]
        run("u32 at offset %d" % off, 12, [["set32", off, v], ["get32", off], ["get16", off], ["get16", off + 2],
                                           ["set32", off, 0], ["get32", off], ["set32", off, v]])
    run("overwrite u32 with smaller values", 8, [["set32", 1, 0xFFFFFFFF], ["set32", 1, 1], ["get32", 1], ["get32", 0]])
    run("copy forward overlap (memmove)", 12, [["set32", 0, 0x01020304], ["set32", 4, 0x05060708], ["copy", 2, 0, 8], ["hex"]])
    run("copy backward overlap (memmove)", 12, [["set32", 4, 0x01020304], ["set32", 8, 0x05060708], ["copy", 1, 4, 8], ["hex"]])
    run("copy unaligned, no overlap", 16, [["set32", 0, 0xA1B2C3D4], ["set16", 4, 0xE5F6], ["copy", 9, 1, 5], ["hex"]])
    run("fill a range", 10, [["fill", 0xAB, 3, 5], ["hex"], ["fill", 0, 4, 1], ["get32", 3]])
    run("view shares storage", 16, [["set32", 0, 0x11223344], ["view", 2, 9], ["len"], ["get16", 0], ["set16", 0, 0xCAFE],
                                    ["set32", 5, 0xA0B0C0D0], ["hex"], ["view", 3, 4], ["get32", 0], ["set8", 3, 0xEE], ["pop"],
                                    ["pop"], ["hex"]])
    run("slice is a copy", 8, [["set32", 0, 0x01020304], ["slice", 1, 5], ["len"], ["get32", 0], ["set8", 0, 0xFF], ["hex"],
                               ["pop"], ["hex"]])
    run("compare", 12, [["set32", 0, 0x01020304], ["set32", 4, 0x01020304], ["set32", 8, 0x01020305],
                        ["cmp", 0, 4, 4], ["cmp", 0, 8, 4], ["cmp", 8, 0, 4], ["cmp", 1, 9, 0]])
    data = [rng.getrandbits(8) for _ in range(64)]
    ops = [["set8", i, v] for i, v in enumerate(data)]
    ops += [["get32", i] for i in range(0, 61, 3)] + [["get16", i] for i in range(1, 63, 5)]
    run("random fill and unaligned reads", 64, ops)
    return {"about": "ops on one buffer; view/slice push a nested buffer, pop returns; hex is the root at the end",
            "cases": cases}


def inet_checksum(data):
    if len(data) % 2:
        data = data + b"\x00"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return 0xFFFF - s


def cksum_cases():
    blobs = [b"", b"\x00", b"\xff", b"\x00\x01\xf2\x03\xf4\xf5\xf6\xf7",  # RFC 1071 section 3 example
             bytes.fromhex("4500003c1c4640004006" "0000" "ac100a63ac100a0c"),  # IPv4 header, checksum zeroed
             b"\xff" * 2, b"\xff" * 3, b"\xff\xff\x00\x01"]
    for n in [1, 2, 3, 5, 7, 20, 63, 64, 65, 1499, 1500]:
        blobs.append(bytes(rng.getrandbits(8) for _ in range(n)))
    return {"about": "[hex, checksum]: RFC 1071, odd lengths padded with a zero byte",
            "cases": [[b.hex(), inet_checksum(b)] for b in blobs]}


def ipv4_cases():
    valid = ["0.0.0.0", "255.255.255.255", "192.168.1.100", "10.0.0.1", "127.0.0.1", "192.0.2.10",
             "1.2.3.4", "128.0.0.0", "224.0.0.251", "169.254.0.1"]
    valid += [str(ipaddress.IPv4Address(rng.getrandbits(32))) for _ in range(10)]
    invalid = ["", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1..3.4",
               ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "a.b.c.d", "1.2.3.-4", "1.2.3.4/24", "0x1.2.3.4",
               "1000.1.1.1", "999.999.999.999", "1.2.3.4\n"]
    for s in invalid:
        try:
            ipaddress.IPv4Address(s)
            raise SystemExit("python accepts %r" % s)
        except ipaddress.AddressValueError:
            pass
    return {"about": "valid: [text, u32] (format(u32) == text); invalid: parse gives -1",
            "valid": [[s, int(ipaddress.IPv4Address(s))] for s in valid], "invalid": invalid}


def mac_cases():
    macs = [bytes(6), b"\xff" * 6, bytes.fromhex("02000000000a"), bytes.fromhex("deadbeef0001")]
    macs += [bytes(rng.getrandbits(8) for _ in range(6)) for _ in range(6)]
    valid = [[":".join("%02x" % x for x in m), m.hex()] for m in macs]
    valid.append(["AA:BB:CC:DD:EE:FF", "aabbccddeeff"])
    valid.append(["02-00-5e-10-00-01", "02005e100001"])
    invalid = ["", "00:00:00:00:00", "00:00:00:00:00:00:00", "0:0:0:0:0:0", "00:00:00:00:00:0g", "00-00:00:00:00:00",
               "0000.0000.0000", "00:00:00:00:00:00 ", "000:00:00:00:00:0", "00::00:00:00:00:00"]
    return {"about": "valid: [text, hex] (format gives lowercase with ':'); invalid: parse fails",
            "valid": valid, "invalid": invalid}


# --- address operations: an independent model of the in.c rules ---------
#
# One Ethernet interface (BROADCAST, up). After every operation the vector
# records the interface's addresses in order ("addr/len brd P|S": P owns the
# prefix route) and its connected routes, sorted.

def ip_s(v):
    return str(ipaddress.IPv4Address(v))


def class_mask(a):
    if a < 0x80000000:
        return 8
    if a < 0xC0000000:
        return 16
    return 24


def plen_mask(n):
    return (0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF if n > 0 else 0


class AddrModel:
    def __init__(self):
        self.addrs = []  # dicts: a, plen, mask, brd, owns
        self.routes = set()  # (dst, plen, prefsrc)

    def subnet(self, x):
        return x["a"] & x["mask"]

    def same_prefix(self, x, y):
        return x["mask"] == y["mask"] and self.subnet(x) == self.subnet(y)

    def add(self, a, plen, brd):
        if a == 0xFFFFFFFF or 0xE0000000 <= a < 0xF0000000:
            return -22
        n = class_mask(a) if plen < 0 else plen
        mask = plen_mask(n)
        for x in self.addrs:
            if x["a"] == a:
                self.unlink(x)
                break
        if brd < 0:
            brd = 0xFFFFFFFF if n == 31 else (a & mask) | (~mask & 0xFFFFFFFF)
        x = {"a": a, "plen": n, "mask": mask, "brd": brd, "owns": False}
        self.addrs.append(x)
        if not any(y is not x and y["owns"] and self.same_prefix(x, y) for y in self.addrs):
            self.routes = {r for r in self.routes if (r[0], r[1]) != (a & mask, n)}
            self.routes.add((a & mask, n, a))
            x["owns"] = True
        return 0

    def unlink(self, x):
        self.addrs.remove(x)
        if not x["owns"]:
            return
        self.routes.discard((self.subnet(x), x["plen"], x["a"]))
        x["owns"] = False
        for y in self.addrs:
            if not y["owns"] and self.same_prefix(x, y):
                self.routes.add((self.subnet(y), y["plen"], y["a"]))
                y["owns"] = True
                return

    def delete(self, a):
        for x in self.addrs:
            if x["a"] == a:
                self.unlink(x)
                return 0
        if a == 0 and self.addrs:
            self.unlink(self.addrs[0])
            return 0
        return -99

    def broadcast(self, t):
        if t in (0, 0xFFFFFFFF):
            return True
        for x in self.addrs:
            if x["mask"] == 0xFFFFFFFF:
                continue
            if t == x["brd"] or (x["mask"] != 0xFFFFFFFE and t == self.subnet(x)):
                return True
        return False

    def lookup(self, t):
        best = None
        for r in self.routes | {(0x7F000001, 32, 0x7F000001)}:
            if t & plen_mask(r[1]) == r[0] and (best is None or r[1] > best[1]):
                best = r
        return "none" if best is None else "%s/%d" % (ip_s(best[0]), best[1])

    def state(self):
        a = ["%s/%d %s %s" % (ip_s(x["a"]), x["plen"], ip_s(x["brd"]), "P" if x["owns"] else "S") for x in self.addrs]
        r = sorted("%s/%d src %s" % (ip_s(d), n, ip_s(s)) for (d, n, s) in self.routes)
        return " | ".join(a) + " || " + " | ".join(r)


def addr_cases():
    pool = ["192.0.2.1", "192.0.2.2", "192.0.2.130", "198.51.100.1", "203.0.113.0", "203.0.113.1", "10.1.2.3",
            "172.16.5.4", "192.168.7.7"]
    probes = ["192.0.2.255", "192.0.2.0", "192.0.2.127", "192.0.2.128", "203.0.113.0", "203.0.113.1", "10.255.255.255",
              "10.0.0.0", "255.255.255.255", "0.0.0.0", "198.51.100.255", "172.16.255.255", "8.8.8.8", "127.0.0.1"]
    cases = []
    for _ in range(40):
        m = AddrModel()
        ops = []
        for _ in range(rng.randint(4, 14)):
            k = rng.random()
            a = int(ipaddress.IPv4Address(rng.choice(pool)))
            if k < 0.5 and len(m.addrs) < 6:
                plen = rng.choice([-1, 24, 24, 25, 31, 32, 16, 8])
                brd = rng.choice([-1, -1, -1, a | 0xFF])
                err = m.add(a, plen, brd)
                ops.append(["add", a, plen, brd, err, m.state()])
            elif k < 0.75:
                if rng.random() < 0.1:
                    a = 0
                err = m.delete(a)
                ops.append(["del", a, 0, 0, err, m.state()])
            elif k < 0.9:
                t = int(ipaddress.IPv4Address(rng.choice(probes)))
                ops.append(["bcast", t, 0, 0, 1 if m.broadcast(t) else 0, ""])
            else:
                t = int(ipaddress.IPv4Address(rng.choice(probes + pool)))
                ops.append(["route", t, 0, 0, 0, m.lookup(t)])
        if rng.random() < 0.2:
            ops.append(["add", int(ipaddress.IPv4Address("224.0.0.9")), 24, -1, -22, m.state()])
        cases.append(ops)
    return {"about": "address ops on one broadcast interface: [op, addr, plen, brd, expected errno or bool, "
                     "state after ('addr/len brd P|S ... || route src ...') or best route]",
            "cases": cases}


# --- lltable operations: an independent model of the state machine -------
#
# Capacity 16 (vectors never fill it), Linux's default timers, 125 ms ticks,
# deadlines one tick late so no wait is ever shorter than asked.

INCOMPLETE, REACHABLE, STALE, DELAY, PROBE = 0, 1, 2, 3, 4
P_REACH, P_STALE, P_DELAY, P_RETRANS, P_MCAST, P_UCAST = 30000, 600000, 5000, 1000, 3, 3


class LltModel:
    def __init__(self):
        self.now = 0
        self.e = {}  # ip -> dict(state, flags, probes, mac, deadline, held)
        self.solicits = 0
        self.sent = 0

    def tick(self):
        return self.now // 125

    def deadline(self, x, ms):
        x["deadline"] = self.tick() + -(-ms // 125) + 1

    def on_link(self, a):
        return a & 0xFFFFFF00 == 0xC0000200

    def resolve(self, a, router):
        x = self.e.get(a)
        if x is not None:
            if router:
                x["flags"] |= 8
            if x["state"] == INCOMPLETE:
                x["held"] = True
                return 1
            if x["state"] == STALE:
                x["state"] = DELAY
                self.deadline(x, P_DELAY)
            return 0
        if not self.on_link(a):
            return -113
        x = {"state": INCOMPLETE, "flags": 8 if router else 0, "probes": 1, "mac": -1, "held": True}
        self.deadline(x, P_RETRANS)
        self.e[a] = x
        self.solicits += 1
        return 1

    def learn(self, x, mac, reachable):
        x["mac"] = mac
        x["probes"] = 0
        self.deadline(x, P_REACH if reachable else P_STALE)
        if x["held"]:
            x["held"] = False
            self.sent += 1

    def input(self, a, mac, solicited, for_us):
        x = self.e.get(a)
        if x is None:
            if not for_us or not self.on_link(a):
                return 0
            x = {"state": REACHABLE if solicited else STALE, "flags": 0, "probes": 0, "mac": -1, "held": False}
            self.e[a] = x
            self.learn(x, mac, solicited)
            return 2
        if x["flags"] & 1:
            return 3 if x["mac"] != mac else 0
        if solicited or x["state"] == INCOMPLETE:
            x["state"] = REACHABLE if solicited else STALE
            self.learn(x, mac, solicited)
            return 1
        if x["mac"] == mac:
            return 0
        x["state"] = STALE
        self.learn(x, mac, False)
        return 1

    def static(self, a, mac, flags):
        x = self.e.get(a)
        if x is None:
            x = {"held": False, "deadline": 0}
            self.e[a] = x
        x.update(state=REACHABLE, flags=(flags & 15) | 1, mac=mac, probes=0)
        if x["held"]:
            x["held"] = False
            self.sent += 1

    def remove(self, a):
        return 1 if self.e.pop(a, None) is not None else 0

    def step(self, a, x):
        st = x["state"]
        if st == REACHABLE:
            x["state"] = STALE
            self.deadline(x, P_STALE)
            return
        if st == DELAY:
            x["state"] = PROBE
            x["probes"] = 1
            self.deadline(x, P_RETRANS)
            self.solicits += 1
            return
        limit = P_MCAST if st == INCOMPLETE else P_UCAST if st == PROBE else 0
        if x["probes"] < limit:
            x["probes"] += 1
            self.deadline(x, P_RETRANS)
            self.solicits += 1
            return
        del self.e[a]

    def advance(self, ms):
        end = self.now + ms
        while True:
            due = [x["deadline"] for x in self.e.values() if not x["flags"] & 1]
            if not due or min(due) * 125 > end:
                break
            self.now = max(self.now, min(due) * 125)
            for a, x in list(self.e.items()):
                if a in self.e and not x["flags"] & 1 and x["deadline"] <= self.tick():
                    self.step(a, x)
        self.now = end

    def check(self, a):
        x = self.e.get(a)
        if x is None:
            return [-1, 0, 0, -1, self.solicits, self.sent]
        return [x["state"], x["probes"], x["flags"], -1 if x["state"] == INCOMPLETE else x["mac"], self.solicits, self.sent]


def lltable_cases():
    ips = [int(ipaddress.IPv4Address("192.0.2.%d" % h)) for h in (2, 3, 18, 34, 200)]
    ips.append(int(ipaddress.IPv4Address("198.51.100.9")))  # off-link
    cases = []
    for _ in range(60):
        m = LltModel()
        ops = []
        for _ in range(rng.randint(6, 30)):
            k = rng.random()
            a = rng.choice(ips)
            if k < 0.3:
                r = rng.random() < 0.2
                ops.append(["resolve", a, 1 if r else 0, 0, m.resolve(a, r)])
            elif k < 0.55:
                mac, sol, fu = rng.randint(1, 3), rng.random() < 0.5, rng.random() < 0.7
                ops.append(["input", a, mac, (2 if sol else 0) + (1 if fu else 0), m.input(a, mac, sol and fu, fu)])
            elif k < 0.6:
                mac, fl = rng.randint(1, 3), rng.choice([0, 4, 8, 2])
                m.static(a, mac, fl)
                ops.append(["static", a, mac, fl, 0])
            elif k < 0.65:
                ops.append(["remove", a, 0, 0, m.remove(a)])
            elif k < 0.85:
                ms = rng.choice([100, 500, 1000, 1500, 3000, 5200, 31000, 600000, 700000])
                m.advance(ms)
                ops.append(["advance", ms, 0, 0, 0])
            else:
                ops.append(["check", a, 0, 0, m.check(a)])
        for a in ips:
            ops.append(["check", a, 0, 0, m.check(a)])
        cases.append(ops)
    return {"about": "lltable ops (capacity 16, Linux default timers): [op, ip, arg, arg, expected]; input's 4th "
                     "field is 2*solicited + forUs; check gives [state or -1, probes, flags, mac tag or -1, "
                     "requests sent, held frames sent]",
            "cases": cases}


os.makedirs(OUT, exist_ok=True)
write("u32", u32_cases())
write("bytes", bytes_cases())
write("cksum", cksum_cases())
write("ipv4", ipv4_cases())
write("mac", mac_cases())
write("addr", addr_cases())
write("lltable", lltable_cases())
