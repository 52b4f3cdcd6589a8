"""Certificate issuance runs: an organizer's "issue these certificates" done by the worker.

The request only writes the run (a CertificateIssuance and one item per registration)
and enqueues its task after the commit; the worker draws the PDFs. Each batch of
items is claimed with skip_locked, issued through certificates.issue_batch (which
skips registrations that already have a certificate), and its items' outcomes are
written in the same transaction as the certificates. So a retried, duplicated or
killed task never issues twice and never loses an item: a rerun finds the committed
items done and takes the pending ones.
"""

import logging
import time
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events.models import (
    CertificateIssuance,
    CertificateIssuanceItem,
    Registration,
    TrainingSession,
)
from events.selectors.certificates import (
    eligible_registrations,
    issuance_progress,
    session_refusal_reason,
    stalled_issuances,
)

from .audit import record_audit
from .certificates import BATCH_SIZE, BatchIssuance, CertificateRefused, issue_batch
from .enqueue import enqueue, enqueue_on_commit

logger = logging.getLogger(__name__)

TASK = "events.run_certificate_issuance"
# A task works this long, then hands the rest of the run to a fresh task: well inside
# CELERY_TASK_TIME_LIMIT (600 s), and other PDF work gets a turn between chunks.
CHUNK_SECONDS = 60
# Items written per INSERT when a run is requested.
ITEMS_PER_INSERT = 1000

Outcome = CertificateIssuanceItem.Outcome


def _requested(issuance: CertificateIssuance, *, actor, **detail) -> CertificateIssuance:
    """Audit who asked for the run, and enqueue it after the commit."""
    record_audit(
        action="certificate_run_started",
        actor=actor,
        session=issuance.session,
        issuance=issuance.pk,
        scope=issuance.scope,
        **detail,
    )
    enqueue_on_commit(TASK, issuance.pk)
    return issuance


def _start(
    *, session: TrainingSession, scope: str, registration_ids: list[int], actor
) -> CertificateIssuance:
    """Write a run and its items, then audit and enqueue it."""
    requested_by = actor if getattr(actor, "is_authenticated", False) else None
    issuance = CertificateIssuance.objects.create(
        session=session, scope=scope, requested_by=requested_by
    )
    CertificateIssuanceItem.objects.bulk_create(
        (CertificateIssuanceItem(issuance=issuance, registration_id=pk) for pk in registration_ids),
        batch_size=ITEMS_PER_INSERT,
    )
    return _requested(issuance, actor=actor, total=len(registration_ids))


