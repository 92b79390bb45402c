#!/bin/sh
# Makes the two web fonts Rathaus ships, once, from the Fira Sans files in
# @kern-ux/native:
#
#   crates/web/assets/fonts/RathausSans-Regular.woff2   (weight 400, from FiraSans-Regular)
#   crates/web/assets/fonts/RathausSans-SemiBold.woff2  (weight 600, from FiraSans-SemiBold)
#   crates/web/assets/fonts/OFL.txt                     (licence, with the fonts' copyright line)
#
# KERN's CSS asks for weights 400 (body, hints), 500 (sublines, the two
# largest headings) and 600 (headings, labels, buttons, strong). We ship 400
# and 600; fonts.css lets the 600 face serve 500 and 700 too.
#
# Each font is cut down to Basic Latin, Latin-1 Supplement and a few
# punctuation marks German and English text needs: € „ “ ” ‚ ‘ ’ – — … • ·
# Cutting a font makes it a "Modified Version" under the SIL Open Font
# License, and "Fira" was declared a Reserved Font Name (in earlier Fira
# releases; treat it as reserved), so the result is renamed "Rathaus Sans".
#
# Usage:   cd frontend && npm ci && sh subset-fonts.sh     (or: npm run subset-fonts)
# Needs:   python3 with the venv module. fontTools and brotli are installed
#          into frontend/.venv-fonts (pinned versions) when missing.
# Options: FONT_HINTING=0 drops the TrueType hinting (about 6 KB less per
#          file; text may look less crisp on Windows at small sizes).
#
# Re-running is safe: the output only changes when the input or the settings do.

set -eu

FONTTOOLS_VERSION=4.68.0
BROTLI_VERSION=1.2.1

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
src="$here/node_modules/@kern-ux/native/dist/fonts/fira-sans"
out="$repo/crates/web/assets/fonts"
venv="$here/.venv-fonts"

die() {
    echo "subset-fonts: $*" >&2
    exit 1
}

command -v python3 >/dev/null 2>&1 || die "python3 is missing (Debian: apt-get install python3 python3-venv)"
[ -f "$src/FiraSans-Regular.woff2" ] && [ -f "$src/FiraSans-SemiBold.woff2" ] \
    || die "Fira Sans not found in $src: run 'npm ci' in $here first"

if [ ! -x "$venv/bin/python" ]; then
    echo "subset-fonts: creating $venv"
    python3 -m venv "$venv" 2>/dev/null \
        || die "could not create a virtual environment (Debian: apt-get install python3-venv)"
fi
py="$venv/bin/python"

if ! "$py" - "$FONTTOOLS_VERSION" "$BROTLI_VERSION" <<'EOF' 2>/dev/null
import sys
import fontTools, brotli
ok = fontTools.version == sys.argv[1] and getattr(brotli, "__version__", "") == sys.argv[2]
sys.exit(0 if ok else 1)
EOF
then
    echo "subset-fonts: installing fonttools $FONTTOOLS_VERSION and brotli $BROTLI_VERSION into $venv"
    "$py" -m pip install --quiet --disable-pip-version-check \
        "fonttools==$FONTTOOLS_VERSION" "brotli==$BROTLI_VERSION" \
        || die "pip could not install fonttools and brotli (is PyPI reachable?)"
fi

mkdir -p "$out"

FONT_HINTING="${FONT_HINTING:-1}" "$py" - "$src" "$out" <<'EOF'
import logging
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

src, out = sys.argv[1], sys.argv[2]
hinting = os.environ.get("FONT_HINTING", "1") != "0"
# Fira's OS/2 table is version 3 but sets bit 7 (USE_TYPO_METRICS); fontTools
# warns about that on every save. The bit is left as it is, the warning muted.
logging.getLogger("fontTools.ttLib.tables.O_S_2f_2").setLevel(logging.ERROR)

FAMILY = "Rathaus Sans"
PS_FAMILY = "RathausSans"

