"""Without a mouse: register, open the manage link, cancel (both steps), by keyboard alone."""

import re

import pytest
from django.core import mail

from events.models import Registration
from tests.factories import SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def tab_to(page, css: str, *, limit: int = 80) -> None:
    """Press Tab until the focused element matches css; fail if it never does."""
    for _ in range(limit):
        if page.evaluate("(css) => document.activeElement.matches(css)", css):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {css}")


def test_register_and_cancel_by_keyboard_alone(page):
    session = SessionFactory(city="Fargo")
    page.goto(session.get_absolute_url())

    tab_to(page, "#id_full_name")
    page.keyboard.type("Dana Whitehorse")
    tab_to(page, "#id_email")
    page.keyboard.type("dana@example.org")
    tab_to(page, "#id_sector")
    page.keyboard.press("ArrowDown")  # the first sector
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/registered/$"))

    [message] = mail.outbox
    link = re.search(r"https?://\S+/manage/[0-9a-f]{40}/", message.body)[0]
    page.goto(link)
    tab_to(page, "a[href$='/cancel/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cancel/$"))
    tab_to(page, "button.btn-danger")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/manage/[0-9a-f]{40}/$"))

    assert "This registration is cancelled." in page.locator("#status").inner_text()
    assert Registration.objects.get(email="dana@example.org").status == "cancelled"
