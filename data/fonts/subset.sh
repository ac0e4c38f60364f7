#!/usr/bin/env bash
# Regenerates data/fonts/wqy-microhei-gb2312.ttf, the chart font embedded in
# the binary (src/chart/font.rs), from WenQuanYi Micro Hei as shipped by the
# Debian package fonts-wqy-microhei 0.2.0-beta-3.1 (Apache-2.0, or GPL-3+
# with a font embedding exception; used here under Apache-2.0 — see
# README.md here).
#
# Needs python3 and fontTools (pip install 'fonttools==4.68.0'). Takes the
# installed /usr/share/fonts/truetype/wqy/wqy-microhei.ttc (apt-get install
# fonts-wqy-microhei), or TTC=FILE; when neither is there it fetches the
# package with `apt-get download fonts-wqy-microhei` and unpacks it with
# dpkg-deb -x.
# Usage: bash data/fonts/subset.sh        (from anywhere)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
TTC="${TTC:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}"
# sha256 of wqy-microhei.ttc in fonts-wqy-microhei 0.2.0-beta-3.1
# (WenQuanYi Micro Hei "Version 0.2.0-beta").
TTC_SHA256="${TTC_SHA256:-2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3}"
OUT="$here/wqy-microhei-gb2312.ttf"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ ! -f "$TTC" ]; then
  (cd "$work" && apt-get download fonts-wqy-microhei >/dev/null \
     && dpkg-deb -x ./fonts-wqy-microhei_*.deb pkg)
  TTC="$work/pkg/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
fi
echo "$TTC_SHA256  $TTC" | sha256sum -c --quiet

# The characters: every hanzi and symbol of GB 2312 (each valid two-byte
# code, rows 0xA1-0xF7, cells 0xA1-0xFE), printable ASCII, Latin-1
# Supplement (Python's gb2312 gives U+30FB for A1A4, while labels join
# words with U+00B7), general punctuation, arrows, mathematical operators
# (U+2212 minus), circled numbers, CJK symbols and
# punctuation, half- and full-width forms, and the probe characters of
# src/chart/font.rs.
python3 - "$here/../../src/chart/font.rs" > "$work/chars.txt" <<'PY'
import re, sys
chars = set()
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.update(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
chars.update(map(chr, range(0x20, 0x7F)))
for lo, hi in ((0x00A0, 0x00FF), (0x2000, 0x206F), (0x2190, 0x22FF), (0x2460, 0x24FF),
               (0x3000, 0x303F), (0xFF00, 0xFFEF)):
    chars.update(map(chr, range(lo, hi + 1)))
src = open(sys.argv[1], encoding="utf-8").read()
probe = re.search(r'const PROBE: &str = "([^"]*)";', src).group(1)
chars.update(probe)
sys.stdout.write("".join(sorted(chars)))
PY

# Face 0 of the collection is WenQuanYi Micro Hei (face 1 is its Mono).
pyftsubset "$TTC" \
  --font-number=0 \
  --text-file="$work/chars.txt" \
  --layout-features='' \
  --no-hinting \
  --drop-tables+=vhea,vmtx,FFTM,GDEF,GPOS,GSUB \
  --name-IDs='*' \
  --output-file="$OUT"
echo "wrote $OUT ($(stat -c %s "$OUT") bytes, $(wc -m < "$work/chars.txt") characters asked)"
