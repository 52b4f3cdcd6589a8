"""The organizer home: the next sessions with their figures, and what needs attention.

The first page after login (the admin index) reads organizer_home(). Everything is
scoped by events.selectors.scope, as the admin is: an organizer sees their own
sessions and their people's failed emails, a superuser sees all. The figures come
from a fixed number of grouped queries (a test pins it), never one per session.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from events.models import (
    Completion,
    Notification,
    Questionnaire,
    Registration,
    TrainingSession,
)
from events.models.evaluations import Phase

from . import scope
from .catalog import with_seat_counts

# How many of the next sessions the home lists; the session list has the rest.
NEXT_SESSIONS_SHOWN = 8
# A full session's waiting list is "long" from this many people...
LONG_WAITLIST_PEOPLE = 5
# ...or from this share of its capacity, in percent (a room that may need to grow).
LONG_WAITLIST_PERCENT_OF_CAPACITY = 25
# How many sessions each "needs attention" list names at most.
ATTENTION_SHOWN = 20

CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED


@dataclass(frozen=True)
class SessionFigures:
    """One of the next sessions, with what an organizer checks before and on the day."""

    session: TrainingSession
    confirmed: int
    waitlisted: int
    attended: int
    certificates_issued: int
    certificates_pending: int
    # None when the session's training has no evaluation.
    evaluations_completed: int | None
    is_today: bool

    @property
    def capacity(self) -> int:
        return self.session.capacity

    @property
    def seats_left(self) -> int:
        return max(0, self.session.capacity - self.confirmed)

    @property
    def has_evaluation(self) -> bool:
        return self.evaluations_completed is not None

    @property
    def evaluation_percent(self) -> int | None:
        """Post-evaluations completed per person who attended, in percent."""
        if self.evaluations_completed is None or not self.attended:
            return None
        return round(100 * self.evaluations_completed / self.attended)


@dataclass(frozen=True)
class FailedEmails:
    """Failed outbox rows about one session (session None: account emails)."""

    session: TrainingSession | None
    count: int


@dataclass(frozen=True)
class SessionProblem:
    """An upcoming session that needs a decision or a missing detail."""

    session: TrainingSession
    missing_place: bool
    missing_organizer: bool
    confirmed: int
    waitlisted: int

    @property
    def long_waitlist(self) -> bool:
        return is_long_waitlist(
            capacity=self.session.capacity, confirmed=self.confirmed, waitlisted=self.waitlisted
        )


@dataclass(frozen=True)
class OrganizerHome:
    next_sessions: list[SessionFigures]
    failed_emails: list[FailedEmails]
    problems: list[SessionProblem]

    @property
    def failed_email_count(self) -> int:
        return sum(item.count for item in self.failed_emails)

    @property
    def needs_attention(self) -> bool:
        return bool(self.failed_emails or self.problems)


def is_long_waitlist(*, capacity: int, confirmed: int, waitlisted: int) -> bool:
    """Full, with a waiting list of LONG_WAITLIST_PEOPLE or of the capacity's share."""
    if confirmed < capacity or not waitlisted:
        return False
    return (
        waitlisted >= LONG_WAITLIST_PEOPLE
        or 100 * waitlisted >= LONG_WAITLIST_PERCENT_OF_CAPACITY * capacity
    )


def start_of_today(now: datetime | None = None) -> datetime:
    """Midnight in the site's zone: sessions that ended earlier today still show."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _current_sessions(user, now: datetime) -> QuerySet[TrainingSession]:
    """The user's sessions that are on today or later, not cancelled, soonest first."""
    return (
        scope.sessions_for_organizer(user)
        .filter(ends_at__gte=start_of_today(now))
        .exclude(status=TrainingSession.Status.CANCELLED)
        .select_related("training")
        .order_by("starts_at", "pk")
    )


def _registration_figures(session_ids: list[int]) -> dict[int, dict[str, int]]:
    """Seats, waiting list, check-ins and certificates: one grouped query.

    The join to the certificate is one-to-one, so it never multiplies the rows counted.
    """
    attended = Q(status=CONFIRMED, attended=True)
    issued = Q(certificate__isnull=False, certificate__revoked_at__isnull=True)
    rows = (
        Registration.objects.filter(session__in=session_ids)
        .values("session")
        .order_by()
        .annotate(
            confirmed=Count("pk", filter=Q(status=CONFIRMED)),
            waitlisted=Count("pk", filter=Q(status=WAITLISTED)),
            # Not named "attended": an annotation by a field's name shadows the field.
            attended_count=Count("pk", filter=attended),
            certificates_issued=Count("pk", filter=issued),
            certificates_pending=Count("pk", filter=attended & Q(certificate__isnull=True)),
        )
    )
    figures = {}
    for row in rows:
        row["attended"] = row.pop("attended_count")
        figures[row.pop("session")] = row
    return figures


