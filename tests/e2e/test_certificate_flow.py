import io
import re

import pytest
from pypdf import PdfReader

from events.services import certificates as services
from tests.factories import AttendedRegistrationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_attendee_downloads_the_certificate_from_the_manage_link_and_verifies_it(page):
    registration = AttendedRegistrationFactory(full_name="José Núñez")
    certificate = services.issue_certificate(registration_id=registration.pk)

    page.goto(registration.get_manage_url())
    assert page.get_by_role("heading", name="Certificate of attendance").is_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download your certificate (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"certificate-{certificate.display_code}.pdf"
    with open(download.path(), "rb") as pdf:
        text = PdfReader(io.BytesIO(pdf.read())).pages[0].extract_text()
    assert "José Núñez" in text
    assert certificate.display_code in text

    # The verify page, reached as someone holding the printed code would.
    page.get_by_role("link", name="Verify a certificate").click()
    page.get_by_label("Verification code").fill(certificate.display_code.lower())
    page.get_by_role("button", name="Verify").click()
    result = page.locator("#verify-result")
    assert "Valid certificate" in result.inner_text()
    assert page.get_by_text("José Núñez").is_visible()

    # The URL printed under the QR code opens the same page.
    printed = re.search(r"http://\S+/certificates/verify/\S+/", text).group(0)
    page.goto(printed)
    assert "Valid certificate" in page.locator("#verify-result").inner_text()
