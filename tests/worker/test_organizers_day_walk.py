"""The organizer's day and the resident's side of it, end to end in Chromium, with a real
Celery worker on Redis (issue 27's walk).

An organizer logs in and lands on their home, opens today's session, checks someone in
at the door while it is open, is refused at the door of next week's session and records
that check-in with a reason, then issues the certificates of yesterday's session from the
roster: the page answers at once and the worker draws them. Before that, a resident
corrected the typo in their name from their manage link; the certificate they download
afterwards carries the corrected name.
"""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from events.models import AuditEntry, Certificate, Registration
from tests.factories import (
    AttendedRegistrationFactory,
    DoorOpenSessionFactory,
    EndedSessionFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
    TrainingFactory,
)

from .conftest import wait_until

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]


def log_in(page, email: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def check_in_at_the_door(page, name: str) -> None:
    page.get_by_role("searchbox", name="Name or email").fill(name.split()[0])
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=f"Check in {name}").click()


def test_an_organizers_day_and_a_residents_corrected_certificate(page, workers):
    workers.start()
    today = DoorOpenSessionFactory(
        training=TrainingFactory(title="Spotting Trafficking at Work"), city="Fargo"
    )
    next_week = SessionFactory(
        training=today.training,
        city="Bismarck",
        starts_at=timezone.now() + timedelta(days=7),
    )
    yesterday = EndedSessionFactory(training=today.training, city="Minot")
    ScopedOrganizerFactory(email="org@example.org", organizes=[today, next_week, yesterday])
    dana = RegistrationFactory(session=today, full_name="Dana Whitehorse")
    erik = RegistrationFactory(session=next_week, full_name="Erik Olson")
    ana = AttendedRegistrationFactory(session=yesterday, full_name="Ana Ruiz Nunes")
    AttendedRegistrationFactory.create_batch(4, session=yesterday)

    # The resident: a typo in her name, corrected from the manage link.
    page.goto(ana.get_manage_url())
    page.get_by_label("Full name").fill("Ana Ruiz Núñez")
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_role("status").or_(page.get_by_role("alert")).first).to_be_visible()
    ana.refresh_from_db()
    assert ana.full_name == "Ana Ruiz Núñez"

    # The organizer's home: today's session with its figures, each a link.
    page.context.clear_cookies()
    log_in(page, "org@example.org")
    expect(page.get_by_role("heading", name="Your next sessions")).to_be_visible()
    card = (
        page.locator("article, li, div")
        .filter(has_text="Fargo")
        .filter(has=page.get_by_role("link", name="Spotting Trafficking at Work"))
    )
    card.last.get_by_role("link", name="Spotting Trafficking at Work").click()
    page.get_by_role("link", name="Door check-in").click()

    # The door, open: one click checks Dana in.
    check_in_at_the_door(page, "Dana Whitehorse")
    expect(page.locator("#checkin-result")).to_have_text("Dana Whitehorse is checked in.")
    assert Registration.objects.get(pk=dana.pk).checked_in_at is not None

    # Next week's door is closed: refused, then recorded with a reason for the audit trail.
    page.goto(f"/organize/sessions/{next_week.pk}/check-in/")
    expect(page.locator("#door-closed")).to_contain_text("The door is closed for this session")
    page.get_by_role("searchbox", name="Name or email").fill("Erik")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Reason", exact=True).fill("Volunteer briefing the week before")
    page.get_by_role("button", name="Check in Erik Olson").click()
    expect(page.locator("#checkin-result")).to_contain_text("Erik Olson")
    entry = AuditEntry.objects.get(registration=erik, action="checked_in_outside_window")
    assert entry.detail["reason"] == "Volunteer briefing the week before"

    # Yesterday's roster: issue everyone's certificates. The page answers at once; the
    # worker draws them.
    page.goto(f"/admin/events/registration/?session__id__exact={yesterday.pk}")
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("issue_certificates")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("link", name="Certificate issuance #").click()
    expect(page.get_by_text("5 of 5 certificates issued.")).to_be_visible(timeout=120_000)
    wait_until(
        lambda: Certificate.objects.filter(registration__session=yesterday).count() == 5,
        timeout=60,
        what="five certificates",
    )

    # The resident downloads her certificate: it carries the corrected name.
    page.context.clear_cookies()
    page.goto(ana.get_manage_url())
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    assert "Ana Ruiz Núñez" in text
    assert "Nunes" not in text
