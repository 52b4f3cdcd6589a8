"""The two calls into libraries' undocumented internals that printing names needs.

- shape_run: HarfBuzz shaping of one run through reportlab;
- display_order: each character's place and level from python-bidi's Unicode
  bidirectional algorithm.

VERIFIED_WITH names the versions both were checked against, and
tests/test_pdf_engines.py fails as soon as another is installed, until a maintainer has
checked them again (and their output for a few names).

Shaping.

reportlab shapes text with HarfBuzz (its "shaping" extra, uharfbuzz) where it documents
it, in Paragraph (the style's shaping attribute) and in Canvas.drawString(shaping=True),
and neither can print the names our certificates print:

- both shape with reportlab's default OpenType features, which include discretionary
  ligatures (dlig): Noto Sans Arabic then draws "محمد" as one calligraphic glyph
  (U+FDF4), with vowel marks nobody typed;
- drawString shapes only when reportlab's bidi extra (rlbidi) is installed, and rlbidi
  is not on PyPI: without it, shaping=True is ignored and Arabic prints unjoined;
- a Paragraph shapes a whole word in the font of its first fragment, so a word whose
  characters fall back to another font would be drawn with the first font's glyphs.

So shape_run calls the function Paragraph uses, reportlab.pdfbase.ttfonts.shapeFragWord,
with our features, on a one-fragment word laid out as Paragraph lays one out. Neither
that layout nor the result's is documented.

Ordering. python-bidi's public get_display() returns the reordered string only, and a
line printed in several fonts needs each character's place and embedding level to cut
it into runs by font and hand HarfBuzz each right-to-left run in reading order. So
display_order runs the algorithm's steps of python-bidi's pure-Python implementation
(bidi.algorithm) on its storage dict, as get_display does inside, and reads the levels
and order from it; mirrored() reads its table of mirrored characters (bidi.mirror).
Re-implementing the algorithm here would be a second copy of a library to keep right.
"""

from bidi import algorithm
from bidi.mirror import MIRRORED
from reportlab.lib.abag import ABag
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import shapeFragWord

VERIFIED_WITH = {"reportlab": "5.1.0", "python-bidi": "0.6.12"}
# Kerning and the required ligatures (lam-alef); not the discretionary ones, which
# would print "محمد" as a single calligraphic word with vowels nobody typed.
FEATURES = {"kern": True, "liga": True, "dlig": False}


def shape_run(text: str, font: str, size: float) -> tuple[str, float]:
    """HarfBuzz's glyphs for a run in one font, in display order, and their width at size.

    text is in reading order; a right-to-left run comes back reversed, mirrored and
    joined. The glyphs are reportlab's ShapedStr, which a text object's textOut draws
    glyph by glyph where HarfBuzz placed them.
    """
    # A word is [width, (fragment, text), ...]; a fragment needs only a font and a size.
    word = [stringWidth(text, font, size), (ABag(fontName=font, fontSize=size), text)]
    shaped = shapeFragWord(word, features=FEATURES)
    if len(shaped) != 2:  # one fragment in, one out: anything else is a changed reportlab
        raise RuntimeError(
            "reportlab's shapeFragWord returned an unexpected word: "
            "check events/documents/pdf/shaping.py against this reportlab version"
        )
    return shaped[1][1], shaped[0]


def display_order(line: str) -> list[tuple[int, int]]:
    """(index in the line, embedding level) of each character, in display order."""
    storage = algorithm.get_empty_storage()
    base_level = algorithm.get_base_level(line)
    storage["base_level"] = base_level
    storage["base_dir"] = ("L", "R")[base_level]
    algorithm.get_embedding_levels(line, storage)
    for index, char in enumerate(storage["chars"]):
        char["index"] = index
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    algorithm.reorder_resolved_levels(storage, False)
    return [(char["index"], char["level"]) for char in storage["chars"]]


def base_level(text: str) -> int:
    """0 when the text reads left to right (its first strong character does), else 1."""
    return algorithm.get_base_level(text)


def mirrored(char: str) -> str:
    """The character's mirror image in right-to-left text ("(" for ")"), or itself."""
    return MIRRORED.get(char, char)
