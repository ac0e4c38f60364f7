#!/usr/bin/env bash
# Fetches Apache ECharts from the npm registry and writes the files the
# binary embeds (src/report/interactive.rs, include_str!):
#   echarts.min.js   the package's dist/echarts.min.js (the full minified
#                    build: canvas and SVG renderers, every chart and
#                    component), byte for byte as published
#   LICENSE, NOTICE  the package's licence (Apache-2.0) and notice;
#   LICENSE-d3       the licence of the d3 code it contains
# The version and the sha256 of the package and of echarts.min.js are
# pinned below and in README.md here: the script fails on any other bytes.
#
# Needs npm (any version that has `npm pack`), tar and sha256sum.
# Usage: bash data/echarts/fetch.sh        (from anywhere)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
VERSION="${VERSION:-6.1.0}"
# sha256 of echarts-6.1.0.tgz as the registry serves it (its sha512
# integrity: q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==).
TGZ_SHA256="${TGZ_SHA256:-681aff88cc1038c3fa941a3a53d1b177a52250b05335efc607d6105ae13be481}"
# sha256 of package/dist/echarts.min.js in it.
JS_SHA256="${JS_SHA256:-b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "echarts@$VERSION" --silent >/dev/null)
tgz="$work/echarts-$VERSION.tgz"
echo "$TGZ_SHA256  $tgz" | sha256sum -c --quiet
tar -xzf "$tgz" -C "$work" package/dist/echarts.min.js package/LICENSE package/NOTICE package/licenses/LICENSE-d3
echo "$JS_SHA256  $work/package/dist/echarts.min.js" | sha256sum -c --quiet
# The page inlines the file in a <script> element: it must not hold a
# sequence that ends or confuses one.
if grep -q -i -e '</script' -e '<!--' "$work/package/dist/echarts.min.js"; then
  echo "echarts.min.js holds </script or <!--: it cannot be inlined" >&2
  exit 1
fi
cp "$work/package/dist/echarts.min.js" "$here/echarts.min.js"
cp "$work/package/LICENSE" "$here/LICENSE"
cp "$work/package/NOTICE" "$here/NOTICE"
cp "$work/package/licenses/LICENSE-d3" "$here/LICENSE-d3"
echo "wrote $here/echarts.min.js (ECharts $VERSION, $(stat -c %s "$here/echarts.min.js") bytes)"
