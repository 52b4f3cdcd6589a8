"""'Exit this page': the button or Shift pressed three times swaps the page for a neutral
site, and Back does not bring our page back."""

import re

import pytest
from django.urls import reverse

from tests.e2e.test_keyboard_flow import tab_to
from tests.factories import SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEUTRAL = "https://www.weather.gov/"


@pytest.fixture
def neutral_site(page):
    """The neutral site, answered inside the browser (this machine has no internet)."""
    page.context.route(
        re.compile(r"^https://www\.weather\.gov/.*"),
        lambda route: route.fulfill(
            content_type="text/html", body="<!doctype html><title>Weather</title><p>Sunny"
        ),
    )
    return page


def history_length(page) -> int:
    return page.evaluate("history.length")


def test_the_exit_button_replaces_the_page_and_back_does_not_return_to_it(neutral_site):
    page = neutral_site
    session = SessionFactory()
    page.goto("/")
    page.goto(session.get_absolute_url())
    before = history_length(page)

    page.get_by_role("link", name=re.compile("^Exit this page")).click()
    page.wait_for_url(NEUTRAL)

    # The session page's entry became the neutral site's: one entry, not one more.
    assert history_length(page) == before
    page.go_back()
    assert page.url.endswith("/")
    assert session.get_absolute_url() not in page.url


def test_shift_pressed_three_times_leaves_and_a_first_page_leaves_nothing_behind(neutral_site):
    page = neutral_site
    page.goto(reverse("events:catalog"))
    before = history_length(page)
    status = page.locator("[data-exit-status]")

    page.keyboard.press("Shift")
    assert status.text_content() == "Shift, press 2 more times to exit."
    page.keyboard.press("Shift")
    assert status.text_content() == "Shift, press 1 more time to exit."
    page.keyboard.press("Shift")
    page.wait_for_url(NEUTRAL)

    assert history_length(page) == before
    # Behind the neutral site: only the new tab's blank page.
    page.go_back()
    assert page.url == "about:blank"


def test_another_key_between_the_shifts_starts_the_count_again(neutral_site):
    page = neutral_site
    page.goto("/")
    for key in ("Shift", "Shift", "a", "Shift", "Shift"):
        page.keyboard.press(key)
    assert page.url.endswith("/")
    page.keyboard.press("Shift")
    page.wait_for_url(NEUTRAL)


def test_the_exit_button_is_reached_by_keyboard_and_works_with_enter(neutral_site):
    page = neutral_site
    page.goto(reverse("privacy"))
    tab_to(page, ".exit-page-button")
    page.keyboard.press("Enter")
    page.wait_for_url(NEUTRAL)


def test_the_exit_button_is_in_spanish_on_a_spanish_page(page):
    page.context.set_extra_http_headers({"Accept-Language": "es"})
    page.goto("/")
    assert page.locator(".exit-page-button").inner_text().startswith("Salir de esta página")
