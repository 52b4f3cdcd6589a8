"""QR scanning where the browser has no BarcodeDetector (Safari, Firefox): the vendored
jsQR reads a real check-in QR code from Chromium's fake camera."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from events.documents.qr import qr_png
from tests.browser import CHROMIUM, CHROMIUM_FLAGS
from tests.factories import RegistrationFactory, ScopedOrganizerFactory, SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 640, 480
FRAMES = 10


def write_y4m(png: bytes, path) -> None:
    """A short YUV4MPEG2 (4:2:0) video of the QR code on a white page, the format
    Chromium's --use-file-for-fake-video-capture reads."""
    code = Image.open(io.BytesIO(png)).convert("L")
    side = int(HEIGHT * 0.8)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    y, u, v = frame.convert("RGB").convert("YCbCr").split()
    chroma = [plane.resize((WIDTH // 2, HEIGHT // 2)).tobytes() for plane in (u, v)]
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            video.write(b"FRAME\n" + y.tobytes() + chroma[0] + chroma[1])


@pytest.fixture
def camera_page(browser, live_server, settings, tmp_path):
    """(video path, open_page): open_page() starts a Chromium whose camera films that
    file (write it first), from the test session's Playwright, and opens a page."""
    settings.SITE_URL = live_server.url
    video = tmp_path / "badge.y4m"
    launched = []

    def open_page():
        camera_browser = browser.browser_type.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_FLAGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(camera_browser)
        context = camera_browser.new_context(base_url=live_server.url, permissions=["camera"])
        context.set_default_timeout(15_000)
        # Safari and Firefox have no BarcodeDetector: neither has this page.
        context.add_init_script("delete window.BarcodeDetector;")
        return context.new_page()

    yield video, open_page
    for camera_browser in launched:
        camera_browser.close()


def test_qr_code_is_read_by_the_js_fallback_and_the_person_checked_in(camera_page):
    video, open_page = camera_page
    session = SessionFactory(starts_at=timezone.now() - timedelta(minutes=20))
    dana = RegistrationFactory(session=session, full_name="Dana Whitehorse")
    ScopedOrganizerFactory(email="org@example.org", organizes=[session])
    write_y4m(qr_png(dana.checkin_code), video)

    page = open_page()
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill("org@example.org")
    page.locator("#id_password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    page.goto(f"/organize/sessions/{session.pk}/check-in/")

    assert page.evaluate("() => 'BarcodeDetector' in window") is False
    page.get_by_role("button", name="Start the camera").click()
    expect(page.locator("#checkin-result")).to_have_text("Dana Whitehorse is checked in.")
    assert page.evaluate("() => typeof window.jsQR") == "function"
    dana.refresh_from_db()
    assert dana.checked_in_at is not None
