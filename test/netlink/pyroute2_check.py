#!/usr/bin/python3
"""pyroute2 (Debian's python3-pyroute2) as an independent netlink decoder and
encoder for the tests.

decode: reads JSON lines {"proto": 0|16, "hex": "..."} (one datagram each)
        and prints one JSON line per datagram: the messages pyroute2 decoded
        (type, flags, seq, header fields, attributes) or the error it raised.
encode: prints JSON lines {"name": ..., "hex": ...}: requests built by
        pyroute2's own message classes, for the firmware to accept.
"""
import json
import sys

from pyroute2.netlink import genlmsg, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST
from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
from pyroute2.netlink.rtnl.marshal import MarshalRtnl
from pyroute2.netlink.rtnl.ndmsg import ndmsg
from pyroute2.netlink.rtnl.rtmsg import rtmsg


class netrtmsg(genlmsg):
    """Our generic family (README: control channel)."""

    nla_map = (
        ("NETRT_A_UNSPEC", "none"),
        ("NETRT_A_GROUPS", "uint32"),
        ("NETRT_A_IFINDEX", "uint32"),
        ("NETRT_A_DHCP_STATE", "uint8"),
        ("NETRT_A_DHCP_EVENT", "uint8"),
        ("NETRT_A_ADDRESS", "ip4addr"),
        ("NETRT_A_PREFIXLEN", "uint8"),
        ("NETRT_A_SERVER", "ip4addr"),
        ("NETRT_A_ROUTER", "ip4addr"),
        ("NETRT_A_DNS", "ip4addr"),
        ("NETRT_A_DOMAIN", "asciiz"),
        ("NETRT_A_LEASE", "uint32"),
        ("NETRT_A_T1", "uint32"),
        ("NETRT_A_T2", "uint32"),
        ("NETRT_A_REMAINING", "uint32"),
        ("NETRT_A_STATE_NAME", "asciiz"),
        ("NETRT_A_NONCE", "cdata"),
        ("NETRT_A_MAC", "cdata"),
        ("NETRT_A_KEY", "cdata"),
        ("NETRT_A_KEYED", "uint8"),
        ("NETRT_A_TIMEOUT", "uint32"),
        ("NETRT_A_SIZE", "uint32"),
        ("NETRT_A_RTT", "uint32"),
        ("NETRT_A_TTL", "uint8"),
        ("NETRT_A_LLADDR", "cdata"),
        ("NETRT_A_CONFIG", "cdata"),
        ("NETRT_A_CONFIG_STATUS", "uint8"),
    )


NETRT_GENL_TYPE = 32


def plain(v):
    if isinstance(v, (int, str)) or v is None:
        return v
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if hasattr(v, "get") and "attrs" in v:
        return {"attrs": [[a[0], plain(a[1])] for a in v["attrs"]]}
    return str(v)


def summary(msg):
    h = msg["header"]
    out = {"type": h["type"], "flags": h["flags"], "seq": h["sequence_number"], "error": h.get("error") and str(h["error"])}
    out["fields"] = {k: plain(msg[k]) for k in msg.keys() if k not in ("header", "attrs", "value", "event")}
    out["attrs"] = [[a[0], plain(a[1])] for a in msg.get("attrs", [])]
    return out


def message_types(data):
    off = 0
    while off + 16 <= len(data):
        length = int.from_bytes(data[off:off + 4], "little")
        yield off, length, int.from_bytes(data[off + 4:off + 6], "little")
        if length < 16:
            return
        off += (length + 3) & ~3


def decode(line):
    """Strict: a frame's protocol byte says its family, and every message must belong to it."""
    req = json.loads(line)
    data = bytes.fromhex(req["hex"])
    if req["proto"] == 16:
        msgs = []
        for off, length, mtype in message_types(data):
            if mtype == NETRT_GENL_TYPE:
                m = netrtmsg(data[off:off + length])
                m.decode()
            elif mtype in (2, 3):
                m = MarshalRtnl().parse(data[off:off + length])[0]
            else:
                raise ValueError("type %d in a frame of our family (protocol 16)" % mtype)
            msgs.append(summary(m))
        return msgs
    if req["proto"] != 0:
        raise ValueError("protocol %d is neither rtnetlink (0) nor our family (16)" % req["proto"])
    for _, _, mtype in message_types(data):
        if mtype != 2 and mtype != 3 and not 16 <= mtype <= 31:
            raise ValueError("type %d in an rtnetlink frame is not a link, address, route or neighbour message" % mtype)
    return [summary(m) for m in MarshalRtnl().parse(data)]


def encode():
    out = []

    def emit(name, msg, mtype, flags):
        msg["header"]["type"] = mtype
        msg["header"]["flags"] = NLM_F_REQUEST | flags
        msg["header"]["sequence_number"] = len(out) + 100
        msg.encode()
        out.append({"name": name, "hex": msg.data.hex()})

    m = ifinfmsg()
    emit("getlink dump", m, 18, NLM_F_DUMP)
    m = ifinfmsg()
    m["attrs"] = [("IFLA_IFNAME", "eth0")]
    emit("getlink by name", m, 18, 0)
    m = ifinfmsg()
    m["index"] = 2
    m["attrs"] = [("IFLA_MTU", 1400)]
    emit("newlink mtu", m, 16, NLM_F_ACK)
    m = ifinfmsg()
    m["index"] = 2
    m["attrs"] = [("IFLA_IFALIAS", "from pyroute2")]
    emit("newlink alias", m, 16, NLM_F_ACK)
    m = ifaddrmsg()
    m["family"] = 2
    emit("getaddr dump", m, 22, NLM_F_DUMP)
    m = ifaddrmsg()
    m["family"], m["prefixlen"], m["index"] = 2, 24, 2
    m["attrs"] = [("IFA_LOCAL", "198.51.100.9"), ("IFA_ADDRESS", "198.51.100.9"), ("IFA_LABEL", "eth0")]
    emit("newaddr", m, 20, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
    m = ifaddrmsg()
    m["family"], m["prefixlen"], m["index"] = 2, 24, 2
    m["attrs"] = [("IFA_LOCAL", "198.51.100.9")]
    emit("deladdr", m, 21, NLM_F_ACK)
    m = ndmsg()
    m["family"], m["ifindex"], m["state"] = 2, 2, 0x80
    m["attrs"] = [("NDA_DST", "192.0.2.77"), ("NDA_LLADDR", "02:00:00:00:00:77")]
    emit("newneigh", m, 28, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
    m = ndmsg()
    m["family"] = 2
    emit("getneigh dump", m, 30, NLM_F_DUMP)
    m = ndmsg()
    m["family"], m["ifindex"] = 2, 2
    m["attrs"] = [("NDA_DST", "192.0.2.77")]
    emit("delneigh", m, 29, NLM_F_ACK)
    m = rtmsg()
    m["family"] = 2
    emit("getroute dump", m, 26, NLM_F_DUMP)
    m = rtmsg()
    m["family"], m["table"], m["proto"], m["type"] = 2, 254, 4, 1
    m["attrs"] = [("RTA_GATEWAY", "192.0.2.1"), ("RTA_OIF", 2)]
    emit("newroute default", m, 24, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
    m = netrtmsg()
    m["cmd"] = 2
    m["version"] = 1
    emit("netrt dhcp get", m, NETRT_GENL_TYPE, 0)
    for o in out:
        print(json.dumps(o))


if __name__ == "__main__":
    if sys.argv[1:] == ["encode"]:
        encode()
    else:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                print(json.dumps({"ok": True, "messages": decode(line)}))
            except Exception as e:  # the test reports what pyroute2 could not take
                print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
