"""Certificates of attendance: issue, reissue and revoke, one per registration.

A certificate is a snapshot: once issued it prints what was true at issuance, even if
the training is renamed later. Only reissuing (an organizer's action) refreshes it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from events.documents.pdf.certificate import CertificateText, render_certificate_pdf
from events.models import AuditEntry, Certificate, Notification, Registration, TrainingSession
from events.models.bilingual import localized
from events.models.tokens import CODE_LENGTH, random_code
from events.selectors.certificates import (
    eligible_registrations,
    refusal_reason,
    session_refusal_reason,
)

from .audit import audit_entry, record_audit
from .badges import forget_status_list
from .notifications import queue_notification, queue_notifications

logger = logging.getLogger(__name__)

# Certificates committed together by a session-wide run: one commit (a disk flush)
# per certificate would cost more than drawing it, while a batch still shows progress.
BATCH_SIZE = 25


class CertificateRefused(Exception):
    """The certificate cannot be issued (or changed); str() is the reason, for the admin."""


@dataclass(frozen=True)
class SessionIssuance:
    """What a session-wide run did, and where the session stands afterwards."""

    session_id: int
    issued: int
    already_issued: int
    refused: int
    total: int


def _online_in(language: str) -> str:
    # Stored in the snapshot, so in the language the certificate is printed in.
    with translation.override(Registration.language_for(language)):
        return str(_("Online"))


def _snapshot(registration: Registration) -> dict:
    session = registration.session
    training = session.training
    return {
        "name_printed": " ".join(registration.full_name.split()),
        # Printed in the registrant's language, like the rest of the certificate.
        "training_title": localized(training, "title", registration.language).text,
        "session_starts_at": session.starts_at,
        "session_ends_at": session.ends_at,
        "session_timezone": session.timezone,
        "place": session.place if not session.is_online else _online_in(registration.language),
        "credit_hours": session.credit_hours_given,
        "hosts": localized(training, "hosts", registration.language).text,
        "signatory_name": training.signatory_name,
        "signatory_title": training.signatory_title,
        # Names that always mean the same bytes, so the snapshot keeps the images as
        # they were: a new upload under the training gets a new name.
        "logo": training.certificate_logo.name or "",
        "signature_image": training.signature_image.name or "",
    }


def render_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF from its snapshot, in the registrant's language (same bytes
    each time)."""
    with translation.override(Registration.language_for(certificate.registration.language)):
        return render_certificate_pdf(
            CertificateText.from_certificate(certificate), verify_url=certificate.get_verify_url()
        )


def _store_pdf(certificate: Certificate) -> None:
    """Write the PDF under a name derived from the code (no ids, no guessable names)."""
    if certificate.pdf:
        certificate.pdf.delete(save=False)
    certificate.pdf.save(
        f"{certificate.code}.pdf", ContentFile(render_pdf(certificate)), save=False
    )


def _lock_registration(registration_id: int) -> Registration:
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("session__training")
        .get(pk=registration_id)
    )


def _notify(registration: Registration, *, variant: str = "") -> None:
    # Same transaction as the certificate: the outbox row exists exactly when the
    # certificate does, and its send is enqueued only after the commit.
    queue_notification(
        registration=registration, kind=Notification.Kind.CERTIFICATE, variant=variant
    )


def _new_certificate(registration: Registration, *, now: datetime) -> Certificate:
    """An unsaved certificate of a registration whose row the caller has locked, its PDF
    rendered and stored.

    The caller checked that there is none yet and that the registration is eligible.
    """
    # A code collision (odds about 2^-78 per pair) fails the insert, and the retry of
    # the task draws another code.
    certificate = Certificate(
        registration=registration,
        issued_at=now,
        code=random_code(CODE_LENGTH),
        **_snapshot(registration),
    )
    _store_pdf(certificate)
    return certificate


def _save_issued(certificates: list[Certificate], *, actor) -> None:
    """Insert the certificates, their audit lines and their outbox rows, a few at a time.

    One INSERT per table for the whole batch rather than three (and an email task) per
    certificate: the rows cost more than drawing the page did.
    """
    if not certificates:
        return
    Certificate.objects.bulk_create(certificates)
    AuditEntry.objects.bulk_create(
        audit_entry(
            action="certificate_issued",
            actor=actor,
            registration=certificate.registration,
            code=certificate.code,
        )
        for certificate in certificates
    )
    queue_notifications(
        registrations=[certificate.registration for certificate in certificates],
        kind=Notification.Kind.CERTIFICATE,
    )


@dataclass(frozen=True)
class BatchIssuance:
    """What issue_batch did to each registration it was given."""

    created: list[Certificate]
    already_issued: list[int]
    # Registration id -> why it was refused, in words.
    refused: dict[int, str]


