"""axe-core on the public pages, the manage page and the door page: no serious or critical
violation (WCAG 2.1 A and AA)."""

import pytest
from django.conf import settings
from django.urls import reverse

from events.services.certificates import issue_certificate
from tests.browser import axe_violations
from tests.factories import (
    AttendedRegistrationFactory,
    EndedSessionFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
    TrainingFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SERIOUS = ("(serious)", "(critical)")


def serious(page) -> list[str]:
    return [v for v in axe_violations(page) if v.split(": ")[0].endswith(SERIOUS)]


def test_public_and_manage_pages_have_no_serious_violations(page):
    session = SessionFactory(city="Fargo")
    past = EndedSessionFactory(training=session.training, city="Minot")
    registration = RegistrationFactory(session=session)
    # With a certificate: its downloads on the manage page, and its verification page.
    certificate = issue_certificate(registration_id=AttendedRegistrationFactory().pk)
    paths = [
        "/",
        reverse("events:catalog"),
        reverse("events:embed_sessions"),
        session.get_absolute_url(),
        past.get_absolute_url(),
        registration.get_manage_url(),
        certificate.registration.get_manage_url(),
        reverse("events:certificate_verify", args=[certificate.display_code]),
        reverse("events:manage_cancel", args=[registration.manage_token]),
        reverse("events:resend_manage_link"),
        reverse("events:certificate_verify_lookup"),
        reverse("privacy"),
        reverse("accounts:login"),
        "/no-such-page/",
    ]
    found = {}
    for path in paths:
        page.goto(path)
        problems = serious(page)
        if problems:
            found[path] = problems
    assert not found, found


def test_spanish_pages_with_spanish_and_english_content_have_no_serious_violations(
    page, live_server
):
    translated = SessionFactory(
        training=TrainingFactory(title_es="Cómo reconocer la trata", summary_es="Las señales."),
        venue_notes="Park behind the building.",
        venue_notes_es="Estacione detrás del edificio.",
        what_to_bring="A photo ID",
    )
    # No Spanish at all: every organizer text is an English part (lang="en").
    fallback = SessionFactory(city="Minot", venue_notes="Use the north door.")
    registration = RegistrationFactory(session=fallback)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "es", "url": live_server.url}]
    )
    found = {}
    for path in [
        "/",
        reverse("events:catalog"),
        translated.get_absolute_url(),
        fallback.get_absolute_url(),
        registration.get_manage_url(),
    ]:
        page.goto(path)
        assert page.get_attribute("html", "lang") == "es"
        problems = serious(page)
        if problems:
            found[path] = problems
    assert not found, found
    page.goto(fallback.get_absolute_url())
    assert page.get_attribute("h1", "lang") == "en"


def test_the_door_page_has_no_serious_violations(page, live_server, client):
    session = SessionFactory()
    client.force_login(ScopedOrganizerFactory(organizes=[session]))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(reverse("events:organize_checkin", args=[session.pk]))
    assert serious(page) == []


def test_the_api_docs_page_has_no_serious_violations(page):
    SessionFactory()
    page.goto("/api/v1/docs/")
    # Swagger UI draws the page from the schema after it loads.
    page.locator(".opblock-summary-path").first.wait_for()
    assert serious(page) == []
