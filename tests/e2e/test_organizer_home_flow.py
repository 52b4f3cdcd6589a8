"""The organizer home in a browser: after login it is the first thing on the page, a
figure leads to the filtered roster, 390 px never scrolls sideways, and axe is clean."""

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Notification
from tests.browser import axe_violations
from tests.factories import (
    NotificationFactory,
    QuestionnaireFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SERIOUS = ("(serious)", "(critical)")
PHONE = {"width": 390, "height": 844}


def _busy_organizer():
    """An organizer with two sessions: one with long names, figures, an evaluation, a
    failed email and a full room with a long waiting list; one missing its address."""
    long_named = SessionFactory(
        city="Grand Forks",
        capacity=3,
        training__title="Identifying & Reporting Human Trafficking in Hospitality and Lodging",
    )
    QuestionnaireFactory(training=long_named.training)
    people = [RegistrationFactory(session=long_named, full_name=f"Confirmed {n}") for n in range(3)]
    people[0].attended = True
    people[0].checked_in_at = timezone.now()
    people[0].save(update_fields=["attended", "checked_in_at"])
    for n in range(5):
        RegistrationFactory(session=long_named, waitlisted=True, full_name=f"Waiting {n}")
    NotificationFactory(registration=people[1], status=Notification.Status.FAILED)
    no_address = SessionFactory(city="Williston", address="", timezone="America/Denver")
    organizer = ScopedOrganizerFactory(
        email="organizer@example.org", organizes=[long_named, no_address]
    )
    # Another organizer's session: never on this organizer's home.
    SessionFactory(city="Bismarck")
    return organizer, long_named


def _log_in(page, client, live_server, user):
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_the_home_leads_to_the_filtered_roster(page, live_server, client):
    organizer, session = _busy_organizer()
    _log_in(page, client, live_server, organizer)
    page.goto(reverse("admin:index"))
    card = page.locator(".home-session").filter(has_text="Grand Forks")
    assert card.locator("dt").first.inner_text() == "Seats taken"
    assert "Bismarck" not in page.inner_text("#content-main")
    attention = page.locator("#home-attention + ul").inner_text()
    assert "1 failed email" in attention
    assert "No street address" in attention
    assert "5 on the waiting list" in attention

    waiting = card.get_by_role("link", name="5", exact=True)
    # A screen reader hears the figure's label with it, not "5" alone.
    described_by = waiting.get_attribute("aria-describedby")
    assert page.locator(f"#{described_by}").inner_text() == "Waiting list"
    waiting.click()
    page.wait_for_url("**/events/registration/**")
    names = page.locator("#result_list tbody th, #result_list tbody td.field-full_name")
    text = " ".join(names.all_inner_texts())
    assert "Waiting 0" in text and "Confirmed 0" not in text


def test_the_home_fits_390_pixels_and_is_axe_clean(page, live_server, client):
    organizer, _ = _busy_organizer()
    _log_in(page, client, live_server, organizer)
    for size in (PHONE, {"width": 1280, "height": 900}):
        page.set_viewport_size(size)
        page.goto(reverse("admin:index"))
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        problems = [v for v in axe_violations(page) if v.split(": ")[0].endswith(SERIOUS)]
        assert not problems, problems
