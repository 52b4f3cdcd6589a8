"""Helpers shared by the seat-hold and offer tests."""

from datetime import timedelta

from django.utils import timezone

from events.models import Registration, SeatHold, Sector
from events.services import registration as registration_service


def sector(slug: str) -> Sector:
    return Sector.objects.get(slug=slug)


def hold(session, *slugs: str, seats: int, until=None) -> SeatHold:
    """Seats of the session held for these sectors (default: for a week)."""
    held = SeatHold.objects.create(
        session=session, seats=seats, until=until or timezone.now() + timedelta(days=7)
    )
    held.sectors.set([sector(slug) for slug in slugs])
    return held


def register(session, slug: str, email: str) -> Registration:
    return registration_service.register_for_session(
        session_id=session.pk,
        attendee=registration_service.AttendeeDetails(
            full_name="Ana Ruiz", email=email, sector_id=sector(slug).pk
        ),
    )


def confirmed(session, **filters) -> int:
    return Registration.objects.filter(
        session=session, status=Registration.Status.CONFIRMED, **filters
    ).count()
