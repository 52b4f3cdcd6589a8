"""Pages a phone user finishes, at 390 px: the session page's jump to its form, the folded
catalogue filters, the error summary that takes the focus, and the evaluation's scale."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from events.selectors.evaluations import evaluation_token
from tests.browser import axe_violations
from tests.factories import (
    RegistrationFactory,
    SectorFactory,
    SessionFactory,
    TrainingFactory,
    build_questionnaire,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SERIOUS = ("(serious)", "(critical)")


def _fits_and_passes_axe(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    serious = [v for v in axe_violations(page) if v.split(": ")[0].endswith(SERIOUS)]
    assert serious == []


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_the_register_link_jumps_to_the_form_and_moves_the_focus(page):
    page.set_viewport_size(PHONE)
    # As in the demo, a description of a few paragraphs puts the form far below.
    description = "\n\n".join(["Learn the signs of labor and sex trafficking."] * 8)
    session = SessionFactory(training=TrainingFactory(description=description))
    page.goto(session.get_absolute_url())
    heading = page.locator("#register-heading")
    assert heading.bounding_box()["y"] > PHONE["height"]

    link = page.get_by_role("link", name="Register", exact=True)
    expect(link).to_be_visible()
    link.focus()  # reachable by keyboard: a link, followed with Enter
    page.keyboard.press("Enter")
    expect(heading).to_be_focused()
    # Bootstrap scrolls smoothly: wait until the heading has come up to the top.
    page.wait_for_function(
        "() => { const y = document.getElementById('register-heading')"
        ".getBoundingClientRect().top; return y >= 0 && y < window.innerHeight / 2; }"
    )
    _fits_and_passes_axe(page)


def test_the_jump_link_says_waiting_list_when_full_and_is_absent_when_closed(page):
    page.set_viewport_size(PHONE)
    full = SessionFactory(capacity=1)
    RegistrationFactory(session=full)
    page.goto(full.get_absolute_url())
    expect(page.locator("#jump-to-form")).to_have_text("Join the waiting list")

    closed = SessionFactory(status="cancelled")
    page.goto(closed.get_absolute_url())
    expect(page.locator("#jump-to-form")).to_have_count(0)


def test_the_jump_link_is_hidden_beside_the_form_on_a_wide_screen(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(SessionFactory().get_absolute_url())
    expect(page.locator("#jump-to-form")).to_be_hidden()


def test_catalogue_filters_fold_away_show_the_count_and_clear(page):
    page.set_viewport_size(PHONE)
    fargo = SessionFactory(city="Fargo")
    SessionFactory(city="Minot", training=fargo.training)
    SessionFactory(city="Minot", training=fargo.training)
    page.goto(reverse("events:catalog"))

    city = page.get_by_label("City")
    expect(city).to_be_hidden()
    expect(page.locator("#catalog-count")).to_have_text("3 sessions")
    expect(page.locator("#clear-filters")).to_have_count(0)
    _fits_and_passes_axe(page)

    summary = page.get_by_text("Filter sessions", exact=True)
    summary.focus()
    page.keyboard.press("Enter")  # a native <summary>: the keyboard opens it
    city.select_option("Minot")
    page.get_by_role("button", name="Filter", exact=True).click()

    expect(city).to_be_visible()  # open while a filter applies
    expect(page.get_by_text("Filter sessions (1 active)")).to_be_visible()
    expect(page.locator("#catalog-count")).to_contain_text("2 sessions")
    _fits_and_passes_axe(page)

    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("#catalog-count")).to_have_text("3 sessions")
    expect(city).to_be_hidden()


def test_an_empty_registration_gets_an_error_summary_that_has_the_focus(page):
    page.set_viewport_size(PHONE)
    SectorFactory()
    page.goto(SessionFactory().get_absolute_url())
    page.get_by_role("button", name="Register", exact=True).click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement.dataset.errorSummary") == ""
    link = summary.get_by_role("link", name=re.compile("^Full name – "))
    expect(link).to_have_attribute("href", "#id_full_name")
    link.click()
    assert _focused_id(page) == "id_full_name"
    expect(page.get_by_label("Full name")).to_have_attribute("aria-invalid", "true")
    _fits_and_passes_axe(page)


def test_the_evaluation_scale_fits_one_row_and_errors_are_summed_up(page):
    page.set_viewport_size(PHONE)
    registration = RegistrationFactory()
    _questionnaire, questions = build_questionnaire(registration.session.training)
    token = evaluation_token(registration, "pre")
    page.goto(reverse("events:evaluate", args=[token, "pre"]))

    scale = page.get_by_role("group", name=re.compile("How confident are you"))
    options = scale.locator("input[type=radio]")
    expect(options).to_have_count(5)
    tops = {round(options.nth(n).bounding_box()["y"]) for n in range(5)}
    assert len(tops) == 1, tops
    radio = scale.get_by_label("1 – Not at all")
    assert radio.bounding_box()["width"] >= 20  # big enough to see and tap
    assert page.get_by_text("Choose all that apply.").count() == 1
    _fits_and_passes_axe(page)

    page.get_by_role("button", name="Send my answers").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name=re.compile("How confident"))
    expect(link).to_have_attribute("href", f"#id_q{questions['scale'].pk}_0")
    link.click()
    assert _focused_id(page) == f"id_q{questions['scale'].pk}_0"
    _fits_and_passes_axe(page)


def test_a_spanish_error_summary(page, live_server):
    page.set_viewport_size(PHONE)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "es", "url": live_server.url}]
    )
    page.goto(reverse("events:resend_manage_link"))
    page.get_by_role("button", name="Enviarme mi enlace").click()
    expect(page.get_by_role("alert")).to_contain_text("Hay un problema")
    expect(page.get_by_role("alert")).to_be_focused()


def test_a_session_page_with_a_long_title_keeps_the_jump_link_on_screen(page):
    page.set_viewport_size(PHONE)
    training = TrainingFactory(
        title="Identifying and Reporting Human Trafficking in Hospitality and Lodging"
    )
    page.goto(SessionFactory(training=training).get_absolute_url())
    box = page.locator("#jump-to-form").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]


def test_a_certificate_code_not_found_takes_the_focus(page):
    page.set_viewport_size(PHONE)
    page.goto(reverse("events:certificate_verify_lookup"))
    page.get_by_label("Verification code").fill("NOPE-NOPE")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#verify-result")).to_be_focused()
    _fits_and_passes_axe(page)
