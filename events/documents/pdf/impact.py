"""The printable impact report: the page's figures, charts and tables on Letter paper.

The charts are the same geometry as the page's SVG (events.documents.charts), drawn
with reportlab's vector shapes, so a printed bar is the bar on screen.
"""

import io

from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    LongTable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from events.documents.charts import BAR_HEIGHT, FONT_SIZE, PLOT_WIDTH, BarChart
from events.documents.impact import NO_EVALUATIONS, learning_rows, report_tables
from events.selectors.impact import ImpactReport

from .fonts import SANS, SANS_BOLD, register_fonts
from .text import escape_markup

MARGIN = 0.6 * inch
WIDTH = LETTER[0] - 2 * MARGIN
GREY = colors.HexColor("#e9ecef")
LINE = colors.HexColor("#6c757d")


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=SANS_BOLD, fontSize=17, leading=22),
        "h2": ParagraphStyle("h2", fontName=SANS_BOLD, fontSize=12.5, leading=16, spaceBefore=10),
        "body": ParagraphStyle("body", fontName=SANS, fontSize=9.5, leading=12.5),
        "cell": ParagraphStyle("cell", fontName=SANS, fontSize=9, leading=11),
        "head": ParagraphStyle("head", fontName=SANS_BOLD, fontSize=9, leading=11),
    }


def chart_drawing(chart: BarChart, *, width: float = WIDTH) -> Drawing:
    """The chart as a reportlab drawing scaled to width (the SVG's y axis points down)."""
    scale = min(1.0, width / chart.width)
    group = Group()

    def y(value: float) -> float:
        return chart.height - value

    def text(x, top, value, anchor="start", size=FONT_SIZE, bold=False) -> String:
        return String(
            x,
            y(top),
            str(value),
            fontName=SANS_BOLD if bold else SANS,
            fontSize=size,
            textAnchor=anchor,
            fillColor=colors.black,
        )

    for x, value in chart.ticks:
        group.add(Line(x, y(chart.plot_top), x, y(chart.plot_bottom), strokeColor=GREY))
        group.add(text(x, chart.plot_bottom + 16, value, "middle"))
    legend_x = chart.plot_left
    for number, name in enumerate(chart.series):
        colour = colors.HexColor(chart.colour(number))
        group.add(Rect(legend_x, y(18), 12, 12, fillColor=colour, strokeColor=None))
        group.add(text(legend_x + 16, 16, name))
        legend_x += 24 + 8 * len(name)
    for category in chart.categories:
        group.add(text(chart.plot_left - 8, category.label_y, category.label, "end"))
        for bar in category.bars:
            colour = colors.HexColor(chart.colour(bar.series))
            group.add(
                Rect(
                    bar.x,
                    y(bar.y + BAR_HEIGHT),
                    max(bar.width, 0.01),
                    BAR_HEIGHT,
                    fillColor=colour,
                    strokeColor=None,
                )
            )
            group.add(text(bar.x + bar.width + 4, bar.y + BAR_HEIGHT - 3, bar.value))
    left, bottom = chart.plot_left, y(chart.plot_bottom)
    group.add(Line(left, y(chart.plot_top), left, bottom, strokeColor=LINE))
    group.add(Line(left, bottom, left + PLOT_WIDTH, bottom, strokeColor=LINE))
    group.add(text(left + PLOT_WIDTH / 2, chart.plot_bottom + 36, chart.value_label, "middle"))
    group.add(text(4, 16, chart.category_label, bold=True))
    group.scale(scale, scale)
    drawing = Drawing(chart.width * scale, chart.height * scale)
    drawing.add(group)
    return drawing


def _table(columns: list[str], rows: list[list], styles, widths=None) -> LongTable:
    data = [[Paragraph(escape_markup(str(c)), styles["head"]) for c in columns]]
    data += [
        [Paragraph(escape_markup(str(value)), styles["cell"]) for value in row] for row in rows
    ]
    table = LongTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), GREY),
                ("GRID", (0, 0), (-1, -1), 0.4, LINE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render_impact_pdf(report: ImpactReport, *, cover: list[list]) -> bytes:
    """The report as a PDF: cover, headline figures, learning measures, then each breakdown."""
    register_fonts()
    styles = _styles()
    tables = report_tables(report)
    figures, breakdowns = tables[0], tables[1:]
    title = _("Impact report")
    story = [Paragraph(escape_markup(title), styles["title"]), Spacer(1, 6)]
    story.append(_table([_("Filter"), _("Value")], cover, styles, [WIDTH * 0.3, WIDTH * 0.7]))
    story.append(Paragraph(escape_markup(figures.title), styles["h2"]))
    story.append(
        _table(figures.columns, figures.rows, styles, [WIDTH * 0.3, WIDTH * 0.15, WIDTH * 0.55])
    )
    story.append(Paragraph(escape_markup(_("Learning measures")), styles["h2"]))
    learning = learning_rows(report)
    if learning:
        story.append(_table([_("Measure"), _("Value")], learning, styles))
    else:
        story.append(Paragraph(escape_markup(str(NO_EVALUATIONS)), styles["body"]))
    for table in breakdowns:
        story.append(CondPageBreak(2.5 * inch))
        heading = Paragraph(escape_markup(table.title), styles["h2"])
        if not table.rows:
            story += [heading, Paragraph(escape_markup(_("Nothing to show.")), styles["body"])]
            continue
        story.append(KeepTogether([heading, Spacer(1, 4), chart_drawing(table.chart)]))
        story.append(Spacer(1, 6))
        story.append(_table(table.columns, table.rows, styles))
        if table.note:
            story.append(Paragraph(escape_markup(table.note), styles["body"]))

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(SANS, 8)
        canvas.drawString(MARGIN, 0.35 * inch, title)
        canvas.drawRightString(
            LETTER[0] - MARGIN, 0.35 * inch, _("Page %(page)d") % {"page": doc.page}
        )
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=0.7 * inch,
        title=title,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
