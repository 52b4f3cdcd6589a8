"""The outbox: queue a message as a row, then claim it, send it once and mark it sent.

A row is claimed (QUEUED -> SENDING, one conditional UPDATE) before its SMTP
transaction and marked SENT right after it, so re-running a send never sends twice.
The one gap SMTP leaves open: a worker that dies after the server accepted the
message but before the row says SENT leaves a stale claim, which is sent again once
it is older than NOTIFICATION_STALE_SECONDS. Delivery is therefore at least once,
and twice only in that window (docs/developers.md, "At least once").
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from events.models import Notification, Registration

from .enqueue import enqueue

logger = logging.getLogger(__name__)

# A retry's broker message may run this much before the row's next_attempt_at
# (clock and ETA rounding) and still take the row.
EARLY_TOLERANCE = timedelta(seconds=10)
# Outbox rows inserted per statement by a dispatch scan.
INSERT_CHUNK = 1000
_DELIVERY_RELATED = ("registration__session__training", "registration__sector", "user")


def stale_after() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_STALE_SECONDS)


def queue_notification(
    *,
    registration: Registration | None = None,
    user=None,
    kind: str,
    variant: str = "",
    payload: dict | None = None,
) -> Notification:
    """Create the outbox row once and enqueue its send after the transaction commits.

    The row is to a registration, or (account emails) to a user. Queuing the same
    (recipient, kind, variant) again returns the existing row and sends nothing more.
    (A new registration's first row is written with it, in services/registration.py.)
    """
    recipient = {"registration": registration} if user is None else {"user": user}
    notification, created = Notification.objects.get_or_create(
        **recipient,
        kind=kind,
        variant=variant,
        defaults={"payload": payload or {}, "next_attempt_at": timezone.now()},
    )
    if created:
        enqueue_sends(notification_ids=[notification.pk])
    return notification


def queue_account_email(*, user, kind: str, language: str) -> Notification:
    """Queue an account email (address confirmation, account exists, password reset).

    Each request gets its own row (variant 1, 2, ...), in the language the visitor asked
    in; what it links to (a signed proof, a reset token) is made when the email is
    built, so no secret waits in the outbox. Two identical requests racing may share a
    row and send one email, which is what a double click deserves.
    """
    sent_before = Notification.objects.filter(user=user, kind=kind).count()
    return queue_notification(
        user=user, kind=kind, variant=str(sent_before + 1), payload={"language": language}
    )


def queue_notifications(
    *, registrations: Sequence[Registration], kind: str, variant: str = ""
) -> list[Notification]:
    """queue_notification for many registrations: one lookup and one INSERT for all.

    Registrations that already have the row (a certificate deleted in the admin and
    issued again) get nothing more; the new rows are enqueued after commit, in batches.
    """
    have_row = set(
        Notification.objects.filter(
            registration__in=registrations, kind=kind, variant=variant
        ).values_list("registration_id", flat=True)
    )
    queued_at = timezone.now()
    notifications = Notification.objects.bulk_create(
        Notification(
            registration=registration, kind=kind, variant=variant, next_attempt_at=queued_at
        )
        for registration in registrations
        if registration.pk not in have_row
    )
    enqueue_sends(notification_ids=[notification.pk for notification in notifications])
    return notifications


def enqueue_sends(*, notification_ids: Sequence[int]) -> list[int]:
    """Hand rows to the email queue once the current transaction commits, in batches.

    A lost or failed publish is not an error here: the row stays QUEUED and the
    requeue scan enqueues it again, which is why this never raises into a request.
    """
    ids = list(notification_ids)
    size = max(1, settings.NOTIFICATION_BATCH_SIZE)

    def publish() -> None:
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            if len(chunk) == 1:
                # Most often a request's own email: it must not wait out kombu's
                # publish retries if Redis is away (the requeue scan sends it later).
                enqueue("events.send_notification", chunk[0], retry=False)
            else:
                enqueue("events.send_notifications", chunk)

    if ids:
        transaction.on_commit(publish, robust=True)
    return ids


@dataclass
class DispatchReport:
    """What one dispatch scan (reminders, evaluations) did: rows it found owed, per
    (session id, offset or kind), and the rows it enqueued (a concurrent scan may have
    inserted or enqueued the rest)."""

    created: dict[tuple[int, str], int] = field(default_factory=dict)
    enqueued_ids: list[int] = field(default_factory=list)

    @property
    def created_total(self) -> int:
        return sum(self.created.values())


def insert_notification_rows(*, registration_ids: list[int], kind: str, variant: str = "") -> None:
    """Insert outbox rows in chunks, skipping any that exist (ON CONFLICT DO NOTHING).

    The rows are left without next_attempt_at, for enqueue_new_rows to take.
    """
    for start in range(0, len(registration_ids), INSERT_CHUNK):
        Notification.objects.bulk_create(
            [
                Notification(registration_id=pk, kind=kind, variant=variant)
                for pk in registration_ids[start : start + INSERT_CHUNK]
            ],
            ignore_conflicts=True,
        )


def enqueue_new_rows(*, now: datetime) -> list[int]:
    """Take the rows no scan has enqueued yet, stamp them, and enqueue them after commit."""
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Notification.Status.QUEUED, next_attempt_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(next_attempt_at=now)
        enqueue_sends(notification_ids=ids)
    return ids


def _claimable(now: datetime, *, own_claim: datetime | None = None) -> Q:
    # Only a row that already failed waits out its backoff; an early duplicate message
    # (a redelivery, a requeue) must not spend one of its retries.
    due = (
        Q(attempts=0)
        | Q(next_attempt_at__isnull=True)
        | Q(next_attempt_at__lte=now + EARLY_TOLERANCE)
    )
    claimable = (Q(status=Notification.Status.QUEUED) & due) | Q(
        status=Notification.Status.SENDING, claimed_at__lt=now - stale_after()
    )
    if own_claim is not None:
        # A task retried after a database outage takes back the rows it had claimed.
        claimable |= Q(status=Notification.Status.SENDING, claimed_at=own_claim)
    return claimable


def claim_notification(*, notification_id: int, now: datetime | None = None) -> Notification | None:
    """Take the row for this worker; None when it is done, held by a live worker or waiting.

    One conditional UPDATE decides, so two workers holding the same message (a
    redelivery, a requeue) cannot both send it.
    """
    now = now or timezone.now()
    claimed = Notification.objects.filter(_claimable(now), pk=notification_id).update(
        status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return (
        Notification.objects.select_related(*_DELIVERY_RELATED).filter(pk=notification_id).first()
    )


def claim_notifications(
    *,
    notification_ids: Sequence[int],
    now: datetime | None = None,
    own_claim: datetime | None = None,
) -> list[Notification]:
    """Take every claimable row of a batch in one transaction; rows held elsewhere are left.

    select_for_update(skip_locked=True) lets two workers holding overlapping batches
    split them instead of waiting on each other; each row goes to one of them.
    own_claim: the claim time of an interrupted earlier try of the same task, whose
    rows it takes back.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(_claimable(now, own_claim=own_claim), pk__in=list(notification_ids))
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return list(
        Notification.objects.select_related(*_DELIVERY_RELATED).filter(pk__in=ids).order_by("pk")
    )
