"""The printable sign-in sheet: confirmed attendees by name, with a signature column."""

import io

from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from events.models import Registration, TrainingSession

from .fonts import SANS, SANS_BOLD, register_fonts

# Empty rows at the end for people who walk in without registering.
WALK_IN_ROWS = 5
PAGE = landscape(LETTER)
MARGIN = 0.5 * inch


def signin_rows(session: TrainingSession) -> list[tuple[str, str, str]]:
    """(name, organization, sector) of confirmed registrants, sorted by name."""
    return list(
        Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED)
        .order_by(Lower("full_name"), "id")
        .values_list("full_name", "organization", "sector__name")
    )


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=SANS_BOLD, fontSize=15, leading=19),
        "meta": ParagraphStyle("meta", fontName=SANS, fontSize=10, leading=13),
        "cell": ParagraphStyle("cell", fontName=SANS, fontSize=9.5, leading=12),
        "head": ParagraphStyle("head", fontName=SANS_BOLD, fontSize=9.5, leading=12),
    }


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_signin_sheet(session: TrainingSession) -> bytes:
    """A landscape PDF with one row per attendee; the table runs onto as many pages as needed."""
    register_fonts()
    styles = _styles()
    starts, ends = session.local_starts_at, session.local_ends_at
    when = f"{starts:%A, %B %-d, %Y} · {starts:%-I:%M %p}–{ends:%-I:%M %p %Z}"
    title = _("Sign-in sheet: %(training)s") % {"training": session.training.title}

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(SANS, 8)
        printed = timezone.localtime(timezone.now(), session.tzinfo)
        canvas.drawString(MARGIN, 0.3 * inch, f"{session.training.title} – {starts:%Y-%m-%d}")
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
            Paragraph(_("Signature"), styles["head"]),
        ]
    ]
    for number, (name, organization, sector) in enumerate(rows, start=1):
        data.append(
            [
                str(number),
                Paragraph(_escape(name), styles["cell"]),
                Paragraph(_escape(organization), styles["cell"]),
                Paragraph(_escape(sector), styles["cell"]),
                "",
            ]
        )
    data.extend([["", "", "", "", ""] for _row in range(WALK_IN_ROWS)])

    width = PAGE[0] - 2 * MARGIN
    table = LongTable(
        data,
        colWidths=[0.45 * inch, width * 0.27, width * 0.27, width * 0.17, None],
        repeatRows=1,
        rowHeights=[None] + [0.38 * inch] * (len(data) - 1),
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, 9.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#6c757d")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
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
    )
    story = [
        Paragraph(_escape(title), styles["title"]),
        Paragraph(_escape(f"{when} · {session.place}"), styles["meta"]),
        Paragraph(
            _escape(
                _("%(count)d registered · please sign next to your name") % {"count": len(rows)}
            ),
            styles["meta"],
        ),
        Spacer(1, 0.15 * inch),
        table,
    ]
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
