"""The whole evaluation loop in a browser: pre-check, check-in, the post-evaluation email,
the answers, the gated certificate, and the organizer's view of the gain."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Certificate, TrainingSession
from events.models.catalog import CertificateGate
from events.services.evaluation_dispatch import dispatch_due_evaluations
from tests.browser import axe_violations
from tests.factories import (
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
    build_questionnaire,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _answer(page, *, scale: str, emergency: str, indicators: list[str]) -> None:
    page.get_by_role("group", name=re.compile("How confident are you")).get_by_label(scale).check()
    page.get_by_role("group", name=re.compile("emergency")).get_by_label(emergency).check()
    group = page.get_by_role("group", name=re.compile("Which are indicators"))
    for label in indicators:
        group.get_by_label(label).check()


def _move(session: TrainingSession, *, starts_in: timedelta) -> None:
    """Time passes: the session now starts (or started) starts_in from now, for 3 hours."""
    session.starts_at = timezone.now() + starts_in
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save(update_fields=["starts_at", "ends_at"])


def test_pre_check_check_in_post_evaluation_certificate_and_the_gain(page):
    session = SessionFactory(city="Fargo")
    training = session.training
    training.certificate_gate = CertificateGate.POST_SUBMITTED
    training.save()
    build_questionnaire(training)
    ana = RegistrationFactory(session=session, full_name="Ana Alvarez")
    ScopedOrganizerFactory(email="org@example.org", organizes=[session])

    # The pre-check, from the manage page: no score shown.
    page.goto(ana.get_manage_url())
    page.get_by_role("link", name=re.compile("Answer the Pre-check")).click()
    assert axe_violations(page, selector="main") == []
    _answer(page, scale="1 – Not at all", emergency="411", indicators=["Wears a hat"])
    page.get_by_role("button", name="Send my answers").click()
    # The page's message, not the exit control's live region (also a status).
    expect(page.locator("main").get_by_role("status").first).to_contain_text(
        "Your answers are saved"
    )
    assert "score" not in page.locator("main").inner_text().lower()

    # The session starts; Ana is checked in at the door.
    _move(session, starts_in=-timedelta(minutes=10))
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill("org@example.org")
    page.locator("#id_password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/organize/sessions/{session.pk}/check-in/")
    page.get_by_role("searchbox", name="Name or email").fill("Ana")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Check in Ana Alvarez").click()
    expect(page.locator("#checkin-result")).to_have_text("Ana Alvarez is checked in.")

    # The session ends; the beat scan sends the post-evaluation.
    _move(session, starts_in=-timedelta(hours=3, minutes=5))
    mail.outbox.clear()
    dispatch_due_evaluations()
    (message,) = mail.outbox
    assert "once you submit this evaluation" in message.body
    link = re.search(r"http://\S+/evaluate/\S+/post/", message.body).group(0)
    assert not Certificate.objects.exists()

    # Ana answers it and sees the correct answers with their explanations.
    page.goto(link)
    _answer(
        page,
        scale="5 – Very",
        emergency="911",
        indicators=["Someone else holds their ID", "Not free to leave"],
    )
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="The correct answers")).to_be_visible()
    expect(page.get_by_text("Call 911 when someone is in immediate danger.")).to_be_visible()

    # The gate is met: the certificate is issued.
    assert Certificate.objects.filter(registration=ana).exists()

    # The organizer sees the gain.
    page.goto(f"/admin/events/trainingsession/{session.pk}/change/")
    page.get_by_role("link", name="Evaluation results").click()
    expect(page.locator("#paired-gain")).to_contain_text("100.0")
    expect(page.locator("#paired-gain")).to_contain_text("1 person answered both")
