"""An organizer opens the impact report, narrows it by sector and quarter, and downloads it."""

import io
import zoneinfo
from datetime import datetime

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from events.models import Sector
from tests.browser import axe_violations
from tests.factories import RegistrationFactory, ScopedOrganizerFactory, SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
MOUNTAIN = zoneinfo.ZoneInfo("America/Denver")


def _figure(page, name: str):
    """The value shown under a headline figure's name."""
    figure = page.locator(".impact-figure").filter(has=page.get_by_text(name, exact=True))
    return figure.locator(".impact-value")


def test_organizer_filters_the_report_by_sector_and_quarter_and_downloads_the_xlsx(page):
    schools = Sector.objects.get(slug="schools-education")
    health = Sector.objects.get(slug="healthcare")
    fargo = SessionFactory(
        city="Fargo",
        starts_at=datetime(2025, 3, 31, 9, 0, tzinfo=CENTRAL),
        ends_at=datetime(2025, 3, 31, 12, 0, tzinfo=CENTRAL),
    )
    williston = SessionFactory(
        training=fargo.training,
        city="Williston",
        timezone="America/Denver",
        starts_at=datetime(2025, 4, 1, 9, 0, tzinfo=MOUNTAIN),
        ends_at=datetime(2025, 4, 1, 12, 0, tzinfo=MOUNTAIN),
    )
    for session, sector, organization in [
        (fargo, schools, "Fargo Public Schools"),
        (fargo, health, "Sanford Health"),
        (williston, schools, "Williston Basin School District"),
        (williston, health, "CHI St. Alexius"),
    ]:
        RegistrationFactory(
            session=session, sector=sector, organization=organization, attended=True
        )
    ScopedOrganizerFactory(email="org@example.org", organizes=[fargo, williston])

    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill("org@example.org")
    page.locator("#id_password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Impact report").first.click()
    expect(page.get_by_role("heading", name="Headline figures")).to_be_visible()

    # The whole of 2025: both sessions, four people.
    page.get_by_role("combobox", name="Period:").select_option("custom")
    page.get_by_label("From").fill("2025-01-01")
    page.get_by_label("To (inclusive)").fill("2025-12-31")
    page.get_by_role("button", name="Show the report").click()
    expect(_figure(page, "People registered")).to_have_text("4")
    expect(_figure(page, "Sessions held")).to_have_text("2")

    # Schools only: two people, and the schools reached are named.
    page.get_by_role("combobox", name="Sector:").select_option(label="Schools & education")
    page.get_by_role("button", name="Show the report").click()
    expect(_figure(page, "People registered")).to_have_text("2")
    expect(page.locator("#table-reached")).to_contain_text("Williston Basin School District")

    # The second quarter of 2025: only Williston (April 1 in Mountain time).
    page.get_by_label("From").fill("2025-04-01")
    page.get_by_label("To (inclusive)").fill("2025-06-30")
    page.get_by_role("button", name="Show the report").click()
    expect(_figure(page, "People registered")).to_have_text("1")
    expect(_figure(page, "Cities reached")).to_have_text("1")

    # The page and its charts pass the accessibility checks.
    assert axe_violations(page, selector="#content") == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Workbook (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename == "impact-2025-04-01-2025-06-30.xlsx"
    with open(download.path(), "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    cover = {row[0]: row[1] for row in workbook["Report"].iter_rows(values_only=True) if row}
    assert cover["Period"] == "2025-04-01 – 2025-06-30"
    assert cover["Sector"] == "Schools & education"
    assert cover["People registered"] == 1
