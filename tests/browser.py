"""Browser fixtures (a pytest plugin): Playwright driving the system Chromium against
pytest-django's live server. One Chromium per test session, shared by every browser test."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make around it are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


AXE_SOURCE = os.path.join(os.path.dirname(__file__), "vendor", "axe-core", "axe.min.js")
# WCAG 2.1 A and AA, the level the project aims for.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, *, selector: str | None = None) -> list[str]:
    """Run axe-core on the page (or one part of it) and describe each violation.

    page.evaluate runs through the DevTools protocol, which the page's CSP does not
    govern, so axe needs no script-src exception.
    """
    with open(AXE_SOURCE, encoding="utf-8") as handle:
        page.evaluate(handle.read())
    results = page.evaluate(
        """([selector, tags]) => axe.run(selector || document,
            {runOnly: {type: "tag", values: tags}})""",
        [selector, AXE_TAGS],
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results["violations"]
    ]
