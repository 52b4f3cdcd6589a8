"""At 1280 px the roster shows its last columns (checked in, certificate, session) unscrolled."""

import pytest
from django.urls import reverse

from tests.factories import RegistrationFactory, ScopedOrganizerFactory, SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_roster_fits_1280_pixels(page, live_server, client):
    page.set_viewport_size({"width": 1280, "height": 800})
    session = SessionFactory(city="Grand Forks")
    RegistrationFactory(
        session=session,
        full_name="Bartholomew Alexander Worthington-Smythe",
        organization="North Dakota Department of Health and Human Services",
        accommodations="ASL interpreter, and a seat near the front for lip reading",
    )
    client.force_login(ScopedOrganizerFactory(organizes=[session]))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(reverse("admin:events_registration_changelist"))

    for column in ("checked_in", "has_certificate", "session_place_and_date"):
        box = page.locator(f"th.column-{column}").bounding_box()
        assert box["x"] + box["width"] <= 1280, (column, box)
    scroll = page.evaluate(
        "(() => { const t = document.querySelector('.results');"
        " return [t.scrollWidth, t.clientWidth]; })()"
    )
    assert scroll[0] <= scroll[1], scroll
