"""Reads: annotated querysets for the catalogue, the roster and reports."""

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from events.models import Registration, TrainingSession

ACTIVE = ~Q(registrations__status=Registration.Status.CANCELLED)


def with_counts(queryset: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    """Annotate confirmed, waitlisted and attended counts in the same query."""
    return queryset.annotate(
        confirmed_count=Count(
            "registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)
        ),
        waitlisted_count=Count(
            "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
        ),
        attended_count=Count("registrations", filter=Q(registrations__attended=True)),
    )


def public_sessions() -> QuerySet[TrainingSession]:
    return with_counts(
        TrainingSession.objects.filter(status=TrainingSession.Status.PUBLISHED).select_related(
            "training"
        )
    )


def upcoming_sessions(
    *,
    sector: str = "",
    city: str = "",
    month: str = "",
    mode: str = "",
    now: datetime | None = None,
) -> QuerySet[TrainingSession]:
    """Published sessions that have not ended, filtered as the catalogue asks."""
    now = now or timezone.now()
    sessions = public_sessions().filter(ends_at__gt=now)
    if sector:
        sessions = sessions.filter(training__target_sectors__slug=sector)
    if city:
        sessions = sessions.filter(city__iexact=city)
    if month:
        year, _, number = month.partition("-")
        sessions = sessions.filter(starts_at__year=int(year), starts_at__month=int(number))
    if mode == "online":
        sessions = sessions.exclude(online_url="")
    elif mode == "in_person":
        sessions = sessions.exclude(venue="")
    return sessions.order_by("starts_at", "id")


def past_sessions(*, now: datetime | None = None) -> QuerySet[TrainingSession]:
    now = now or timezone.now()
    return public_sessions().filter(ends_at__lte=now).order_by("-starts_at", "-id")


def catalogue_cities() -> list[str]:
    return list(
        TrainingSession.objects.filter(status=TrainingSession.Status.PUBLISHED)
        .order_by("city")
        .values_list("city", flat=True)
        .distinct()
    )


def session_for_page(public_id: str) -> TrainingSession | None:
    """A published or cancelled session with its counts; drafts are not public."""
    return (
        with_counts(
            TrainingSession.objects.exclude(status=TrainingSession.Status.DRAFT).select_related(
                "training"
            )
        )
        .prefetch_related("training__target_sectors")
        .filter(public_id=public_id)
        .first()
    )


def registrations_for_user(user) -> QuerySet[Registration]:
    """A signed-in user's registrations: linked to the account or to its verified email."""
    mine = Q(user=user)
    if user.email_verified_at is not None:
        mine |= Q(email=user.email)
    return (
        Registration.objects.filter(mine)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("session__training", "sector", "certificate")
        .order_by("session__starts_at")
    )
