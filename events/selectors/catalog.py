"""Reads: annotated querysets for the catalogue, the session page and "My trainings"."""

from datetime import datetime
from functools import cache

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from events.models import Registration, Sector, Training, TrainingSession
from events.selectors.seat_holds import with_seat_rows_flag


def _count_of(condition: Q) -> Coalesce:
    """A correlated COUNT of the outer session's registrations matching condition.

    A subquery, not a JOIN + GROUP BY: it costs one index lookup per shown row, stays
    right when other joins are added (sector filter), and the paginator's COUNT(*)
    drops it instead of aggregating every registration of every session.
    """
    counted = (
        Registration.objects.filter(condition, session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_seat_counts(queryset: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    """Annotate confirmed_count and waitlisted_count (read by seats_left and is_full)."""
    return queryset.annotate(
        confirmed_count=_count_of(Q(status=Registration.Status.CONFIRMED)),
        waitlisted_count=_count_of(Q(status=Registration.Status.WAITLISTED)),
    )


def with_counts(queryset: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    """Confirmed, waitlisted and attended counts in the same query (rosters, reports)."""
    return with_seat_counts(queryset).annotate(attended_count=_count_of(Q(attended=True)))


@cache
def _sessions_with_seats() -> QuerySet[TrainingSession]:
    # Built once per process: assembling the count subqueries costs more than the
    # clone that filtering makes of it. Never evaluated itself, so safe to share.
    return with_seat_counts(TrainingSession.objects.select_related("training"))


def public_sessions() -> QuerySet[TrainingSession]:
    """Published sessions with their training and seat counts."""
    return _sessions_with_seats().filter(status=TrainingSession.Status.PUBLISHED)


def upcoming_sessions(
    *,
    sector: str = "",
    city: str = "",
    state: str = "",
    month: str = "",
    mode: str = "",
    now: datetime | None = None,
) -> QuerySet[TrainingSession]:
    """Published sessions that have not ended, filtered as the catalogue asks.

    month is "YYYY-MM" in the site's zone (Central), the zone of nearly every session.
    """
    now = now or timezone.now()
    sessions = public_sessions().filter(ends_at__gt=now)
    return _matching(sessions, sector=sector, city=city, state=state, month=month, mode=mode)


def calendar_sessions(*, now: datetime | None = None, **filters: str) -> QuerySet[TrainingSession]:
    """The sessions of a calendar feed: upcoming_sessions() and the cancelled ones,
    with the same filters (sector, city, state, month, mode).

    A cancelled session stays in the feed until it would have ended, marked
    cancelled, so that a subscribed calendar crosses it out instead of it vanishing
    without a word. No seat counts: a calendar does not show them.
    """
    now = now or timezone.now()
    sessions = TrainingSession.objects.select_related("training").filter(
        status__in=[TrainingSession.Status.PUBLISHED, TrainingSession.Status.CANCELLED],
        ends_at__gt=now,
    )
    return _matching(sessions, **filters)


def _matching(
    sessions: QuerySet[TrainingSession],
    *,
    sector: str = "",
    city: str = "",
    state: str = "",
    month: str = "",
    mode: str = "",
) -> QuerySet[TrainingSession]:
    """The catalogue's filters, in start order."""
    if sector:
        sessions = in_sector(sessions, sector)
    if city:
        sessions = sessions.filter(city__iexact=city)
    if state:
        sessions = sessions.filter(state__iexact=state)
    if month:
        year, _, number = month.partition("-")
        sessions = sessions.filter(starts_at__year=int(year), starts_at__month=int(number))
    if mode == "online":
        sessions = online_or_not(sessions, online=True)
    elif mode == "in_person":
        sessions = sessions.exclude(venue="")
    return sessions.order_by("starts_at", "id")


def in_sector(sessions: QuerySet[TrainingSession], slug: str) -> QuerySet[TrainingSession]:
    """Sessions whose training targets the sector (the catalogue's and the API's filter)."""
    # EXISTS, not a join: a join through the M2M could repeat a session.
    return sessions.filter(
        Exists(
            Training.target_sectors.through.objects.filter(
                training_id=OuterRef("training_id"), sector__slug=slug
            )
        )
    )


def online_or_not(sessions: QuerySet[TrainingSession], *, online: bool) -> QuerySet:
    """Sessions with an online link (online), or without one."""
    return sessions.exclude(online_url="") if online else sessions.filter(online_url="")


def next_sessions_of_training(
    session: TrainingSession, *, limit: int = 3, now: datetime | None = None
) -> list[TrainingSession]:
    """The training's next published sessions that have not started, for an ended session's page."""
    now = now or timezone.now()
    return list(
        TrainingSession.objects.filter(
            training_id=session.training_id,
            status=TrainingSession.Status.PUBLISHED,
            starts_at__gt=now,
        )
        .exclude(pk=session.pk)
        .order_by("starts_at", "id")[:limit]
    )


def past_sessions(*, now: datetime | None = None) -> QuerySet[TrainingSession]:
    """Published sessions that have ended, most recent first."""
    now = now or timezone.now()
    return (
        TrainingSession.objects.filter(status=TrainingSession.Status.PUBLISHED, ends_at__lte=now)
        .select_related("training")
        .order_by("-starts_at", "-id")
    )


def upcoming_or_today(*, now: datetime | None = None) -> Q:
    """Sessions not over yet, and every session of today even once it has ended: the
    organizers' list of what is coming (Q, to filter or exclude with)."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return Q(ends_at__gt=now) | Q(starts_at__gte=today)


def first_end_after(now: datetime) -> datetime | None:
    """When the next published session ends: it then leaves every upcoming list."""
    return (
        TrainingSession.objects.filter(status=TrainingSession.Status.PUBLISHED, ends_at__gt=now)
        .aggregate(first=Min("ends_at"))
        .get("first")
    )


def active_sectors() -> list[Sector]:
    """The sectors a registrant can choose, in their display order."""
    return list(Sector.objects.filter(active=True))


def catalog_cities(*, with_cancelled: bool = False) -> list[str]:
    """Cities with a published session, for the catalogue's city filter.

    with_cancelled: and cities with a cancelled one, for a calendar feed, which keeps
    cancelled sessions (calendar_sessions) and so must accept their city as a filter.
    """
    statuses = [TrainingSession.Status.PUBLISHED]
    if with_cancelled:
        statuses.append(TrainingSession.Status.CANCELLED)
    return list(
        TrainingSession.objects.filter(status__in=statuses)
        .order_by("city")
        .values_list("city", flat=True)
        .distinct()
    )


def session_for_page(public_id: str, *, include_drafts: bool = False) -> TrainingSession | None:
    """A published or cancelled session with its counts and target sectors.

    Drafts are not public: only organizers previewing them (include_drafts) get one.
    """
    sessions = with_seat_rows_flag(_sessions_with_seats().filter(public_id=public_id))
    if not include_drafts:
        sessions = sessions.exclude(status=TrainingSession.Status.DRAFT)
    # No prefetch of the training's sectors: the page reads them only when its
    # cached details fragment is rendered afresh. No ORDER BY: public_id is unique.
    return next(iter(sessions.order_by()[:1]), None)


def registrations_for_user(user) -> QuerySet[Registration]:
    """A signed-in user's registrations: linked to the account or to its verified email."""
    mine = Q(user=user)
    if user.email_verified_at is not None:
        mine |= Q(email=user.email)
    return (
        Registration.objects.filter(mine, anonymized_at__isnull=True)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("session__training", "sector", "certificate")
        .order_by("session__starts_at", "id")
    )
