"""Sending the post-evaluation: a periodic scan puts what is due in the outbox, in batches.

Like the reminders (services/reminders.py), nothing waits in a long ETA task. Each
scan finds the attendees of recently ended sessions who are owed the evaluation
email, and, three days after the end, those who have not answered and are owed the
one reminder. The outbox's unique (registration, kind, variant) row makes each go
out once, however many scans overlap; the sends are enqueued in batches.
"""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from events.models import (
    Completion,
    Notification,
    Question,
    Registration,
    TrainingSession,
)
from events.models.evaluations import Phase

from .notifications import DispatchReport, enqueue_new_rows, insert_notification_rows

# The reminder goes to those who have not answered this long after the session's end.
REMINDER_AFTER = timedelta(days=3)
# Older sessions are past any post-evaluation window worth a scan (the window is at
# most a year, and the first email goes right after the end).
LOOKBACK = timedelta(days=365)


def _sessions_with_post_questions(now: datetime):
    asks_post = Question.objects.filter(
        questionnaire__training=OuterRef("training_id"),
        phase__in=[Phase.POST, Question.AskedIn.BOTH],
    )
    return (
        TrainingSession.objects.filter(
            status=TrainingSession.Status.PUBLISHED,
            ends_at__lte=now,
            ends_at__gte=now - LOOKBACK,
        )
        .filter(Exists(asks_post))
        .select_related("training")
    )


def evaluation_recipients(session: TrainingSession, *, kind: str):
    """Attendees owed this kind of email who have no row for it and have not answered."""
    answered = Completion.objects.filter(registration=OuterRef("pk"), phase=Phase.POST)
    already = Notification.objects.filter(registration=OuterRef("pk"), kind=kind)
    recipients = (
        Registration.objects.filter(
            session=session,
            status=Registration.Status.CONFIRMED,
            attended=True,
            anonymized_at__isnull=True,
        )
        .exclude(email="")
        .exclude(Exists(answered))
        .exclude(Exists(already))
    )
    if kind == Notification.Kind.EVALUATION_REMINDER:
        # Only after the first email: a late check-in gets the first one first.
        sent_first = Notification.objects.filter(
            registration=OuterRef("pk"), kind=Notification.Kind.EVALUATION
        )
        recipients = recipients.filter(Exists(sent_first))
    return recipients


def dispatch_due_evaluations(*, now: datetime | None = None) -> DispatchReport:
    """Queue every post-evaluation email and reminder due now; enqueue their sends in batches."""
    now = now or timezone.now()
    report = DispatchReport()
    for session in _sessions_with_post_questions(now):
        closes_at = session.ends_at + timedelta(days=session.training.evaluation_post_days)
        if now >= closes_at:
            continue
        # The reminder first: someone whose first email is queued by this very scan
        # (checked in late) must not get both at once.
        kinds = [Notification.Kind.EVALUATION]
        if now >= session.ends_at + REMINDER_AFTER:
            kinds.insert(0, Notification.Kind.EVALUATION_REMINDER)
        for kind in kinds:
            ids = list(
                evaluation_recipients(session, kind=kind)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            insert_notification_rows(registration_ids=ids, kind=kind)
            if ids:
                report.created[(session.pk, kind)] = len(ids)
    report.enqueued_ids = enqueue_new_rows(now=now)
    return report
