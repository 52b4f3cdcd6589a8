"""Sending evaluations: the pre-check link, the post-evaluation email once, one reminder,
and the certificate gate."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from events.models import AuditEntry, Certificate, Notification
from events.models.catalog import CertificateGate
from events.selectors.evaluations import evaluation_token, gate_requirement
from events.services import certificates as certificate_service
from events.services import evaluations as evaluation_service
from events.services.evaluation_dispatch import dispatch_due_evaluations
from events.services.registration import AttendeeDetails, register_for_session
from tests.factories import (
    RegistrationFactory,
    SessionFactory,
    build_questionnaire,
)

pytestmark = pytest.mark.django_db

START = datetime(2031, 3, 20, 15, 0, tzinfo=ZoneInfo("UTC"))
END = START + timedelta(hours=3)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START - timedelta(days=10), tick=False)
    return time_machine


@pytest.fixture
def session(clock):
    session = SessionFactory(starts_at=START, ends_at=END)
    build_questionnaire(session.training)
    return session


@pytest.fixture
def questions(session):
    questionnaire = session.training.questionnaires.get()
    return questionnaire, {q.kind: q for q in questionnaire.questions.all()}


def attendee(session, **fields):
    return RegistrationFactory(
        session=session, attended=True, checked_in_at=START + timedelta(minutes=5), **fields
    )


def scan_at(clock, when, capture):
    clock.move_to(when, tick=False)
    with capture(execute=True):
        return dispatch_due_evaluations()


def kinds_of(registration) -> list[str]:
    return sorted(registration.notifications.values_list("kind", flat=True))


def post_answers(questions, *, right: bool):
    questionnaire, by_kind = questions
    single = by_kind["single"].choices.get(is_correct=right)
    multiple = by_kind["multiple"].choices.filter(is_correct=right)
    return [
        evaluation_service.AnswerInput(question_id=by_kind["scale"].pk, scale_value=5),
        evaluation_service.AnswerInput(
            question_id=by_kind["single"].pk, choice_ids=frozenset([single.pk])
        ),
        evaluation_service.AnswerInput(
            question_id=by_kind["multiple"].pk,
            choice_ids=frozenset(c.pk for c in multiple),
        ),
    ]


def submit_post(registration, questions, *, right=True):
    saved = registration.evaluation_responses.filter(phase="post").first()
    return evaluation_service.submit_evaluation(
        registration_id=registration.pk,
        phase="post",
        questionnaire_id=questions[0].pk,
        answers=post_answers(questions, right=right),
        revision=evaluation_service.revision_of(saved),
    )


def test_confirmation_email_carries_the_pre_check_link(
    session, sector, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = register_for_session(
            public_id=session.public_id,
            attendee=AttendeeDetails(
                full_name="Ana Alvarez",
                email="ana@example.org",
                organization="Clinic",
                sector_id=sector.pk,
                job_title="Nurse",
                accommodations="",
            ),
        )
    (message,) = mail.outbox
    link = reverse("events:evaluate", args=[evaluation_token(registration, "pre"), "pre"])
    assert link in message.body
    assert link in message.alternatives[0][0]


def test_manage_page_links_to_the_pre_check(client, session):
    registration = RegistrationFactory(session=session)
    page = client.get(registration.get_manage_url()).content.decode()
    assert reverse("events:evaluate", args=[evaluation_token(registration, "pre"), "pre"]) in page


def test_post_evaluation_goes_to_attendees_once_right_after_the_session_ends(
    session, clock, django_capture_on_commit_callbacks
):
    came = attendee(session)
    absent = RegistrationFactory(session=session)
    scan_at(clock, END - timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert kinds_of(came) == []
    scan_at(clock, END + timedelta(minutes=1), django_capture_on_commit_callbacks)
    scan_at(clock, END + timedelta(minutes=6), django_capture_on_commit_callbacks)
    assert kinds_of(came) == ["evaluation"]
    assert kinds_of(absent) == []
    (message,) = mail.outbox
    link = reverse("events:evaluate", args=[evaluation_token(came, "post"), "post"])
    assert link in message.body


def test_one_reminder_three_days_later_only_to_those_who_have_not_answered(
    session, questions, clock, django_capture_on_commit_callbacks
):
    answered, silent = attendee(session), attendee(session)
    scan_at(clock, END + timedelta(minutes=1), django_capture_on_commit_callbacks)
    clock.move_to(END + timedelta(days=1), tick=False)
    submit_post(answered, questions)
    scan_at(clock, END + timedelta(days=3, minutes=1), django_capture_on_commit_callbacks)
    scan_at(clock, END + timedelta(days=4), django_capture_on_commit_callbacks)
    assert kinds_of(answered) == ["evaluation"]
    assert kinds_of(silent) == ["evaluation", "evaluation_reminder"]


def test_nothing_is_sent_once_the_post_evaluation_has_closed(
    session, clock, django_capture_on_commit_callbacks
):
    late = attendee(session)
    scan_at(clock, END + timedelta(days=15), django_capture_on_commit_callbacks)
    assert kinds_of(late) == []


def test_scan_batches_the_sends_through_the_outbox(
    session, clock, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_BATCH_SIZE = 2
    for _ in range(5):
        attendee(session)
    report = scan_at(clock, END + timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert report.created == {(session.pk, "evaluation"): 5}
    assert len(mail.outbox) == 5
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_gated_certificate_waits_for_the_post_evaluation_and_is_issued_after_it(
    session, questions, clock, django_capture_on_commit_callbacks
):
    training = session.training
    training.certificate_gate = CertificateGate.POST_SUBMITTED
    training.save()
    registration = attendee(session)
    clock.move_to(END + timedelta(hours=1), tick=False)
    result = certificate_service.issue_session_certificates(session_id=session.pk)
    assert result.issued == 0
    assert not Certificate.objects.exists()
    assert "post-evaluation" in gate_requirement(registration)
    with django_capture_on_commit_callbacks(execute=True):
        submit_post(registration, questions)
    assert Certificate.objects.filter(registration=registration).exists()


def test_score_gate_waits_until_the_score_is_reached(
    session, questions, clock, django_capture_on_commit_callbacks
):
    training = session.training
    training.certificate_gate = CertificateGate.POST_SCORE
    training.certificate_gate_score = 80
    training.save()
    registration = attendee(session)
    clock.move_to(END + timedelta(hours=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        submit_post(registration, questions, right=False)
    assert not Certificate.objects.exists()
    assert "0.0%" in gate_requirement(registration)
    result = certificate_service.issue_session_certificates(session_id=session.pk)
    assert result.issued == 0
    with django_capture_on_commit_callbacks(execute=True):
        submit_post(registration, questions, right=True)
    assert Certificate.objects.filter(registration=registration).exists()


def test_the_periodic_issuer_issues_once_the_gate_is_met(session, questions, clock):
    training = session.training
    training.certificate_gate = CertificateGate.POST_SUBMITTED
    training.save()
    registration = attendee(session)
    clock.move_to(END + timedelta(hours=1), tick=False)
    submit_post(registration, questions)  # its on-commit issue never runs here
    assert not Certificate.objects.exists()
    result = certificate_service.issue_session_certificates(session_id=session.pk)
    assert result.issued == 1


def test_manage_page_says_what_the_certificate_still_needs(client, session, clock):
    training = session.training
    training.certificate_gate = CertificateGate.POST_SUBMITTED
    training.save()
    registration = attendee(session)
    clock.move_to(END + timedelta(hours=1), tick=False)
    page = client.get(registration.get_manage_url()).content.decode()
    assert "once you submit the post-evaluation" in page
    assert reverse("events:evaluate", args=[evaluation_token(registration, "post"), "post"]) in page


def test_organizer_override_issues_the_certificate_and_is_audited(
    session, clock, django_capture_on_commit_callbacks
):
    training = session.training
    training.certificate_gate = CertificateGate.POST_SUBMITTED
    training.save()
    registration = attendee(session)
    clock.move_to(END + timedelta(hours=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_service.override_certificate_gate(
            registration_id=registration.pk, reason="Answered on paper"
        )
    assert Certificate.objects.filter(registration=registration).exists()
    entry = AuditEntry.objects.get(action="certificate_gate_overridden")
    assert entry.detail == {"reason": "Answered on paper"}


def test_an_override_needs_a_reason(session):
    registration = attendee(session)
    with pytest.raises(evaluation_service.EvaluationRefused):
        evaluation_service.override_certificate_gate(registration_id=registration.pk, reason=" ")
