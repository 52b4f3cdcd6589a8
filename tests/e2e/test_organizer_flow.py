import csv
import io

import pytest
from playwright.sync_api import expect

from events.models import Registration, Sector
from tests.factories import (
    DoorOpenSessionFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_organizer_filters_the_roster_checks_someone_in_and_exports_csv(page):
    session = DoorOpenSessionFactory(city="Fargo")
    other = SessionFactory(city="Bismarck")
    health = Sector.objects.get(slug="healthcare")
    schools = Sector.objects.get(slug="schools-education")
    dana = RegistrationFactory(
        session=session, full_name="Dana Whitehorse", email="dana@sanford.org", sector=health
    )
    RegistrationFactory(session=session, full_name="Tom Teacher", sector=schools)
    RegistrationFactory(session=other, full_name="Olga Otherone", sector=health)
    ScopedOrganizerFactory(email="org@example.org", organizes=[session])

    page.goto("/admin/login/?next=/admin/events/registration/")
    page.locator("#id_username").fill("org@example.org")
    page.locator("#id_password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()

    # The roster: filter by sector.
    page.locator("#changelist-filter").get_by_role("link", name="Healthcare").click()
    page.wait_for_url(f"**sector__id__exact={health.pk}**")
    expect(page.locator("#result_list tbody .field-full_name")).to_have_text(["Dana Whitehorse"])

    # The door page: search, then one click.
    page.goto(f"/organize/sessions/{session.pk}/check-in/")
    page.get_by_role("searchbox", name="Name or email").fill("dana")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Check in Dana Whitehorse").click()
    expect(page.locator("#checkin-result")).to_have_text("Dana Whitehorse is checked in.")
    expect(page.locator("#count-checked-in")).to_have_text("1")
    dana.refresh_from_db()
    assert dana.checked_in_at is not None

    # Back on the filtered roster: export it as CSV.
    page.goto(f"/admin/events/registration/?sector__id__exact={health.pk}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export this list (CSV)").click()
    with open(download_info.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert [row[0] for row in rows[1:]] == ["Dana Whitehorse"]
    assert rows[1][rows[0].index("Attended")] == "Yes"
    assert Registration.objects.filter(attended=True).count() == 1
