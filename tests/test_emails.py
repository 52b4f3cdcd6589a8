"""Outbox email content: both parts, the headers, the session's zone, QR and attachments."""

import copy
import email
import logging
from datetime import datetime
from email import policy
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from icalendar import Calendar

from events.documents import emails
from events.documents.emails import QR_CID, WITH_CALENDAR, SharedRenders, build_message
from events.documents.qr import qr_png
from events.models import Notification, TrainingSession
from events.models.notifications import ACCOUNT_KINDS
from tests.factories import (
    CertificateFactory,
    NotificationFactory,
    RegistrationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


# Account emails (to a user, not a registrant) are tests/test_account_emails.py's.
REGISTRANT_KINDS = sorted(set(Notification.Kind.values) - set(ACCOUNT_KINDS))


def _parsed(notification: Notification) -> email.message.EmailMessage:
    raw = build_message(notification).message().as_bytes()
    return email.message_from_bytes(raw, policy=policy.default)


def _reminder(**session_fields) -> Notification:
    session = SessionFactory(**session_fields)
    registration = RegistrationFactory(session=session)
    return NotificationFactory(registration=registration, kind="reminder", variant="1d")


def _text_and_html(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_every_kind_renders_a_subject_a_text_part_and_an_html_part():
    registration = RegistrationFactory()
    for kind in REGISTRANT_KINDS:
        notification = NotificationFactory(registration=registration, kind=kind)
        message = _parsed(notification)
        text, html = _text_and_html(message)
        assert message["Subject"], kind
        assert registration.full_name in text, kind
        assert "<html" in html, kind
        assert not [part.defects for part in message.walk() if part.defects], kind


HOW_TO_REPORT = {
    "en": [
        "911",
        "1-888-373-7888",
        "200 languages",
        "TTY",
        "711",
        "“HELP” or “INFO”",
        "233733",
        "1-866-347-2423",
    ],
    "es": ["911", "1-888-373-7888", "200 idiomas", "711", "233733", "1-866-347-2423"],
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_kind_tells_how_to_report_in_both_parts_in_the_registrants_language(language):
    registration = RegistrationFactory(language=language)
    for kind in REGISTRANT_KINDS:
        text, html = _text_and_html(
            _parsed(NotificationFactory(registration=registration, kind=kind))
        )
        for part in (text, html):
            missing = [line for line in HOW_TO_REPORT[language] if line not in part]
            assert not missing, (kind, missing)


def test_the_calendar_file_is_attached_to_the_kinds_about_the_session_and_no_others():
    registration = RegistrationFactory()
    for kind in REGISTRANT_KINDS:
        message = _parsed(NotificationFactory(registration=registration, kind=kind))
        calendars = [
            part
            for part in message.iter_attachments()
            if part.get_content_type() == "text/calendar"
        ]
        assert len(calendars) == (1 if kind in WITH_CALENDAR else 0), kind
        if calendars:
            assert calendars[0].get_filename() == "session.ics", kind


def test_non_ascii_names_survive_in_the_headers_and_in_both_bodies(settings):
    settings.DEFAULT_FROM_EMAIL = "Ольга Петрова <trainings@example.org>"
    session = SessionFactory(training__title="Nhận diện nạn buôn người – Торговля людьми")
    for name in ("Nguyễn Thị Minh Khai", "Ольга"):
        registration = RegistrationFactory(session=session, full_name=name)
        message = _parsed(NotificationFactory(registration=registration, kind="confirmation"))
        assert "Nhận diện nạn buôn người – Торговля людьми" in message["Subject"]
        assert message["From"].addresses[0].display_name == "Ольга Петрова"
        text, html = _text_and_html(message)
        assert name in text and name in html


def test_every_message_has_a_one_click_list_unsubscribe_header():
    notification = _reminder()
    message = _parsed(notification)
    manage_url = "http://testserver" + notification.registration.get_manage_url()
    assert message["List-Unsubscribe"].strip() == f"<{manage_url}unsubscribe/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_one_click_post_to_the_emails_unsubscribe_address_switches_reminders_off():
    from django.test import Client

    notification = _reminder()
    registration = notification.registration
    address = _parsed(notification)["List-Unsubscribe"].strip().strip("<>")
    path = address.removeprefix("http://testserver")
    # A mailbox provider has no CSRF token and sends just the one field (RFC 8058).
    provider = Client(enforce_csrf_checks=True)
    # Opening the link changes nothing: it leads to the manage page.
    opened = provider.get(path)
    assert opened.status_code == 302
    assert opened["Location"] == registration.get_manage_url()
    registration.refresh_from_db()
    assert registration.reminders_opt_out is False
    assert provider.post(path, {"List-Unsubscribe": "yes"}).status_code == 400
    registration.refresh_from_db()
    assert registration.reminders_opt_out is False
    response = provider.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    registration.refresh_from_db()
    assert registration.reminders_opt_out is True
    assert (
        provider.post(
            "/manage/not-a-token/unsubscribe/", {"List-Unsubscribe": "One-Click"}
        ).status_code
        == 404
    )


def test_message_id_is_stable_per_outbox_row_so_a_resend_can_be_recognised():
    notification = _reminder()
    assert _parsed(notification)["Message-ID"] == _parsed(notification)["Message-ID"]
    other = NotificationFactory(registration=notification.registration, kind="reminder")
    assert _parsed(other)["Message-ID"] != _parsed(notification)["Message-ID"]


def test_reminder_shows_the_time_in_the_sessions_own_zone():
    starts = datetime(2030, 5, 9, 9, 0, tzinfo=ZoneInfo("America/Denver"))
    notification = _reminder(
        starts_at=starts, ends_at=starts.replace(hour=12), timezone="America/Denver"
    )
    message = _parsed(notification)
    text, html = _text_and_html(message)
    assert "9:00 AM" in text and "MDT" in text
    assert "9:00 AM" in message["Subject"]
    assert "Thursday, May 9, 2030" in html


def test_reminder_carries_venue_address_what_to_bring_and_manage_link():
    notification = _reminder(what_to_bring="A photo ID and a pen")
    text, html = _text_and_html(_parsed(notification))
    for part in (text, html):
        assert "Fargo Civic Center, 207 4th St N, Fargo, ND" in part
        assert "A photo ID and a pen" in part
        assert notification.registration.get_manage_url() in part


def _join_url(notification) -> str:
    token = notification.registration.manage_token
    return "http://testserver" + reverse("events:manage_join", args=[token])


def test_online_reminder_carries_the_attendees_join_link_and_no_door_code():
    notification = _reminder(venue="", address="", online_url="https://meet.example.org/abc")
    message = _parsed(notification)
    text, html = _text_and_html(message)
    assert _join_url(notification) in text
    assert f'href="{_join_url(notification)}"' in html
    # An online-only session has no door: no code to show there, and no QR image.
    assert "door" not in text and "door" not in html
    assert notification.registration.checkin_code not in text
    assert not any(p["Content-ID"] == f"<{QR_CID}>" for p in message.walk())


def test_a_hybrid_session_keeps_the_door_code_beside_the_link():
    notification = _reminder(online_url="https://meet.example.org/abc")
    text, _html = _text_and_html(_parsed(notification))
    assert _join_url(notification) in text
    assert notification.registration.checkin_code in text


def test_reminder_shows_the_checkin_code_as_text_and_as_an_inline_qr_image():
    notification = _reminder()
    code = notification.registration.checkin_code
    message = _parsed(notification)
    text, html = _text_and_html(message)
    assert code in text and code in html
    assert f'src="cid:{QR_CID}"' in html
    # The image sits beside the HTML in multipart/related, shown inline, not as a file.
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    shown, _mark, image = related.iter_parts()
    assert shown.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == f"<{QR_CID}>"
    assert image.get_content_disposition() == "inline"
    assert image not in list(message.iter_attachments())
    # The QR encodes the check-in code and nothing else.
    assert image.get_content() == qr_png(code)


def test_waitlisted_email_has_no_checkin_code():
    registration = RegistrationFactory(waitlisted=True)
    notification = NotificationFactory(registration=registration, kind="waitlisted")
    text, html = _text_and_html(_parsed(notification))
    assert registration.checkin_code not in text
    assert f"cid:{QR_CID}" not in html


def test_subject_keeps_an_ampersand_as_typed():
    message = _parsed(_reminder())
    assert "Identifying & Reporting" in message["Subject"]


def _calendar_of(message) -> Calendar:
    part = next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_content())


def test_session_changed_email_carries_the_new_time_and_a_calendar_with_the_new_sequence():
    session = SessionFactory()
    TrainingSession.objects.filter(pk=session.pk).update(schedule_version=3)
    registration = RegistrationFactory(session=TrainingSession.objects.get(pk=session.pk))
    notification = NotificationFactory(
        registration=registration, kind="session_changed", variant="3"
    )
    event = _calendar_of(_parsed(notification)).walk("VEVENT")[0]
    assert event["SEQUENCE"] == 3
    assert event.decoded("DTSTART") == session.starts_at.replace(microsecond=0)


def test_session_cancelled_calendar_marks_the_event_cancelled_with_a_higher_sequence():
    session = SessionFactory(status=TrainingSession.Status.CANCELLED)
    notification = NotificationFactory(
        registration=RegistrationFactory(session=session), kind="session_cancelled"
    )
    event = _calendar_of(_parsed(notification)).walk("VEVENT")[0]
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == session.schedule_version + 1


def test_certificate_email_attaches_the_pdf_and_links_to_the_download():
    registration = RegistrationFactory()
    # Built, not created: the row is saved below, with its PDF.
    certificate = CertificateFactory.build(registration=registration, code="ABCDEFGHJKMNPQRS")
    certificate.pdf.save("c.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    certificate.save()
    notification = NotificationFactory(registration=registration, kind="certificate")
    message = _parsed(notification)
    pdf = next(p for p in message.iter_attachments() if p.get_content_type() == "application/pdf")
    assert pdf.get_content() == b"%PDF-1.4 test"
    assert pdf.get_filename() == "certificate-ABCD-EFGH-JKMN-PQRS.pdf"
    text, html = _text_and_html(message)
    token = registration.manage_token
    assert f"http://testserver/manage/{token}/certificate.pdf" in text
    assert f'href="http://testserver/manage/{token}/certificate.pdf"' in html
    assert "ABCD-EFGH-JKMN-PQRS" in text
    assert "/certificates/verify/ABCD-EFGH-JKMN-PQRS/" in text


def test_organizer_message_uses_its_subject_and_escapes_its_body_in_html():
    notification = NotificationFactory(
        kind="organizer_message",
        payload={"subject": "Parking & doors", "body": "Use door <B>.\nBring ID."},
    )
    message = _parsed(notification)
    text, html = _text_and_html(message)
    assert message["Subject"] == "Parking & doors"
    assert "Use door <B>." in text
    assert "Use door &lt;B&gt;." in html


# --- A batch renders each session's text once ---------------------------------------
# (Its output against each email built alone, for every kind: tests/test_shared_renders.py.)

TRICKY_NAMES = ["O'Brien & <Sons>", 'Ann  "Lee"', "José Müller", "\ue000xX0&\ue001 Nguyen"]


def _texts(message) -> tuple:
    return message.subject, message.body, message.alternatives, message.extra_headers


def _batch(kind: str, *, names=TRICKY_NAMES, **registration_fields) -> list[Notification]:
    session = SessionFactory(what_to_bring="ID & a pen <please>")
    return [
        NotificationFactory(
            registration=RegistrationFactory(
                session=session, full_name=name, **registration_fields
            ),
            kind=kind,
            variant="1d",
        )
        for name in names
    ]


def test_a_batch_renders_the_templates_of_a_session_once_not_once_per_registrant():
    batch = _batch("reminder", names=[f"Attendee {n}" for n in range(6)])
    renders = SharedRenders()
    with mock.patch.object(emails, "render_to_string", wraps=emails.render_to_string) as render:
        for notification in batch:
            build_message(notification, renders=renders)
    # Subject, text and HTML: in full for the first registrant, then once with stand-ins.
    assert render.call_count == 6


def test_a_waitlisted_registrant_in_a_batch_of_confirmed_ones_gets_no_checkin_code():
    session = SessionFactory()
    confirmed = RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, waitlisted=True)
    renders = SharedRenders()
    build_message(NotificationFactory(registration=confirmed, kind="reminder"), renders=renders)
    message = build_message(
        NotificationFactory(registration=waiting, kind="reminder"), renders=renders
    )
    assert waiting.checkin_code not in message.body
    assert confirmed.checkin_code not in message.body


def test_a_shared_render_that_fails_leaves_the_batch_to_render_one_by_one():
    renders = SharedRenders()
    with mock.patch.object(emails._SharedTexts, "__init__", side_effect=TypeError("choked")):
        for notification in _batch("reminder"):
            message = build_message(notification, renders=renders)
            assert _texts(message) == _texts(build_message(copy.copy(notification)))


@pytest.fixture
def reminder_template(settings, tmp_path):
    """Put a reminder.html of the test's own in front of the project's templates."""
    (tmp_path / "emails").mkdir()
    engine = {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}

    def use(body: str) -> None:
        (tmp_path / "emails" / "reminder.html").write_text(
            '{% extends "emails/base.html" %}{% block body %}' + body + "{% endblock %}"
        )
        settings.TEMPLATES = [engine]

    return use


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<p>{{ registration.organization }}</p>", lambda r: r.organization),
        ("<p>{{ registration.full_name|upper }}</p>", lambda r: r.full_name.upper()),
        ("<p>{{ registration }}</p>", str),
        ("{% if registration.full_name|length > 6 %}<p>long name</p>{% endif %}", lambda r: "long"),
    ],
)
def test_a_template_using_more_of_the_registrant_than_the_stand_ins_renders_one_by_one(
    reminder_template, body, expected
):
    reminder_template(body)
    renders = SharedRenders()
    for notification in _batch("reminder", names=["Ann Lee", "Bo Chen", "Cy Diaz"]):
        html = build_message(notification, renders=renders).alternatives[0].content
        assert expected(notification.registration) in html


def test_a_batch_that_falls_back_to_rendering_one_by_one_logs_it_at_info(reminder_template, caplog):
    reminder_template("<p>{{ registration.organization }}</p>")
    renders = SharedRenders()
    with caplog.at_level(logging.INFO, logger=emails.logger.name):
        for notification in _batch("reminder", names=["Ann Lee", "Bo Chen"]):
            build_message(notification, renders=renders)
    (record,) = [r for r in caplog.records if "render one by one" in r.getMessage()]
    assert record.levelno == logging.INFO
    assert "organization" in record.getMessage()
