"""The API's documentation page (/api/v1/docs/) works in a real browser under the site's CSP.

Its accessibility and phone-width checks sit with the other pages' (test_accessibility.py,
test_phone_width.py)."""

import pytest
from playwright.sync_api import expect

from tests.factories import SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_the_schema_without_csp_violations(page):
    SessionFactory()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    response = page.goto("/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI has fetched the schema and drawn each operation.
    page.get_by_text("Trafficking awareness trainings API").first.wait_for()
    for path in ["/api/v1/sessions/", "/api/v1/sessions/{public_id}/", "/api/v1/sectors/"]:
        page.locator(".opblock-summary-path", has_text=path).first.wait_for()
    assert blocked == []


def test_trying_an_operation_from_the_docs_page_shows_the_answer(page):
    session = SessionFactory(city="Jamestown")
    page.goto("/api/v1/docs/")
    page.locator(".opblock-summary-path", has_text="/api/v1/sessions/").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    answer = page.locator(".live-responses-table").first
    expect(answer).to_contain_text(session.public_id)
    expect(answer).to_contain_text("Jamestown")
