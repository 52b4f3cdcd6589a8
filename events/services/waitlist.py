"""The waiting list: first come, first served, promoted under the session lock.

Seats held for sectors are respected (events/selectors/seat_holds.py): a free held
seat goes to the first person waiting from one of its sectors while the hold runs,
and stays held otherwise; a free general seat goes to the first person waiting.
Within OFFER_WINDOW_HOURS of the start a seat is offered rather than given
(events/services/offers.py has the claim, the decline and the expiry).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Notification, Offer, Registration, TrainingSession
from events.selectors.seat_holds import Seats, seats_of
from events.selectors.waitlist import waitlist_queryset

from .audit import record_audit
from .locking import lock_session
from .notifications import queue_notification
from .public_pages import public_pages_changed


class PromotionRefused(Exception):
    """The registration cannot be promoted; the message says why."""


def _promote(
    registration: Registration, *, actor=None, hold_id: int | None = None, action="promoted"
) -> Registration:
    registration.status = Registration.Status.CONFIRMED
    registration.confirmed_at = timezone.now()
    registration.hold_id = hold_id
    registration.save(update_fields=["status", "confirmed_at", "hold", "updated_at"])
    detail = {"hold": hold_id} if hold_id else {}
    record_audit(action=action, actor=actor, registration=registration, **detail)
    queue_notification(registration=registration, kind=Notification.Kind.PROMOTED)
    return registration


def offers_seats(session: TrainingSession, *, now: datetime) -> bool:
    """Whether a freed seat is offered (near the day) rather than given at once."""
    return now >= session.starts_at - timedelta(hours=settings.OFFER_WINDOW_HOURS)


def _offer(
    registration: Registration,
    *,
    session: TrainingSession,
    hold_id: int | None,
    now: datetime,
    actor=None,
) -> Offer:
    """Offer a seat until OFFER_VALID_HOURS from now, and never past the start."""
    deadline = min(now + timedelta(hours=settings.OFFER_VALID_HOURS), session.starts_at)
    offer = Offer.objects.create(
        registration=registration,
        session=session,
        hold_id=hold_id,
        offered_at=now,
        expires_at=deadline,
    )
    detail = {"hold": hold_id} if hold_id else {}
    record_audit(
        action="seat_offered",
        actor=actor,
        registration=registration,
        session=session,
        expires_at=deadline.isoformat(),
        **detail,
    )
    queue_notification(
        registration=registration,
        kind=Notification.Kind.OFFERED,
        payload={"expires_at": deadline.isoformat()},
    )
    return offer


def claim_open_offer(
    offer: Offer, *, session: TrainingSession, actor=None, now: datetime
) -> Registration:
    """Turn a running offer into a confirmed seat (its hold's, if any).

    The caller holds the session lock and has checked that the offer is open and
    before its deadline.
    """
    public_pages_changed(session)  # the waiting list is one shorter
    offer.status = Offer.Status.CLAIMED
    offer.closed_at = now
    offer.save(update_fields=["status", "closed_at"])
    return _promote(offer.registration, actor=actor, hold_id=offer.hold_id, action="offer_claimed")


def _waiting_without_offer(session_id: int):
    has_offer = Offer.objects.filter(registration_id=OuterRef("pk"))
    return waitlist_queryset(session_id).exclude(Exists(has_offer))


def fill_free_seats(
    *, session: TrainingSession, actor=None, seats: Seats | None = None
) -> list[Registration]:
    """Give free seats to waiting registrants, first in line first; returns them.

    Near the day (offers_seats) each is offered the seat instead, and the offer
    counts as a taken seat while it runs. A person already holding an offer is not
    offered another. The caller must hold the session lock (lock_session), so that
    the count of free seats cannot change between reading it and giving them
    (seats: the caller's own count, read under the same lock, saves reading it
    again; it is updated as seats are given). A
    cancelled session or one that has already started promotes nobody: a seat there
    is worth nothing.
    """
    now = timezone.now()
    if session.status == TrainingSession.Status.CANCELLED or session.starts_at <= now:
        return []
    seats = seats or seats_of(session, now=now)
    offering = offers_seats(session, now=now)
    given: list[Registration] = []
    passed: list[int] = []  # waiting, but no free seat is for their sector
    while seats.free > 0:
        line = _waiting_without_offer(session.pk).exclude(pk__in=passed)
        if seats.general_free <= 0:
            # Only held seats are left: only their sectors' waiting people may take one.
            sectors = seats.sectors_with_held_seats()
            if not sectors:
                break
            line = line.filter(sector_id__in=sectors)
        batch = list(line.select_for_update()[: seats.free])
        if not batch:
            break
        for person in batch:
            has_seat, hold = seats.seat_for(person.sector_id)
            if not has_seat:
                passed.append(person.pk)
                continue
            hold_id = hold.row.hold_id if hold else None
            if offering:
                _offer(person, session=session, hold_id=hold_id, now=now, actor=actor)
            else:
                _promote(person, actor=actor, hold_id=hold_id)
            seats.take(hold)
            given.append(person)
            if seats.free <= 0:
                break
    if given:
        public_pages_changed(session)
    return given


def promote_from_waitlist(*, session_id: int, actor=None) -> list[Registration]:
    """Fill every free seat from the waiting list, in one transaction under the lock."""
    with transaction.atomic():
        session = lock_session(session_id)
        return fill_free_seats(session=session, actor=actor)


def promote_registration(*, registration_id: int, actor=None) -> Registration:
    """Promote one chosen registrant (an organizer's action), never past capacity.

    Seats held for other sectors stay theirs. A registrant holding a running offer
    takes its seat, as if they had claimed it.
    """
    with transaction.atomic():
        session_id = Registration.objects.values_list("session_id", flat=True).get(
            pk=registration_id
        )
        session = lock_session(session_id)
        registration = Registration.objects.select_for_update().get(pk=registration_id)
        if registration.status != Registration.Status.WAITLISTED:
            raise PromotionRefused(_("This person is not on the waiting list."))
        now = timezone.now()
        offer = Offer.objects.filter(registration=registration, status=Offer.Status.OPEN).first()
        public_pages_changed(session)
        if offer is not None and offer.expires_at > now:
            offer.registration = registration
            return claim_open_offer(offer, session=session, actor=actor, now=now)
        seats = seats_of(session, now=now)
        has_seat, hold = seats.seat_for(registration.sector_id)
        if not has_seat:
            if seats.free <= 0:
                raise PromotionRefused(_("The session is full."))
            raise PromotionRefused(_("The free seats are held for other sectors."))
        if offer is not None:  # lapsed, and not yet passed on by the expiry scan
            offer.status = Offer.Status.CLAIMED
            offer.closed_at = now
            offer.save(update_fields=["status", "closed_at"])
        return _promote(registration, actor=actor, hold_id=hold.row.hold_id if hold else None)
