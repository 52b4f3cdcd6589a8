"""Bar charts drawn on the server: one geometry, rendered as SVG for pages and as a
reportlab drawing for PDFs (events.documents.pdf.impact), so both show the same bars.

The SVG has no script and no inline style (it passes the CSP and prints as it shows):
colours and fonts are presentation attributes. Each chart has a title, a description,
axis labels, tick marks and the number at the end of every bar; the page puts the same
numbers in a data table under it.
"""

import math
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

LABEL_WIDTH = 230  # category names, right-aligned against the axis
PLOT_WIDTH = 380
VALUE_ROOM = 56  # the number after the longest bar
BAR_HEIGHT = 14
BAR_GAP = 2  # between the bars of one category
GROUP_GAP = 10  # between categories
TOP = 30  # the legend
BOTTOM = 46  # tick labels and the value axis label
FONT = "DejaVu Sans, Verdana, sans-serif"
FONT_SIZE = 12
TEXT_COLOUR = "#1f1f1f"
AXIS_COLOUR = "#595959"
# Blue and dark orange: each at least 3:1 against white, and apart in lightness so
# they differ in greyscale print too.
SERIES_COLOURS = ("#2f6690", "#b35c00", "#4d7c0f")
MAX_LABEL = 34  # characters of a category name before it is shortened


@dataclass(frozen=True)
class Bar:
    series: int
    x: float
    y: float
    width: float
    value: int


@dataclass(frozen=True)
class Category:
    label: str
    label_y: float  # baseline of the category name
    bars: list[Bar]


@dataclass(frozen=True)
class BarChart:
    """A horizontal grouped bar chart, laid out in a width × height box (y down)."""

    title: str
    category_label: str
    value_label: str
    series: list[str]
    categories: list[Category]
    ticks: list[tuple[float, int]]  # (x, value)
    width: float
    height: float
    plot_left: float
    plot_top: float
    plot_bottom: float

    def colour(self, series: int) -> str:
        return SERIES_COLOURS[series % len(SERIES_COLOURS)]


def nice_step(largest: int, ticks: int = 5) -> int:
    """A round tick step (1, 2 or 5 × 10ⁿ) giving about `ticks` ticks up to largest."""
    if largest <= 0:
        return 1
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * magnitude:
            return max(1, int(multiple * magnitude))
    return int(10 * magnitude)


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def bar_chart(
    *,
    title: str,
    category_label: str,
    value_label: str,
    labels: list[str],
    series: list[tuple[str, list[int]]],
) -> BarChart:
    """Lay out one bar per series for each label, scaled to a round axis maximum."""
    largest = max((value for _name, values in series for value in values), default=0)
    step = nice_step(largest)
    axis_max = max(step, math.ceil(largest / step) * step)
    scale = PLOT_WIDTH / axis_max
    group_height = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP
    categories = []
    y = TOP
    for index, label in enumerate(labels):
        bars = [
            Bar(
                series=number,
                x=LABEL_WIDTH,
                y=y + number * (BAR_HEIGHT + BAR_GAP),
                width=round(values[index] * scale, 1),
                value=values[index],
            )
            for number, (_name, values) in enumerate(series)
        ]
        categories.append(
            Category(label=_shorten(label), label_y=y + group_height / 2 + 4, bars=bars)
        )
        y += group_height + GROUP_GAP
    plot_bottom = max(y - GROUP_GAP + 6, TOP + BAR_HEIGHT)
    return BarChart(
        title=title,
        category_label=category_label,
        value_label=value_label,
        series=[name for name, _values in series],
        categories=categories,
        ticks=[(LABEL_WIDTH + value * scale, value) for value in range(0, axis_max + 1, step)],
        width=LABEL_WIDTH + PLOT_WIDTH + VALUE_ROOM,
        height=plot_bottom + BOTTOM,
        plot_left=LABEL_WIDTH,
        plot_top=TOP - 6,
        plot_bottom=plot_bottom,
    )


def _legend(chart: BarChart) -> SafeString:
    items = []
    x = chart.plot_left
    for number, name in enumerate(chart.series):
        items.append((x, chart.colour(number), x + 16, name))
        x += 24 + 8 * len(name)
    return format_html_join(
        "",
        '<rect x="{}" y="6" width="12" height="12" fill="{}"></rect><text x="{}" y="16">{}</text>',
        items,
    )


def chart_svg(chart: BarChart, *, chart_id: str) -> SafeString:
    """The chart as an accessible SVG element (role=img, title and description)."""
    ticks = format_html_join(
        "",
        '<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="#d0d0d0"></line>'
        '<text x="{0}" y="{3}" text-anchor="middle">{4}</text>',
        ((x, chart.plot_top, chart.plot_bottom, chart.plot_bottom + 16, v) for x, v in chart.ticks),
    )
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}">{}</text>',
        (
            (
                bar.x,
                bar.y,
                bar.width,
                BAR_HEIGHT,
                chart.colour(bar.series),
                chart.series[bar.series],
                bar.value,
                bar.x + bar.width + 4,
                bar.y + BAR_HEIGHT - 3,
                bar.value,
            )
            for category in chart.categories
            for bar in category.bars
        ),
    )
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end">{}</text>',
        ((chart.plot_left - 8, c.label_y, c.label) for c in chart.categories),
    )
    description = _("%(values)s by %(categories)s. The numbers are in the table below.") % {
        "values": chart.value_label,
        "categories": chart.category_label,
    }
    return format_html(
        '<svg class="impact-chart" role="img" aria-labelledby="{id}-title {id}-desc" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="{font}" '
        'font-size="{size}" fill="{text}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "{legend}{ticks}{bars}{labels}"
        '<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="{axis}"></line>'
        '<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{axis}"></line>'
        '<text x="{mid}" y="{axis_label_y}" text-anchor="middle">{value_label}</text>'
        '<text x="4" y="16">{category_label}</text>'
        "</svg>",
        id=chart_id,
        w=chart.width,
        h=chart.height,
        font=FONT,
        size=FONT_SIZE,
        text=TEXT_COLOUR,
        title=chart.title,
        desc=description,
        legend=_legend(chart),
        ticks=ticks,
        bars=bars,
        labels=labels,
        left=chart.plot_left,
        right=chart.plot_left + PLOT_WIDTH,
        top=chart.plot_top,
        bottom=chart.plot_bottom,
        axis=AXIS_COLOUR,
        mid=chart.plot_left + PLOT_WIDTH / 2,
        axis_label_y=chart.plot_bottom + 36,
        value_label=chart.value_label,
        category_label=chart.category_label,
    )
