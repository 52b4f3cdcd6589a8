"""The certificate of attendance: one Letter landscape page drawn with reportlab.

The page is drawn only from the certificate's snapshot and its verification URL, and
the canvas runs in invariant mode with fixed metadata, so the same snapshot always
gives byte-identical PDFs (a re-render after a lost file matches the original).

Text is set in the vendored DejaVu fonts (fonts.py), which reportlab subsets and
embeds. The QR code of the verification URL is segno's module matrix (qr.py) drawn
as a single vector path, which keeps it sharp when printed and cheap to draw.
"""

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import landscape, letter
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from events.documents.qr import qr_code

from .fonts import SANS, SERIF_BOLD, register_fonts

PAGE_WIDTH, PAGE_HEIGHT = landscape(letter)
MARGIN = 54
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN - 40
CENTER = PAGE_WIDTH / 2
ACCENT = Color(0.11, 0.23, 0.45)
MUTED = Color(0.33, 0.33, 0.33)
QR_SIZE = 96
CREATOR = "trafficking_training"


@dataclass(frozen=True)
class CertificateText:
    """What the page prints; built from a Certificate's snapshot fields."""

    code: str
    display_code: str
    name_printed: str
    training_title: str
    session_starts_at: datetime
    session_ends_at: datetime
    session_timezone: str
    place: str
    credit_hours: Decimal
    hosts: str
    signatory_name: str
    signatory_title: str

    @classmethod
    def from_certificate(cls, certificate) -> "CertificateText":
        return cls(
            code=certificate.code,
            display_code=certificate.display_code,
            name_printed=certificate.name_printed,
            training_title=certificate.training_title,
            session_starts_at=certificate.session_starts_at,
            session_ends_at=certificate.session_ends_at,
            session_timezone=certificate.session_timezone,
            place=certificate.place,
            credit_hours=Decimal(certificate.credit_hours),
            hosts=certificate.hosts,
            signatory_name=certificate.signatory_name,
            signatory_title=certificate.signatory_title,
        )


def format_hours(hours: Decimal) -> str:
    """3.00 -> "3", 1.50 -> "1.5" (never scientific notation)."""
    text = f"{Decimal(hours).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_when(text: CertificateText) -> str:
    """ "May 9, 2026, 9:00 AM – 12:00 PM CDT" in the session's own time zone."""
    zone = ZoneInfo(text.session_timezone)
    start = text.session_starts_at.astimezone(zone)
    end = text.session_ends_at.astimezone(zone)
    day = dateformat.format(start, "F j, Y")
    start_time = dateformat.time_format(start, "g:i A")
    end_time = dateformat.time_format(end, "g:i A")
    if end.date() != start.date():
        end_time = f"{dateformat.format(end, 'F j, Y')}, {end_time}"
    return f"{day}, {start_time} – {end_time} {end.tzname()}"


def _split_word(word: str, font: str, size: float, width: float) -> list[str]:
    """Break a word wider than the line (a name with no spaces) between characters."""
    pieces, current = [], ""
    for char in word:
        if current and stringWidth(current + char, font, size) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    return [*pieces, current] if current else pieces


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap that never drops a character."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = _split_word(word, font, size, width)
        lines.extend(pieces[:-1])
        current = pieces[-1] if pieces else ""
    if current:
        lines.append(current)
    return lines or [""]


def fit(
    text: str,
    font: str,
    *,
    largest: float,
    smallest: float,
    width: float = TEXT_WIDTH,
    max_lines: int = 3,
) -> tuple[float, list[str]]:
    """The largest size at which the text fits on one line; failing that, wrap it.

    Shrinking keeps a long name on one line as long as it stays readable; past that it
    wraps onto up to max_lines lines, and beyond that onto as many as it needs at the
    smallest size. Text is never cut off.
    """
    size = largest
    while size >= smallest:
        if stringWidth(text, font, size) <= width:
            return size, [text]
        size -= 1
    size = largest
    while size >= smallest:
        lines = wrap(text, font, size, width)
        if len(lines) <= max_lines:
            return size, lines
        size -= 1
    return smallest, wrap(text, font, smallest, width)


def _draw_block(
    canvas: Canvas, y: float, text: str, font: str, *, largest: float, smallest: float, **kw
) -> float:
    """Draw centred, fitted text whose first baseline is y; return the y below it."""
    size, lines = fit(text, font, largest=largest, smallest=smallest, **kw)
    canvas.setFont(font, size)
    for line in lines:
        canvas.drawCentredString(CENTER, y, line)
        y -= size * 1.2
    return y


def draw_qr(canvas: Canvas, data: str, *, x: float, y: float, size: float) -> tuple:
    """Draw the QR code as one vector path of dark-module runs; return its matrix.

    The path is written in module units under a scaling transform, so each run is
    four small integers: far cheaper than a drawing object per module, and sharp at
    any zoom.
    """
    matrix = qr_code(data).matrix
    count = len(matrix)
    runs = []
    for row_index, row in enumerate(matrix):
        row_y = count - 1 - row_index
        start = None
        for col_index, dark in enumerate((*row, 0)):
            if dark and start is None:
                start = col_index
            elif not dark and start is not None:
                runs.append(f"{start} {row_y} {col_index - start} 1 re")
                start = None
    canvas.saveState()
    canvas.setFillColor(black)
    canvas.translate(x, y)
    canvas.scale(size / count, size / count)
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()
    return matrix


