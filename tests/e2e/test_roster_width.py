"""At 1280 px the roster shows its last columns (checked in, certificate, session) unscrolled,
with the email column; the outbox shows all its columns, the session on one line."""

import pytest
from django.urls import reverse

from events.models import Notification
from tests.factories import (
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
    TrainingFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_roster_fits_1280_pixels(page, live_server, client, language):
    page.set_viewport_size({"width": 1280, "height": 800})
    # Spanish headers are longer ("correo electrónico", "registró su llegada").
    page.set_extra_http_headers({"Accept-Language": language})
    session = SessionFactory(city="Grand Forks")
    RegistrationFactory(
        session=session,
        full_name="Bartholomew Alexander Worthington-Smythe",
        email="bartholomew.worthington-smythe@health.nd.example.gov",
        organization="North Dakota Department of Health and Human Services",
        accommodations="ASL interpreter, and a seat near the front for lip reading",
    )
    client.force_login(ScopedOrganizerFactory(organizes=[session]))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(reverse("admin:events_registration_changelist"))

    for column in ("email_address", "checked_in", "has_certificate", "session_place_and_date"):
        box = page.locator(f"th.column-{column}").bounding_box()
        assert box["x"] + box["width"] <= 1280, (column, box)
    scroll = page.evaluate(
        "(() => { const t = document.querySelector('.results');"
        " return [t.scrollWidth, t.clientWidth]; })()"
    )
    assert scroll[0] <= scroll[1], scroll


def _results_fit(page) -> None:
    scroll = page.evaluate(
        "(() => { const t = document.querySelector('.results');"
        " return [t.scrollWidth, t.clientWidth]; })()"
    )
    assert scroll[0] <= scroll[1], scroll


def test_the_roster_of_one_session_names_it_once_and_fits_1280_pixels(page, live_server, client):
    page.set_viewport_size({"width": 1280, "height": 800})
    session = SessionFactory(city="Grand Forks")
    RegistrationFactory(session=session, organization="North Dakota Department of Health")
    client.force_login(ScopedOrganizerFactory(organizes=[session]))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(reverse("admin:events_registration_changelist") + f"?session__id__exact={session.pk}")
    assert page.locator("#content h2").first.inner_text() == str(session)
    assert page.locator("th.column-session_place_and_date").count() == 0
    _results_fit(page)


def test_the_outbox_fits_1280_pixels_with_the_session_on_one_line(page, live_server, client):
    page.set_viewport_size({"width": 1280, "height": 800})
    training = TrainingFactory(
        title="Identifying and Reporting Human Trafficking: A Community Response"
    )
    session = SessionFactory(training=training, city="Grand Forks")
    registration = RegistrationFactory(
        session=session,
        full_name="Bartholomew Alexander Worthington-Smythe",
        email="bartholomew.worthington-smythe@health.nd.example.gov",
    )
    Notification.objects.create(
        registration=registration,
        kind=Notification.Kind.CONFIRMATION,
        status=Notification.Status.FAILED,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed while sending",
    )
    client.force_login(ScopedOrganizerFactory(organizes=[session]))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(reverse("admin:events_notification_changelist"))
    _results_fit(page)
    cell = page.locator("td.field-session span")
    assert cell.get_attribute("title") == str(session)
    line_height = float(cell.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert cell.bounding_box()["height"] < 2 * line_height
