"""A real browser enforces the Content-Security-Policy on our pages and the admin's."""

import pytest

from tests.factories import OrganizerFactory, RegistrationFactory, SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _violations(page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda message: (
            messages.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return messages


def test_public_pages_run_without_csp_violations(page):
    registration = RegistrationFactory(session=SessionFactory())
    violations = _violations(page)
    for path in [
        "/",
        "/sessions/",
        registration.session.get_absolute_url(),
        registration.get_manage_url(),
        "/accounts/login/",
        "/privacy/",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    # Bootstrap's script runs under script-src 'self': the menu toggler works.
    page.set_viewport_size({"width": 500, "height": 800})
    page.goto("/")
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("link", name="Find a session", exact=True).wait_for(state="visible")
    assert violations == []


def test_admin_and_door_pages_run_without_csp_violations(page):
    session = SessionFactory()
    RegistrationFactory(session=session)
    admin = OrganizerFactory(is_superuser=True)
    violations = _violations(page)
    page.goto("/admin/login/")
    page.locator("#id_username").fill(admin.email)
    page.locator("#id_password").fill("correct-horse-battery")
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    for path in [
        "/admin/",
        "/admin/events/trainingsession/",
        f"/admin/events/trainingsession/{session.pk}/change/",
        "/admin/events/registration/",
        f"/organize/sessions/{session.pk}/check-in/",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        page.wait_for_load_state("load")
    assert violations == []
