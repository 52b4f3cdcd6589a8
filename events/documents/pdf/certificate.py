"""The certificate of attendance: one Letter landscape page drawn with reportlab.

The page is drawn only from the certificate's snapshot and its verification URL, and
the canvas runs in invariant mode with fixed metadata, so the same snapshot always
gives byte-identical PDFs (a re-render after a lost file matches the original).

Text is set in the vendored DejaVu and Noto fonts (fonts.py), which reportlab subsets
and embeds, through text.py, so a name prints in its own script and direction. The QR
code of the verification URL is segno's module matrix (qr.py) drawn as a single vector
path, which keeps it sharp when printed and cheap to draw.

The training's logo (top) and the signatory's signature (above the signature line) are
drawn when the snapshot names them. They take the room the text leaves: the text is
laid out first, and an image shrinks rather than cover a long name or title.

The colours are dark enough to read in greyscale (navy and the grey both keep more
than 7:1 against white once printed without colour).
"""

import functools
import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image
from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from events.documents.qr import QUIET_ZONE, qr_code

from .fonts import SANS, SANS_FACE, SERIF_BOLD_FACE, Face, register_fonts
from .text import draw_line, fit, printable

PAGE_WIDTH, PAGE_HEIGHT = landscape(letter)
MARGIN = 54
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN - 40
CENTER = PAGE_WIDTH / 2
ACCENT = Color(0.11, 0.23, 0.45)
MUTED = Color(0.33, 0.33, 0.33)
QR_SIZE = 96
LEADING = 1.2
# A name shrinks to 14 pt on one line, then wraps; past NAME_LINES lines it shrinks on
# down to NAME_FLOOR (a 300-character name in any script still prints whole).
NAME_LINES = 4
NAME_FLOOR = 7
CREATOR = "trafficking_training"
TITLE_Y = PAGE_HEIGHT - 100
# The title's height above its baseline at its largest size, for placing the logo.
TITLE_ASCENT = 26
# The highest an image reaches: below the inner border (at MARGIN / 2 + 6) with air.
IMAGE_TOP = PAGE_HEIGHT - MARGIN / 2 - 18
LOGO_HEIGHT, LOGO_WIDTH, LOGO_GAP = 56, 220, 12
SIGNATURE_LINE_Y = 118
SIGNATURE_HEIGHT, SIGNATURE_WIDTH = 44, 220
SIGNATURE_X = MARGIN + 160
# The lowest the main text may reach: the top of the QR code, with air.
TEXT_FLOOR = MARGIN + 6 + QR_SIZE - 6
IMAGE_PIXELS_WIDE, IMAGE_PIXELS_HIGH = 4 * max(LOGO_WIDTH, SIGNATURE_WIDTH), 4 * LOGO_HEIGHT
# An image squeezed below this height is left out rather than printed as a smudge.
SMALLEST_IMAGE = 14

logger = logging.getLogger(__name__)


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
    issued_at: datetime
    # Storage names (models/certificate_images.py), "" for none.
    logo: str = ""
    signature_image: str = ""

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
            issued_at=certificate.issued_at,
            logo=certificate.logo,
            signature_image=certificate.signature_image,
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
    # Named formats: the word order is the active language's ("9 de mayo de 2026, 9:00").
    day = formats.date_format(start, "PLAIN_DATE_FORMAT")
    start_time = formats.time_format(start, "CLOCK_FORMAT")
    end_time = formats.time_format(end, "CLOCK_FORMAT")
    if end.date() != start.date():
        end_time = f"{formats.date_format(end, 'PLAIN_DATE_FORMAT')}, {end_time}"
    return f"{day}, {start_time} – {end_time} {end.tzname()}"


def _draw_block(
    canvas: Canvas,
    y: float,
    text: str,
    face: Face,
    *,
    largest: float,
    smallest: float,
    room: float = TEXT_WIDTH,
    max_lines: int = 3,
    floor: float | None = None,
    x: float = CENTER,
    align: str = "centre",
    color: Color = black,
    draw: bool = True,
) -> float:
    """Draw fitted text whose first baseline is y; return the y below it.

    With draw=False nothing is written to the page: the text is only laid out.
    """
    line_text = printable(text, face)
    size, lines = fit(
        line_text,
        face,
        largest=largest,
        smallest=smallest,
        room=room,
        max_lines=max_lines,
        floor=floor,
    )
    if draw:
        canvas.setFillColor(color)
    for line in lines:
        if draw:
            draw_line(canvas, x, y, line, face, size, align=align)
        y -= size * LEADING
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