def _post_evaluations(session_ids: list[int]) -> dict[int, int]:
    """Post-evaluations completed by people who attended, per session: one query.

    Completion marks are kept in anonymous mode too, so this counts both modes.
    """
    rows = (
        Completion.objects.filter(
            phase=Phase.POST,
            registration__session__in=session_ids,
            registration__status=CONFIRMED,
            registration__attended=True,
        )
        .values("registration__session")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("registration__session", "n")
    )
    return dict(rows)


def next_sessions(
    user, *, now: datetime | None = None, limit: int = NEXT_SESSIONS_SHOWN
) -> list[SessionFigures]:
    """The user's next sessions (today's first), each with its figures: three queries."""
    now = now or timezone.now()
    has_evaluation = Exists(Questionnaire.objects.filter(training=OuterRef("training_id")))
    sessions = list(_current_sessions(user, now).annotate(has_evaluation=has_evaluation)[:limit])
    ids = [session.pk for session in sessions]
    if not ids:
        return []
    figures = _registration_figures(ids)
    evaluations = _post_evaluations(ids)
    empty = {
        "confirmed": 0,
        "waitlisted": 0,
        "attended": 0,
        "certificates_issued": 0,
        "certificates_pending": 0,
    }
    return [
        SessionFigures(
            session=session,
            **figures.get(session.pk, empty),
            evaluations_completed=(
                evaluations.get(session.pk, 0) if session.has_evaluation else None
            ),
            is_today=(
                timezone.localdate(session.starts_at, session.tzinfo)
                == timezone.localdate(now, session.tzinfo)
            ),
        )
        for session in sessions
    ]


def failed_emails(user, *, limit: int = ATTENTION_SHOWN) -> list[FailedEmails]:
    """Failed outbox rows in the user's sessions, counted per session: two queries.

    Account emails (to a user, about no session) are a superuser's only.
    """
    failed = scope.rows_of_registrations_for_organizer(
        Notification.objects.filter(status=Notification.Status.FAILED), user
    )
    counts = list(
        failed.values_list("registration__session")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n", "registration__session")
        .values_list("registration__session", "n")[:limit]
    )
    if not counts:
        return []
    ids = [session_id for session_id, _ in counts if session_id is not None]
    sessions = TrainingSession.objects.select_related("training").in_bulk(ids)
    return [FailedEmails(session=sessions.get(session_id), count=n) for session_id, n in counts]


def session_problems(
    user, *, now: datetime | None = None, limit: int = ATTENTION_SHOWN
) -> list[SessionProblem]:
    """Upcoming sessions missing a place or an organizer, or full with a long waiting
    list: one query (the counts are correlated subqueries, filtered in the database)."""
    now = now or timezone.now()
    # In person (not online only) and no street address to come to.
    online_only = Q(online_url__gt="") & Q(venue="")
    missing_place = Q(address="") & ~online_only
    organizers = TrainingSession.organizers.through.objects.filter(
        trainingsession_id=OuterRef("pk")
    )
    sessions = (
        with_seat_counts(
            scope.sessions_for_organizer(user)
            .filter(ends_at__gt=now)
            .exclude(status=TrainingSession.Status.CANCELLED)
        )
        .select_related("training")
        .annotate(
            has_organizer=Exists(organizers),
            missing_place=ExpressionWrapper(missing_place, output_field=BooleanField()),
            waitlist_share=F("waitlisted_count") * 100,
        )
        .filter(
            Q(missing_place)
            | Q(has_organizer=False)
            | (
                Q(confirmed_count__gte=F("capacity"), waitlisted_count__gt=0)
                & (
                    Q(waitlisted_count__gte=LONG_WAITLIST_PEOPLE)
                    | Q(waitlist_share__gte=F("capacity") * LONG_WAITLIST_PERCENT_OF_CAPACITY)
                )
            )
        )
        .order_by("starts_at", "pk")
    )
    return [
        SessionProblem(
            session=session,
            missing_place=session.missing_place,
            missing_organizer=not session.has_organizer,
            confirmed=session.confirmed_count,
            waitlisted=session.waitlisted_count,
        )
        for session in sessions[:limit]
    ]


def organizer_home(user, *, now: datetime | None = None) -> OrganizerHome:
    """Everything the home shows, for one user, in a fixed number of queries."""
    now = now or timezone.now()
    return OrganizerHome(
        next_sessions=next_sessions(user, now=now),
        failed_emails=failed_emails(user),
        problems=session_problems(user, now=now),
    )
