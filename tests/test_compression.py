"""Text answers are gzip-compressed for clients that accept it; files that are compressed
already (PDFs, images) are left alone."""

import gzip

import pytest
from django.urls import reverse

from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def test_html_is_compressed_when_the_client_accepts_gzip(client):
    session = SessionFactory()
    url = reverse("events:session_detail", args=[session.public_id])
    plain = client.get(url)
    assert "Content-Encoding" not in plain
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert session.city in html
    assert len(packed.content) < len(plain.content) / 2
    # The security headers stay.
    assert "Content-Security-Policy" in packed
    assert packed["X-Content-Type-Options"] == "nosniff"


def test_a_calendar_file_is_compressed_and_a_pdf_is_not(client):
    session = SessionFactory()
    ics = client.get(
        reverse("events:session_ics", args=[session.public_id]), HTTP_ACCEPT_ENCODING="gzip"
    )
    assert ics["Content-Encoding"] == "gzip"
    assert gzip.decompress(ics.content).startswith(b"BEGIN:VCALENDAR")


def test_an_already_compressed_file_is_sent_as_it_is(admin_client):
    session = SessionFactory()
    sheet = admin_client.get(
        reverse("admin:events_session_signin", args=[session.pk]), HTTP_ACCEPT_ENCODING="gzip"
    )
    assert sheet.status_code == 200
    assert sheet["Content-Type"] == "application/pdf"
    assert "Content-Encoding" not in sheet
    body = b"".join(sheet.streaming_content) if sheet.streaming else sheet.content
    assert body.startswith(b"%PDF")
