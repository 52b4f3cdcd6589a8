"""Answering evaluations: the token link, the page, saving once, and every refusal."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Answer, Completion, Response
from events.selectors.evaluations import evaluation_token, find_by_evaluation_token
from events.services import evaluations as evaluation_service
from events.services.privacy import erase_registration
from tests.factories import (
    AttendedRegistrationFactory,
    RegistrationFactory,
    build_questionnaire,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pre():
    """An upcoming session's registrant, whose training has a questionnaire."""
    registration = RegistrationFactory()
    questionnaire, questions = build_questionnaire(registration.session.training)
    return registration, questionnaire, questions


@pytest.fixture
def post():
    """An attendee of a session that ended yesterday, whose training has a questionnaire."""
    registration = AttendedRegistrationFactory()
    questionnaire, questions = build_questionnaire(registration.session.training)
    return registration, questionnaire, questions


def url(registration, phase):
    return reverse("events:evaluate", args=[evaluation_token(registration, phase), phase])


def answers(questionnaire, questions, *, scale="4", right=True, revision=""):
    single = questions["single"].choices.get(is_correct=right)
    multiple = questions["multiple"].choices.filter(is_correct=True)
    return {
        "questionnaire": questionnaire.pk,
        "revision": revision,
        f"q{questions['scale'].pk}": scale,
        f"q{questions['single'].pk}": single.pk,
        f"q{questions['multiple'].pk}": [c.pk for c in multiple],
        f"q{questions['text'].pk}": "Thank you",
    }


def test_token_is_per_phase_and_finds_its_registration(pre):
    registration, _q, _qs = pre
    pre_token = evaluation_token(registration, "pre")
    assert find_by_evaluation_token(pre_token, "pre") == registration
    assert find_by_evaluation_token(pre_token, "post") is None
    assert pre_token != registration.manage_token


def test_token_with_a_wrong_mac_finds_nothing(pre):
    registration, _q, _qs = pre
    token = evaluation_token(registration, "pre")
    forged = token[:16] + ("0" if token[16] != "0" else "1") + token[17:]
    assert find_by_evaluation_token(forged, "pre") is None


def test_page_groups_each_scale_as_a_radio_group_with_visible_labels(client, pre):
    registration, _questionnaire, questions = pre
    page = client.get(url(registration, "pre")).content.decode()
    assert page.count("<fieldset") == 3  # scale, single, multiple; the text has a label
    assert "<legend" in page
    assert "1 – Not at all" in page and "5 – Very" in page
    assert 'type="radio"' in page and 'type="checkbox"' in page
    assert f'for="id_q{questions["text"].pk}"' in page


def test_pre_check_is_saved_once_and_shows_no_score(client, pre):
    registration, questionnaire, questions = pre
    response = client.post(url(registration, "pre"), answers(questionnaire, questions))
    assert response.status_code == 302
    page = client.get(url(registration, "pre")).content.decode()
    assert "score" not in page.lower()
    assert "The correct answers" not in page
    saved = Response.objects.get(registration=registration, phase="pre")
    assert saved.answers.count() == 4
    assert Completion.objects.filter(registration=registration, phase="pre").exists()


def test_reopening_shows_saved_answers_and_they_can_be_changed(client, pre):
    registration, questionnaire, questions = pre
    client.post(url(registration, "pre"), answers(questionnaire, questions, scale="2"))
    page = client.get(url(registration, "pre")).content.decode()
    assert re.search(rf'name="q{questions["scale"].pk}" value="2"[^>]*checked', page)
    saved = Response.objects.get(registration=registration)
    revision = evaluation_service.revision_of(saved)
    client.post(
        url(registration, "pre"),
        answers(questionnaire, questions, scale="5", revision=revision),
    )
    assert Response.objects.filter(registration=registration).count() == 1
    assert Answer.objects.get(question=questions["scale"]).scale_value == 5


def test_double_submit_is_refused_with_a_message(client, pre):
    registration, questionnaire, questions = pre
    data = answers(questionnaire, questions)
    client.post(url(registration, "pre"), data)
    second = client.post(url(registration, "pre"), data)
    assert second.status_code == 409
    assert "already saved" in second.content.decode()
    assert Response.objects.filter(registration=registration).count() == 1


