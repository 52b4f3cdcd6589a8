"""The waiting list: first come, first served, promoted under the session lock."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Notification, Registration, TrainingSession
from events.selectors.waitlist import waitlist_queryset

from .audit import record_audit
from .locking import lock_session
from .notifications import queue_notification
from .public_pages import public_pages_changed


class PromotionRefused(Exception):
    """The registration cannot be promoted; the message says why."""


def _promote(registration: Registration, *, actor=None) -> Registration:
    registration.status = Registration.Status.CONFIRMED
    registration.confirmed_at = timezone.now()
    registration.save(update_fields=["status", "confirmed_at", "updated_at"])
    record_audit(action="promoted", actor=actor, registration=registration)
    queue_notification(registration=registration, kind=Notification.Kind.PROMOTED)
    return registration


def _confirmed_count(session: TrainingSession) -> int:
    return Registration.objects.filter(
        session=session, status=Registration.Status.CONFIRMED
    ).count()


def fill_free_seats(*, session: TrainingSession, actor=None) -> list[Registration]:
    """Promote waiting registrants into free seats, first in line first.

    The caller must hold the session lock (lock_session), so that the count of free
    seats cannot change between reading it and promoting. A cancelled session or one
    that has already started promotes nobody: a seat there is worth nothing.
    """
    if session.status == TrainingSession.Status.CANCELLED or session.starts_at <= timezone.now():
        return []
    free = session.capacity - _confirmed_count(session)
    if free <= 0:
        return []
    waiting = list(waitlist_queryset(session.pk).select_for_update()[:free])
    if waiting:
        public_pages_changed(session)
    return [_promote(registration, actor=actor) for registration in waiting]


def promote_from_waitlist(*, session_id: int, actor=None) -> list[Registration]:
    """Fill every free seat from the waiting list, in one transaction under the lock."""
    with transaction.atomic():
        session = lock_session(session_id)
        return fill_free_seats(session=session, actor=actor)


def promote_registration(*, registration_id: int, actor=None) -> Registration:
    """Promote one chosen registrant (an organizer's action), never past capacity."""
    with transaction.atomic():
        session_id = Registration.objects.values_list("session_id", flat=True).get(
            pk=registration_id
        )
        session = lock_session(session_id)
        registration = Registration.objects.select_for_update().get(pk=registration_id)
        if registration.status != Registration.Status.WAITLISTED:
            raise PromotionRefused(_("This person is not on the waiting list."))
        if _confirmed_count(session) >= session.capacity:
            raise PromotionRefused(_("The session is full."))
        public_pages_changed(session)
        return _promote(registration, actor=actor)
