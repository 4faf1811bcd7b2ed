#!/usr/bin/env bash
# The main job from a fresh clone: install what is missing, build, then `portlab demo` (lab up; scans of its
# IPv4 target with every technique, of its stateless host with the TCP ones, of its IPv6 target; results +
# captures + reports per scan; lab down). Arguments go to `portlab demo` (e.g. --out DIR, --id N).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "npm run demo: the lab sandbox needs root (network namespaces, raw sockets): run it with sudo" >&2
  exit 2
fi
bash scripts/setup.sh
npm run --silent build
exec node out/cli.js demo "$@"
