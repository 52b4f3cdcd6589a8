"""Held seats and seat offers in a browser: the session page says what is left for
the sector picked (a polite live region), the manage page claims an offer, the admin
inline refuses holds over the capacity; axe finds nothing serious, and nothing
scrolls sideways at 390 px. SEAT_SHOTS=<folder> also saves screenshots there."""

import os
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Offer, Registration
from events.services import registration as registration_service
from tests.browser import axe_violations
from tests.factories import ScopedOrganizerFactory, SessionFactory
from tests.seat_helpers import hold, register

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SERIOUS = ("(serious)", "(critical)")
PHONE = {"width": 390, "height": 844}


def serious(page) -> list[str]:
    return [v for v in axe_violations(page) if v.split(": ")[0].endswith(SERIOUS)]


def shoot(page, name: str) -> None:
    folder = os.environ.get("SEAT_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_session_page_says_what_is_left_for_the_sector_picked(page):
    session = SessionFactory(capacity=30, city="Fargo")
    hold(session, "law-enforcement", seats=8)
    hold(session, "healthcare", "social-work", seats=5, until=timezone.now() + timedelta(days=3))
    register(session, "law-enforcement", "officer@example.org")

    page.goto(session.get_absolute_url())
    region = page.locator("#seats-for-sector")
    assert region.get_attribute("aria-live") == "polite"
    assert "7 seats held for Law enforcement" in page.locator("#seat-holds").inner_text()

    page.get_by_label("Sector").select_option(label="Law enforcement & first responders")
    assert region.inner_text() == "For your sector: 24 seats left."
    assert page.locator(".seat-hold-yours").count() == 1
    page.get_by_label("Sector").select_option(label="Business & retail")
    assert region.inner_text() == "For your sector: 17 seats left."
    assert page.locator(".seat-hold-yours").count() == 0
    page.get_by_label("Sector").select_option(label="Healthcare")
    assert serious(page) == []
    shoot(page, "session-holds-1280")

    page.set_viewport_size(PHONE)
    page.reload()
    page.get_by_label("Sector").select_option(label="Healthcare")
    assert width(page) <= PHONE["width"]
    shoot(page, "session-holds-390")


def test_an_offer_is_claimed_from_the_manage_page(page):
    starts = timezone.now() + timedelta(hours=20)
    session = SessionFactory(capacity=1, starts_at=starts, ends_at=starts + timedelta(hours=3))
    seated = register(session, "business-retail", "seated@example.org")
    waiting = register(session, "business-retail", "waiting@example.org")
    registration_service.cancel_registration(registration_id=seated.pk)
    assert Offer.objects.filter(registration=waiting).exists()

    page.goto(waiting.get_manage_url())
    assert page.get_by_role("heading", name="A seat is offered to you").is_visible()
    assert serious(page) == []
    shoot(page, "manage-offer-1280")
    page.set_viewport_size(PHONE)
    page.reload()
    assert width(page) <= PHONE["width"]
    shoot(page, "manage-offer-390")

    page.get_by_role("button", name="Claim the seat").click()
    assert "The seat is yours" in page.content()
    assert "You have a seat." in page.locator("#status").inner_text()
    assert Registration.objects.get(pk=waiting.pk).status == "confirmed"
    shoot(page, "manage-offer-claimed-390")


def test_the_admin_inline_refuses_holds_over_the_capacity(page, live_server, client):
    session = SessionFactory(capacity=10)
    hold(session, "law-enforcement", seats=6)
    client.force_login(ScopedOrganizerFactory(organizes=[session]))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.set_viewport_size({"width": 1280, "height": 1000})

    page.goto(reverse("admin:events_trainingsession_change", args=[session.pk]))
    shoot(page, "admin-holds-1280")
    assert serious(page) == []
    page.locator(".add-row a").click()
    row = page.locator("#seat_holds-1")
    row.get_by_label("Healthcare").check()
    row.locator("input[name$='-seats']").fill("5")
    row.locator("input[name$='-until_0']").fill(f"{timezone.now() + timedelta(days=2):%Y-%m-%d}")
    row.locator("input[name$='-until_1']").fill("17:00:00")
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()

    shoot(page, "admin-holds-error-1280")
    errors = " ".join(page.locator(".errorlist").all_inner_texts())
    assert "are more than the session's capacity (10)" in errors
    assert serious(page) == []
    shoot(page, "admin-holds-error-1280")


def test_the_held_seats_read_in_spanish(page):
    session = SessionFactory(capacity=30, city="Fargo")
    hold(session, "law-enforcement", seats=8)
    page.set_extra_http_headers({"Accept-Language": "es"})

    page.goto(session.get_absolute_url())
    page.get_by_label("Sector").select_option(index=7)

    box = page.locator("#seat-holds").inner_text()
    assert "8 lugares reservados para" in box
    assert "22 lugares abiertos a todos" in box
    assert page.locator("#seats-for-sector").inner_text().startswith("Para su sector")
    shoot(page, "session-holds-es-1280")
