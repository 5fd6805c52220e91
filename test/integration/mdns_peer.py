"""The Linux peer's mDNS querier, python3-zeroconf (a real mDNS
implementation) on one interface address:

  mdns_peer.py resolve ADDR NAME [SECONDS]   print NAME's A records as the cache has them ("-" for none)
"""
import socket
import sys
import time
import logging
import os

if os.environ.get("MDNS_DEBUG"):
    logging.basicConfig(level=logging.DEBUG)
    logging.getLogger("zeroconf").setLevel(logging.DEBUG)

from zeroconf import DNSOutgoing, DNSQuestion, IPVersion, Zeroconf
from zeroconf._utils.time import current_time_millis
from zeroconf.const import _CLASS_IN, _FLAGS_QR_QUERY, _TYPE_A


def resolve(addr: str, name: str, seconds: float) -> None:
    zc = Zeroconf(interfaces=[addr], ip_version=IPVersion.V4Only)
    fqdn = name if name.endswith(".") else name + "."
    try:
        until = time.time() + seconds
        while time.time() < until:
            out = DNSOutgoing(_FLAGS_QR_QUERY)
            out.add_question(DNSQuestion(fqdn, _TYPE_A, _CLASS_IN))
            zc.send(out)
            time.sleep(0.5)
            now = current_time_millis()
            recs = zc.cache.entries_with_name(fqdn)
            live = [r for r in recs if r.type == _TYPE_A and r.class_ == _CLASS_IN and not r.is_expired(now)]
            if live:
                print(" ".join(sorted(socket.inet_ntoa(r.address) for r in live)), flush=True)
                return
        print("-", flush=True)
    finally:
        zc.close()


if __name__ == "__main__":
    if sys.argv[1] == "resolve":
        resolve(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 5.0)
    else:
        sys.exit("usage: mdns_peer.py resolve ADDR NAME [SECONDS]")
