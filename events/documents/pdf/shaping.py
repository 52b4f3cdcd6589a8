"""HarfBuzz shaping of one run of text through reportlab: the one undocumented call we make.

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
that layout nor the result's is documented: VERIFIED_WITH is the reportlab version this
was checked against, and tests/test_pdf_shaping.py fails as soon as another is installed,
until a maintainer has checked shape_run again (and its output for a few names).
"""

from reportlab.lib.abag import ABag
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import shapeFragWord

VERIFIED_WITH = {"reportlab": "5.1.0"}
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
