"""Credit hours: a session's own figure when an organizer sets one, else the training's, on
its page, in the API and on its certificates."""

from decimal import Decimal

import pytest
from django.urls import reverse

from events.services import certificates
from tests.factories import (
    AttendedRegistrationFactory,
    EndedSessionFactory,
    SessionFactory,
    TrainingFactory,
)
from tests.test_certificates_pdf import page_of, stored_pdf

pytestmark = pytest.mark.django_db


def test_a_session_gives_the_trainings_hours_unless_it_sets_its_own():
    training = TrainingFactory(credit_hours=3)
    assert SessionFactory(training=training).credit_hours_given == 3
    short = SessionFactory(training=training, credit_hours=Decimal("0.25"))
    assert short.credit_hours_given == Decimal("0.25")
    # Zero is a figure an organizer may set (a briefing that earns no credit).
    assert SessionFactory(training=training, credit_hours=0).credit_hours_given == 0


def test_a_short_sessions_certificate_says_its_own_hours():
    # The issue's example: a 5-minute session's certificate said "3 credit hours".
    session = EndedSessionFactory(training=TrainingFactory(credit_hours=3), credit_hours=0.25)
    registration = AttendedRegistrationFactory(session=session)

    certificate = certificates.issue_certificate(registration_id=registration.pk)

    assert certificate.credit_hours == Decimal("0.25")
    text = page_of(stored_pdf(certificate)).extract_text()
    assert "0.25 credit hours" in text and "3 credit hours" not in text


def test_a_certificate_without_a_session_figure_keeps_the_trainings():
    registration = AttendedRegistrationFactory(session__training__credit_hours=2)
    certificate = certificates.issue_certificate(registration_id=registration.pk)
    assert certificate.credit_hours == 2


def test_the_session_page_shows_the_sessions_own_hours(client):
    session = SessionFactory(training=TrainingFactory(credit_hours=3), credit_hours=1.5)
    body = client.get(session.get_absolute_url()).content.decode()
    assert "1.50 hours, with a certificate of attendance" in body


def test_the_api_gives_the_sessions_hours_and_the_trainings_own(client):
    training = TrainingFactory(credit_hours=3)
    session = SessionFactory(training=training, credit_hours=1.5)
    one = client.get(reverse("api:session-detail", args=[session.public_id])).json()
    assert one["credit_hours"] == 1.5
    listed = client.get(reverse("api:training-detail", args=[training.slug])).json()
    assert listed["credit_hours"] == 3.0
