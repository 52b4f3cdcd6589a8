"""Reads of the waiting list: who is in line, and where."""

from django.db.models import Q, QuerySet

from events.models import Registration


def waitlist_queryset(session_id: int) -> QuerySet[Registration]:
    """The waiting list of one session, first in line first."""
    return Registration.objects.filter(
        session_id=session_id, status=Registration.Status.WAITLISTED
    ).order_by("waitlisted_at", "id")


def waitlist_position(registration: Registration) -> int | None:
    """1-based place on the waiting list, or None when not waitlisted."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    at = registration.waitlisted_at
    return (
        waitlist_queryset(registration.session_id)
        .filter(Q(waitlisted_at__lt=at) | Q(waitlisted_at=at, id__lte=registration.id))
        .count()
    )