def _draw_body(canvas: Canvas, text: CertificateText, title: str, y: float, *, draw=True):
    """The page's middle, from the title's baseline at y down to the hosts; return the y
    below it."""
    y = _draw_block(
        canvas, y, title, SERIF_BOLD_FACE, largest=34, smallest=20, color=ACCENT, draw=draw
    )
    _draw_block(
        canvas,
        y - 12,
        _("This certifies that"),
        SANS_FACE,
        largest=13,
        smallest=9,
        color=MUTED,
        draw=draw,
    )
    y = _draw_block(
        canvas,
        y - 56,
        text.name_printed,
        SERIF_BOLD_FACE,
        largest=32,
        smallest=14,
        max_lines=NAME_LINES,
        floor=NAME_FLOOR,
        draw=draw,
    )
    _draw_block(
        canvas,
        y - 6,
        _("attended the training"),
        SANS_FACE,
        largest=13,
        smallest=9,
        color=MUTED,
        draw=draw,
    )
    y = _draw_block(
        canvas,
        y - 38,
        text.training_title,
        SERIF_BOLD_FACE,
        largest=20,
        smallest=11,
        max_lines=2,
        color=ACCENT,
        draw=draw,
    )
    y = _draw_block(canvas, y - 6, format_when(text), SANS_FACE, largest=12, smallest=9, draw=draw)
    y = _draw_block(
        canvas, y, text.place, SANS_FACE, largest=11, smallest=8, max_lines=2, draw=draw
    )
    hours = format_hours(text.credit_hours)
    credit = ngettext(
        "%(hours)s credit hour", "%(hours)s credit hours", 1 if hours == "1" else 2
    ) % {"hours": hours}
    y = _draw_block(canvas, y - 4, credit, SERIF_BOLD_FACE, largest=12, smallest=9, draw=draw)
    return _draw_block(
        canvas,
        y - 2,
        _("Presented by %(hosts)s") % {"hosts": text.hosts},
        SANS_FACE,
        largest=11,
        smallest=8,
        max_lines=2,
        draw=draw,
    )


def _image(name: str) -> ImageReader | None:
    """The image stored under name; None for "" or a file gone from storage."""
    if not name:
        return None
    try:
        return _prepared_image(name)
    except OSError:
        # The certificate still prints, without the image; an operator restores the file.
        logger.warning("certificate image %s is missing from storage; printed without it", name)
        return None


@functools.lru_cache(maxsize=16)
def _prepared_image(name: str) -> ImageReader:
    """Read and prepare once per process: a name always means the same bytes
    (models/certificate_images.py). A missing file raises, and is not remembered."""
    with default_storage.open(name, "rb") as stored, Image.open(stored) as image:
        image.load()
    # About 300 dpi at the largest size an image is drawn: an upload's full 3000 pixels
    # would cost every certificate tens of milliseconds of encoding for nothing.
    image.thumbnail((IMAGE_PIXELS_WIDE, IMAGE_PIXELS_HIGH), Image.Resampling.LANCZOS)
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA")
    return ImageReader(image)


def _draw_image(
    canvas: Canvas, image: ImageReader, *, x: float, top: float, width: float, height: float
) -> float:
    """Draw the image within width × height, centred on x and hanging from top; return
    the height drawn (0 when squeezed too small to print)."""
    pixels_wide, pixels_high = image.getSize()
    scale = min(width / pixels_wide, height / pixels_high)
    drawn_width, drawn_height = pixels_wide * scale, pixels_high * scale
    if drawn_height < SMALLEST_IMAGE:
        return 0
    # mask="auto": a PNG's transparency is kept, so the page shows through.
    canvas.drawImage(
        image, x - drawn_width / 2, top - drawn_height, drawn_width, drawn_height, mask="auto"
    )
    return drawn_height


