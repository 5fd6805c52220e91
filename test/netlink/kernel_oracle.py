#!/usr/bin/python3
"""The Linux kernel as the oracle of the differential control-channel tests.

Reads cases as JSON lines on stdin and writes one JSON line per case. Each
case runs in a child process in a network namespace of its own (unshare), set
up with `ip -batch` lines; the namespace dies with the child, so nothing is
left behind and no traffic leaves it. A case:

  {"setup": ["link add eth0 ...", ...], "pid": 4242, "groups": mask,
   "requests": ["<hex of one datagram>", ...], "ipv6": false}

and its answer:

  {"replies": [["<hex of one message>", ...] per request],
   "notifications": ["<hex of one message>", ...],
   "state": {"links": [...], "addrs": [...], "routes": [...], "neigh": [...]}}

Replies are read without blocking after each send: rtnetlink handles a
request inside sendmsg(), and a dump's next part inside recvmsg(), so once
the socket is empty every answer is in.
"""
import ctypes
import fcntl
import json
import os
import socket
import struct
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000

libc = ctypes.CDLL(None, use_errno=True)


def messages(data):
    """Splits one datagram into its messages (hex)."""
    out = []
    off = 0
    while off + 16 <= len(data):
        n = struct.unpack_from("<I", data, off)[0]
        if n < 16 or off + n > len(data):
            out.append(data[off:].hex())
            break
        out.append(data[off:off + n].hex())
        off += (n + 3) & ~3
    return out


def drain(sock):
    got = []
    while True:
        try:
            data = sock.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return got
        except OSError as e:  # ENOBUFS on overrun: report it as the kernel would to a reader
            got.append({"errno": e.errno})
            continue
        got.extend(messages(data))


def ip_json(*args):
    r = subprocess.run(["ip", "-j", *args], capture_output=True, text=True, check=True)
    return json.loads(r.stdout or "[]")


def state():
    links = [
        [l["ifindex"], l["ifname"], sorted(l.get("flags", [])), l.get("mtu"), l.get("ifalias", ""),
         l.get("address", "")]
        for l in ip_json("link", "show")
    ]
    addrs = []
    for l in ip_json("-4", "addr", "show"):
        for a in l.get("addr_info", []):
            addrs.append([l["ifindex"], a["local"], a["prefixlen"], a.get("address", a["local"]),
                          a.get("broadcast", ""), a.get("label", "")])
    routes = [
        [r["dst"], r.get("gateway", ""), r.get("dev", ""), r.get("metric", 0)]
        for r in ip_json("-4", "route", "show", "table", "main")
    ]
    neigh = [
        [n["dev"], n["dst"], n.get("lladdr", ""), sorted(n.get("state", []))]
        for n in ip_json("-4", "neigh", "show")
    ]
    return {"links": links, "addrs": sorted(addrs), "routes": sorted(routes), "neigh": sorted(neigh)}


def child(case):
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
    # IPv6 off, so its link-local addresses and routes do not mix into the IPv4 picture; an IPv6
    # case keeps it, without DAD (the device's mirror skips it too) and without router solicitations.
    v6 = case.get("ipv6", False)
    sysctls = {"accept_dad": "0", "router_solicitations": "0"} if v6 else {"disable_ipv6": "1"}
    for k in ("all", "default"):
        for name, value in sysctls.items():
            with open("/proc/sys/net/ipv6/conf/%s/%s" % (k, name), "w") as f:
                f.write(value)
    # This kernel has no dummy links: eth0 is a TAP held open here, so it has a carrier as the device's does.
    taps = []
    for name in case.get("taps", []):
        fd = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
        taps.append(fd)
    r = subprocess.run(["ip", "-batch", "-"], input="\n".join(case["setup"]) + "\n",
                   text=True, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("setup: " + r.stderr.strip())
    if v6:
        # IPv6's own bring-up (the link-local address announced from a work queue) is over before listening.
        time.sleep(0.2)
    mon = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    mon.bind((0, case.get("groups", 0)))
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((case.get("pid", 4242), 0))
    replies = []
    for h in case["requests"]:
        s.sendto(bytes.fromhex(h), (0, 0))
        replies.append(drain(s))
    if v6:
        # IPv6 announces some changes from a work queue (an address once it is ready): let them out.
        time.sleep(0.2)
    return {"replies": replies, "notifications": drain(mon), "state": state()}


def run(case):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = child(case)
        except Exception as e:  # the parent reports it; the namespace goes with this process
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        with os.fdopen(w, "w") as f:
            f.write(json.dumps(out))
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        text = f.read()
    os.waitpid(pid, 0)
    return text


def main():
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(run(json.loads(line)) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
