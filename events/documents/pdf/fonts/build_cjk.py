"""Build NotoSansCJKsc-Subset.ttf, the vendored CJK font, from Debian's fonts-noto-cjk.

reportlab embeds only TrueType outlines, and Noto Sans CJK ships as CFF (PostScript)
outlines, so this script takes the Simplified Chinese face of NotoSansCJK-Regular.ttc,
keeps the characters that names are written with, and converts the outlines to
TrueType quadratic curves with fontTools. Run it once when the font is updated (it is
not run by `make run` or CI; the output is committed):

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb cjk
    .venv/bin/python events/documents/pdf/fonts/build_cjk.py \
        cjk/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

Kept: every character of the national character sets that names are registered in
(GB 2312 and Big5 for Chinese, JIS X 0208 and 0212 for Japanese, KS X 1001 for Korean),
all 11,172 Hangul syllables, kana, CJK punctuation and the fullwidth forms. A rarer
ideograph outside those sets is left out like any character no font has.
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

OUTPUT = Path(__file__).resolve().parent / "NotoSansCJKsc-Subset.ttf"
FAMILY = "Noto Sans CJK SC"
# Legacy double-byte encodings whose repertoires are the characters names use.
CODECS = ("gb2312", "big5", "euc_jp", "euc_kr")
RANGES = (
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xFF00, 0xFFEF),  # halfwidth and fullwidth forms
)


def repertoire() -> set[int]:
    """Code points of the double-byte sets plus the ranges above."""
    points: set[int] = set()
    for codec in CODECS:
        for lead in range(0x81, 0xFF):
            for trail in range(0x40, 0xFF):
                for raw in (bytes((lead, trail)), bytes((0x8F, lead, trail))):
                    try:
                        text = raw.decode(codec)
                    except UnicodeDecodeError:
                        continue
                    points.update(ord(char) for char in text if ord(char) > 0x2FFF)
    for first, last in RANGES:
        points.update(range(first, last + 1))
    return points


def sc_face(collection_path: str):
    """The Simplified Chinese face of the Noto Sans CJK collection."""
    for font in TTCollection(collection_path).fonts:
        if font["name"].getDebugName(1) == FAMILY:
            return font
    raise SystemExit(f"no {FAMILY} face in {collection_path}")


def cff_to_glyf(font) -> None:
    """Replace the CFF outlines by TrueType ones (quadratic, within 1 unit of the cubic)."""
    order = font.getGlyphOrder()
    charstrings = font["CFF "].cff[0].CharStrings
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        charstrings[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    font["maxp"].tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(font["maxp"], field, 1 if field == "maxZones" else 0)
    font["maxp"].maxComponentDepth = 0
    font["head"].indexToLocFormat = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def main(collection_path: str) -> None:
    font = sc_face(collection_path)
    options = subset.Options()
    options.layout_features = []  # CJK runs are drawn unshaped
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=repertoire())
    subsetter.subset(font)
    cff_to_glyf(font)
    font.save(OUTPUT)
    print(f"{OUTPUT.name}: {len(font.getGlyphOrder())} glyphs, {OUTPUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
