"""The Linux side of the TCP transfer tests, run in the peer's namespace.

  tcp_peer.py send ADDR PORT BYTES TIMEOUT   send BYTES of a seeded pattern, half-close,
                                             then read the device's answer: its SHA-256 in hex
  tcp_peer.py recv ADDR PORT BYTES TIMEOUT [SLOW]
                                             read until the device closes; check length and pattern;
                                             SLOW: a 2 KB receive buffer read 1 KB each 10 ms
  tcp_peer.py flood ADDR PORT COUNT          COUNT raw SYNs from random ports (no handshake follows)
  tcp_peer.py serve ADDR BYTES               what the device's transfer program does, by Linux's
                                             own TCP: a sink on 5001, a source of BYTES on 5002

Each prints one line: "ok ..." or "fail ...", and exits 0 or 1.
"""
import hashlib
import random
import socket
import struct
import sys
import threading
import time


def pattern(n):
    # The device's program makes the same bytes (test/fixtures/tcp-transfer.js).
    return bytes((i * 131 + (i >> 11) * 7) & 0xFF for i in range(n))


def send(addr, port, n, timeout):
    data = pattern(n)
    s = socket.create_connection((addr, port), timeout=timeout)
    t0 = time.monotonic()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    answer = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        answer += b
    dt = time.monotonic() - t0
    want = hashlib.sha256(data).hexdigest()
    got = answer.decode(errors="replace").strip()
    if got == want:
        print(f"ok sent {n} bytes in {dt:.2f} s")
        return 0
    print(f"fail the device's digest {got!r} is not {want}")
    return 1


def recv(addr, port, n, timeout, slow):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if slow:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.settimeout(timeout)
    s.connect((addr, port))
    t0 = time.monotonic()
    got = bytearray()
    while True:
        if slow:
            time.sleep(0.01)
        b = s.recv(1024 if slow else 65536)
        if not b:
            break
        got += b
    dt = time.monotonic() - t0
    if len(got) != n:
        print(f"fail got {len(got)} bytes, not {n}")
        return 1
    want = pattern(n)
    if bytes(got) != want:
        first = next(i for i in range(n) if got[i] != want[i])
        print(f"fail the bytes differ from offset {first}")
        return 1
    print(f"ok received {n} bytes in {dt:.2f} s")
    return 0


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return 0xFFFF - s


def flood(addr, port, count):
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    # The kernel fills in the IP header; the source address is the route's.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.connect((addr, 9))
    src = socket.inet_aton(probe.getsockname()[0])
    dst = socket.inet_aton(addr)
    rnd = random.Random(1)
    for i in range(count):
        sport = rnd.randrange(20000, 60000)
        seq = rnd.getrandbits(32)
        hdr = struct.pack("!HHIIBBHHH", sport, port, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(hdr))
        c = checksum(pseudo + hdr)
        hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
        raw.sendto(hdr, (addr, 0))
    print(f"ok sent {count} SYNs")
    return 0


def serve(addr, n):
    data = pattern(n)

    def sink(c):
        h = hashlib.sha256()
        while True:
            b = c.recv(65536)
            if not b:
                break
            h.update(b)
        c.sendall((h.hexdigest() + "\n").encode())
        c.close()

    def source(c):
        c.sendall(data)
        c.close()

    def listen(port, handler):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(4)
        while True:
            c, _ = s.accept()
            threading.Thread(target=handler, args=(c,), daemon=True).start()

    threading.Thread(target=listen, args=(5001, sink), daemon=True).start()
    print("ok serving", flush=True)
    listen(5002, source)


def main():
    cmd = sys.argv[1]
    if cmd == "send":
        return send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    if cmd == "recv":
        slow = len(sys.argv) > 6 and sys.argv[6] == "slow"
        return recv(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), slow)
    if cmd == "serve":
        return serve(sys.argv[2], int(sys.argv[3]))
    if cmd == "flood":
        return flood(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    print(f"fail unknown command {cmd}")
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, StopIteration) as e:
        print(f"fail {type(e).__name__}: {e}")
        sys.exit(1)
