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


os.makedirs(OUT, exist_ok=True)
write("u32", u32_cases())
write("bytes", bytes_cases())
write("cksum", cksum_cases())
write("ipv4", ipv4_cases())
write("mac", mac_cases())