# Basic Latin, Latin-1 Supplement (includes NBSP, soft hyphen, « » · ß ä ö ü),
# then – — ‘ ’ ‚ “ ” „ • … €
UNICODES = (
    list(range(0x20, 0x7F))
    + list(range(0xA0, 0x100))
    + [0x2013, 0x2014, 0x2018, 0x2019, 0x201A, 0x201C, 0x201D, 0x201E, 0x2022, 0x2026, 0x20AC]
)

# (source file, style name, weight, output file)
FACES = [
    ("FiraSans-Regular.woff2", "Regular", 400, "RathausSans-Regular.woff2"),
    ("FiraSans-SemiBold.woff2", "SemiBold", 600, "RathausSans-SemiBold.woff2"),
]

# Name records kept from the original as they are: copyright (0), version (5),
# trademark (7), manufacturer (8), designer (9), vendor and designer URLs
# (11, 12), licence and licence URL (13, 14). The naming records are rewritten.
KEEP_NAME_IDS = [0, 5, 7, 8, 9, 11, 12, 13, 14]


def subset_face(path):
    font = TTFont(path, recalcTimestamp=False, recalcBBoxes=True)
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = hinting
    # The default feature list minus fractions (frac, numr, dnom): KERN
    # never turns them on. Kerning, ligatures and contextual forms stay.
    options.layout_features = ["calt", "ccmp", "kern", "liga", "locl", "mark", "mkmk", "rlig", "rvrn"]
    options.name_IDs = KEEP_NAME_IDS + [1, 2, 3, 4, 6, 16, 17]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    return font


def rename(font, style, weight):
    name = font["name"]
    version = name.getDebugName(5) or ""
    version_number = version.replace("Version ", "").split(";")[0].strip()
    typographic = style != "Regular"
    records = {
        # Legacy family/style pairs (1/2) follow the original: a SemiBold is
        # its own legacy family with style "Regular"; 16/17 group the faces.
        1: f"{FAMILY} {style}" if typographic else FAMILY,
        2: "Regular",
        3: f"{version_number};RTHS;{PS_FAMILY}-{style}",
        4: f"{FAMILY} {style}" if typographic else FAMILY,
        6: f"{PS_FAMILY}-{style}",
        10: (
            "Modified version of Fira Sans, cut down to Latin characters for the "
            "Rathaus project and renamed as the SIL Open Font License requires."
        ),
    }
    if typographic:
        records[16] = FAMILY
        records[17] = style
    # Drop every old naming record, on every platform, before writing new ones.
    for name_id in (1, 2, 3, 4, 6, 10, 16, 17):
        name.removeNames(nameID=name_id)
    for name_id, text in records.items():
        name.setName(text, name_id, 3, 1, 0x409)  # Windows, Unicode BMP, en-US
    assert font["OS/2"].usWeightClass == weight, (style, font["OS/2"].usWeightClass)


def copyright_of(font):
    return font["name"].getDebugName(0)


copyrights = []
for source, style, weight, target in FACES:
    font = subset_face(os.path.join(src, source))
    rename(font, style, weight)
    line = copyright_of(font)
    if line and line not in copyrights:
        copyrights.append(line)
    family_names = {r.toUnicode() for r in font["name"].names if r.nameID in (1, 4, 16)}
    if any("Fira" in n for n in family_names):
        sys.exit(f"subset-fonts: {target} still carries the reserved name: {family_names}")
    path = os.path.join(out, target)
    font.save(path)
    print(f"{target}: {os.path.getsize(path)} bytes ({os.path.getsize(path) / 1024:.1f} KiB), "
          f"{len(font.getGlyphOrder())} glyphs, hinting {'kept' if hinting else 'dropped'}")

if not copyrights:
    sys.exit("subset-fonts: the fonts carry no copyright line (name ID 0)")