def test_post_evaluation_shows_the_correct_answers_with_explanations(client, post):
    registration, questionnaire, questions = post
    client.post(url(registration, "post"), answers(questionnaire, questions, right=False))
    page = client.get(url(registration, "post")).content.decode()
    assert "The correct answers" in page
    assert "Call 911 when someone is in immediate danger." in page
    assert Response.objects.get(registration=registration).score == 50  # 1 of 2


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data, q: data.update({f"q{q['scale'].pk}": "7"}),
        lambda data, q: data.update({f"q{q['single'].pk}": "999999"}),
        lambda data, q: data.update({"q999999": "1"}),
        lambda data, q: data.pop(f"q{q['scale'].pk}"),
        lambda data, q: data.update({"questionnaire": "abc"}),
    ],
    ids=["scale-out-of-range", "unknown-choice", "unknown-question", "missing-required", "bad-id"],
)
def test_tampered_answers_get_a_form_error(client, pre, tamper):
    registration, questionnaire, questions = pre
    data = answers(questionnaire, questions)
    tamper(data, questions)
    response = client.post(url(registration, "pre"), data)
    assert response.status_code == 400
    assert not Response.objects.exists()


def test_answers_to_another_version_are_refused(client, pre):
    registration, questionnaire, questions = pre
    newer = evaluation_service.new_questionnaire_version(questionnaire_id=questionnaire.pk)
    response = client.post(url(registration, "pre"), answers(questionnaire, questions))
    assert response.status_code == 400
    assert "changed" in response.content.decode()
    assert newer.version == 2


def test_a_choice_of_another_question_is_refused_by_the_service(pre):
    registration, questionnaire, questions = pre
    wrong = questions["multiple"].choices.first()
    with pytest.raises(evaluation_service.EvaluationRefused):
        evaluation_service.submit_evaluation(
            registration_id=registration.pk,
            phase="pre",
            questionnaire_id=questionnaire.pk,
            answers=[
                evaluation_service.AnswerInput(
                    question_id=questions["single"].pk, choice_ids=frozenset([wrong.pk])
                )
            ],
            revision="",
        )


def test_pre_check_closes_when_the_session_starts(client, pre):
    registration, questionnaire, questions = pre
    session = registration.session
    session.starts_at = timezone.now() - timedelta(minutes=5)
    session.ends_at = timezone.now() + timedelta(hours=2)
    session.save()
    page = client.get(url(registration, "pre"))
    assert "closed when the session started" in page.content.decode()
    response = client.post(url(registration, "pre"), answers(questionnaire, questions))
    assert response.status_code == 409
    assert not Response.objects.exists()


def test_post_evaluation_closes_after_the_trainings_days(client, post):
    registration, questionnaire, questions = post
    training = registration.session.training
    training.evaluation_post_days = 1
    training.save()
    session = registration.session
    session.starts_at = timezone.now() - timedelta(days=2)
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save()
    response = client.post(url(registration, "post"), answers(questionnaire, questions))
    assert response.status_code == 409
    assert "closed" in response.content.decode()


def test_post_evaluation_is_not_open_before_the_session_ends(client, pre):
    registration, questionnaire, questions = pre
    response = client.post(url(registration, "post"), answers(questionnaire, questions))
    assert response.status_code == 409


def test_cancelled_registration_cannot_answer(client, pre):
    registration, questionnaire, questions = pre
    registration.status = "cancelled"
    registration.save()
    response = client.post(url(registration, "pre"), answers(questionnaire, questions))
    assert response.status_code == 409
    assert "cancelled" in response.content.decode()


def test_erased_registration_link_is_not_found(client, pre):
    registration, _questionnaire, _questions = pre
    link = url(registration, "pre")
    erase_registration(registration_id=registration.pk)
    assert client.get(link).status_code == 404


@pytest.mark.parametrize("token", ["x" * 500, "short", "A" * 40, "%00" * 20])
def test_bad_tokens_are_not_found(client, pre, token):
    assert client.get(f"/evaluate/{token}/pre/").status_code == 404


def test_unknown_phase_is_not_found(client, pre):
    registration, _q, _qs = pre
    token = evaluation_token(registration, "pre")
    assert client.get(f"/evaluate/{token}/during/").status_code == 404


def test_anonymous_mode_stores_answers_without_the_person(client, pre):
    registration, questionnaire, questions = pre
    training = registration.session.training
    training.evaluation_anonymous = True
    training.save()
    client.post(url(registration, "pre"), answers(questionnaire, questions))
    saved = Response.objects.get()
    assert saved.registration is None
    assert saved.session == registration.session
    assert Completion.objects.filter(registration=registration, phase="pre").exists()
    again = client.post(url(registration, "pre"), answers(questionnaire, questions))
    assert again.status_code == 409


def test_a_phase_without_questions_is_not_found(client):
    registration = RegistrationFactory()
    questionnaire, questions = build_questionnaire(registration.session.training)
    questionnaire.questions.update(phase="post")
    assert client.get(url(registration, "pre")).status_code == 404
