"""A resident looks after their own registration in a browser: corrects their name by
keyboard, leaves the waiting list, registers again with the form filled in; each page
fits a phone and passes axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from events.models import Registration
from tests.browser import axe_violations
from tests.factories import RegistrationFactory, SessionFactory, TrainingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MAX_TABS = 40


def serious(violations: list[str]) -> list[str]:
    return [v for v in violations if "(serious)" in v or "(critical)" in v]


def fits_a_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def tab_to(page, name: str) -> None:
    """Press Tab until the element named `name` has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if focused == name:
            return
    raise AssertionError(f"{name!r} not reached by Tab")


def test_a_resident_corrects_their_name_by_keyboard(page):
    session = SessionFactory(venue="Fargo Civic Center", address="207 4th St N")
    registration = RegistrationFactory(session=session, full_name="Dana Whitehrose")
    page.set_viewport_size(PHONE)
    page.goto(registration.get_manage_url())
    assert fits_a_phone(page)
    assert serious(axe_violations(page)) == []

    page.get_by_label("Full name").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("Dana Whitehorse")
    tab_to(page, "Save my details")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="Your details are saved.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Registered as Dana Whitehorse")
    registration.refresh_from_db()
    assert registration.full_name == "Dana Whitehorse"
    assert fits_a_phone(page)
    assert serious(axe_violations(page)) == []


def test_a_correction_with_an_error_says_so_next_to_the_field(page):
    registration = RegistrationFactory(full_name="Dana Whitehorse")
    page.goto(registration.get_manage_url())
    page.get_by_label("Full name").fill("   ")
    page.get_by_role("button", name="Save my details").click()

    expect(page.get_by_role("alert")).to_contain_text("Your details were not saved.")
    page.get_by_role("link", name="Please correct the fields marked").click()
    expect(page.locator("#id_full_name.is-invalid")).to_be_in_viewport()
    expect(page.locator("#id_full_name ~ .invalid-feedback")).to_be_visible()
    assert serious(axe_violations(page)) == []
    registration.refresh_from_db()
    assert registration.full_name == "Dana Whitehorse"


def test_a_waiting_resident_leaves_the_list_and_registers_again_with_the_form_filled_in(page):
    session = SessionFactory(
        capacity=1,
        training=TrainingFactory(title="Identifying & Reporting Human Trafficking"),
    )
    RegistrationFactory(session=session)
    waiting = RegistrationFactory(
        session=session, waitlisted=True, full_name="Nguyễn Thị Minh", organization="Sanford"
    )
    page.set_viewport_size(PHONE)
    page.goto(waiting.get_manage_url())
    assert fits_a_phone(page)
    assert serious(axe_violations(page)) == []
    assert page.get_by_role("link", name="Download the calendar file (.ics)").count() == 0

    page.get_by_role("link", name="Leave the waiting list").click()
    page.get_by_role("button", name="Yes, leave the waiting list").click()
    expect(
        page.get_by_role("status").filter(has_text="You have left the waiting list")
    ).to_be_visible()

    page.get_by_role("link", name="Register again").click()
    assert page.get_by_label("Full name").input_value() == "Nguyễn Thị Minh"
    assert page.get_by_label("Email").input_value() == waiting.email
    assert page.get_by_label("Organization").input_value() == "Sanford"
    assert "?" not in page.url
    assert fits_a_phone(page)
    assert serious(axe_violations(page)) == []

    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Join the waiting list").click()
    page.wait_for_url(f"**{reverse('events:registered', args=[session.public_id])}")
    again = Registration.objects.exclude(pk=waiting.pk).get(email=waiting.email)
    assert (again.status, again.full_name) == (Registration.Status.WAITLISTED, "Nguyễn Thị Minh")


def test_an_online_sessions_manage_page_fits_a_phone(page):
    session = SessionFactory(venue="", address="", online_url="https://meet.example.org/abc")
    registration = RegistrationFactory(session=session)
    page.set_viewport_size(PHONE)
    page.goto(registration.get_manage_url())
    assert page.get_by_role("link", name="Add to Outlook").is_visible()
    assert fits_a_phone(page)
    assert serious(axe_violations(page)) == []
