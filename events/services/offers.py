"""Seat offers near the day: claim, decline, and the expiry that passes a seat on.

Within OFFER_WINDOW_HOURS of the start, a freed seat is offered to the next person
waiting (services/waitlist.py fill_free_seats writes the offer) instead of given at
once. The offer runs for OFFER_VALID_HOURS, never past the start; the person claims
or declines it from their manage page. A declined or lapsed offer ends their place
on the waiting list and the seat passes to the next person. Every step decides under
the session lock, so a claim racing the expiry scan finds the offer either still
running (and claims it) or already lapsed (and is told so), never both; every step
is audited and emailed once through the outbox.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Notification, Offer, Registration, TrainingSession
from events.selectors.offers import lapsed_offer_sessions

from .audit import record_audit
from .locking import lock_session
from .notifications import queue_notification
from .public_pages import public_pages_changed
from .waitlist import claim_open_offer, fill_free_seats


class OfferClosed(Exception):
    """The offer can no longer be claimed or declined; the message says why.

    status: what became of it (claimed, declined, expired), or "" for a session that
    was cancelled meanwhile.
    """

    def __init__(self, message: str, *, status: str = "") -> None:
        super().__init__(message)
        self.status = status


_CLOSED_MESSAGES = {
    Offer.Status.CLAIMED: _("You have already claimed this seat: it is yours."),
    Offer.Status.DECLINED: _(
        "You declined this offer, so the seat went to the next person waiting."
    ),
    Offer.Status.EXPIRED: _(
        "This offer ended at its deadline, so the seat went to the next person waiting."
    ),
}


def _close(offer: Offer, *, status: str, now: datetime, actor=None, kind: str = "") -> Offer:
    """Close an offer that was not claimed; the registrant leaves the waiting list."""
    offer.status = status
    offer.closed_at = now
    offer.save(update_fields=["status", "closed_at"])
    registration = offer.registration
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    record_audit(action=f"offer_{status}", actor=actor, registration=registration)
    # A cancelled session's registrants were told already; "the seat went to the next
    # person" would not be true.
    if kind and offer.session.status != TrainingSession.Status.CANCELLED:
        queue_notification(registration=registration, kind=kind)
    public_pages_changed(offer.session)
    return offer


def _locked_offer(offer_id: int) -> tuple[TrainingSession, Offer]:
    session_id = Offer.objects.values_list("session_id", flat=True).get(pk=offer_id)
    # Session first, then the row: the order of every other seat decision.
    session = lock_session(session_id)
    offer = Offer.objects.select_for_update().get(pk=offer_id)
    offer.session = session
    offer.registration = Registration.objects.select_for_update().get(pk=offer.registration_id)
    return session, offer


def _settle_lapsed(session: TrainingSession, offer: Offer, *, now: datetime) -> bool:
    """Close the offer if its deadline passed and pass the seat on; True if it did."""
    if offer.status != Offer.Status.OPEN or offer.expires_at > now:
        return False
    _close(offer, status=Offer.Status.EXPIRED, now=now, kind=Notification.Kind.OFFER_EXPIRED)
    fill_free_seats(session=session)
    return True


def claim_offer(*, offer_id: int, actor=None) -> Offer:
    """Take the offered seat: the registration is confirmed (in the hold, if held).

    Raises OfferClosed when the offer was claimed already, declined, or has lapsed (a
    lapsed one is passed on here and now, in its own transaction, if the scan has
    not done it yet).
    """
    with transaction.atomic():
        session, offer = _locked_offer(offer_id)
        now = timezone.now()
        lapsed = _settle_lapsed(session, offer, now=now)
        open_now = offer.status == Offer.Status.OPEN
        if open_now and session.status == TrainingSession.Status.CANCELLED:
            raise OfferClosed(_("This session was cancelled."))
        if open_now:
            claim_open_offer(offer, session=session, actor=actor, now=now)
            return offer
    if lapsed:
        raise OfferClosed(_CLOSED_MESSAGES[Offer.Status.EXPIRED], status=Offer.Status.EXPIRED)
    raise OfferClosed(_CLOSED_MESSAGES[offer.status], status=offer.status)


def decline_offer(*, offer_id: int, actor=None) -> Offer:
    """Say no to the offered seat: it passes to the next person waiting at once.

    The registrant leaves the waiting list (they said they cannot come). Raises
    OfferClosed when the offer was claimed (cancelling is the way out then), already
    declined, or has lapsed.
    """
    with transaction.atomic():
        session, offer = _locked_offer(offer_id)
        now = timezone.now()
        lapsed = _settle_lapsed(session, offer, now=now)
        if offer.status == Offer.Status.OPEN:
            _close(
                offer,
                status=Offer.Status.DECLINED,
                now=now,
                actor=actor,
                kind=Notification.Kind.OFFER_DECLINED,
            )
            fill_free_seats(session=session, actor=actor)
            return offer
    if lapsed:
        raise OfferClosed(_CLOSED_MESSAGES[Offer.Status.EXPIRED], status=Offer.Status.EXPIRED)
    if offer.status == Offer.Status.CLAIMED:
        raise OfferClosed(
            _("You have already claimed this seat. To give it up, cancel your registration."),
            status=offer.status,
        )
    raise OfferClosed(_CLOSED_MESSAGES[offer.status], status=offer.status)


def withdraw_offer(*, registration: Registration, actor=None) -> Offer | None:
    """Close the open offer of a registration being cancelled; None if it had none.

    The caller holds the session lock, cancels the registration (and emails that),
    then passes the freed seat on.
    """
    offer = Offer.objects.filter(registration=registration, status=Offer.Status.OPEN).first()
    if offer is None:
        return None
    offer.status = Offer.Status.DECLINED
    offer.closed_at = timezone.now()
    offer.save(update_fields=["status", "closed_at"])
    record_audit(action="offer_declined", actor=actor, registration=registration, cancelled=True)
    return offer


def take_offer_at_the_door(*, registration: Registration, now: datetime, actor=None) -> None:
    """A waiting registrant with a running offer walked in: the offer is claimed there,
    and its seat (its hold's, if any) is the one they take. The caller holds the session
    lock and confirms the registration; no "promoted" email, the door's own says it."""
    offer = Offer.objects.filter(registration=registration, status=Offer.Status.OPEN).first()
    if offer is None:
        return
    offer.status = Offer.Status.CLAIMED
    offer.closed_at = now
    offer.save(update_fields=["status", "closed_at"])
    registration.hold_id = offer.hold_id
    record_audit(action="offer_claimed", actor=actor, registration=registration, at_the_door=True)


def expire_offers(*, session_id: int, now: datetime | None = None) -> list[Offer]:
    """Close the session's lapsed offers and pass their seats on, under the lock."""
    with transaction.atomic():
        session = lock_session(session_id)
        now = now or timezone.now()
        lapsed = list(
            Offer.objects.select_for_update()
            .select_related("registration")
            .filter(session_id=session_id, status=Offer.Status.OPEN, expires_at__lte=now)
            .order_by("expires_at", "id")
        )
        for offer in lapsed:
            offer.session = session
            _close(
                offer, status=Offer.Status.EXPIRED, now=now, kind=Notification.Kind.OFFER_EXPIRED
            )
        if lapsed:
            fill_free_seats(session=session)
        return lapsed


def expire_due_offers(*, now: datetime | None = None) -> list[Offer]:
    """Every lapsed offer, session by session (the beat task, every minute)."""
    now = now or timezone.now()
    expired: list[Offer] = []
    for session_id in list(lapsed_offer_sessions(now=now)):
        expired += expire_offers(session_id=session_id, now=now)
    return expired
