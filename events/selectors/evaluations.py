"""Reads for evaluations: the current questionnaire, a phase's questions, links and windows."""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import (
    Completion,
    GateOverride,
    Question,
    Questionnaire,
    Registration,
    Response,
    TrainingSession,
)
from events.models.catalog import CertificateGate
from events.models.evaluations import Phase
from events.models.tokens import evaluation_mac, evaluation_token_for, split_evaluation_token


def current_questionnaire(training_id: int) -> Questionnaire | None:
    """The training's latest version, or None when it has no questionnaire."""
    return Questionnaire.objects.filter(training_id=training_id).order_by("-version").first()


def has_questions(training_id: int, phase: str) -> bool:
    """Whether the training's current questionnaire asks anything in this phase."""
    questionnaire = current_questionnaire(training_id)
    return (
        questionnaire is not None
        and questionnaire.questions.filter(phase__in=[phase, Question.AskedIn.BOTH]).exists()
    )


def questions_for(questionnaire: Questionnaire, phase: str) -> list[Question]:
    """The questions asked in this phase, in order, with their choices (two queries)."""
    return list(
        questionnaire.questions.filter(phase__in=[phase, Question.AskedIn.BOTH])
        .prefetch_related("choices")
        .order_by("order", "id")
    )


def evaluation_token(registration: Registration, phase: str) -> str:
    return evaluation_token_for(
        checkin_code=registration.checkin_code, nonce=registration.manage_nonce, phase=phase
    )


def find_by_evaluation_token(token: str, phase: str) -> Registration | None:
    """The registration an evaluation link points to, or None (malformed, unknown, erased)."""
    if phase not in Phase.values:
        return None
    parts = split_evaluation_token(token)
    if parts is None:
        return None
    code, mac = parts
    registration = (
        Registration.objects.select_related("session__training")
        .filter(checkin_code=code, anonymized_at__isnull=True)
        .first()
    )
    if registration is None:
        return None
    expected = evaluation_mac(checkin_code=code, nonce=registration.manage_nonce, phase=phase)
    return registration if hmac.compare_digest(expected, mac) else None


@dataclass(frozen=True)
class PhaseWindow:
    opens_at: datetime | None
    closes_at: datetime


def phase_window(session: TrainingSession, phase: str) -> PhaseWindow:
    """Pre: from registering until the session starts. Post: from its end for N days."""
    if phase == Phase.PRE:
        return PhaseWindow(opens_at=None, closes_at=session.starts_at)
    days = session.training.evaluation_post_days
    return PhaseWindow(opens_at=session.ends_at, closes_at=session.ends_at + timedelta(days=days))


def closed_reason(registration: Registration, phase: str, *, now: datetime | None = None) -> str:
    """Why this person cannot answer this phase now, in words; "" when they can."""
    now = now or timezone.now()
    session = registration.session
    if registration.anonymized_at is not None:
        return _("This registration has been erased.")
    if registration.status == Registration.Status.CANCELLED:
        return _("This registration is cancelled.")
    if session.status == TrainingSession.Status.CANCELLED:
        return _("This session was cancelled.")
    window = phase_window(session, phase)
    if window.opens_at is not None and now < window.opens_at:
        return _("The post-evaluation opens when the session ends.")
    if now >= window.closes_at:
        if phase == Phase.PRE:
            return _("The pre-check closed when the session started.")
        return _("The post-evaluation is closed.")
    if phase == Phase.POST and not registration.attended:
        return _("The post-evaluation is for people who attended the session.")
    return ""


def saved_response(registration: Registration, phase: str) -> Response | None:
    """This person's saved answers to a phase, with their questions and choices (four queries)."""
    return (
        Response.objects.filter(registration=registration, phase=phase)
        .select_related("questionnaire")
        .prefetch_related("answers__choices", "answers__question")
        .first()
    )


def completed_phases(registration: Registration) -> set[str]:
    return set(registration.evaluation_completions.values_list("phase", flat=True))


def gate_requirement(registration: Registration) -> str:
    """What this person still has to do for the evaluation gate; "" when nothing.

    The gate applies when the training asks for it and has post-evaluation questions;
    an organizer's override for the person lifts it.
    """
    training = registration.session.training
    if training.certificate_gate == CertificateGate.NONE:
        return ""
    if not has_questions(training.pk, Phase.POST):
        return ""
    if GateOverride.objects.filter(registration=registration).exists():
        return ""
    completion = Completion.objects.filter(registration=registration, phase=Phase.POST).first()
    if training.certificate_gate == CertificateGate.POST_SUBMITTED:
        if completion is not None:
            return ""
        return _("Your certificate will be issued once you submit the post-evaluation.")
    needed = training.certificate_gate_score
    if completion is None:
        return _(
            "Your certificate will be issued once you submit the post-evaluation with a "
            "knowledge score of at least %(score)s%%."
        ) % {"score": needed}
    if completion.score is None or completion.score >= needed:
        return ""
    return _(
        "Your post-check score is %(score)s%%; your certificate needs at least %(needed)s%%. "
        "You can change your answers while the post-evaluation is open."
    ) % {"score": completion.score, "needed": needed}
