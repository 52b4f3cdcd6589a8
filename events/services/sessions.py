"""Scheduling sessions: creating them and applying organizers' edits.

Moving a session (time or place) tells every registrant; cancelling it tells them
it is off; raising the capacity promotes people from the waiting list.
"""

from django.db import transaction
from django.db.models import QuerySet

from events.models import Notification, Registration, TrainingSession

from .audit import record_audit
from .locking import lock_session
from .notifications import queue_notifications
from .public_pages import public_pages_changed
from .waitlist import fill_free_seats

# A change to any of these sends the "session changed" notice.
SCHEDULE_FIELDS = ("starts_at", "ends_at", "venue", "address", "city", "online_url")


def create_session(*, session: TrainingSession, actor=None) -> TrainingSession:
    """Save a new session (organizers are added by the caller, as they are many-to-many)."""
    with transaction.atomic():
        session.save()
        record_audit(action="session_created", actor=actor, session=session)
        public_pages_changed()
    return session


def delete_sessions(*, sessions: QuerySet) -> list[TrainingSession]:
    """Delete sessions (drafts and mistakes: registrants of a real one are told by
    cancelling it instead); their public pages go at commit. Returns what was deleted."""
    with transaction.atomic():
        deleted = list(sessions)
        sessions.delete()
        public_pages_changed(*deleted)
    return deleted


def _notify_active_registrants(session: TrainingSession, *, kind: str, variant: str) -> int:
    """Queue one notice per active registrant, as one batch of outbox rows."""
    active = list(
        Registration.objects.filter(session=session).exclude(status=Registration.Status.CANCELLED)
    )
    queue_notifications(registrations=active, kind=kind, variant=variant)
    return len(active)


def update_session(*, session: TrainingSession, actor=None) -> TrainingSession:
    """Save an edited session and let registrants know what changed.

    `session` carries the edited values. Compared with the stored row (read under
    the session lock, so two edits cannot both miss a change):
    - a new time or place bumps schedule_version and queues SESSION_CHANGED with
      variant=str(new version) for every active registrant;
    - status becoming cancelled queues SESSION_CANCELLED for every active registrant;
    - a new capacity is audited as capacity_changed; a higher one promotes people
      from the waiting list into the new seats (a lower one demotes nobody: it only
      stops new confirmations until enough people cancel).
    Emails go out through the outbox after the transaction commits.
    """
    with transaction.atomic():
        stored = lock_session(session.pk)
        public_pages_changed(session)  # its details, seats or status show on them
        moved = [f for f in SCHEDULE_FIELDS if getattr(stored, f) != getattr(session, f)]
        cancelled = (
            session.status == TrainingSession.Status.CANCELLED
            and stored.status != TrainingSession.Status.CANCELLED
        )
        old_capacity = stored.capacity
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
        if session.capacity != old_capacity:
            promoted = []
            if session.capacity > old_capacity and not cancelled:
                promoted = fill_free_seats(session=session, actor=actor)
            record_audit(
                action="capacity_changed",
                actor=actor,
                session=session,
                old=old_capacity,
                new=session.capacity,
                promoted=len(promoted),
            )
        return session
