"""The demo data's questionnaire and the 2014 session's answers."""

import pytest
from django.core.management import call_command

from events.models import Question, Response, TrainingSession
from events.selectors.evaluation_results import evaluation_results

pytestmark = pytest.mark.django_db


def test_demo_data_gives_the_2014_session_results_to_show(capsys):
    call_command("load_demo_data")
    call_command("load_demo_data")  # idempotent: nothing added the second time
    session = TrainingSession.objects.get(starts_at__year=2014)
    questions = Question.objects.filter(questionnaire__training=session.training)
    assert questions.filter(kind__in=["single", "multiple"]).count() == 8
    assert questions.filter(kind="text").count() == 2
    responses = Response.objects.filter(session=session)
    assert responses.filter(phase="pre").exists() and responses.filter(phase="post").exists()
    first_count = responses.count()
    results = evaluation_results(TrainingSession.objects.filter(pk=session.pk))
    assert results.paired_count > 0
    assert results.paired_gain > 0
    assert results.scales[0].high_post > results.scales[0].high_pre
    assert results.free_text
    assert Response.objects.filter(session=session).count() == first_count
