"""The language switcher changes the page's language with one choice and one click, on
stored pages (first visit, no cookie yet) and on pages rendered for the visitor."""

import pytest
from playwright.sync_api import expect

from tests.factories import SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path", ["/", "/sessions/", "session", "/certificates/verify/"])
def test_one_click_changes_the_language_and_back(page, path):
    session = SessionFactory(city="Minot")
    if path == "session":
        path = session.get_absolute_url()
    page.goto(path)  # the first visit stores the page; the switch below is a second visitor
    page.context.clear_cookies()
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language / Idioma").select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Language / Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