def render_certificate_pdf(text: CertificateText, *, verify_url: str) -> bytes:
    """The certificate as PDF bytes; the same text and URL always give the same bytes."""
    register_fonts()
    buffer = io.BytesIO()
    # The initial font is ours too, so no unembedded Helvetica is ever referenced.
    # Uncompressed streams: zlib took about a fifth of the render time to shrink a
    # certificate from 77 KiB to 44 KiB, a saving no download or email needs.
    canvas = Canvas(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        invariant=1,
        pageCompression=0,
        initialFontName=SANS,
        initialFontSize=12,
    )
    title = _("Certificate of Attendance")
    canvas.setTitle(f"{title} {text.display_code}")
    canvas.setAuthor(text.hosts)
    canvas.setSubject(text.training_title)
    canvas.setCreator(CREATOR)
    canvas.setProducer(CREATOR)

    canvas.setFillColor(white)
    canvas.rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, stroke=0, fill=1)
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(MARGIN / 2, MARGIN / 2, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN)
    canvas.setLineWidth(0.75)
    canvas.rect(MARGIN / 2 + 6, MARGIN / 2 + 6, PAGE_WIDTH - MARGIN - 12, PAGE_HEIGHT - MARGIN - 12)

    canvas.setFillColor(ACCENT)
    y = _draw_block(canvas, PAGE_HEIGHT - 100, title, SERIF_BOLD, largest=34, smallest=20)
    canvas.setFillColor(MUTED)
    canvas.setFont(SANS, 13)
    canvas.drawCentredString(CENTER, y - 12, _("This certifies that"))
    canvas.setFillColor(black)
    y = _draw_block(canvas, y - 56, text.name_printed, SERIF_BOLD, largest=32, smallest=14)
    canvas.setFillColor(MUTED)
    canvas.setFont(SANS, 13)
    canvas.drawCentredString(CENTER, y - 6, _("attended the training"))
    canvas.setFillColor(ACCENT)
    y = _draw_block(
        canvas, y - 38, text.training_title, SERIF_BOLD, largest=20, smallest=11, max_lines=2
    )
    canvas.setFillColor(black)
    y = _draw_block(canvas, y - 6, format_when(text), SANS, largest=12, smallest=9)
    y = _draw_block(canvas, y, text.place, SANS, largest=11, smallest=8, max_lines=2)
    hours = format_hours(text.credit_hours)
    credit = ngettext(
        "%(hours)s credit hour", "%(hours)s credit hours", 1 if hours == "1" else 2
    ) % {"hours": hours}
    y = _draw_block(canvas, y - 4, credit, SERIF_BOLD, largest=12, smallest=9)
    _draw_block(
        canvas,
        y - 2,
        _("Presented by %(hosts)s") % {"hosts": text.hosts},
        SANS,
        largest=11,
        smallest=8,
        max_lines=2,
    )

    # Signature line, bottom left.
    line_y = 118
    canvas.setStrokeColor(black)
    canvas.setLineWidth(0.75)
    canvas.line(MARGIN + 30, line_y, MARGIN + 290, line_y)
    canvas.setFillColor(black)
    sign_x = MARGIN + 160
    signatory = text.signatory_name or text.hosts
    size, lines = fit(signatory, SERIF_BOLD, largest=11, smallest=7, width=260, max_lines=2)
    canvas.setFont(SERIF_BOLD, size)
    sign_y = line_y - 14
    for line in lines:
        canvas.drawCentredString(sign_x, sign_y, line)
        sign_y -= size * 1.2
    if text.signatory_title:
        size, lines = fit(text.signatory_title, SANS, largest=9, smallest=7, width=260)
        canvas.setFont(SANS, size)
        for line in lines:
            canvas.drawCentredString(sign_x, sign_y, line)
            sign_y -= size * 1.2

    # Verification, bottom right: the code in words and the QR code of the verify URL.
    qr_x = PAGE_WIDTH - MARGIN - 20 - QR_SIZE
    qr_y = MARGIN + 6
    draw_qr(canvas, verify_url, x=qr_x, y=qr_y, size=QR_SIZE)
    canvas.linkURL(verify_url, (qr_x, qr_y, qr_x + QR_SIZE, qr_y + QR_SIZE), relative=0)
    label_x = qr_x - 10
    canvas.setFillColor(MUTED)
    canvas.setFont(SANS, 9)
    canvas.drawRightString(label_x, qr_y + 62, _("Verification code"))
    canvas.setFillColor(black)
    canvas.setFont(SERIF_BOLD, 13)
    canvas.drawRightString(label_x, qr_y + 46, text.display_code)
    canvas.setFillColor(MUTED)
    size, lines = fit(verify_url, SANS, largest=8, smallest=5, width=250, max_lines=2)
    canvas.setFont(SANS, size)
    line_y = qr_y + 32
    for line in lines:
        canvas.drawRightString(label_x, line_y, line)
        line_y -= size * 1.2

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
