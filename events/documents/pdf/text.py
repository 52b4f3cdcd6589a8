"""Lines of text in any script, for the certificate and the sign-in sheet.

A line is split into runs by font: each character goes to the first font of its Face
that has it (Arabic and Hebrew letters to the Noto fonts first), and spaces and
punctuation stay in the run they sit in. A character that no font has (most emoji),
or that the text layer could not name (any past U+FFFF, see fonts.LAST_MAPPED), is
left out with the marks and joiners that belong to it, so it never prints as a box
nor reads back, copied or searched, as another character.

Right-to-left text is put in display order with python-bidi's implementation of the
Unicode bidirectional algorithm (reportlab's own bidi extra, rlbidi, is not on PyPI),
and runs in the Arabic and Hebrew fonts are shaped by HarfBuzz through reportlab
(engines.py), which joins the letters and lays out each run right to left.
"""

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .engines import base_level, display_order, mirrored, shape_run
from .fonts import SHAPED, Face, covers

# Letters of these blocks try the face's fallbacks (the Arabic and Hebrew fonts) first,
# so they are set in fonts made for them even where the main font has a few of them.
RTL_BLOCKS = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
RTL_CLASSES = frozenset({"R", "AL", "RLE", "RLO", "RLI"})
# Width and pieces are computed at this size and scaled: both are linear in the size.
UNIT = 1000.0
LAYOUTS_KEPT = 2048
ZWNJ = "\u200c"


@dataclass(frozen=True)
class Piece:
    """A run drawn in one font, in display order; width is per point of font size."""

    font: str
    text: str
    width: float


def _candidates(char: str, face: Face) -> tuple[str, ...]:
    code = ord(char)
    if any(first <= code <= last for first, last in RTL_BLOCKS):
        return (*face.fallbacks, face.primary)
    return face.fonts


def _first_cover(char: str, face: Face) -> str | None:
    return next((font for font in _candidates(char, face) if covers(font, char)), None)


def assign_fonts(text: str, face: Face) -> list[tuple[str, str | None]]:
    """(character, font) for each character; the font is None where it is left out.

    Marks go with their base character, and spaces, punctuation and symbols stay in
    the font of the character before them when it has them, so a run is not broken
    at every space. Format characters (joiners, bidi controls) are left out, except a
    zero-width non-joiner after a letter, which Persian spelling needs.
    """
    assigned: list[tuple[str, str | None]] = []
    previous: str | None = None
    for char in text:
        kind = unicodedata.category(char)
        if kind == "Cf":
            font = previous if char == ZWNJ and previous and covers(previous, char) else None
        elif kind[0] == "M" and assigned and previous is None:
            font = None  # the mark of a character that was left out
        elif kind[0] in "MZPS" and previous and covers(previous, char):
            font = previous
        else:
            font = _first_cover(char, face)
        previous = font
        assigned.append((char, font))
    return assigned


