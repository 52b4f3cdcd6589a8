"""The embedded default's email backend: one log line per email, the whole message on disk."""

import email
import logging

from django.core.mail import EmailMessage

from trafficking_training.mail import ConsoleAndFileBackend

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 400  # about 100 KB, base64 in the message


def _certificate_email(to: str) -> EmailMessage:
    message = EmailMessage(
        subject="Your certificate", body="Attached.", to=[to], from_email="t@example.org"
    )
    message.attach("certificate.pdf", PDF, "application/pdf")
    return message


def test_each_email_is_one_log_line_naming_recipient_subject_and_copy(tmp_path, caplog):
    backend = ConsoleAndFileBackend(file_path=str(tmp_path))
    with caplog.at_level(logging.INFO, logger="trafficking_training.mail"):
        sent = backend.send_messages(
            [_certificate_email("ana@example.org"), _certificate_email("ben@example.org")]
        )

    assert sent == 2
    copies = sorted(tmp_path.glob("*.eml"))
    assert len(copies) == 2
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2
    for line, to in zip(lines, ("ana@example.org", "ben@example.org"), strict=True):
        assert to in line
        assert "Your certificate" in line
        assert len(line) < 300  # never the message itself
    assert {line.rsplit("(", 1)[1].rstrip(")") for line in lines} == {str(p) for p in copies}


def test_the_copy_on_disk_is_the_whole_message_with_its_attachment(tmp_path):
    ConsoleAndFileBackend(file_path=str(tmp_path)).send_messages(
        [_certificate_email("ana@example.org")]
    )

    (copy,) = tmp_path.glob("*.eml")
    parsed = email.message_from_bytes(copy.read_bytes())
    assert parsed["To"] == "ana@example.org"
    (attachment,) = [part for part in parsed.walk() if part.get_filename()]
    assert attachment.get_payload(decode=True) == PDF


def test_a_message_without_recipients_is_neither_stored_nor_logged(tmp_path, caplog):
    empty = EmailMessage(subject="Nobody", body="", to=[], from_email="t@example.org")
    with caplog.at_level(logging.INFO, logger="trafficking_training.mail"):
        assert ConsoleAndFileBackend(file_path=str(tmp_path)).send_messages([empty]) == 0
    assert not list(tmp_path.iterdir())
    assert not caplog.records
