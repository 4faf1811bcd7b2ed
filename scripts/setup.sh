#!/usr/bin/env bash
# Installs what PortLab needs and is missing: Debian packages (when root) and npm dependencies.
# Idempotent and quiet when everything is there, so `npm run demo` and `npm test` can call it first.
set -euo pipefail
cd "$(dirname "$0")/.."

# Packages the engine, the lab sandbox and the tests use; each is checked before apt is touched.
APT_PACKAGES=(libpcap-dev nftables iproute2 dnsmasq-base nmap tshark tcpdump libxml2-utils python3 python3-scapy make g++ procps sudo libcap2-bin util-linux)
missing=()
for p in "${APT_PACKAGES[@]}" ${PORTLAB_EXTRA_APT:-}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "portlab setup: missing Debian packages: ${missing[*]} — run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
  echo "portlab setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # wireshark-common asks whether non-root users may capture; answer it before apt asks.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies: install when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "portlab setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund >&2
fi

# The native layer: `npm ci` builds it (package.json's install script); a checkout whose node_modules predates
# it, or whose native/ sources changed since, builds it here.
addon=build/Release/portlab_native.node
if [ ! -f "$addon" ] || [ -n "$(find native binding.gyp -newer "$addon" -print -quit)" ]; then
  echo "portlab setup: building the native layer" >&2
  npm run --silent install >&2
fi
