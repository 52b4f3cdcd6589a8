"""Reminders: a periodic scan that finds what is due now and puts it in the outbox.

There are no long ETA tasks: every scan computes what is due from each session's
current starts_at and reminder offsets, so a moved session moves its remaining
reminders, and a cancelled one has none. The outbox's unique (registration, kind,
variant) row is what makes each reminder go out once, however many scans overlap.
"""

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from events.models import Notification, Registration, TrainingSession

from .notifications import DispatchReport, enqueue_new_rows, insert_notification_rows

logger = logging.getLogger(__name__)

# Reminder offsets are at most 60 days (parse_reminder_offsets), so sessions further
# out have nothing due yet.
LOOKAHEAD = timedelta(days=60)


def current_reminder(session: TrainingSession, *, now: datetime) -> tuple[str, datetime] | None:
    """The reminder a session is due to send now: (offset label, due time), or None.

    Only the latest reminder whose time has come counts. After the 1-day mark the
    7-day reminder is over: someone who was not sent it by then (they registered
    late, or the scan was down) gets the 1-day one only, never both at once.
    """
    if session.starts_at <= now:
        return None
    try:
        schedule = session.reminder_schedule()
    except ValidationError:
        logger.warning("session %s has unreadable reminder offsets; skipped", session.pk)
        return None
    due = [(label, session.starts_at - delta) for label, delta in schedule]
    passed = [(label, due_at) for label, due_at in due if due_at <= now]
    # The schedule is sorted longest offset first, so the last passed one is the latest.
    return passed[-1] if passed else None


def reminder_recipients(session: TrainingSession, *, label: str, due_at: datetime):
    """Registrations owed this reminder that have no row for it yet.

    A registrant confirmed after the reminder's due time skips it: their
    confirmation (or promotion) email, sent moments ago, already said everything.
    """
    already = Notification.objects.filter(
        registration=OuterRef("pk"), kind=Notification.Kind.REMINDER, variant=label
    )
    return (
        Registration.objects.filter(
            session=session,
            status=Registration.Status.CONFIRMED,
            reminders_opt_out=False,
            anonymized_at__isnull=True,
        )
        .filter(Q(confirmed_at__lte=due_at) | Q(confirmed_at__isnull=True, created_at__lte=due_at))
        .exclude(Exists(already))
    )


def dispatch_due_reminders(*, now: datetime | None = None) -> DispatchReport:
    """Create the outbox rows of every reminder due now and enqueue their sends in batches.

    Safe to run concurrently: rows are inserted with ON CONFLICT DO NOTHING, and the
    rows to enqueue are taken with select_for_update(skip_locked=True), so each new
    row is enqueued by exactly one scan.
    """
    now = now or timezone.now()
    report = DispatchReport()
    sessions = TrainingSession.objects.filter(
        status=TrainingSession.Status.PUBLISHED,
        starts_at__gt=now,
        starts_at__lte=now + LOOKAHEAD,
    ).exclude(reminder_offsets="")
    for session in sessions.only("pk", "starts_at", "reminder_offsets"):
        current = current_reminder(session, now=now)
        if current is None:
            continue
        label, due_at = current
        ids = list(
            reminder_recipients(session, label=label, due_at=due_at).values_list("pk", flat=True)
        )
        insert_notification_rows(
            registration_ids=ids, kind=Notification.Kind.REMINDER, variant=label
        )
        if ids:
            report.created[(session.pk, label)] = len(ids)
    report.enqueued_ids = enqueue_new_rows(now=now)
    return report
