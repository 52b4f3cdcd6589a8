"""Reads for organizers: the one place that decides which sessions a user may manage.

The admin (session, roster and audit pages, autocomplete, exports) and the door
check-in page all start from these querysets, so an organizer of session A can
never reach session B's people through any of them.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from events.models import AuditEntry, Registration, Sector, Training, TrainingSession
from events.models.tokens import normalize_code

from .catalog import with_counts
from .text_search import containing_ignoring_accents

ORGANIZERS_GROUP = "Organizers"


def can_see_all(user) -> bool:
    return bool(user.is_active and user.is_superuser)


def sessions_for_organizer(user) -> QuerySet[TrainingSession]:
    """Sessions the user organizes; every session for a superuser, none for non-staff."""
    sessions = TrainingSession.objects.all()
    if can_see_all(user):
        return sessions
    if not (user.is_active and user.is_staff):
        return sessions.none()
    return sessions.filter(organizers=user)


def registrations_for_organizer(user) -> QuerySet[Registration]:
    """Registrations in the user's sessions (a subquery, so no join duplicates rows)."""
    registrations = Registration.objects.all()
    if can_see_all(user):
        return registrations
    return registrations.filter(session__in=sessions_for_organizer(user).values("pk"))


def rows_of_registrations_for_organizer(queryset: QuerySet, user) -> QuerySet:
    """Rows hanging off a registration (certificates, outbox) in the user's sessions."""
    if can_see_all(user):
        return queryset
    return queryset.filter(registration__session__in=sessions_for_organizer(user).values("pk"))


def audit_for_organizer(user) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if can_see_all(user):
        return entries
    return entries.filter(session__in=sessions_for_organizer(user).values("pk"))


def session_list_for_organizer(user) -> QuerySet[TrainingSession]:
    """The session changelist: scoped, with confirmed/waitlisted/attended counts in one query."""
    return with_counts(sessions_for_organizer(user).select_related("training"))


def checkin_counts(session_id: int) -> dict[str, int]:
    """Live numbers for the door page, in one query."""
    return Registration.objects.filter(session_id=session_id).aggregate(
        confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
        checked_in=Count(
            "pk", filter=Q(status=Registration.Status.CONFIRMED, checked_in_at__isnull=False)
        ),
        waitlisted=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
    )


def search_for_checkin(*, session_id: int, query: str, limit: int = 25) -> list[Registration]:
    """Active registrants whose name or email contains the query (accents ignored)."""
    query = query.strip()[:100]
    if not query:
        return []
    active = Registration.objects.filter(session_id=session_id).exclude(
        status=Registration.Status.CANCELLED
    )
    return list(
        containing_ignoring_accents(active, ["full_name", "email"], query)
        .select_related("sector")
        .order_by("full_name", "id")[:limit]
    )


def find_by_checkin_code(*, session_id: int, code: str) -> Registration | None:
    """The registration a scanned or typed code points to, only within this session.

    Typed codes may carry spaces, dashes or lower case ("xz9s-6g3d q2tr n9ms"): they
    are normalized like certificate codes. Anything that cannot be a code (a NUL byte,
    which PostgreSQL would refuse with an error) needs no query.
    """
    code = normalize_code(code)
    if code is None:
        return None
    return Registration.objects.filter(session_id=session_id, checkin_code=code).first()


@dataclass(frozen=True)
class SectorCount:
    name: str
    count: int
    percent: float


@dataclass(frozen=True)
class RosterSummary:
    confirmed: int
    waitlisted: int
    attended: int
    organizations: int
    sectors: list[SectorCount]
    # After the session has ended the sectors count the people who attended; before
    # that, the people confirmed.
    counts_attended: bool = False

    @property
    def attendance_rate(self) -> float | None:
        """Attended / confirmed, as a percentage; None before anyone is confirmed."""
        if not self.confirmed:
            return None
        return round(100 * self.attended / self.confirmed, 1)


def roster_summary(session: TrainingSession, *, now: datetime | None = None) -> RosterSummary:
    """Who is coming (or, once the session has ended, who came), for the session page:
    three queries, any size."""
    counts_attended = session.ends_at <= (now or timezone.now())
    active = Registration.objects.filter(session_id=session.pk).exclude(
        status=Registration.Status.CANCELLED
    )
    totals = active.aggregate(
        confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
        attended=Count("pk", filter=Q(attended=True)),
        # Distinct organizations among confirmed attendees; case and surrounding
        # spaces differ between people typing the same name.
        organizations=Count(
            Lower(Trim("organization")),
            distinct=True,
            filter=Q(status=Registration.Status.CONFIRMED) & ~Q(organization=""),
        ),
    )
    counted = active.filter(status=Registration.Status.CONFIRMED)
    if counts_attended:
        counted = counted.filter(attended=True)
    by_sector = dict(
        counted.values_list("sector_id").annotate(n=Count("pk")).values_list("sector_id", "n")
    )
    total = sum(by_sector.values())
    sectors = [
        SectorCount(name=name, count=by_sector[pk], percent=round(100 * by_sector[pk] / total, 1))
        for pk, name in Sector.objects.filter(pk__in=by_sector).values_list("pk", "name")
    ]
    sectors.sort(key=lambda s: (-s.count, s.name))
    return RosterSummary(sectors=sectors, counts_attended=counts_attended, **totals)


def trainings_for_organizer(user) -> QuerySet[Training]:
    """Trainings with at least one session the user organizes (all for a superuser)."""
    trainings = Training.objects.all()
    if can_see_all(user):
        return trainings
    return trainings.filter(pk__in=sessions_for_organizer(user).values("training_id"))
