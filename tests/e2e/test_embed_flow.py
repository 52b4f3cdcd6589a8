"""A partner's page with our session list in an iframe, in a real Chromium: shown when
the partner's origin is in EMBED_ALLOWED_ORIGINS, refused by the browser otherwise."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.factories import SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def partner_site(live_server):
    """A partner's web site on another port of this machine (so another origin), whose
    one page frames our list: yields (page URL, origin)."""
    embed = f"{live_server.url}/embed/sessions/?city=Fargo"
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Our school</title>'
        f'</head><body><h1>Trainings near us</h1><iframe title="Trainings" src="{embed}" '
        'width="360" height="480"></iframe></body></html>'
    ).encode()

    class PartnerPage(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), PartnerPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    yield f"{origin}/", origin
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_an_allowed_partner_shows_the_sessions_and_they_open_in_a_new_tab(
    page, partner_site, settings
):
    url, origin = partner_site
    settings.EMBED_ALLOWED_ORIGINS = [origin]
    session = SessionFactory(city="Fargo")
    SessionFactory(city="Minot")

    page.goto(url)
    frame = page.frame_locator("iframe")
    link = frame.get_by_role("link", name=re.compile(r"^Fargo, ND"))
    expect(link).to_be_visible()
    expect(frame.get_by_text("seats left")).to_be_visible()
    expect(frame.get_by_text("Minot")).to_have_count(0)

    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url.endswith(session.get_absolute_url())
    assert page.url == url  # the partner's page stays where it was


def test_a_partner_not_allowed_gets_a_frame_the_browser_refuses(page, partner_site, settings):
    url, _origin = partner_site
    settings.EMBED_ALLOWED_ORIGINS = ["https://school.example.org"]
    SessionFactory(city="Fargo")
    refusals: list[str] = []
    page.on(
        "console",
        lambda message: (
            refusals.append(message.text) if "frame-ancestors" in message.text else None
        ),
    )
    answered: list[int] = []
    page.on(
        "response",
        lambda response: answered.append(response.status) if "/embed/" in response.url else None,
    )

    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    # Our server answered; the browser would not show the answer inside the partner's page.
    assert answered == [200]
    assert any("school.example.org" in text for text in refusals), refusals
    frame = page.frames[1]
    assert not frame.url.startswith("http://"), frame.url
    assert "Fargo" not in frame.content()
