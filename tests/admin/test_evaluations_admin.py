"""Questionnaires in the admin: scoped to the trainings one organizes, versioned once answered."""

import pytest
from django.urls import reverse

from events.models import Answer, Question, Questionnaire
from events.services import evaluations as evaluation_service
from tests.factories import build_questionnaire

pytestmark = pytest.mark.django_db


def _answer(registration, questionnaire, questions):
    evaluation_service.submit_evaluation(
        registration_id=registration.pk,
        phase="pre",
        questionnaire_id=questionnaire.pk,
        answers=[
            evaluation_service.AnswerInput(question_id=questions["scale"].pk, scale_value=3),
            evaluation_service.AnswerInput(
                question_id=questions["single"].pk,
                choice_ids=frozenset([questions["single"].choices.first().pk]),
            ),
            evaluation_service.AnswerInput(
                question_id=questions["multiple"].pk,
                choice_ids=frozenset([questions["multiple"].choices.first().pk]),
            ),
        ],
        revision="",
    )


def test_organizer_sees_only_questionnaires_of_trainings_they_organize(
    client_a, session_a, session_b
):
    mine, _qs = build_questionnaire(session_a.training)
    theirs, _qs = build_questionnaire(session_b.training)
    response = client_a.get(reverse("admin:events_questionnaire_changelist"))
    assert response.status_code == 200
    assert {q.pk for q in response.context["cl"].result_list} == {mine.pk}
    other = client_a.get(reverse("admin:events_questionnaire_change", args=[theirs.pk]))
    assert other.status_code == 404


def test_organizer_adds_a_questionnaire_with_questions_inline(client_a, session_a):
    url = reverse("admin:events_questionnaire_add")
    data = {
        "training": session_a.training.pk,
        "title": "Evaluation",
        "introduction": "",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-0-order": "1",
        "questions-0-phase": "both",
        "questions-0-kind": "scale",
        "questions-0-required": "on",
        "questions-0-text": "How confident are you?",
        "questions-0-scale_low_label": "Not at all",
        "questions-0-scale_high_label": "Very",
        "questions-0-explanation": "",
    }
    response = client_a.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.version == 1
    assert questionnaire.questions.get().text == "How confident are you?"


def test_answered_questionnaire_is_read_only(client_a, session_a, attendee_a):
    questionnaire, questions = build_questionnaire(session_a.training)
    _answer(attendee_a, questionnaire, questions)
    url = reverse("admin:events_questionnaire_change", args=[questionnaire.pk])
    page = client_a.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    client_a.post(url, {"title": "Tampered"})
    questionnaire.refresh_from_db()
    assert questionnaire.title == "Training evaluation"


def test_new_version_leaves_old_answers_with_their_questions(client_a, session_a, attendee_a):
    questionnaire, questions = build_questionnaire(session_a.training)
    _answer(attendee_a, questionnaire, questions)
    response = client_a.post(
        reverse("admin:events_questionnaire_changelist"),
        {"action": "make_new_version", "_selected_action": [questionnaire.pk]},
    )
    assert response.status_code == 302
    newer = Questionnaire.objects.get(version=2)
    assert newer.questions.count() == 4
    Question.objects.filter(questionnaire=newer).update(text="Changed")
    assert set(Answer.objects.values_list("question__questionnaire", flat=True)) == {
        questionnaire.pk
    }
    assert questions["scale"].text != "Changed"
    assert newer.questions.get(kind="single").choices.filter(is_correct=True).count() == 1