def printable(text: str, face: Face) -> str:
    """The text as it will print: NFC, single spaces, characters no font has left out."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    kept = "".join(char for char, font in assign_fonts(text, face) if font is not None)
    return " ".join(kept.split())


def _piece(font: str, logical: str, *, rtl: bool) -> Piece:
    """One run; logical is in reading order, rtl says whether it displays reversed."""
    has_rtl = any(unicodedata.bidirectional(char) in RTL_CLASSES for char in logical)
    if font in SHAPED and (has_rtl or not rtl):
        # HarfBuzz reverses (and mirrors) a right-to-left run itself.
        text, width = shape_run(logical, font, UNIT)
    else:
        text = "".join(mirrored(char) for char in reversed(logical)) if rtl else logical
        width = stringWidth(text, font, UNIT)
    return Piece(font, text, width / UNIT)


@lru_cache(maxsize=LAYOUTS_KEPT)
def layout(line: str, face: Face) -> tuple[Piece, ...]:
    """The pieces of a printable line, left to right."""
    fonts = [font for _char, font in assign_fonts(line, face)]
    if not any(unicodedata.bidirectional(char) in RTL_CLASSES for char in line):
        order = [(index, 0) for index in range(len(line))]
    else:
        order = display_order(line)
    pieces: list[Piece] = []
    group: list[int] = []
    for position, (index, level) in enumerate(order):
        group.append(index)
        following = order[position + 1] if position + 1 < len(order) else None
        step = -1 if level % 2 else 1
        if (
            following is None
            or following[1] != level
            or fonts[following[0]] != fonts[index]
            or following[0] != index + step
        ):
            first, last = min(group), max(group)
            font = fonts[index]
            if font is not None:
                pieces.append(_piece(font, line[first : last + 1], rtl=bool(level % 2)))
            group = []
    return tuple(pieces)


def is_rtl(text: str) -> bool:
    """Whether the text reads right to left (its first strong character does)."""
    return bool(text) and base_level(text) == 1


def width(line: str, face: Face, size: float) -> float:
    """The printed width of a printable line at the size."""
    return sum(piece.width for piece in layout(line, face)) * size


def draw_line(
    canvas: Canvas, x: float, y: float, line: str, face: Face, size: float, *, align: str = "left"
) -> None:
    """Draw a printable line whose left edge, centre or right edge (align) is at x."""
    pieces = layout(line, face)
    total = sum(piece.width for piece in pieces) * size
    x -= {"left": 0, "centre": total / 2, "right": total}[align]
    text = canvas.beginText()
    for piece in pieces:
        text.setTextOrigin(x, y)
        text.setFont(piece.font, size)
        text.textOut(piece.text)
        x += piece.width * size
    canvas.drawText(text)


def _clusters(word: str) -> list[str]:
    """A word cut into characters with their marks, the points it may be broken at."""
    clusters: list[str] = []
    for char in word:
        if clusters and unicodedata.category(char)[0] == "M":
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _split_word(word: str, face: Face, size: float, room: float) -> list[str]:
    """Break a word wider than the line (a name with no spaces) between characters."""
    pieces, current = [], ""
    for cluster in _clusters(word):
        if current and width(current + cluster, face, size) > room:
            pieces.append(current)
            current = cluster
        else:
            current += cluster
    return [*pieces, current] if current else pieces


def wrap(text: str, face: Face, size: float, room: float) -> list[str]:
    """Greedy word wrap of printable text that never drops a character."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if width(candidate, face, size) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = _split_word(word, face, size, room)
        lines.extend(pieces[:-1])
        current = pieces[-1] if pieces else ""
    if current:
        lines.append(current)
    return lines or [""]


def fit(
    text: str,
    face: Face,
    *,
    largest: float,
    smallest: float,
    room: float,
    max_lines: int = 3,
    floor: float | None = None,
) -> tuple[float, list[str]]:
    """The largest size at which the text fits on one line; failing that, wrap it.

    Shrinking keeps a long text on one line as long as it stays readable (smallest);
    past that it wraps onto up to max_lines lines, shrinking on down to floor (if
    given) to stay within them, and beyond that onto as many lines as it needs. Text
    is never cut off. The text must be printable().
    """
    size = largest
    one_line = width(text, face, 1)
    while size >= smallest:
        if one_line * size <= room:
            return size, [text]
        size -= 1
    size = largest
    while size >= smallest:
        lines = wrap(text, face, size, room)
        if len(lines) <= max_lines:
            return size, lines
        size -= 1
    size = smallest
    while floor is not None and size - 0.5 >= floor:
        size -= 0.5
        lines = wrap(text, face, size, room)
        if len(lines) <= max_lines:
            return size, lines
    size = smallest if floor is None else max(floor, size)
    return size, wrap(text, face, size, room)


def escape_markup(text: str) -> str:
    """Text for a reportlab Paragraph, whose mini-language reads &, < and > as markup."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
