"""Embedded TrueType fonts (DejaVu, vendored with its licence), registered once per process.

reportlab's built-in fonts cover Latin-1 only and are not embedded, so a name such as
"Nguyễn" or "Ольга" would print as boxes. DejaVu covers Latin, Greek and Cyrillic;
reportlab embeds in each PDF a subset of just the characters that PDF uses.
"""

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
SERIF = "DejaVuSerif"
SERIF_BOLD = "DejaVuSerif-Bold"
FONTS = (SANS, SANS_BOLD, SERIF, SERIF_BOLD)


@cache
def register_fonts() -> None:
    """Register the vendored fonts with reportlab (parsing a .ttf takes a while: once)."""
    for name in FONTS:
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))
