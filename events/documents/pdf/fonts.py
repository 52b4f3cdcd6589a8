"""Embedded TrueType fonts (vendored with their licences), registered once per process.

reportlab's built-in fonts cover Latin-1 only and are not embedded, so a name such as
"Nguyễn", "محمد" or "李小龍" would print as boxes or not at all. Each style is a Face:
a DejaVu font (Latin, Greek, Cyrillic, Vietnamese) and the Noto fonts tried after it
for Arabic, Hebrew and Chinese, Japanese and Korean (fonts/README.md says where each
file comes from). reportlab embeds in each PDF a subset of just the glyphs it uses.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
SERIF = "DejaVuSerif"
SERIF_BOLD = "DejaVuSerif-Bold"
ARABIC = "NotoSansArabic-Regular"
ARABIC_BOLD = "NotoSansArabic-Bold"
HEBREW = "NotoSansHebrew-Regular"
HEBREW_BOLD = "NotoSansHebrew-Bold"
# One weight: the full CJK repertoire in a second weight would double the largest file.
CJK = "NotoSansCJKsc-Subset"
FONTS = (SANS, SANS_BOLD, SERIF, SERIF_BOLD, ARABIC, ARABIC_BOLD, HEBREW, HEBREW_BOLD, CJK)

# Fonts whose text goes through HarfBuzz: Arabic letters join and Hebrew points sit
# on their letters only when shaped. The other scripts print as their characters are.
SHAPED = frozenset({ARABIC, ARABIC_BOLD, HEBREW, HEBREW_BOLD})


@dataclass(frozen=True)
class Face:
    """A style: its main font, then the fonts tried for characters the main one lacks."""

    primary: str
    fallbacks: tuple[str, ...]

    @property
    def fonts(self) -> tuple[str, ...]:
        return (self.primary, *self.fallbacks)


SANS_FACE = Face(SANS, (ARABIC, HEBREW, CJK))
SANS_BOLD_FACE = Face(SANS_BOLD, (ARABIC_BOLD, HEBREW_BOLD, CJK))
SERIF_BOLD_FACE = Face(SERIF_BOLD, (ARABIC_BOLD, HEBREW_BOLD, CJK))


@cache
def register_fonts() -> None:
    """Register the vendored fonts with reportlab (parsing a .ttf takes a while: once)."""
    for name in FONTS:
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))


# The last character a PDF's text layer names right. reportlab's ToUnicode map writes a
# glyph's character as its code point in hex, not as the UTF-16 pair a reader expects,
# so one past U+FFFF (an emoji DejaVu Sans draws, such as 😀, or a mathematical letter)
# would be copied and found as another character (😀 as ὠ). Such characters are left
# out, like those no font has.
LAST_MAPPED = 0xFFFF


@cache
def _code_points(font: str) -> frozenset[int]:
    glyphs = pdfmetrics.getFont(font).face.charToGlyph
    return frozenset(code for code in glyphs if code <= LAST_MAPPED)


def covers(font: str, char: str) -> bool:
    """Whether the font prints the character and the text layer reads it back."""
    return ord(char) in _code_points(font)
