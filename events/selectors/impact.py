"""Impact reports for funders: who was trained, from which sectors and organizations, where.

Every figure is counted by the database (GROUP BY with conditional aggregates), over
the sessions the user may see (events.selectors.scope.sessions_for_organizer), so the
page, its exports and the PDF read one ImpactReport and always agree. The report runs
six queries whatever the number of registrations: the registrations are scanned once
for per-session subtotals, which Python adds up by sector, month and city (a few rows
per session, never one per registration), and once for each distinct count.

Counting rules, the same in every query:
- a session counts when it is published (drafts and cancelled sessions held nothing)
  and its local start date, in its own time zone, falls in the period;
- a session is held once it has started; attendance (attendances, people, organizations
  and cities reached, every "attended" column) counts only in held sessions, so that a
  check-in recorded ahead of a session (an organizer's override) never shows as
  training given, and "sessions held" counts exactly the sessions whose attendance
  counts;
- cancelled registrations never count; waiting-list places count only as unmet demand
  (still waiting when the session started);
- anonymized registrations count: erasure keeps the sector, organization and attendance;
- organizations are grouped by their trimmed, lower-cased name.
"""

import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, DateField, Min, Q, QuerySet, Value, When
from django.db.models.functions import Lower, NullIf, Trim, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Certificate, Registration, Sector, Training, TrainingSession
from events.models.catalog import TIMEZONE_CHOICES
from events.models.evaluations import Phase

from .evaluation_results import learning_summary
from .scope import sessions_for_organizer

# How many organizations the "top organizations" and "reached" lists name.
TOP_ORGANIZATIONS = 25
# The sector whose organizations the report names when no sector is chosen.
DEFAULT_REACHED_SECTOR = "schools-education"

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED


# --- The period ----------------------------------------------------------------------

