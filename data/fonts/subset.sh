#!/usr/bin/env bash
# Regenerates data/fonts/noto-sans-sc-gb2312.ttf, the chart font embedded in
# the binary (src/chart/font.rs), from the Noto Sans SC Regular of the npm
# package @expo-google-fonts/noto-sans-sc (SIL OFL 1.1; see README.md here).
#
# Needs npm, python3 and fontTools (pip install 'fonttools==4.68.0').
# Usage: bash data/fonts/subset.sh        (from anywhere)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PKG="@expo-google-fonts/noto-sans-sc@0.4.3"
TTF="package/400Regular/NotoSansSC_400Regular.ttf"
# sha256 of the TTF in that package (Noto Sans SC 2.004-H2).
TTF_SHA256="${TTF_SHA256:-d45f67f0a7c0ca3f256950777ce6a61cc7ce5f9696d02900cbbaac25f8aa7d16}"
OUT="$here/noto-sans-sc-gb2312.ttf"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "$PKG" >/dev/null
tar xzf ./*.tgz "$TTF" package/LICENSE_FONT
echo "$TTF_SHA256  $TTF" | sha256sum -c --quiet

# The characters: every hanzi and symbol of GB 2312 (each valid two-byte
# code, rows 0xA1-0xF7, cells 0xA1-0xFE), printable ASCII, Latin-1
# Supplement (Python's gb2312 gives U+30FB for A1A4, while labels join
# words with U+00B7), general punctuation, arrows, mathematical operators
# (U+2212 minus), circled numbers, CJK symbols and
# punctuation, half- and full-width forms, and the probe characters of
# src/chart/font.rs.
python3 - "$here/../../src/chart/font.rs" > chars.txt <<'PY'
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

pyftsubset "$TTF" \
  --text-file=chars.txt \
  --layout-features='' \
  --no-hinting \
  --drop-tables+=vhea,vmtx,STAT,BASE,GDEF,GPOS,GSUB \
  --name-IDs='*' \
  --output-file="$OUT"
cp package/LICENSE_FONT "$here/LICENSE-noto-sans-sc.txt"
echo "wrote $OUT ($(stat -c %s "$OUT") bytes, $(wc -m < chars.txt) characters asked)"
