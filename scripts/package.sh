#!/usr/bin/env bash
# Builds portlab-<version>.vsix: the bundles, plus the native layer (build/Release/portlab_native.node).
# It is on Node-API, so the one build for this platform loads in every runtime the helper may run on
# (Node 18 and later, and the editor's own Electron): no build per Node ABI. node-gyp compiles it with
# any Node's headers (npm's default nodedir; the system's /usr here), offline.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ADDON=build/Release/portlab_native.node
NODE_GYP=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js
[ -f "$NODE_GYP" ] || { echo "package: node-gyp not found next to npm ($NODE_GYP)" >&2; exit 2; }
NODEDIR=$(npm config get nodedir)
nodedir=()
[ -n "$NODEDIR" ] && [ "$NODEDIR" != undefined ] && [ "$NODEDIR" != null ] && nodedir=(--nodedir="$NODEDIR")
STAGE=$(mktemp -d)
LOG=$STAGE.log
trap 'rm -rf "$STAGE" "$LOG"' EXIT

# The addon is compiled from native/ in a folder of its own (.tools/native-build, incremental: the
# sources keep their times), not in build/: `npm ci` or a developer may be rebuilding build/ meanwhile.
# node-addon-api resolves from there through the checkout's node_modules.
NATIVE_BUILD=$ROOT/.tools/native-build
mkdir -p "$NATIVE_BUILD"
(
  flock 9
  rm -rf "$NATIVE_BUILD/native" && cp -rp native binding.gyp "$NATIVE_BUILD/"
  cd "$NATIVE_BUILD"
  if [ ! -f build/Makefile ] || [ binding.gyp -nt build/Makefile ]; then
    node "$NODE_GYP" configure --release "${nodedir[@]}" >"$LOG" 2>&1 || { tail -20 "$LOG" >&2; echo "package: configuring the native layer failed" >&2; exit 1; }
  fi
  node "$NODE_GYP" build --release "${nodedir[@]}" >"$LOG" 2>&1 || { tail -20 "$LOG" >&2; echo "package: building the native layer failed" >&2; exit 1; }
  mkdir -p "$STAGE/build/Release" && cp "$ADDON" "$STAGE/$ADDON"
) 9>"$NATIVE_BUILD.lock"
echo "package: native layer built ($ADDON)" >&2

# The .vsix's bundles go straight to the stage: a build of out/ that someone starts meanwhile is not theirs.
node scripts/build.mjs --production --outdir="$STAGE/out"
packaged=$(npx vsce ls --no-dependencies)
# Only the addon of build/: not its objects, Makefiles or a debug build.
if extra=$(grep -E '^build/' <<<"$packaged" | grep -vxF "$ADDON"); then
  echo "package: build/ files besides the addon would be in the .vsix (see .vscodeignore): $extra" >&2
  exit 1
fi
# Packed from a copy of the files .vscodeignore lets in, with the addon and bundles just built: nothing
# that changes in the checkout meanwhile can go missing from the .vsix.
while IFS= read -r file; do
  case $file in "$ADDON" | out/*) ;; *) mkdir -p "$STAGE/$(dirname "$file")" && cp -p "$file" "$STAGE/$file" ;; esac
done <<<"$packaged"
cp .vscodeignore "$STAGE/"
# Every file the manifest names or the extension loads must go in: one that .vscodeignore leaves out
# fails only in the student's editor (a missing bundle, a preview without its diagrams, no native layer).
staged=$(cd "$STAGE" && "$ROOT/node_modules/.bin/vsce" ls --no-dependencies)
needed=$(node -p 'const p = require("./package.json"), c = p.contributes; [p.main, "out/cli.js", "out/portlab.js", "out/webview.js", "out/capture-editor.js", ...c["markdown.previewScripts"], ...c["markdown.previewStyles"], c.viewsContainers.activitybar[0].icon].map((f) => require("node:path").normalize(f)).join("\n")')
for file in $needed $ADDON; do
  grep -qxF "$file" <<<"$staged" || { echo "package: $file would not be in the .vsix (see .vscodeignore)" >&2; exit 1; }
done
vsix=$ROOT/portlab-$(node -p 'require("./package.json").version').vsix
# The README links to files of the repository; inside the .vsix they stay relative.
(cd "$STAGE" && "$ROOT/node_modules/.bin/vsce" package --no-dependencies --allow-missing-repository --no-rewrite-relative-links --out "$vsix" >&2)
contents=$(unzip -l "$vsix")
grep -q " extension/$ADDON\$" <<<"$contents" || { echo "package: $ADDON is not in $vsix" >&2; exit 1; }
ls -l "$vsix" >&2