def issue_batch(
    registration_ids: list[int], *, actor, now: datetime, refuse: bool
) -> BatchIssuance:
    """Issue certificates for a few registrations in one transaction.

    Registrations that already have one are skipped (issuing is idempotent). With
    refuse=True, the first refusal raises CertificateRefused instead of being counted.
    Called inside a transaction it is a savepoint: the caller's own writes (a run's
    progress) commit with the certificates or not at all.
    """
    created: list[Certificate] = []
    already, refusals = [], {}
    try:
        with transaction.atomic():
            # Row locks, taken in id order so that concurrent runs never deadlock,
            # serialize issuers of the same registration; the one-to-one constraint
            # is the backstop if anything bypasses them.
            registrations = list(
                Registration.objects.select_for_update(of=("self",))
                .select_related("session__training")
                .filter(pk__in=registration_ids)
                .order_by("pk")
            )
            issued_for = set(
                Certificate.objects.filter(registration_id__in=registration_ids).values_list(
                    "registration_id", flat=True
                )
            )
            for registration in registrations:
                if registration.pk in issued_for:
                    already.append(registration.pk)
                    continue
                reason = refusal_reason(registration, now=now)
                if reason:
                    if refuse:
                        raise CertificateRefused(reason)
                    refusals[registration.pk] = reason
                    continue
                created.append(_new_certificate(registration, now=now))
            _save_issued(created, actor=actor)
    except BaseException:
        # The rows were rolled back: do not leave their files behind.
        for certificate in created:
            certificate.pdf.delete(save=False)
        raise
    return BatchIssuance(created=created, already_issued=already, refused=refusals)


def issue_certificate(
    *, registration_id: int, actor=None, now: datetime | None = None
) -> Certificate:
    """Issue the certificate of one attended registration, once.

    Returns the existing certificate when there already is one (issuing twice is a
    no-op). Raises CertificateRefused, whose str() is the reason, when the attendee is
    not confirmed, not marked attended, or the session has not ended. The attendee's
    email is queued in the same transaction and sent after the commit.
    """
    batch = issue_batch([registration_id], actor=actor, now=now or timezone.now(), refuse=True)
    if batch.created:
        return batch.created[0]
    return Certificate.objects.get(registration_id=registration_id)


def reissue_certificate(
    *, registration_id: int, actor=None, now: datetime | None = None
) -> Certificate:
    """Refresh the snapshot and the PDF (e.g. a corrected name), keeping the code.

    Keeping the code means a copy already printed or shared still verifies, and shows
    the corrected details. A revoked certificate becomes valid again. The attendee is
    emailed the new PDF.
    """
    now = now or timezone.now()
    with transaction.atomic():
        registration = _lock_registration(registration_id)
        certificate = Certificate.objects.filter(registration=registration).first()
        if certificate is None:
            raise CertificateRefused(str(_("There is no certificate to reissue.")))
        reason = refusal_reason(registration, now=now)
        if reason:
            raise CertificateRefused(reason)
        for field, value in _snapshot(registration).items():
            setattr(certificate, field, value)
        certificate.issued_at = now
        certificate.revoked_at = None
        certificate.revoked_reason = ""
        _store_pdf(certificate)
        certificate.save()
        forget_status_list(certificate=certificate)
        record_audit(
            action="certificate_reissued",
            actor=actor,
            registration=registration,
            code=certificate.code,
        )
        resent = registration.notifications.filter(kind=Notification.Kind.CERTIFICATE).count()
        _notify(registration, variant=f"reissue-{resent}")
        return certificate


def revoke_certificate(
    *, registration_id: int, reason: str, actor=None, now: datetime | None = None
) -> Certificate:
    """Revoke a certificate: it can no longer be downloaded and its verify page says so."""
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise CertificateRefused(str(_("Give a reason for revoking the certificate.")))
    with transaction.atomic():
        registration = _lock_registration(registration_id)
        certificate = Certificate.objects.filter(registration=registration).first()
        if certificate is None:
            raise CertificateRefused(str(_("There is no certificate to revoke.")))
        if certificate.revoked_at is not None:
            return certificate
        certificate.revoked_at = now or timezone.now()
        certificate.revoked_reason = reason
        certificate.save(update_fields=["revoked_at", "revoked_reason"])
        forget_status_list(certificate=certificate)
        record_audit(
            action="certificate_revoked",
            actor=actor,
            registration=registration,
            code=certificate.code,
            reason=reason,
        )
        return certificate


def issue_session_certificates(
    *, session_id: int, actor=None, now: datetime | None = None
) -> SessionIssuance:
    """Issue every certificate a session owes; safe to run many times, even at once.

    Certificates are committed BATCH_SIZE at a time, so progress is visible while the
    run goes on (issued / total in the admin), a crash loses at most one batch, and
    the commit cost is shared.
    """
    now = now or timezone.now()
    session = TrainingSession.objects.get(pk=session_id)
    reason = session_refusal_reason(session, now=now)
    if reason:
        raise CertificateRefused(reason)
    eligible = eligible_registrations(session_id)
    total = eligible.count()
    pending = list(
        eligible.filter(certificate__isnull=True).order_by("id").values_list("id", flat=True)
    )
    issued = already = refused = 0
    for start in range(0, len(pending), BATCH_SIZE):
        batch = issue_batch(pending[start : start + BATCH_SIZE], actor=actor, now=now, refuse=False)
        issued += len(batch.created)
        # Issued meanwhile by another run (a concurrent task, the admin).
        already += len(batch.already_issued)
        # Unmarked or cancelled since the list was read.
        refused += len(batch.refused)
    return SessionIssuance(
        session_id=session_id,
        issued=issued,
        already_issued=total - len(pending) + already,
        refused=refused,
        total=total,
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    """The stored PDF, or the same bytes re-rendered from the snapshot if the file is lost."""
    if certificate.pdf:
        try:
            with certificate.pdf.storage.open(certificate.pdf.name, "rb") as stored:
                return stored.read()
        except FileNotFoundError:
            logger.warning("certificate %s: stored PDF missing; re-rendered", certificate.pk)
    return render_pdf(certificate)
