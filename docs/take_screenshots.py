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


def main() -> None:
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    subprocess.run([python, "manage.py", "load_demo_data"], cwd=ROOT, check=True)
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
            page.goto(
                BASE + "/admin/login/?next=/admin/events/trainingsession/%3Fstarts_at__year%3D2014"
            )
            page.locator("#id_username").fill("organizer@example.org")
            page.locator("#id_password").fill("demo-organizer-pass")
            page.get_by_role("button", name="Log in").click()
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