def _pdf_date(moment: datetime):
    """reportlab's date formatter: the document's dates are the moment given (the issue
    time), which keeps the same snapshot's bytes the same, where the canvas's invariant
    mode alone would write 2000-01-01."""
    stamp = moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    return lambda *_ignored: stamp


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
    # What a viewer's title bar, a file list's details and a screen reader announce:
    # whose certificate of what, rather than the file's name (DisplayDocTitle).
    canvas.setTitle(f"{title}: {text.name_printed}, {text.training_title}")
    canvas.setAuthor(text.hosts)
    canvas.setSubject(f"{text.training_title} ({text.display_code})")
    canvas.setCreator(CREATOR)
    canvas.setProducer(CREATOR)
    canvas.setDateFormatter(_pdf_date(text.issued_at))
    canvas.setViewerPreference("DisplayDocTitle", "true")
    canvas.setCatalogEntry("Lang", translation.get_language() or "en")

    canvas.setFillColor(white)
    canvas.rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, stroke=0, fill=1)
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(MARGIN / 2, MARGIN / 2, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN)
    canvas.setLineWidth(0.75)
    canvas.rect(MARGIN / 2 + 6, MARGIN / 2 + 6, PAGE_WIDTH - MARGIN - 12, PAGE_HEIGHT - MARGIN - 12)

    logo = _image(text.logo)
    signature = _image(text.signature_image)
    title_y, signature_height = TITLE_Y, 0.0
    if logo or signature:
        bottom = _draw_body(canvas, text, title, TITLE_Y, draw=False)
        if signature:
            signature_height = min(SIGNATURE_HEIGHT, bottom - 4 - (SIGNATURE_LINE_Y + 3))
            signature_height = signature_height if signature_height >= SMALLEST_IMAGE else 0
        if logo:
            floor = max(TEXT_FLOOR, SIGNATURE_LINE_Y + 3 + signature_height + 4)
            # The logo's room is what the text can move down by, plus what lies above
            # the title anyway.
            room = bottom - floor + (IMAGE_TOP - TITLE_Y - TITLE_ASCENT - LOGO_GAP)
            drawn = _draw_image(
                canvas,
                logo,
                x=CENTER,
                top=IMAGE_TOP,
                width=LOGO_WIDTH,
                height=min(LOGO_HEIGHT, room),
            )
            if drawn:
                title_y = min(TITLE_Y, IMAGE_TOP - drawn - LOGO_GAP - TITLE_ASCENT)
    _draw_body(canvas, text, title, title_y)

    # Signature line, bottom left, the signature (when uploaded) standing on it.
    line_y = SIGNATURE_LINE_Y
    if signature and signature_height:
        _draw_image(
            canvas,
            signature,
            x=SIGNATURE_X,
            top=line_y + 3 + signature_height,
            width=SIGNATURE_WIDTH,
            height=signature_height,
        )
    canvas.setStrokeColor(black)
    canvas.setLineWidth(0.75)
    canvas.line(MARGIN + 30, line_y, MARGIN + 290, line_y)
    signatory = {"x": SIGNATURE_X, "room": 260}
    sign_y = _draw_block(
        canvas,
        line_y - 14,
        text.signatory_name or text.hosts,
        SERIF_BOLD_FACE,
        largest=11,
        smallest=7,
        max_lines=2,
        **signatory,
    )
    if text.signatory_title:
        _draw_block(
            canvas, sign_y, text.signatory_title, SANS_FACE, largest=9, smallest=7, **signatory
        )

    # Verification, bottom right: the code in words and the QR code of the verify URL,
    # the words kept a quiet zone of QUIET_ZONE modules away from the code.
    qr_x = PAGE_WIDTH - MARGIN - 20 - QR_SIZE
    qr_y = MARGIN + 6
    matrix = draw_qr(canvas, verify_url, x=qr_x, y=qr_y, size=QR_SIZE)
    canvas.linkURL(verify_url, (qr_x, qr_y, qr_x + QR_SIZE, qr_y + QR_SIZE), relative=0)
    label = {"x": qr_x - QUIET_ZONE * QR_SIZE / len(matrix) - 2, "align": "right"}
    _draw_block(
        canvas,
        qr_y + 62,
        _("Verification code"),
        SANS_FACE,
        largest=9,
        smallest=7,
        color=MUTED,
        **label,
    )
    _draw_block(
        canvas, qr_y + 46, text.display_code, SERIF_BOLD_FACE, largest=13, smallest=9, **label
    )
    _draw_block(
        canvas,
        qr_y + 32,
        verify_url,
        SANS_FACE,
        largest=8,
        smallest=5,
        room=250,
        max_lines=2,
        color=MUTED,
        **label,
    )

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
