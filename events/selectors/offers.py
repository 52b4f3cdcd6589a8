"""Reads of seat offers: a registrant's own, and the lapsed ones the expiry scan takes."""

from datetime import datetime

from django.db.models import QuerySet

from events.models import Offer, Registration


def offer_of(registration: Registration) -> Offer | None:
    """The registration's offer (open, claimed, declined or lapsed), if it ever had one."""
    return Offer.objects.filter(registration_id=registration.pk).first()


def shown_offer(registration: Registration) -> Offer | None:
    """The offer the manage page shows: none once the registrant has a seat (the page
    says so), else their offer if they ever had one (events/manage/_offer.html)."""
    if registration.status == Registration.Status.CONFIRMED:
        return None
    return offer_of(registration)


def lapsed_offer_sessions(*, now: datetime) -> QuerySet:
    """Ids of the sessions with open offers past their deadline."""
    return (
        Offer.objects.filter(status=Offer.Status.OPEN, expires_at__lte=now)
        .order_by("session_id")
        .values_list("session_id", flat=True)
        .distinct()
    )