PERIODS = {
    "this_quarter": _("This quarter"),
    "last_quarter": _("Last quarter"),
    "this_year": _("This year"),
    "fiscal_year": _("Federal fiscal year (Oct–Sep)"),
}
DEFAULT_PERIOD = "this_year"


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter_start(start: date) -> date:
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def period_range(period: str, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of a quick-pick period containing or preceding today."""
    if period == "this_quarter":
        start = _quarter_start(today)
        return start, _next_quarter_start(start) - timedelta(days=1)
    if period == "last_quarter":
        end = _quarter_start(today) - timedelta(days=1)
        return _quarter_start(end), end
    if period == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if period == "fiscal_year":
        # The federal fiscal year 2027 runs from October 1, 2026 to September 30, 2027.
        first_year = today.year if today.month >= 10 else today.year - 1
        return date(first_year, 10, 1), date(first_year + 1, 9, 30)
    raise ValueError(f"unknown period {period!r}")


# --- Filters and results --------------------------------------------------------------


@dataclass(frozen=True)
class ImpactFilters:
    """What the report covers. Dates are local start dates of sessions, inclusive."""

    starts_on: date
    ends_on: date
    training_id: int | None = None
    city: str = ""
    state: str = ""
    sector_id: int | None = None
    mode: str = ""  # "", "in_person" or "online"
    organizer_id: int | None = None


@dataclass(frozen=True)
class Headline:
    sessions_held: int
    sessions_upcoming: int
    registered: int
    attendances: int
    people_attended: int
    confirmed_ended: int
    attended_ended: int
    organizations: int
    cities: int
    certificates: int
    unmet_demand: int

    @property
    def attendance_rate(self) -> float | None:
        """Attended ÷ confirmed in sessions that have ended, as a percentage."""
        if not self.confirmed_ended:
            return None
        return round(100 * self.attended_ended / self.confirmed_ended, 1)


@dataclass(frozen=True)
class SectorRow:
    name: str
    registered: int
    attended: int


@dataclass(frozen=True)
class MonthRow:
    month: date
    sessions: int
    registered: int
    attended: int


@dataclass(frozen=True)
class CityRow:
    city: str
    state: str
    sessions: int
    registered: int
    attended: int


@dataclass(frozen=True)
class OrganizationRow:
    name: str
    registered: int
    attended: int


@dataclass(frozen=True)
class ReachedOrganizations:
    """The organizations that attendees of one sector came from ("schools reached")."""

    sector: Sector | None
    count: int
    rows: list[OrganizationRow]


@dataclass(frozen=True)
class LearningMeasures:
    """Evaluation results of the report's sessions (selectors/evaluation_results.py).
    available is False, and every measure None, until one of them has responses."""

    available: bool = False
    completion_rate: float | None = None
    confident_pre: float | None = None
    confident_post: float | None = None
    knowledge_pre: float | None = None
    knowledge_post: float | None = None

    @property
    def knowledge_gain(self) -> float | None:
        if self.knowledge_pre is None or self.knowledge_post is None:
            return None
        return round(self.knowledge_post - self.knowledge_pre, 1)


@dataclass(frozen=True)
class ImpactReport:
    filters: ImpactFilters
    generated_at: datetime
    headline: Headline
    by_sector: list[SectorRow]
    by_month: list[MonthRow]
    by_city: list[CityRow]
    top_organizations: list[OrganizationRow]
    reached: ReachedOrganizations
    learning: LearningMeasures = field(default_factory=LearningMeasures)


# --- Expressions ----------------------------------------------------------------------


def _local_start_date(prefix: str = "") -> Case:
    """The session's start date on its own clock, computed by the database.

    One branch per zone the session form offers (TruncDate AT TIME ZONE); any other
    value falls back to the site's zone.
    """
    starts_at = f"{prefix}starts_at"
    return Case(
        *(
            When(
                **{f"{prefix}timezone": name},
                then=TruncDate(starts_at, tzinfo=zoneinfo.ZoneInfo(name)),
            )
            for name, _label in TIMEZONE_CHOICES
        ),
        default=TruncDate(starts_at, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)),
        output_field=DateField(),
    )


def _organization_key(field_name: str) -> NullIf:
    """Trimmed, lower-cased organization; NULL for a blank one, which COUNT skips."""
    return NullIf(Lower(Trim(field_name)), Value(""))


def _registration_q(filters: ImpactFilters, prefix: str = "") -> Q:
    """Registrations that count as registered (confirmed), in the chosen sector."""
    q = Q(**{f"{prefix}status": CONFIRMED})
    if filters.sector_id:
        q &= Q(**{f"{prefix}sector_id": filters.sector_id})
    return q


def report_sessions(user, filters: ImpactFilters) -> QuerySet[TrainingSession]:
    """Published sessions in the user's scope that match the filters (not the sector)."""
    # A coarse bound in UTC first, so the index on starts_at narrows the scan; the
    # exact bound is the local date.
    lower = datetime.combine(filters.starts_on, time.min, tzinfo=UTC) - timedelta(days=1)
    upper = datetime.combine(filters.ends_on, time.min, tzinfo=UTC) + timedelta(days=2)
    sessions = (
        sessions_for_organizer(user)
        .filter(
            status=TrainingSession.Status.PUBLISHED,
            starts_at__gte=lower,
            starts_at__lt=upper,
        )
        .alias(local_start=_local_start_date())
        .filter(local_start__gte=filters.starts_on, local_start__lte=filters.ends_on)
    )
    if filters.training_id:
        sessions = sessions.filter(training_id=filters.training_id)
    if filters.city:
        sessions = sessions.filter(city=filters.city)
    if filters.state:
        sessions = sessions.filter(state=filters.state)
    if filters.organizer_id:
        sessions = sessions.filter(organizers=filters.organizer_id)
    # The catalogue's rule: a hybrid session is both in person and online.
    if filters.mode == "online":
        sessions = sessions.exclude(online_url="")
    elif filters.mode == "in_person":
        sessions = sessions.exclude(venue="")
    return sessions.order_by()


def _registrations(session_ids: list[int], filters: ImpactFilters) -> QuerySet[Registration]:
    """Registered (confirmed) people of the report's sessions, in the chosen sector."""
    return Registration.objects.filter(_registration_q(filters), session__in=session_ids).order_by()


# --- The queries ----------------------------------------------------------------------
#
# Every sum (registered, attended, unmet demand, per sector, month and city) comes from
# one scan of the registrations, grouped by session and sector in the database; those
# subtotals (a few per session) are then added up per sector, month and city. The
# distinct counts (people, organizations) cannot be added up, so each has its query.


@dataclass(frozen=True)
class _Session:
    """One report session: what the month and city breakdowns group it by."""

    month: date
    city_key: str
    city: str
    state: str
    started: bool
    ended: bool


@dataclass(frozen=True)
class _Subtotal:
    """The registrations of one session and sector."""

    session_id: int
    sector_id: int
    registered: int
    attended: int
    waiting: int


def _sessions(user, filters: ImpactFilters, now: datetime) -> dict[int, _Session]:
    rows = (
        report_sessions(user, filters)
        .annotate(
            month=TruncMonth(_local_start_date()),
            city_key=Lower(Trim("city")),
            city_shown=Trim("city"),
        )
        .values_list("pk", "month", "city_key", "city_shown", "state", "starts_at", "ends_at")
    )
    return {
        pk: _Session(month, city_key, city, state, starts_at <= now, ends_at <= now)
        for pk, month, city_key, city, state, starts_at, ends_at in rows
    }


def _subtotals(sessions: dict[int, _Session], filters: ImpactFilters) -> list[_Subtotal]:
    """Confirmed, attended and waiting registrations per session and sector: one GROUP BY.
    Attendance in a session that has not started is left out (the module's rules)."""
    confirmed = Q(status=CONFIRMED)
    registrations = Registration.objects.filter(
        session__in=list(sessions),
        status__in=[CONFIRMED, WAITLISTED],
    )
    if filters.sector_id:
        registrations = registrations.filter(sector_id=filters.sector_id)
    rows = (
        registrations.values_list("session_id", "sector_id")
        .annotate(
            registered=Count("pk", filter=confirmed),
            attended=Count("pk", filter=confirmed & Q(attended=True)),
            waiting=Count("pk", filter=Q(status=WAITLISTED)),
        )
        .order_by()
    )
    return [
        _Subtotal(session_id, sector_id, registered, attended, waiting)
        if sessions[session_id].started
        else _Subtotal(session_id, sector_id, registered, 0, waiting)
        for session_id, sector_id, registered, attended, waiting in rows
    ]


def _counted_attendance(upcoming_ids: list[int]) -> Q:
    """Registrations whose attendance counts: marked attended, in a session that started."""
    attended = Q(attended=True)
    # Usually empty or a few sessions: no condition at all for a past period.
    return attended & ~Q(session__in=upcoming_ids) if upcoming_ids else attended


def _organizations(registrations: QuerySet[Registration], attended: Q) -> list[OrganizationRow]:
    """Every organization of these registrations, most attended first (one GROUP BY);
    attended: which registrations count as attendances."""
    rows = (
        registrations.annotate(key=_organization_key("organization"))
        .filter(key__isnull=False)
        .values("key")
        .annotate(
            shown=Min(Trim("organization")),
            registered=Count("pk"),
            attended=Count("pk", filter=attended),
        )
        .order_by("-attended", "-registered", "key")
    )
    return [OrganizationRow(r["shown"], r["registered"], r["attended"]) for r in rows]


def _certificates(session_ids: list[int], filters: ImpactFilters) -> int:
    """Certificates in force of registered people; led by the certificates, far fewer
    than the registrations they belong to."""
    certificates = Certificate.objects.filter(
        _registration_q(filters, "registration__"),
        registration__session__in=session_ids,
        revoked_at__isnull=True,
    )
    return certificates.count()


def _headline(
    sessions: dict[int, _Session],
    subtotals: list[_Subtotal],
    attendances: QuerySet[Registration],
    organizations: list[OrganizationRow],
    certificates: int,
) -> Headline:
    ended = [row for row in subtotals if sessions[row.session_id].ended]
    held = [session for session in sessions.values() if session.started]
    return Headline(
        sessions_held=len(held),
        sessions_upcoming=len(sessions) - len(held),
        registered=sum(row.registered for row in subtotals),
        attendances=sum(row.attended for row in subtotals),
        # Emails are stored normalized (trimmed, lower-case) by the registration service.
        people_attended=attendances.values("email").distinct().count(),
        confirmed_ended=sum(row.registered for row in ended),
        attended_ended=sum(row.attended for row in ended),
        organizations=sum(1 for row in organizations if row.attended),
        cities=len({(session.city_key, session.state) for session in held}),
        certificates=certificates,
        unmet_demand=sum(row.waiting for row in subtotals if sessions[row.session_id].started),
    )


def _by_sector(subtotals: list[_Subtotal], sectors: list[Sector]) -> list[SectorRow]:
    """Sectors with at least one registered person, in the sectors' own order."""
    registered, attended = Counter(), Counter()
    for row in subtotals:
        registered[row.sector_id] += row.registered
        attended[row.sector_id] += row.attended
    return [
        SectorRow(sector.name, registered[sector.pk], attended[sector.pk])
        for sector in sorted(sectors, key=lambda sector: (sector.order, sector.name))
        if registered[sector.pk]
    ]


def _by_month(sessions: dict[int, _Session], subtotals: list[_Subtotal]) -> list[MonthRow]:
    """Every month with a session; its "sessions" are those held (started), as in the
    headline, so the column adds up to "sessions held"."""
    months = {session.month for session in sessions.values()}
    held = Counter(session.month for session in sessions.values() if session.started)
    registered, attended = Counter(), Counter()
    for row in subtotals:
        month = sessions[row.session_id].month
        registered[month] += row.registered
        attended[month] += row.attended
    return [
        MonthRow(month, held[month], registered[month], attended[month]) for month in sorted(months)
    ]


def _by_city(sessions: dict[int, _Session], subtotals: list[_Subtotal]) -> list[CityRow]:
    """Cities grouped by trimmed, lower-cased name and state; most attended first. Like
    the months, a city's "sessions" are those held; "cities reached" are those with one."""
    shown, held = {}, Counter()
    for session in sessions.values():
        place = (session.city_key, session.state)
        held[place] += session.started
        shown[place] = min(shown.get(place, session.city), session.city)
    registered, attended = Counter(), Counter()
    for row in subtotals:
        session = sessions[row.session_id]
        registered[session.city_key, session.state] += row.registered
        attended[session.city_key, session.state] += row.attended
    places = sorted(held, key=lambda place: (-attended[place], -registered[place], place[0]))
    return [
        CityRow(shown[place], place[1], held[place], registered[place], attended[place])
        for place in places
    ]


def reached_sector(filters: ImpactFilters, sectors: list[Sector]) -> Sector | None:
    """The sector whose organizations are named: the chosen one, else schools."""
    for sector in sectors:
        if filters.sector_id and sector.pk == filters.sector_id:
            return sector
        if not filters.sector_id and sector.slug == DEFAULT_REACHED_SECTOR:
            return sector
    return None


def impact_report(
    user, filters: ImpactFilters, *, sectors: list[Sector], now: datetime | None = None
) -> ImpactReport:
    """The whole report for one user and set of filters, in six queries (and one to
    four for the learning measures), whatever the number of registrations.

    sectors: every sector (the filter form has them already), to name the sectors of
    the breakdown and the one whose organizations are listed without another query.
    """
    now = now or timezone.now()
    sector = reached_sector(filters, sectors)
    sessions = _sessions(user, filters, now)
    # The other queries name the sessions by id: PostgreSQL cannot estimate the local-date
    # condition of report_sessions, and with a guess of a few sessions instead of
    # thousands it would loop over the registrations instead of hashing them.
    session_ids = list(sessions)
    counted = _counted_attendance([pk for pk, session in sessions.items() if not session.started])
    subtotals = _subtotals(sessions, filters)
    registrations = _registrations(session_ids, filters)
    attendances = registrations.filter(counted)
    organizations = _organizations(registrations, counted)
    reached = _organizations(attendances.filter(sector_id=sector.pk), counted) if sector else []
    return ImpactReport(
        filters=filters,
        generated_at=now,
        headline=_headline(
            sessions, subtotals, attendances, organizations, _certificates(session_ids, filters)
        ),
        by_sector=_by_sector(subtotals, sectors),
        by_month=_by_month(sessions, subtotals),
        by_city=_by_city(sessions, subtotals),
        top_organizations=organizations[:TOP_ORGANIZATIONS],
        reached=ReachedOrganizations(
            sector=sector, count=len(reached), rows=reached[:TOP_ORGANIZATIONS]
        ),
        learning=learning_measures(user, filters),
    )


def learning_measures(user, filters: ImpactFilters) -> LearningMeasures:
    """Evaluation completion, confidence and knowledge, pre vs post, for the same sessions.

    Completion is the post-evaluation's (answered / attended); confidence is the share
    of scale answers at 4 or 5; knowledge is the average score, in percent.
    """
    summary = learning_summary(report_sessions(user, filters))
    if not summary.has_responses:
        return LearningMeasures()
    return LearningMeasures(
        available=True,
        completion_rate=summary.completion_rate(Phase.POST),
        confident_pre=summary.high_confidence[Phase.PRE],
        confident_post=summary.high_confidence[Phase.POST],
        knowledge_pre=summary.average_score[Phase.PRE],
        knowledge_post=summary.average_score[Phase.POST],
    )


def report_filter_choices(user) -> dict:
    """The report form's choices within the user's sessions: one query each."""
    sessions = sessions_for_organizer(user)
    trainings = list(
        Training.objects.filter(pk__in=sessions.values("training_id"))
        .order_by("title", "pk")
        .values_list("pk", "title")
    )
    places = list(sessions.order_by().values_list("city", "state").distinct())
    organizers = [
        (pk, f"{name} <{email}>" if name else email)
        for pk, name, email in get_user_model()
        .objects.filter(organized_sessions__in=sessions.values("pk"))
        .distinct()
        .order_by("email")
        .values_list("pk", "full_name", "email")
    ]
    return {
        "trainings": trainings,
        "places": places,
        "sectors": list(Sector.objects.all()),
        "organizers": organizers,
    }
