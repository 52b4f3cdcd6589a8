"""A session's roster at a glance: who is coming, or once it has ended, who came."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from events.models import Registration, Sector, TrainingSession


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
