"""Reads of a session's seats: held for sectors, general, and offered.

One accounting serves every decision and every page: the services read it under the
session lock (register, promote, offer, claim), and the session page reads the same
rows, kept in the fragment cache under the session's version. The rows are taken
once; which holds and offers are running is decided from the clock when the seats
are counted (Seats.at), so a hold's end needs no job: at `until` its free seats are
general seats.

    general seats free = capacity - taken - sum(free seats of running holds)

where taken counts every confirmed registration and every running offer (a seat
offered is a seat taken until the offer is claimed, declined or lapses), and a
running hold's free seats are its seats minus the held seats taken in it. A hold's
seats are part of the capacity, not added to it.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from events.models import Offer, Registration, SeatHold, Sector, TrainingSession


@dataclass(frozen=True)
class HoldRow:
    """A hold as read from the database, with what it shows on the session page."""

    hold_id: int
    seats: int
    until: datetime
    sector_ids: frozenset[int]
    sectors: tuple[Sector, ...] = ()  # for the page, which names them in its language
    confirmed: int = 0  # confirmed registrations that took one of its seats


@dataclass(frozen=True)
class SeatRows:
    """What the seats of one session are made of, read at one moment."""

    capacity: int
    confirmed: int
    holds: tuple[HoldRow, ...] = ()
    # (hold id or None, deadline) of every open offer.
    offers: tuple[tuple[int | None, datetime], ...] = ()

    def at(self, now: datetime | None = None) -> "Seats":
        """The seats as they are at `now`: running holds and running offers only."""
        now = now or timezone.now()
        running_offers = [hold_id for hold_id, deadline in self.offers if deadline > now]
        holds = [
            HoldSeats(row=row, taken=row.confirmed + running_offers.count(row.hold_id))
            for row in self.holds
            if row.until > now
        ]
        return Seats(
            capacity=self.capacity,
            taken=self.confirmed + len(running_offers),
            holds=holds,
        )


@dataclass
class HoldSeats:
    row: HoldRow
    taken: int

    @property
    def free(self) -> int:
        return max(0, self.row.seats - self.taken)


@dataclass
class Seats:
    """A session's seats at one moment; take() keeps it right while seats are given."""

    capacity: int
    taken: int
    holds: list[HoldSeats] = field(default_factory=list)  # running, soonest ending first

    @property
    def free(self) -> int:
        """Free seats of any kind (capacity minus seats taken and offered)."""
        return max(0, self.capacity - self.taken)

    @property
    def held_free(self) -> int:
        """Free seats kept for sectors, never more than the free seats."""
        return min(self.free, sum(hold.free for hold in self.holds))

    @property
    def general_free(self) -> int:
        return max(0, self.free - sum(hold.free for hold in self.holds))

    def hold_for(self, sector_id: int) -> HoldSeats | None:
        """The running hold with a free seat for this sector, soonest ending first."""
        if self.free <= 0:
            return None
        return next((h for h in self.holds if h.free > 0 and sector_id in h.row.sector_ids), None)

    def seat_for(self, sector_id: int) -> tuple[bool, HoldSeats | None]:
        """Whether a registrant of this sector gets a seat, and the hold it is in.

        A held seat first (it is theirs), then a general one; (False, None) when
        neither is free, and they join the waiting list.
        """
        hold = self.hold_for(sector_id)
        if hold is not None:
            return True, hold
        return self.general_free > 0, None

    def free_for(self, sector_id: int) -> int:
        """Seats a registrant of this sector could take now."""
        held = sum(h.free for h in self.holds if sector_id in h.row.sector_ids)
        return min(self.free, self.general_free + held)

    def sectors_with_held_seats(self) -> set[int]:
        return {
            sector_id for hold in self.holds if hold.free > 0 for sector_id in hold.row.sector_ids
        }

    def take(self, hold: HoldSeats | None) -> None:
        """Count one more seat taken (or offered), in this hold or a general one."""
        self.taken += 1
        if hold is not None:
            hold.taken += 1


def with_seat_rows_flag(
    queryset: QuerySet[TrainingSession], *, now: datetime | None = None
) -> QuerySet[TrainingSession]:
    """Annotate has_seat_rows: the session has a hold running at `now` (default: the
    database's now) or an open offer.

    In the session page's own query, so that the page of a session without either
    (nearly all) reads no more rows for them.
    """
    running_hold = SeatHold.objects.filter(session_id=OuterRef("pk"), until__gt=now or Now())
    open_offer = Offer.objects.filter(session_id=OuterRef("pk"), status=Offer.Status.OPEN)
    return queryset.annotate(has_seat_rows=Exists(running_hold) | Exists(open_offer))


def _has_seat_rows(session_id: int, *, now: datetime) -> bool:
    """Whether the session has a hold running at `now` or an open offer, read in a
    statement of its own (under the lock, it sees what the previous holder committed)."""
    sessions = with_seat_rows_flag(TrainingSession.objects.filter(pk=session_id), now=now)
    return sessions.filter(has_seat_rows=True).exists()


def _open_offers(session_id: int) -> QuerySet[Offer]:
    return Offer.objects.filter(session_id=session_id, status=Offer.Status.OPEN)


def seat_rows(
    session: TrainingSession, *, now: datetime | None = None, confirmed: int | None = None
) -> SeatRows:
    """Read the rows the seats of this session are made of (holds still running at `now`).

    confirmed: the session's confirmed count when the caller has just counted it
    (registering does, under the lock). One query for a session with neither a running
    hold nor an open offer (nearly all); else three (its holds with their seats taken,
    its open offers), one more with holds (their sectors).
    """
    now = now or timezone.now()
    if confirmed is None:
        confirmed = Registration.objects.filter(
            session_id=session.pk, status=Registration.Status.CONFIRMED
        ).count()
    if not _has_seat_rows(session.pk, now=now):
        # Nearly every session: one cheap statement instead of the two below.
        return SeatRows(capacity=session.capacity, confirmed=confirmed)
    taken = (
        Registration.objects.filter(hold_id=OuterRef("pk"), status=Registration.Status.CONFIRMED)
        .order_by()
        .values("hold_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    holds = list(
        SeatHold.objects.filter(session_id=session.pk, until__gt=now)
        .annotate(taken=Coalesce(Subquery(taken, output_field=IntegerField()), Value(0)))
        .order_by("until", "id")
        .values_list("pk", "seats", "until", "taken")
    )
    offers = tuple(_open_offers(session.pk).values_list("hold_id", "expires_at"))
    if not holds:
        return SeatRows(capacity=session.capacity, confirmed=confirmed, offers=offers)
    sectors: dict[int, list[Sector]] = {hold[0]: [] for hold in holds}
    links = SeatHold.sectors.through.objects.filter(seathold_id__in=list(sectors))
    for link in links.select_related("sector").order_by("sector__order", "sector__name"):
        sectors[link.seathold_id].append(link.sector)
    rows = tuple(
        HoldRow(
            hold_id=pk,
            seats=seats,
            until=until,
            sector_ids=frozenset(sector.pk for sector in sectors[pk]),
            sectors=tuple(sectors[pk]),
            confirmed=held,
        )
        for pk, seats, until, held in holds
    )
    return SeatRows(capacity=session.capacity, confirmed=confirmed, holds=rows, offers=offers)


def seats_of(
    session: TrainingSession, *, now: datetime | None = None, confirmed: int | None = None
) -> Seats:
    """The session's seats at `now` (read fresh: under the lock, the services use this)."""
    now = now or timezone.now()
    return seat_rows(session, now=now, confirmed=confirmed).at(now)
