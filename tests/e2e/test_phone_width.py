"""On a 390 px phone no page scrolls sideways, and the door's controls are all on screen."""

import pytest
from django.conf import settings
from django.urls import reverse

from events.services.certificates import issue_certificate
from tests.factories import (
    AttendedRegistrationFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
    TrainingFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _page_width(page, path: str) -> int:
    page.goto(path)
    return page.evaluate("document.documentElement.scrollWidth")


def test_public_and_manage_pages_fit_a_phone(page):
    page.set_viewport_size(PHONE)
    session = SessionFactory(
        city="Grand Forks",
        venue_notes="Parking: https://www.example.org/downtown-parking-garages-and-public-lots",
        what_to_bring="A photo ID",
    )
    registration = RegistrationFactory(session=session, full_name="Nguyễn Thị Minh")
    # With a certificate: four download and verify buttons, and the verification page.
    certificate = issue_certificate(registration_id=AttendedRegistrationFactory().pk)
    paths = [
        "/",
        reverse("events:catalog"),
        reverse("events:embed_sessions"),
        session.get_absolute_url(),
        registration.get_manage_url(),
        certificate.registration.get_manage_url(),
        reverse("events:certificate_verify", args=[certificate.display_code]),
        reverse("privacy"),
        reverse("events:certificate_verify_lookup"),
        "/no-such-page/",
    ]
    widths = {path: _page_width(page, path) for path in paths}
    assert all(width <= PHONE["width"] for width in widths.values()), widths


def test_a_spanish_session_page_with_long_organizer_texts_fits_a_phone(page, live_server):
    page.set_viewport_size(PHONE)
    session = SessionFactory(
        training=TrainingFactory(
            title_es="Cómo identificar y denunciar la trata de personas en su comunidad"
        ),
        venue_notes_es="Estacionamiento: https://www.example.org/estacionamiento-publico-del-centro",
        what_to_bring_es="Una identificación con foto y algo para tomar notas",
    )
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "es", "url": live_server.url}]
    )
    assert _page_width(page, session.get_absolute_url()) <= PHONE["width"]
    assert page.get_attribute("html", "lang") == "es"
    assert "Estacionamiento" in page.inner_text("#venue-notes")


def test_the_door_page_fits_a_phone_with_every_control_on_screen(page, live_server, client):
    page.set_viewport_size(PHONE)
    session = SessionFactory()
    organizer = ScopedOrganizerFactory(organizes=[session])
    client.force_login(organizer)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    assert _page_width(page, reverse("events:organize_checkin", args=[session.pk])) <= 390
    for name in ("Check in", "Search", "Add and check in"):
        box = page.get_by_role("button", name=name, exact=True).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (name, box)


def test_the_phone_menu_opens_and_closes(page):
    """Bootstrap's collapse (its build without Popper) drives the menu behind the toggler."""
    page.set_viewport_size(PHONE)
    page.goto("/")
    find = page.get_by_role("navigation", name="Main").get_by_role("link", name="Find a session")
    assert not find.is_visible()
    toggler = page.get_by_role("button", name="Toggle navigation")
    toggler.click()
    find.wait_for(state="visible")
    assert toggler.get_attribute("aria-expanded") == "true"
    # The menu ignores the toggler while it is still sliding open.
    page.locator("#nav.collapse.show").wait_for()
    toggler.click()
    find.wait_for(state="hidden")
    assert toggler.get_attribute("aria-expanded") == "false"


def test_the_api_docs_page_fits_a_phone(page):
    page.set_viewport_size(PHONE)
    SessionFactory()
    page.goto("/api/v1/docs/")
    # Swagger UI draws the page from the schema after it loads.
    page.locator(".opblock-summary-path").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
