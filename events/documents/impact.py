"""The impact report as tables: one list that the page's data tables, the CSV files, the
XLSX sheets and the PDF all print, so every number in every format is the same one,
read from a single ImpactReport (events.selectors.impact).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from events.selectors.impact import ImpactReport

from .charts import BarChart, bar_chart


@dataclass(frozen=True)
class ReportTable:
    key: str  # names the CSV file and the XLSX sheet: "sectors", "months", ...
    title: str
    columns: list[str]
    rows: list[list]
    chart: BarChart | None = None
    note: str = ""
    sheet: str = ""  # a short name for the XLSX sheet (31 characters at most)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value}%"


def headline_rows(report: ImpactReport) -> list[list]:
    """(figure, value, what it counts) for the headline figures."""
    h = report.headline
    reached = report.reached
    sector = reached.sector.name if reached.sector else _("no sector")
    return [
        [
            _("Sessions held"),
            h.sessions_held,
            _("Published sessions in the period that have started: attendance counts in these."),
        ],
        [
            _("Sessions still to come"),
            h.sessions_upcoming,
            _("Published sessions in the period that have not started yet."),
        ],
        [_("People registered"), h.registered, _("Confirmed places (never cancelled ones).")],
        [
            _("Attendances"),
            h.attendances,
            _("Places marked attended in sessions held: one person at two sessions counts twice."),
        ],
        [
            _("People reached"),
            h.people_attended,
            _("Distinct people who attended, by email: one person at two sessions counts once."),
        ],
        [
            _("Attendance rate"),
            _percent(h.attendance_rate),
            _("Attended ÷ confirmed, in sessions that have ended."),
        ],
        [
            _("Organizations reached"),
            h.organizations,
            _("Distinct organizations of attendees (case and spaces ignored)."),
        ],
        [
            _("Organizations reached in %(sector)s") % {"sector": sector},
            reached.count,
            _("Distinct organizations of attendees in that sector."),
        ],
        [_("Cities reached"), h.cities, _("Distinct cities where sessions were held.")],
        [_("Certificates issued"), h.certificates, _("Certificates of attendance not revoked.")],
        [
            _("Demand left unmet"),
            h.unmet_demand,
            _("People still on a waiting list when their session started."),
        ],
    ]


def report_tables(report: ImpactReport) -> list[ReportTable]:
    """The headline figures, then each breakdown with its chart."""
    registered, attended = _("Registered"), _("Attended")
    people = _("People")
    sectors = report.by_sector
    months = report.by_month
    cities = report.by_city
    organizations = report.top_organizations
    reached = report.reached
    sector_name = reached.sector.name if reached.sector else _("no sector")
    month_labels = [f"{row.month:%Y-%m}" for row in months]
    city_labels = [f"{row.city}, {row.state}" for row in cities]
    return [
        ReportTable(
            key="figures",
            title=_("Headline figures"),
            columns=[_("Figure"), _("Value"), _("What it counts")],
            rows=headline_rows(report),
        ),
        ReportTable(
            key="sectors",
            title=_("By sector"),
            columns=[_("Sector"), registered, attended],
            rows=[[r.name, r.registered, r.attended] for r in sectors],
            chart=bar_chart(
                title=_("Registered and attended by sector"),
                category_label=_("Sector"),
                value_label=people,
                labels=[r.name for r in sectors],
                series=[
                    (registered, [r.registered for r in sectors]),
                    (attended, [r.attended for r in sectors]),
                ],
            ),
        ),
        ReportTable(
            key="months",
            title=_("By month"),
            columns=[_("Month"), _("Sessions held"), registered, attended],
            rows=[
                [label, r.sessions, r.registered, r.attended]
                for label, r in zip(month_labels, months, strict=True)
            ],
            chart=bar_chart(
                title=_("Registered and attended by month"),
                category_label=_("Month"),
                value_label=people,
                labels=month_labels,
                series=[
                    (registered, [r.registered for r in months]),
                    (attended, [r.attended for r in months]),
                ],
            ),
            note=_("Months are counted in each session's own time zone."),
        ),
        ReportTable(
            key="cities",
            title=_("By city"),
            columns=[_("City"), _("State"), _("Sessions held"), registered, attended],
            rows=[[r.city, r.state, r.sessions, r.registered, r.attended] for r in cities],
            chart=bar_chart(
                title=_("Attended by city"),
                category_label=_("City"),
                value_label=people,
                labels=city_labels,
                series=[(attended, [r.attended for r in cities])],
            ),
        ),
        ReportTable(
            key="organizations",
            title=_("Top organizations"),
            columns=[_("Organization"), registered, attended],
            rows=[[r.name, r.registered, r.attended] for r in organizations],
            chart=bar_chart(
                title=_("People sent by the top organizations"),
                category_label=_("Organization"),
                value_label=people,
                labels=[r.name for r in organizations],
                series=[
                    (registered, [r.registered for r in organizations]),
                    (attended, [r.attended for r in organizations]),
                ],
            ),
            note=ngettext(
                "The organization that sent the most people.",
                "The %(count)d organizations that sent the most people.",
                len(organizations),
            )
            % {"count": len(organizations)},
        ),
        ReportTable(
            key="reached",
            title=_("Organizations reached in %(sector)s") % {"sector": sector_name},
            sheet=_("Organizations reached"),
            columns=[_("Organization"), attended],
            rows=[[r.name, r.attended] for r in reached.rows],
            chart=bar_chart(
                title=_("Attendees by organization in %(sector)s") % {"sector": sector_name},
                category_label=_("Organization"),
                value_label=people,
                labels=[r.name for r in reached.rows],
                series=[(attended, [r.attended for r in reached.rows])],
            ),
            note=ngettext(
                "%(count)d organization in all; the table names the first %(shown)d.",
                "%(count)d organizations in all; the table names the first %(shown)d.",
                reached.count,
            )
            % {"count": reached.count, "shown": len(reached.rows)},
        ),
    ]


NO_EVALUATIONS = _lazy(
    "No evaluations exist yet. Evaluation completion, confidence and knowledge scores, "
    "pre vs post, will appear here once sessions collect evaluations."
)


def learning_rows(report: ImpactReport) -> list[list]:
    """The learning measures as (measure, value) rows; empty until evaluations exist."""
    m = report.learning
    if not m.available:
        return []
    return [
        [_("Evaluation completion rate"), _percent(m.completion_rate)],
        [_("High or very high confidence, before"), _percent(m.confident_pre)],
        [_("High or very high confidence, after"), _percent(m.confident_post)],
        [_("Average knowledge score, before"), m.knowledge_pre],
        [_("Average knowledge score, after"), m.knowledge_post],
        [_("Knowledge gain"), m.knowledge_gain],
    ]


def filter_rows(report: ImpactReport, described: list[tuple[str, str]]) -> list[list]:
    """The cover of an export: the period, each filter and when it was generated."""
    f = report.filters
    return [
        [_("Period"), f"{f.starts_on:%Y-%m-%d} – {f.ends_on:%Y-%m-%d}"],
        *([label, value] for label, value in described),
        [_("Generated"), f"{report.generated_at:%Y-%m-%d %H:%M} UTC"],
    ]
