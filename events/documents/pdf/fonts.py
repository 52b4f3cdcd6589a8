"""Embedded TrueType fonts (DejaVu, vendored with its licence), registered once."""

from functools import cache, lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
SERIF = "DejaVuSerif"
SERIF_BOLD = "DejaVuSerif-Bold"
# Subset font files kept per font: one for each mix of non-ASCII letters seen lately.
SUBSETS_KEPT = 64


@cache
def register_fonts() -> None:
    """Register the vendored fonts with reportlab, so names like "Nguyễn" print correctly."""
    for name in (SANS, SANS_BOLD, SERIF, SERIF_BOLD):
        pdfmetrics.registerFont(_reusing_subsets(TTFont(name, str(FONT_DIR / f"{name}.ttf"))))


def _reusing_subsets(font: TTFont) -> TTFont:
    """Have the font build each subset font file once per process, not once per PDF.

    Every PDF still embeds its own subset. Its bytes depend only on the characters in
    it, in order: all of ASCII plus the other letters in order of first use, which for
    most certificates are the same few (an accent or two, the dash of the times).
    """
    build = font.face.makeSubset

    @lru_cache(maxsize=SUBSETS_KEPT)
    def built(characters: tuple[int, ...]) -> bytes:
        return build(list(characters))

    font.face.makeSubset = lambda subset: built(tuple(subset))
    return font