def request_session_issuance(*, session_id: int, actor=None) -> CertificateIssuance:
    """Queue the certificates a session owes on the worker; returns the run to watch.

    While a whole-session run of this session is unfinished, asking again returns
    that run (a database constraint allows one) and enqueues it once more, which is
    harmless (its items are claimed once) and revives a run whose message was lost.
    Refuses with a reason when the session was cancelled or has not ended.
    """
    session = TrainingSession.objects.get(pk=session_id)
    reason = session_refusal_reason(session)
    if reason:
        raise CertificateRefused(reason)
    with transaction.atomic():
        running = CertificateIssuance.objects.filter(
            session=session, scope=CertificateIssuance.Scope.SESSION, finished_at__isnull=True
        ).first()
        if running is None:
            owed = list(
                eligible_registrations(session_id)
                .filter(certificate__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            try:
                with transaction.atomic():
                    return _start(
                        session=session,
                        scope=CertificateIssuance.Scope.SESSION,
                        registration_ids=owed,
                        actor=actor,
                    )
            except IntegrityError:
                # Another request started one between our read and our insert.
                running = CertificateIssuance.objects.get(
                    session=session,
                    scope=CertificateIssuance.Scope.SESSION,
                    finished_at__isnull=True,
                )
        return _requested(running, actor=actor, joined_running=True)


def request_selection_issuance(
    *, registration_ids: list[int], actor=None
) -> list[CertificateIssuance]:
    """Queue the certificates of selected registrations on the worker: one run per session,
    so that each run is seen by that session's organizers. Returns the runs to watch.

    Overlapping selections are allowed: a registration in two runs gets one certificate
    (issuing is idempotent), and the later run counts it as already issued.
    """
    by_session: dict[int, list[int]] = {}
    rows = Registration.objects.filter(pk__in=registration_ids).order_by("session_id", "pk")
    for session_id, pk in rows.values_list("session_id", "pk"):
        by_session.setdefault(session_id, []).append(pk)
    sessions = TrainingSession.objects.in_bulk(list(by_session))
    with transaction.atomic():
        return [
            _start(
                session=sessions[session_id],
                scope=CertificateIssuance.Scope.SELECTION,
                registration_ids=ids,
                actor=actor,
            )
            for session_id, ids in by_session.items()
        ]


def _issue_one_by_one(ids: list[int], *, actor, now: datetime) -> tuple[BatchIssuance, set[int]]:
    """After a batch failed: issue each registration on its own, so that one PDF that
    cannot be drawn fails its own item, not its 24 neighbours'. Returns what was issued
    and the ids that failed."""
    created, already, refused, failed = [], [], {}, set()
    for pk in ids:
        try:
            batch = issue_batch([pk], actor=actor, now=now, refuse=False)
        except DatabaseError as error:
            if not isinstance(error, IntegrityError):
                raise  # the database is away: the task retries
            logger.warning("certificate for registration %s: %s", pk, error)
            failed.add(pk)
            continue
        except Exception:
            logger.exception("certificate for registration %s could not be issued", pk)
            failed.add(pk)
            continue
        created += batch.created
        already += batch.already_issued
        refused |= batch.refused
    return BatchIssuance(created=created, already_issued=already, refused=refused), failed


def _record(issuance_id: int, batch: BatchIssuance, failed: set[int], ids: list[int]) -> None:
    """Write each claimed item's outcome (in the batch's transaction) and the run's progress."""
    items = CertificateIssuanceItem.objects.filter(issuance_id=issuance_id)
    issued = [certificate.registration_id for certificate in batch.created]
    items.filter(registration_id__in=issued).update(outcome=Outcome.ISSUED)
    items.filter(registration_id__in=batch.already_issued).update(outcome=Outcome.ALREADY_ISSUED)
    # A registration erased since the run was requested has no row to lock: refused.
    gone = set(ids) - set(issued) - set(batch.already_issued) - set(batch.refused) - set(failed)
    reasons = {
        **batch.refused,
        **dict.fromkeys(gone, _("The registration no longer exists.")),
    }
    for reason in set(reasons.values()):
        chosen = [pk for pk, said in reasons.items() if said == reason]
        items.filter(registration_id__in=chosen).update(
            outcome=Outcome.REFUSED, reason=reason[:300]
        )
    if failed:
        reason = _("The PDF could not be drawn; issue it again later or tell the site's operators.")
        items.filter(registration_id__in=list(failed)).update(outcome=Outcome.FAILED, reason=reason)
    CertificateIssuance.objects.filter(pk=issuance_id).update(progressed_at=timezone.now())


def _run_batch(issuance: CertificateIssuance, *, now: datetime) -> bool:
    """Claim, issue and record one batch of pending items; False when none was claimable."""
    batch = BatchIssuance(created=[], already_issued=[], refused={})
    try:
        with transaction.atomic():
            # skip_locked: a second task on the same run takes the next batch instead
            # of waiting for, then redoing, this one.
            ids = list(
                CertificateIssuanceItem.objects.select_for_update(skip_locked=True)
                .filter(issuance=issuance, outcome=Outcome.PENDING)
                .order_by("registration_id")
                .values_list("registration_id", flat=True)[:BATCH_SIZE]
            )
            if not ids:
                return False
            failed: set[int] = set()
            try:
                batch = issue_batch(ids, actor=issuance.requested_by, now=now, refuse=False)
            except DatabaseError as error:
                if not isinstance(error, IntegrityError):
                    raise
                batch, failed = _issue_one_by_one(ids, actor=issuance.requested_by, now=now)
            except Exception:
                batch, failed = _issue_one_by_one(ids, actor=issuance.requested_by, now=now)
            _record(issuance.pk, batch, failed, ids)
    except BaseException:
        # The batch's rows were rolled back with the outcomes: remove their files too.
        for certificate in batch.created:
            certificate.pdf.delete(save=False)
        raise
    return True


def _finish(issuance: CertificateIssuance) -> CertificateIssuance:
    """Mark the run finished once no item is pending (items a live task holds are pending)."""
    with transaction.atomic():
        if issuance.items.filter(outcome=Outcome.PENDING).exists():
            return issuance
        now = timezone.now()
        finished = CertificateIssuance.objects.filter(
            pk=issuance.pk, finished_at__isnull=True
        ).update(finished_at=now)
        if finished:
            progress = issuance_progress(issuance)
            record_audit(
                action="certificate_run_finished",
                actor=None,
                session=issuance.session,
                issuance=issuance.pk,
                issued=progress.issued,
                already_issued=progress.already_issued,
                refused=progress.refused,
                failed=progress.failed,
            )
    issuance.refresh_from_db()
    return issuance


def run_certificate_issuance(
    *, issuance_id: int, now: datetime | None = None, chunk_seconds: float = CHUNK_SECONDS
) -> CertificateIssuance:
    """Work through a run's pending items a batch at a time; safe to run many times, at once.

    After chunk_seconds the rest goes to a new task (enqueued here), so no task nears
    the time limit however large the run. A run found finished is left as it is.
    """
    issuance = CertificateIssuance.objects.select_related("session", "requested_by").get(
        pk=issuance_id
    )
    if issuance.finished_at is not None:
        return issuance
    deadline = time.monotonic() + chunk_seconds
    # Reasons are stored in the site's language, whose words are the catalogue's
    # msgids, so the progress page shows them in each reader's language.
    with translation.override(settings.LANGUAGE_CODE):
        while _run_batch(issuance, now=now or timezone.now()):
            if time.monotonic() >= deadline:
                enqueue(TASK, issuance.pk)
                return issuance
    return _finish(issuance)


def resume_stalled_issuances(*, stalled_for_seconds: int) -> list[int]:
    """Enqueue again each unfinished run that has not progressed for a while (its
    worker died, or its message was lost); returns their ids. A run still queued
    behind other work gets a second message, which claims nothing twice."""
    ids = stalled_issuances(stalled_for_seconds=stalled_for_seconds)
    # Touched, so that the next scan waits a full interval before sending another.
    CertificateIssuance.objects.filter(pk__in=ids).update(progressed_at=timezone.now())
    for pk in ids:
        enqueue(TASK, pk)
    return ids