OFL_TEXT = """\
This Font Software is licensed under the SIL Open Font License, Version 1.1.
This license is copied below, and is also available with a FAQ at:
https://openfontlicense.org


-----------------------------------------------------------
SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007
-----------------------------------------------------------

PREAMBLE
The goals of the Open Font License (OFL) are to stimulate worldwide
development of collaborative font projects, to support the font creation
efforts of academic and linguistic communities, and to provide a free and
open framework in which fonts may be shared and improved in partnership
with others.

The OFL allows the licensed fonts to be used, studied, modified and
redistributed freely as long as they are not sold by themselves. The
fonts, including any derivative works, can be bundled, embedded,
redistributed and/or sold with any software provided that any reserved
names are not used by derivative works. The fonts and derivatives,
however, cannot be released under any other type of license. The
requirement for fonts to remain under this license does not apply
to any document created using the fonts or their derivatives.

DEFINITIONS
"Font Software" refers to the set of files released by the Copyright
Holder(s) under this license and clearly marked as such. This may
include source files, build scripts and documentation.

"Reserved Font Name" refers to any names specified as such after the
copyright statement(s).

"Original Version" refers to the collection of Font Software components as
distributed by the Copyright Holder(s).

"Modified Version" refers to any derivative made by adding to, deleting,
or substituting -- in part or in whole -- any of the components of the
Original Version, by changing formats or by porting the Font Software to a
new environment.

"Author" refers to any designer, engineer, programmer, technical
writer or other person who contributed to the Font Software.

PERMISSION & CONDITIONS
Permission is hereby granted, free of charge, to any person obtaining
a copy of the Font Software, to use, study, copy, merge, embed, modify,
redistribute, and sell modified and unmodified copies of the Font
Software, subject to the following conditions:

1) Neither the Font Software nor any of its individual components,
in Original or Modified Versions, may be sold by itself.

2) Original or Modified Versions of the Font Software may be bundled,
redistributed and/or sold with any software, provided that each copy
contains the above copyright notice and this license. These can be
included either as stand-alone text files, human-readable headers or
in the appropriate machine-readable metadata fields within text or
binary files as long as those fields can be easily viewed by the user.

3) No Modified Version of the Font Software may use the Reserved Font
Name(s) unless explicit written permission is granted by the corresponding
Copyright Holder. This restriction only applies to the primary font name as
presented to the users.

4) The name(s) of the Copyright Holder(s) or the Author(s) of the Font
Software shall not be used to promote, endorse or advertise any
Modified Version, except to acknowledge the contribution(s) of the
Copyright Holder(s) and the Author(s) or with their explicit written
permission.

5) The Font Software, modified or unmodified, in part or in whole,
must be distributed entirely under this license, and must not be
distributed under any other license. The requirement for fonts to
remain under this license does not apply to any document created
using the Font Software.

TERMINATION
This license becomes null and void if any of the above conditions are
not met.

DISCLAIMER
THE FONT SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO ANY WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT
OF COPYRIGHT, PATENT, TRADEMARK, OR OTHER RIGHT. IN NO EVENT SHALL THE
COPYRIGHT HOLDER BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,
INCLUDING ANY GENERAL, SPECIAL, INDIRECT, INCIDENTAL, OR CONSEQUENTIAL
DAMAGES, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
FROM, OUT OF THE USE OR INABILITY TO USE THE FONT SOFTWARE OR FROM
OTHER DEALINGS IN THE FONT SOFTWARE.
"""

header = "\n".join(copyrights) + "\n"
note = (
    "\n"
    "The files RathausSans-Regular.woff2 and RathausSans-SemiBold.woff2 in this\n"
    "folder are a Modified Version of Fira Sans (version 4.106, as shipped in the\n"
    "npm package @kern-ux/native 2.7.2): reduced to Latin characters and renamed\n"
    "\"Rathaus Sans\" by frontend/subset-fonts.sh in the Rathaus repository.\n"
    "Earlier releases of Fira declared \"Fira\" a Reserved Font Name, so the\n"
    "Modified Version carries no name containing it.\n"
    "\n"
)
with open(os.path.join(out, "OFL.txt"), "w", encoding="utf-8", newline="\n") as f:
    f.write(header + note + OFL_TEXT)
print("OFL.txt: written with copyright line(s):", "; ".join(copyrights))
EOF
