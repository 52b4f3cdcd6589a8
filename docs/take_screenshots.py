"""Regenerate the README screenshots: `.venv/bin/python docs/take_screenshots.py`.

Serves the demo data (make demo) with runserver on a spare port and drives the
system Chromium through Playwright.
"""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.browser import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402  (the tests' browser setup)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PORT = os.environ.get("SCREENSHOT_PORT", "8765")
BASE = f"http://127.0.0.1:{PORT}"


def wait_for_server() -> None:
    for _ in range(60):
        try:
            urllib.request.urlopen(BASE + "/healthz", timeout=1)  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def a_demo_manage_link() -> str:
    """The manage link of a demo resident with a seat at an upcoming session."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trafficking_training.settings")
    import django

    django.setup()
    from django.utils import timezone

    from events.models import Registration

    registration = (
        Registration.objects.filter(
            status=Registration.Status.CONFIRMED,
            session__starts_at__gt=timezone.now(),
            session__venue__gt="",
        )
        .order_by("session__starts_at", "pk")
        .first()
    )
    return registration.get_manage_url()


def main() -> None:
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    subprocess.run([python, "manage.py", "load_demo_data"], cwd=ROOT, check=True)
    manage_link = a_demo_manage_link()
    server = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"], cwd=ROOT
    )
    try:
        wait_for_server()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(BASE + "/sessions/")
            # The first upcoming session's card (its link names the city and day).
            page.locator(".session-card a").first.click()
            page.screenshot(path=str(OUT / "session.png"), full_page=False)
            # A resident's manage link on a phone: where and when, their details to correct.
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(BASE + manage_link)
            phone.screenshot(path=str(OUT / "manage-phone.png"), full_page=False)
            page.goto(BASE + "/admin/login/?next=/admin/")
            page.locator("#id_username").fill("organizer@example.org")
            page.locator("#id_password").fill("demo-organizer-pass")
            page.get_by_role("button", name="Log in").click()
            # The organizer home: the next sessions' figures and what needs attention.
            page.get_by_role("heading", name="Your next sessions").wait_for()
            page.screenshot(path=str(OUT / "organizer-home.png"), full_page=False)
            page.goto(BASE + "/admin/events/trainingsession/?when=past")
            page.locator("#result_list tbody a").first.click()
            page.get_by_text("Roster summary").wait_for()
            page.screenshot(path=str(OUT / "admin-session.png"), full_page=False)
            spanish = browser.new_page(
                viewport={"width": 1280, "height": 900},
                extra_http_headers={"Accept-Language": "es"},
            )
            spanish.goto(BASE + "/sessions/")
            spanish.screenshot(path=str(OUT / "catalogue-es.png"), full_page=False)
            browser.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
