import re

import pytest
from django.core import mail

from events.models import Registration
from tests.factories import RegistrationFactory, SessionFactory, TrainingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def manage_link_in(message) -> str:
    match = re.search(r"https?://\S+/manage/[0-9a-f]{40}/", message.body)
    assert match, message.body
    return match.group(0)


def test_visitor_finds_a_session_registers_and_cancels_from_the_emailed_link(page):
    training = TrainingFactory(title="Identifying & Reporting Human Trafficking")
    SessionFactory(training=training, city="Fargo", capacity=1)
    full = SessionFactory(training=training, city="Bismarck", capacity=1)
    RegistrationFactory(session=full)
    waiting = RegistrationFactory(session=full, waitlisted=True)

    page.goto("/")
    page.get_by_role("link", name="Find a session near you").click()
    page.get_by_text("Filter sessions", exact=True).click()  # the folded filters
    page.get_by_label("City").select_option("Bismarck")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.get_by_role("link", name=re.compile(r"^Bismarck, ND – ")).click()
    assert page.locator("#seats").inner_text() == "Full – join the waiting list"

    page.get_by_label("Full name").fill("Dana Whitehorse")
    page.get_by_label("Email").fill("Dana@Example.org")
    page.get_by_label("Organization").fill("Bismarck Public Schools")
    page.get_by_label("Sector").select_option(label="Schools & education")
    page.get_by_label("Job title").fill("Counselor")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Join the waiting list").click()
    assert page.get_by_role("heading", name="Thank you – please check your email").is_visible()

    [message] = [m for m in mail.outbox if m.to == ["dana@example.org"]]
    page.goto(manage_link_in(message))
    assert "You are number 2 on the waiting list" in page.locator("#status").inner_text()

    page.get_by_role("link", name="Leave the waiting list").click()
    page.get_by_role("button", name="Yes, leave the waiting list").click()
    assert "This registration is cancelled." in page.locator("#status").inner_text()
    assert Registration.objects.get(email="dana@example.org").status == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"


def test_form_errors_are_shown_next_to_their_fields(page):
    session = SessionFactory()
    page.goto(session.get_absolute_url())
    page.get_by_label("Full name").fill("Dana Whitehorse")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Register").click()

    assert page.locator("#id_email.is-invalid").is_visible()
    assert page.locator("#id_sector.is-invalid").is_visible()
    assert page.locator("#id_consent_error").get_by_text("Please give your consent").is_visible()
    assert page.get_by_label("Full name").input_value() == "Dana Whitehorse"
    assert not Registration.objects.exists()


def test_the_registration_form_sends_the_browsers_time_zone(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    session = SessionFactory(venue="", address="", online_url="https://meet.example.org/x")
    context = browser.new_context(base_url=live_server.url, timezone_id="America/Los_Angeles")
    page = context.new_page()
    try:
        page.goto(session.get_absolute_url())
        page.get_by_label("Full name").fill("Dana Whitehorse")
        page.get_by_label("Email").fill("dana@example.org")
        page.get_by_label("Sector").select_option(label="Schools & education")
        page.get_by_label("I agree").check()
        page.get_by_role("button", name="Register").click()
        page.wait_for_url("**/registered/")
    finally:
        context.close()
    assert Registration.objects.get(email="dana@example.org").timezone == "America/Los_Angeles"
