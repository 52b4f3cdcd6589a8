"""Reads for certificates: codes as typed, what a session owes, issuance progress."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import (
    Certificate,
    CertificateIssuance,
    CertificateIssuanceItem,
    Registration,
    TrainingSession,
)
from events.models.tokens import normalize_code

from . import evaluations as evaluation_selectors

# The beat scan looks back this far; older sessions are issued from the admin.
DUE_LOOKBACK = timedelta(days=30)


def find_by_code(text: str | None) -> Certificate | None:
    """The certificate a typed or scanned code names, or None."""
    code = normalize_code(text)
    if code is None:
        return None
    return Certificate.objects.select_related("registration").filter(code=code).first()


def eligible_registrations(session_id: int) -> QuerySet[Registration]:
    """Registrations of a session that are owed a certificate (issued or not)."""
    return Registration.objects.filter(
        session_id=session_id,
        status=Registration.Status.CONFIRMED,
        attended=True,
        anonymized_at__isnull=True,
    )


def sessions_with_progress(now: datetime | None = None) -> QuerySet[TrainingSession]:
    """Ended sessions annotated with eligible (total), issued and revoked counts."""
    now = now or timezone.now()
    owed = Q(
        registrations__status=Registration.Status.CONFIRMED,
        registrations__attended=True,
        registrations__anonymized_at__isnull=True,
    )
    return (
        TrainingSession.objects.filter(ends_at__lte=now)
        .exclude(status=TrainingSession.Status.CANCELLED)
        .select_related("training")
        .annotate(
            certificates_total=Count("registrations", filter=owed),
            certificates_issued=Count(
                "registrations", filter=owed & Q(registrations__certificate__isnull=False)
            ),
            certificates_revoked=Count(
                "registrations", filter=Q(registrations__certificate__revoked_at__isnull=False)
            ),
        )
        .order_by("-ends_at", "-id")
    )


def sessions_due_for_certificates(*, now: datetime | None = None) -> list[int]:
    """Ids of recently ended sessions that still owe at least one certificate."""
    now = now or timezone.now()
    owed = eligible_registrations(OuterRef("pk")).filter(certificate__isnull=True)
    return list(
        TrainingSession.objects.filter(ends_at__lte=now, ends_at__gte=now - DUE_LOOKBACK)
        .exclude(status=TrainingSession.Status.CANCELLED)
        .filter(Exists(owed))
        .order_by("ends_at")
        .values_list("id", flat=True)
    )


def refusal_reason(registration: Registration, *, now: datetime | None = None) -> str:
    """Why this registration cannot get a certificate now, in words; "" when it can."""
    now = now or timezone.now()
    session = registration.session
    if registration.anonymized_at is not None:
        return str(_("The registration has been anonymized."))
    if registration.status != Registration.Status.CONFIRMED:
        return str(_("The registration is not confirmed."))
    if session.status == TrainingSession.Status.CANCELLED:
        return str(_("The session was cancelled."))
    if session.ends_at > now:
        return str(_("The session has not ended yet."))
    if not registration.attended:
        return str(_("The attendee is not marked as attended."))
    # Last: the evaluation gate makes issuance wait, and the periodic run retries it.
    return str(evaluation_selectors.gate_requirement(registration))


def session_refusal_reason(session: TrainingSession, *, now: datetime | None = None) -> str:
    """Why certificates cannot be issued for this session now; "" when they can."""
    now = now or timezone.now()
    if session.status == TrainingSession.Status.CANCELLED:
        return str(_("The session was cancelled."))
    if session.ends_at > now:
        return str(_("The session has not ended yet."))
    return ""


@dataclass(frozen=True)
class IssuanceProgress:
    """How far an issuance run got: its items counted by outcome, and the reasons
    given for refusals and failures (the stored words, with how many items each)."""

    total: int
    issued: int
    already_issued: int
    refused: int
    failed: int
    reasons: list[tuple[str, int]]

    @property
    def processed(self) -> int:
        return self.issued + self.already_issued + self.refused + self.failed

    @property
    def pending(self) -> int:
        return self.total - self.processed


def issuance_progress(issuance: CertificateIssuance) -> IssuanceProgress:
    """One grouped query over the run's items."""
    Outcome = CertificateIssuanceItem.Outcome
    counts = dict.fromkeys(Outcome.values, 0)
    reasons: dict[str, int] = {}
    rows = issuance.items.order_by().values_list("outcome", "reason").annotate(n=Count("id"))
    for outcome, reason, n in rows:
        counts[outcome] += n
        if reason:
            reasons[reason] = reasons.get(reason, 0) + n
    return IssuanceProgress(
        total=sum(counts.values()),
        issued=counts[Outcome.ISSUED],
        already_issued=counts[Outcome.ALREADY_ISSUED],
        refused=counts[Outcome.REFUSED],
        failed=counts[Outcome.FAILED],
        reasons=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
    )


def stalled_issuances(*, stalled_for_seconds: int, now: datetime | None = None) -> list[int]:
    """Ids of unfinished issuance runs that have not progressed for that long."""
    cutoff = (now or timezone.now()) - timedelta(seconds=stalled_for_seconds)
    return list(
        CertificateIssuance.objects.filter(finished_at__isnull=True, progressed_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
