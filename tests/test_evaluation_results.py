"""Evaluation results: the figures per session, their query count, the XLSX, the impact report."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from events.models import Answer, Completion, Response, TrainingSession
from events.selectors.evaluation_results import evaluation_results
from events.selectors.impact import ImpactFilters, learning_measures
from events.services import evaluations as evaluation_service
from tests.factories import (
    AttendedRegistrationFactory,
    EndedSessionFactory,
    ScopedOrganizerFactory,
    build_questionnaire,
)

pytestmark = pytest.mark.django_db


def _save(registration, phase, questionnaire, questions, *, scale, right, text=""):
    """Store a response as the service would, without its phase window (test data)."""
    single = questions["single"].choices.get(is_correct=right)
    answers = [
        evaluation_service.AnswerInput(question_id=questions["scale"].pk, scale_value=scale),
        evaluation_service.AnswerInput(
            question_id=questions["single"].pk, choice_ids=frozenset([single.pk])
        ),
        evaluation_service.AnswerInput(
            question_id=questions["multiple"].pk,
            choice_ids=frozenset(
                c.pk for c in questions["multiple"].choices.filter(is_correct=right)
            ),
        ),
        evaluation_service.AnswerInput(question_id=questions["text"].pk, text=text),
    ]
    given = {a.question_id: a for a in answers}
    ordered = list(questionnaire.questions.all())
    response = Response.objects.create(
        questionnaire=questionnaire,
        session=registration.session,
        registration=registration,
        phase=phase,
        score=evaluation_service._score(ordered, given),
    )
    evaluation_service._save_answers(response, ordered, given)
    Completion.objects.create(registration=registration, phase=phase, score=response.score)
    return response


@pytest.fixture
def answered():
    """A session of three attendees: two answered both phases and learned; one only pre."""
    session = EndedSessionFactory()
    questionnaire, questions = build_questionnaire(session.training)
    people = AttendedRegistrationFactory.create_batch(3, session=session)
    for person in people[:2]:
        _save(person, "pre", questionnaire, questions, scale=2, right=False)
        _save(person, "post", questionnaire, questions, scale=5, right=True, text="Useful")
    _save(people[2], "pre", questionnaire, questions, scale=4, right=True)
    return session


def test_results_give_completion_distributions_correct_rates_and_the_paired_gain(answered):
    results = evaluation_results(TrainingSession.objects.filter(pk=answered.pk))
    assert results.completion_pre == 100.0
    assert results.completion_post == pytest.approx(66.7)
    (scale,) = results.scales
    assert scale.counts_pre == [0, 2, 0, 1, 0]
    assert scale.counts_post == [0, 0, 0, 0, 2]
    assert scale.high_pre == pytest.approx(33.3)
    assert scale.high_post == 100.0
    assert [(k.correct_pre, k.correct_post) for k in results.knowledge] == [
        (pytest.approx(33.3), 100.0),
        (pytest.approx(33.3), 100.0),
    ]
    assert results.average_score == {"pre": pytest.approx(33.3), "post": 100.0}
    assert results.paired_count == 2
    assert results.paired_gain == 100.0
    assert [item.text for item in results.free_text] == ["Useful", "Useful"]


def test_results_for_5000_responses_take_at_most_12_queries(django_assert_max_num_queries):
    session = EndedSessionFactory(capacity=5000)
    questionnaire, questions = build_questionnaire(session.training)
    people = AttendedRegistrationFactory.create_batch(50, session=session)
    responses = Response.objects.bulk_create(
        Response(
            questionnaire=questionnaire,
            session=session,
            registration=None,
            phase="pre" if n % 2 else "post",
            score=n % 100,
        )
        for n in range(5000)
    )
    Answer.objects.bulk_create(
        Answer(response=r, question=questions["scale"], scale_value=1 + n % 5)
        for n, r in enumerate(responses)
    )
    Answer.objects.bulk_create(
        Answer(response=r, question=questions["single"], is_correct=bool(n % 3))
        for n, r in enumerate(responses)
    )
    Answer.objects.bulk_create(
        Answer(response=r, question=questions["text"], text=f"Answer {n}")
        for n, r in enumerate(responses)
    )
    Completion.objects.bulk_create(Completion(registration=p, phase="post") for p in people)
    with django_assert_max_num_queries(12):
        results = evaluation_results(TrainingSession.objects.filter(pk=session.pk))
    assert results.scales[0].total("pre") + results.scales[0].total("post") == 5000
    assert len(results.free_text) == 5000


def test_organizer_sees_the_results_page_and_the_xlsx_of_their_session(client, answered):
    organizer = ScopedOrganizerFactory(organizes=[answered])
    client.force_login(organizer)
    page = client.get(reverse("admin:events_session_evaluation", args=[answered.pk]))
    assert page.status_code == 200
    assert "Useful" in page.content.decode()
    export = client.get(reverse("admin:events_session_evaluation_xlsx", args=[answered.pk]))
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["Summary", "Scales", "Knowledge", "Free text"]
    assert workbook["Free text"]["C2"].value == "Useful"
    training = client.get(reverse("admin:events_training_evaluation", args=[answered.training_id]))
    assert training.status_code == 200


def test_the_results_page_names_each_free_text_question_once_above_its_answers(client, answered):
    client.force_login(ScopedOrganizerFactory(organizes=[answered]))
    html = client.get(reverse("admin:events_session_evaluation", args=[answered.pk])).content
    free_text = html.decode().split('id="evaluation-free-text"')[1].split("</section>")[0]
    question = answered.training.questionnaires.get().questions.get(kind="text").text
    assert free_text.count(question) == 1
    assert free_text.count("Useful") == 2
    assert free_text.index(question) < free_text.index("Useful")


def test_free_text_answers_come_before_then_after_under_each_question():
    session = EndedSessionFactory()
    questionnaire, questions = build_questionnaire(session.training)
    person = AttendedRegistrationFactory(session=session)
    _save(person, "post", questionnaire, questions, scale=5, right=True, text="After")
    _save(person, "pre", questionnaire, questions, scale=2, right=False, text="Before")
    results = evaluation_results(TrainingSession.objects.filter(pk=session.pk))
    assert [(item.phase, item.text) for item in results.free_text] == [
        ("pre", "Before"),
        ("post", "After"),
    ]


def test_another_organizers_session_results_are_not_found(client, answered):
    other = ScopedOrganizerFactory(organizes=[EndedSessionFactory()])
    client.force_login(other)
    url = reverse("admin:events_session_evaluation", args=[answered.pk])
    assert client.get(url).status_code == 404
    training_url = reverse("admin:events_training_evaluation", args=[answered.training_id])
    assert client.get(training_url).status_code == 404


def test_impact_report_learning_reads_the_evaluation_results(answered):
    organizer = ScopedOrganizerFactory(organizes=[answered])
    day = answered.local_starts_at.date()
    learning = learning_measures(organizer, ImpactFilters(starts_on=day, ends_on=day))
    assert learning.available is True
    assert learning.completion_rate == pytest.approx(66.7)
    assert learning.confident_pre == pytest.approx(33.3)
    assert learning.confident_post == 100.0
    assert learning.knowledge_gain == pytest.approx(66.7)


def test_impact_report_without_evaluations_says_so():
    organizer = ScopedOrganizerFactory(organizes=[EndedSessionFactory()])
    filters = ImpactFilters(starts_on=date(2000, 1, 1), ends_on=date(2100, 1, 1))
    assert learning_measures(organizer, filters).available is False
