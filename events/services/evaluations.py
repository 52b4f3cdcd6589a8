"""Evaluations: save a phase's answers once per registration, and version questionnaires.

The answer form (views/evaluations.py) parses the post; this service decides. It
re-checks everything the form checked that a tampered or stale post could get past
(the phase window, the version, every question and choice id) under a lock on the
registration, so two submits of the same page cannot both write.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import (
    Answer,
    Choice,
    Completion,
    GateOverride,
    Question,
    Questionnaire,
    Registration,
    Response,
)
from events.models.catalog import CertificateGate
from events.models.evaluations import AnswerInput, Phase
from events.selectors import evaluations as selectors

from .audit import record_audit
from .enqueue import enqueue_on_commit


class EvaluationRefused(Exception):
    """The answers cannot be saved; str() says why, for the page."""


def revision_of(response: Response | None) -> str:
    """What the page was built from: "" for nothing saved yet, else the last save's time."""
    return response.updated_at.isoformat() if response is not None else ""


def questionnaire_for(registration: Registration, phase: str) -> Questionnaire | None:
    """The version this person answers: the one they already answered, else the current one."""
    saved = Response.objects.filter(registration=registration, phase=phase).first()
    if saved is not None:
        return saved.questionnaire
    return selectors.current_questionnaire(registration.session.training_id)


def _is_correct(question: Question, chosen: frozenset[int]) -> bool | None:
    if not question.is_knowledge:
        return None
    correct = {choice.pk for choice in question.choices.all() if choice.is_correct}
    return bool(chosen) and set(chosen) == correct


def _checked(questions: list[Question], answers: list[AnswerInput]) -> dict[int, AnswerInput]:
    """The answers by question, refused if any names a question or choice not on the page."""
    by_id = {question.pk: question for question in questions}
    given: dict[int, AnswerInput] = {}
    for answer in answers:
        question = by_id.get(answer.question_id)
        if question is None or answer.question_id in given:
            raise EvaluationRefused(_("The answers do not match this questionnaire."))
        choice_ids = {choice.pk for choice in question.choices.all()}
        if not answer.choice_ids <= choice_ids:
            raise EvaluationRefused(_("The answers do not match this questionnaire."))
        if answer.scale_value is not None and not 1 <= answer.scale_value <= 5:
            raise EvaluationRefused(_("A scale answer must be between 1 and 5."))
        if question.kind == Question.Kind.SINGLE and len(answer.choice_ids) > 1:
            raise EvaluationRefused(_("The answers do not match this questionnaire."))
        given[question.pk] = answer
    for question in questions:
        if question.required and (question.pk not in given or given[question.pk].is_empty):
            raise EvaluationRefused(_("Please answer every required question."))
    return given


def _score(questions: list[Question], given: dict[int, AnswerInput]) -> Decimal | None:
    knowledge = [question for question in questions if question.is_knowledge]
    if not knowledge:
        return None
    right = sum(
        1
        for question in knowledge
        if question.pk in given and _is_correct(question, given[question.pk].choice_ids)
    )
    return (Decimal(100) * right / len(knowledge)).quantize(Decimal("0.1"))


