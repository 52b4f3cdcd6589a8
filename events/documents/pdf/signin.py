"""The printable sign-in sheet: confirmed attendees by name, with a signature column.

Names, organizations and sectors are set by text.py (any script, right-to-left names
aligned right), and each row is as tall as its longest cell, so a name that wraps onto
three lines pushes the next row down instead of printing over it.
"""

import io

from django.db.models.functions import Lower
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from events.models import Registration, TrainingSession

from .fonts import SANS, SANS_BOLD, SANS_BOLD_FACE, SANS_FACE, Face, register_fonts
from .text import draw_line, escape_markup, is_rtl, printable, wrap

# Empty rows at the end for people who walk in without registering.
WALK_IN_ROWS = 5
PAGE = landscape(LETTER)
MARGIN = 0.5 * inch
# Room to sign: a row is at least this tall (cell padding included).
ROW_HEIGHT = 0.38 * inch
CELL_PADDING = 3
CELL_SIZE, CELL_LEADING = 9.5, 12


class ScriptText(Flowable):
    """Text in any script, wrapped to the width it is given; as tall as its lines."""

    def __init__(self, text: str, face: Face, size: float, leading: float) -> None:
        super().__init__()
        self.text = printable(text, face)
        self.face, self.size, self.leading = face, size, leading
        self.lines: list[str] = []

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.lines = wrap(self.text, self.face, self.size, available_width) if self.text else []
        self.height = len(self.lines) * self.leading
        return self.width, self.height

    def draw(self) -> None:
        align, x = ("right", self.width) if is_rtl(self.text) else ("left", 0)
        # The first baseline sits a size below the top, as Paragraph sets it.
        y = self.height - self.size
        for line in self.lines:
            draw_line(self.canv, x, y, line, self.face, self.size, align=align)
            y -= self.leading


def signin_rows(session: TrainingSession) -> list[tuple[str, str, str]]:
    """(name, organization, sector) of confirmed registrants, sorted by name."""
    return list(
        Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED)
        .order_by(Lower("full_name"), "id")
        .values_list("full_name", "organization", "sector__name")
    )


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "meta": ParagraphStyle("meta", fontName=SANS, fontSize=10, leading=13),
        "head": ParagraphStyle("head", fontName=SANS_BOLD, fontSize=9.5, leading=12),
    }


def _cell(text: str) -> ScriptText:
    return ScriptText(text, SANS_FACE, CELL_SIZE, CELL_LEADING)


def _signature_space() -> Spacer:
    """The signature cell: empty, and as tall as a row must be at least."""
    return Spacer(1, ROW_HEIGHT - 2 * CELL_PADDING)


def render_signin_sheet(session: TrainingSession) -> bytes:
    """A landscape PDF with one row per attendee; the table runs onto as many pages as needed."""
    register_fonts()
    styles = _styles()
    starts, ends = session.local_starts_at, session.local_ends_at
    when = (
        f"{formats.date_format(starts, 'LONG_DATE_FORMAT')} · "
        f"{formats.time_format(starts, 'CLOCK_FORMAT')}–"
        f"{formats.time_format(ends, 'CLOCK_ZONE_FORMAT')}"
    )
    title = _("Sign-in sheet: %(training)s") % {"training": session.training.title}

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(SANS, 8)
        printed = timezone.localtime(timezone.now(), session.tzinfo)
        heading = printable(f"{session.training.title} – {starts:%Y-%m-%d}", SANS_FACE)
        draw_line(canvas, MARGIN, 0.3 * inch, heading, SANS_FACE, 8)
        canvas.drawRightString(
            PAGE[0] - MARGIN,
            0.3 * inch,
            _("Page %(page)d · printed %(when)s")
            % {"page": doc.page, "when": f"{printed:%Y-%m-%d %H:%M}"},
        )
        canvas.restoreState()

    rows = signin_rows(session)
    data = [
        [
            Paragraph("#", styles["head"]),
            Paragraph(_("Name"), styles["head"]),
            Paragraph(_("Organization"), styles["head"]),
            Paragraph(_("Sector"), styles["head"]),
            # Registered people's emails are not printed: the sheet goes round the room.
            Paragraph(_("Email (walk-ins)"), styles["head"]),
            Paragraph(_("Signature"), styles["head"]),
        ]
    ]
    for number, (name, organization, sector) in enumerate(rows, start=1):
        data.append(
            [
                str(number),
                _cell(name),
                _cell(organization),
                _cell(sector),
                "",
                _signature_space(),
            ]
        )
    walk_ins_at = len(data)
    data.append(
        [
            _cell(
                _(
                    "Not on the list? Write your name, organization, sector and email (for "
                    "your certificate); the organizers add you with “Add a walk-in”."
                )
            )
        ]
        + [""] * 5
    )
    data.extend([["", "", "", "", "", _signature_space()] for _row in range(WALK_IN_ROWS)])

    width = PAGE[0] - 2 * MARGIN
    table = LongTable(
        data,
        colWidths=[0.45 * inch, width * 0.23, width * 0.2, width * 0.14, width * 0.2, None],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, 9.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                ("SPAN", (0, walk_ins_at), (-1, walk_ins_at)),
                ("BACKGROUND", (0, walk_ins_at), (-1, walk_ins_at), colors.HexColor("#f8f9fa")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#6c757d")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ]
        )
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=0.6 * inch,
        title=title,
        author=session.training.hosts,
        # Our font from the first operator on, so no unembedded Helvetica is referenced.
        initialFontName=SANS,
        initialFontSize=CELL_SIZE,
    )
    story = [
        ScriptText(title, SANS_BOLD_FACE, 15, 19),
        ScriptText(f"{when} · {session.place}", SANS_FACE, 10, 13),
        Paragraph(
            escape_markup(
                _("%(count)d registered · please sign next to your name") % {"count": len(rows)}
            ),
            styles["meta"],
        ),
        Spacer(1, 0.15 * inch),
        table,
    ]
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
