#!/usr/bin/env bash
# Regenerates the README's pictures from the bundled demo (needs graphviz and chromium:
# apt-get install graphviz chromium). Run from the repository root: docs/images/generate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=docs/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The connectivity graph: faint dashed edges allow everything, green ones only the ports shown.
netverify matrix fixtures/demo --format dot | dot -Tpng -Gdpi=64 -o "$out/demo-graph.png"

# The HTML page, with one cell's reason open in the side panel (#pair=SRC,DST).
netverify matrix fixtures/demo --format html > "$work/demo.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$work/profile" \
  --window-size=1400,640 --screenshot="$out/demo-matrix.png" \
  "file://$work/demo.html#pair=shop/Deployment/web,shop/Deployment/api" 2>/dev/null
ls -l "$out"/demo-*.png
