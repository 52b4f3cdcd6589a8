"""Evaluation answers are personal data: erased, anonymized with the rest, exported."""

import json

import pytest
from django.urls import reverse

from events.models import Answer, Completion, Response, TrainingSession
from events.selectors.evaluation_results import evaluation_results
from events.services import evaluations as evaluation_service
from events.services import privacy
from tests.factories import AttendedRegistrationFactory, UserFactory, build_questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered():
    """An attendee who answered the post-evaluation, with free text."""
    user = UserFactory()
    registration = AttendedRegistrationFactory(user=user, email=user.email)
    questionnaire, questions = build_questionnaire(registration.session.training)
    evaluation_service.submit_evaluation(
        registration_id=registration.pk,
        phase="post",
        questionnaire_id=questionnaire.pk,
        answers=[
            evaluation_service.AnswerInput(question_id=questions["scale"].pk, scale_value=5),
            evaluation_service.AnswerInput(
                question_id=questions["single"].pk,
                choice_ids=frozenset([questions["single"].choices.get(is_correct=True).pk]),
            ),
            evaluation_service.AnswerInput(
                question_id=questions["multiple"].pk,
                choice_ids=frozenset(
                    questions["multiple"]
                    .choices.filter(is_correct=True)
                    .values_list("pk", flat=True)
                ),
            ),
            evaluation_service.AnswerInput(
                question_id=questions["text"].pk, text="I am Dana from the clinic"
            ),
        ],
        revision="",
    )
    return registration


def _results(registration):
    return evaluation_results(TrainingSession.objects.filter(pk=registration.session_id))


def test_erasure_erases_the_answers_but_keeps_the_aggregates(answered):
    before = _results(answered)
    privacy.erase_registration(registration_id=answered.pk)
    assert not Response.objects.filter(registration=answered).exists()
    assert not Answer.objects.filter(text__contains="Dana").exists()
    after = _results(answered)
    assert after.scales == before.scales
    assert after.knowledge == before.knowledge
    assert after.completion_post == before.completion_post
    assert after.free_text == []
    assert Completion.objects.filter(registration=answered).exists()


def test_retention_anonymizes_the_answers_with_the_rest(answered, settings, time_machine):
    time_machine.move_to(answered.session.ends_at, tick=False)
    time_machine.shift(60 * 60 * 24 * 31 * (settings.RETENTION_MONTHS + 1))
    assert privacy.anonymize_expired_registrations() == [answered.pk]
    assert not Response.objects.filter(registration=answered).exists()
    assert not Answer.objects.filter(text__contains="Dana").exists()


def test_data_export_includes_the_answers(client, answered):
    client.force_login(answered.user)
    response = client.get(reverse("accounts:data_export"))
    data = json.loads(response.content)
    (evaluation,) = data["registrations"][0]["evaluations"]
    assert evaluation["phase"] == "post"
    assert evaluation["score"] == "100.0"
    texts = [a["text"] for a in evaluation["answers"]]
    assert "I am Dana from the clinic" in texts