def submit_evaluation(
    *,
    registration_id: int,
    phase: str,
    questionnaire_id: int,
    answers: list[AnswerInput],
    revision: str,
    now: datetime | None = None,
) -> Response:
    """Save (or replace) this registration's answers to a phase; returns the response.

    Refuses, with a reason for the page: a closed phase, a cancelled or erased
    registration, a post for another version, a page older than the last save (a
    double submit), and answers that do not fit the questions. In anonymous mode the
    answers are stored without the person and only a completion mark names them.
    """
    if phase not in Phase.values:
        raise EvaluationRefused(_("This link is not valid."))
    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("session__training")
            .get(pk=registration_id)
        )
        reason = selectors.closed_reason(registration, phase, now=now)
        if reason:
            raise EvaluationRefused(reason)
        session = registration.session
        anonymous = session.training.evaluation_anonymous
        saved = Response.objects.filter(registration=registration, phase=phase).first()
        completed = Completion.objects.filter(registration=registration, phase=phase).first()
        if anonymous and completed is not None:
            raise EvaluationRefused(
                _("You already answered. Anonymous answers cannot be changed afterwards.")
            )
        if revision != revision_of(saved):
            raise EvaluationRefused(
                _(
                    "These answers were already saved (the form was sent twice?). "
                    "Reload the page to see them."
                )
            )
        questionnaire = questionnaire_for(registration, phase)
        if questionnaire is None or questionnaire.pk != questionnaire_id:
            raise EvaluationRefused(
                _("The questionnaire has changed since this page was opened. Please answer again.")
            )
        questions = selectors.questions_for(questionnaire, phase)
        given = _checked(questions, answers)
        score = _score(questions, given)
        if saved is None:
            saved = Response.objects.create(
                questionnaire=questionnaire,
                session=session,
                registration=None if anonymous else registration,
                phase=phase,
                score=score,
            )
        else:
            saved.answers.all().delete()
            saved.score = score
            saved.save(update_fields=["score", "updated_at"])
        _save_answers(saved, questions, given)
        Completion.objects.update_or_create(
            registration=registration, phase=phase, defaults={"score": score}
        )
        if phase == Phase.POST and session.training.certificate_gate != CertificateGate.NONE:
            # The gate may be met now: issue without waiting for the periodic run.
            enqueue_on_commit("events.issue_certificate", registration_id)
    return saved


def _save_answers(response: Response, questions: list[Question], given: dict) -> None:
    rows = []
    for question in questions:
        answer = given.get(question.pk)
        if answer is None or answer.is_empty:
            continue
        rows.append(
            Answer(
                response=response,
                question=question,
                scale_value=answer.scale_value,
                text=answer.text.strip()[:5000],
                is_correct=_is_correct(question, answer.choice_ids),
            )
        )
    Answer.objects.bulk_create(rows)
    chosen = [
        Answer.choices.through(answer_id=row.pk, choice_id=choice_id)
        for row in rows
        for choice_id in given[row.question_id].choice_ids
    ]
    Answer.choices.through.objects.bulk_create(chosen)


def is_answered(questionnaire: Questionnaire) -> bool:
    return questionnaire.responses.exists()


def new_questionnaire_version(*, questionnaire_id: int, actor=None) -> Questionnaire:
    """Copy a questionnaire, its questions and choices as the training's next version.

    Answered versions are never edited in place: their responses keep pointing at the
    questions they answered, and the organizer edits the copy.
    """
    with transaction.atomic():
        source = Questionnaire.objects.select_for_update().get(pk=questionnaire_id)
        copy = Questionnaire.objects.create(
            training_id=source.training_id,
            version=next_version_number(source.training_id),
            title=source.title,
            introduction=source.introduction,
        )
        for question in source.questions.prefetch_related("choices"):
            choices = list(question.choices.all())
            question.pk = None
            question.questionnaire = copy
            question.save(force_insert=True)
            Choice.objects.bulk_create(
                Choice(question=question, order=c.order, text=c.text, is_correct=c.is_correct)
                for c in choices
            )
        record_audit(
            action="questionnaire_versioned",
            actor=actor,
            training=source.training_id,
            version=copy.version,
        )
    return copy


def next_version_number(training_id: int) -> int:
    latest = (
        Questionnaire.objects.filter(training_id=training_id)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (latest or 0) + 1


def override_certificate_gate(*, registration_id: int, reason: str, actor=None) -> GateOverride:
    """Let one person's certificate through the evaluation gate, with a reason for the audit.

    The certificate is then issued at once (after commit), if the person is otherwise
    owed one; overriding twice keeps the first reason.
    """
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise EvaluationRefused(_("Give a reason for the override."))
    with transaction.atomic():
        registration = Registration.objects.select_related("session").get(pk=registration_id)
        override, created = GateOverride.objects.get_or_create(
            registration=registration, defaults={"reason": reason}
        )
        if created:
            record_audit(
                action="certificate_gate_overridden",
                actor=actor,
                registration=registration,
                reason=reason,
            )
            enqueue_on_commit("events.issue_certificate", registration_id)
    return override
