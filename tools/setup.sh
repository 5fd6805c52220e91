#!/usr/bin/env bash
# Installs what the project needs on Debian 12 with Node 20: the Debian
# packages the tests use (idempotent: only what is missing) and the npm
# packages from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

# Lua interpreters (conformance and the Lua build's luac checks); socat
# (pseudo-terminal pairs, and the host link's TAP bridge); iproute2, ping and
# tshark for the tests that put the firmware on a Linux network.
PACKAGES=(lua5.1 lua-bitop lua5.3 socat iproute2 iputils-ping tshark)
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
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-fund --no-audit
