"""Scheduling sessions: creating them and applying organizers' edits.

Moving a session (time or place) tells every registrant; cancelling it tells them
it is off; raising the capacity promotes people from the waiting list.
"""

from django.db import transaction

from events.models import Notification, Registration, TrainingSession
from events.page_cache import public_pages_changed

from .audit import record_audit
from .locking import lock_session
from .notifications import queue_notification
from .waitlist import promote_from_waitlist

# A change to any of these sends the "session changed" notice.
SCHEDULE_FIELDS = ("starts_at", "ends_at", "venue", "address", "city", "online_url")


def create_session(*, session: TrainingSession, actor=None) -> TrainingSession:
    """Save a new session (organizers are added by the caller, as they are many-to-many)."""
    with transaction.atomic():
        session.save()
        record_audit(action="session_created", actor=actor, session=session)
        public_pages_changed()
    return session


def _notify_active_registrants(session: TrainingSession, *, kind: str, variant: str) -> int:
    active = Registration.objects.filter(session=session).exclude(
        status=Registration.Status.CANCELLED
    )
    count = 0
    for registration in active.iterator(chunk_size=500):
        queue_notification(registration=registration, kind=kind, variant=variant)
        count += 1
    return count


def update_session(*, session: TrainingSession, actor=None) -> TrainingSession:
    """Save an edited session and let registrants know what changed.

    `session` carries the edited values. Compared with the stored row (read under
    the session lock, so two edits cannot both miss a change):
    - a new time or place bumps schedule_version and queues SESSION_CHANGED with
      variant=str(new version) for every active registrant;
    - status becoming cancelled queues SESSION_CANCELLED for every active registrant;
    - a higher capacity promotes people from the waiting list into the new seats.
    Emails go out through the outbox after the transaction commits.
    """
    with transaction.atomic():
        stored = lock_session(session.pk)
        moved = [f for f in SCHEDULE_FIELDS if getattr(stored, f) != getattr(session, f)]
        cancelled = (
            session.status == TrainingSession.Status.CANCELLED
            and stored.status != TrainingSession.Status.CANCELLED
        )
        capacity_rose = session.capacity > stored.capacity
        session.schedule_version = stored.schedule_version + (1 if moved else 0)
        session.save()

        if cancelled:
            notified = _notify_active_registrants(
                session, kind=Notification.Kind.SESSION_CANCELLED, variant=""
            )
            record_audit(
                action="session_cancelled", actor=actor, session=session, notified=notified
            )
        elif moved:
            notified = _notify_active_registrants(
                session,
                kind=Notification.Kind.SESSION_CHANGED,
                variant=str(session.schedule_version),
            )
            record_audit(
                action="session_changed",
                actor=actor,
                session=session,
                fields=moved,
                version=session.schedule_version,
                notified=notified,
            )
        if capacity_rose and not cancelled:
            promoted = promote_from_waitlist(session_id=session.pk, actor=actor)
            record_audit(
                action="capacity_raised",
                actor=actor,
                session=session,
                capacity=session.capacity,
                promoted=len(promoted),
            )
        return session
