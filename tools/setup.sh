#!/usr/bin/env bash
# Installs what the project needs on Debian 12 with Node 20: the Debian
# packages the tests use (idempotent: only what is missing) and the npm
# packages from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

# Lua interpreters (conformance, the Lua build's luac checks) and luasocket
# (the Lua host bundles on the UDP frame link), 32-bit (i386) as NodeMCU's
# Lua is: the memory bench and the boards' Lua budgets measure what a 32-bit
# Lua holds; socat
# (pseudo-terminal pairs, and the host link's TAP bridge); iproute2, ping and
# tshark for the tests that put the firmware on a Linux network; the four
# DHCP servers the client is proven against (dnsmasq, ISC dhcpd, Kea, busybox
# udhcpd), the peer clients the bench compares with (busybox udhcpc, dhcpcd,
# dhclient), nftables (this kernel has no netem; loss is dropped by nft) and
# pyroute2, which must decode everything the control channel sends; g++ and
# make for nodemcu-tool's serial port binding, which npm builds from source;
# for the device's services: chrony (an NTP server), python3-zeroconf (an
# mDNS querier), avahi-daemon (a host that defends its mDNS name), netcat;
# curl (the Linux peer that fetches the device's web page); radvd (the IPv6
# router whose advertisements the device's SLAAC follows).
PACKAGES=(lua5.1:i386 lua-bitop:i386 lua5.3:i386 lua-socket:i386 socat iproute2 iputils-ping tshark
  dnsmasq-base isc-dhcp-server kea-dhcp4-server busybox dhcpcd-base
  isc-dhcp-client nftables python3-pyroute2 g++ make linux-libc-dev
  chrony python3-zeroconf avahi-daemon netcat-openbsd curl radvd)
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to add the i386 architecture for 32-bit Lua (run: sudo $0)" >&2
    exit 1
  fi
  dpkg --add-architecture i386
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to install: ${missing[*]} (run: sudo $0)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The server packages would start system-wide daemons on install; the
  # tests start their own inside namespaces, so forbid service starts while
  # apt runs (only if nobody else has a policy in place).
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$made_policy" = 1 ] && rm -f "$policy" && made_policy=0
fi

# nodemcu-tool (the NodeMCU uploader) talks through serialport 8, whose
# binding ships as source: package.json's allowScripts lets its install
# script run, and build-from-source makes it compile with node-gyp against
# the installed Node's headers instead of fetching a prebuilt binary.
npm_config_build_from_source=true npm ci --no-fund --no-audit
binding=node_modules/@serialport/bindings/build/Release/bindings.node
if [ ! -e "$binding" ]; then
  echo "setup: $binding was not built (needs g++, make, python3 and Node's headers); npm run flash cannot reach NodeMCU boards" >&2
  exit 1
fi
