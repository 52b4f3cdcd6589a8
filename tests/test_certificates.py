"""Certificates: issuance rules, the snapshot, codes, revoke/reissue and session-wide runs."""

import math
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import AuditEntry, Certificate, Notification
from events.models.tokens import CODE_ALPHABET, CODE_LENGTH, normalize_code
from events.selectors import certificates as selectors
from events.services import certificates as services
from events.tasks import certificates as tasks
from tests.factories import (
    AttendedRegistrationFactory,
    EndedSessionFactory,
    RegistrationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def issue(registration, **kwargs) -> Certificate:
    return services.issue_certificate(registration_id=registration.pk, **kwargs)


def test_attended_registrant_of_ended_session_gets_a_certificate_with_a_snapshot():
    registration = AttendedRegistrationFactory(full_name="  José   Núñez ")
    session = registration.session
    training = session.training

    certificate = issue(registration)

    assert certificate.registration == registration
    assert certificate.name_printed == "José Núñez"
    assert certificate.training_title == training.title
    assert certificate.session_starts_at == session.starts_at
    assert certificate.session_ends_at == session.ends_at
    assert certificate.session_timezone == session.timezone
    assert certificate.place == "Fargo Civic Center, 207 4th St N, Fargo, ND"
    assert certificate.credit_hours == training.credit_hours
    assert certificate.hosts == "DHS Blue Campaign"
    assert (certificate.signatory_name, certificate.signatory_title) == (
        "Pat Example",
        "Training Coordinator",
    )
    assert certificate.issued_at is not None and certificate.is_valid
    assert certificate.pdf.name == f"certificates/{certificate.code}.pdf"
    assert certificate.pdf.read().startswith(b"%PDF-")


def test_snapshot_keeps_what_was_certified_after_the_training_is_renamed():
    registration = AttendedRegistrationFactory()
    certificate = issue(registration)
    training = registration.session.training
    training.title = "Renamed later"
    training.save()

    certificate.refresh_from_db()
    assert certificate.training_title == "Identifying & Reporting Human Trafficking"


def test_issuing_twice_returns_the_same_certificate():
    registration = AttendedRegistrationFactory()
    first = issue(registration)
    second = issue(registration)
    assert second.pk == first.pk
    assert Certificate.objects.count() == 1


def test_the_database_refuses_a_second_certificate_for_one_registration():
    registration = AttendedRegistrationFactory()
    certificate = issue(registration)
    duplicate = Certificate.objects.get(pk=certificate.pk)
    duplicate.pk, duplicate.code = None, "X" * 16
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"attended": False, "checked_in_at": None}, "not marked as attended"),
        ({"waitlisted": True}, "not confirmed"),
        ({"cancelled": True}, "not confirmed"),
    ],
)
def test_registrant_who_did_not_attend_is_refused_with_a_reason(overrides, reason):
    registration = AttendedRegistrationFactory(**overrides)
    with pytest.raises(services.CertificateRefused, match=reason):
        issue(registration)
    assert not Certificate.objects.exists()


def test_issuing_before_the_session_ends_is_refused_with_a_reason():
    now = timezone.now()
    session = SessionFactory(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2))
    registration = RegistrationFactory(session=session, attended=True, checked_in_at=now)
    with pytest.raises(services.CertificateRefused) as refused:
        issue(registration)
    assert str(refused.value) == "The session has not ended yet."


def test_issuing_for_a_cancelled_session_is_refused():
    registration = AttendedRegistrationFactory(session__status="cancelled")
    with pytest.raises(services.CertificateRefused, match="cancelled"):
        issue(registration)


def test_code_is_16_symbols_of_the_unambiguous_alphabet_with_over_60_bits():
    codes = {issue(AttendedRegistrationFactory()).code for _ in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert len(code) == 16
        assert set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("0O1IL")
    assert CODE_LENGTH * math.log2(len(CODE_ALPHABET)) >= 60


def test_display_code_is_grouped_by_four():
    certificate = issue(AttendedRegistrationFactory())
    groups = certificate.display_code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert "".join(groups) == certificate.code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7kq4-m2xd-9rtf-abcd", "7KQ4M2XD9RTFABCD"),
        (" 7KQ4 M2XD 9RTF ABCD ", "7KQ4M2XD9RTFABCD"),
        ("7KQ4M2XD9RTFABCD", "7KQ4M2XD9RTFABCD"),
        ("7KQ4-M2XD-9RTF-ABC", None),  # too short
        ("7KQ4-M2XD-9RTF-ABC0", None),  # 0 is never used
        ("7KQ4-M2XD-9RTF-ABCO", None),  # nor O
        ("7" * 5000, None),  # too long: refused unread
        ("", None),
        ("../../etc/passwd", None),
    ],
)
def test_typed_codes_normalize_ignoring_case_dashes_and_spaces(typed, expected):
    assert normalize_code(typed) == expected


def test_certificate_notification_is_queued_with_the_certificate_and_sent_after_commit(
    django_capture_on_commit_callbacks,
):
    registration = AttendedRegistrationFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issue(registration)
    notification = Notification.objects.get(registration=registration)
    assert notification.kind == Notification.Kind.CERTIFICATE
    assert notification.status == Notification.Status.QUEUED
    # The send is enqueued only after the commit.
    assert len(callbacks) == 1


def test_issuing_is_written_to_the_audit_trail(django_user_model):
    organizer = django_user_model.objects.create_user(email="org@example.org", password="x" * 12)
    registration = AttendedRegistrationFactory()
    certificate = issue(registration, actor=organizer)
    entry = AuditEntry.objects.get(action="certificate_issued")
    assert entry.actor == organizer
    assert entry.registration == registration
    assert entry.detail == {"code": certificate.code}


def test_revoking_needs_a_reason_and_marks_the_certificate_revoked():
    registration = AttendedRegistrationFactory()
    issue(registration)
    with pytest.raises(services.CertificateRefused, match="reason"):
        services.revoke_certificate(registration_id=registration.pk, reason="  ")

    certificate = services.revoke_certificate(
        registration_id=registration.pk, reason="Issued to the wrong person"
    )
    assert certificate.revoked_at is not None
    assert certificate.revoked_reason == "Issued to the wrong person"
    assert not certificate.is_valid
    assert AuditEntry.objects.filter(action="certificate_revoked").count() == 1


def test_revoking_without_a_certificate_is_refused():
    registration = AttendedRegistrationFactory()
    with pytest.raises(services.CertificateRefused, match="no certificate"):
        services.revoke_certificate(registration_id=registration.pk, reason="typo")


def test_reissue_refreshes_the_name_keeps_the_code_and_lifts_a_revocation():
    registration = AttendedRegistrationFactory(full_name="Jose Nunez")
    original = issue(registration)
    services.revoke_certificate(registration_id=registration.pk, reason="Name misspelled")
    registration.full_name = "José Núñez"
    registration.save()

    reissued = services.reissue_certificate(registration_id=registration.pk)

    assert reissued.pk == original.pk
    assert reissued.code == original.code
    assert reissued.name_printed == "José Núñez"
    assert reissued.is_valid and reissued.revoked_reason == ""
    assert services.render_pdf(reissued) == reissued.pdf.open("rb").read()
    assert (
        Notification.objects.filter(
            registration=registration, kind=Notification.Kind.CERTIFICATE
        ).count()
        == 2
    )


def test_session_wide_issuance_issues_only_to_attended_confirmed_registrants():
    session = EndedSessionFactory()
    attended = AttendedRegistrationFactory.create_batch(3, session=session)
    RegistrationFactory(session=session, attended=False)
    RegistrationFactory(session=session, cancelled=True, attended=True)
    issue(attended[0])

    result = services.issue_session_certificates(session_id=session.pk)

    assert (result.issued, result.already_issued, result.refused, result.total) == (2, 1, 0, 3)
    assert set(Certificate.objects.values_list("registration_id", flat=True)) == {
        r.pk for r in attended
    }


def test_session_run_writes_rows_and_enqueues_emails_per_batch_not_per_certificate(
    django_assert_max_num_queries, django_capture_on_commit_callbacks, monkeypatch
):
    session = EndedSessionFactory()
    attendees = services.BATCH_SIZE + 5
    AttendedRegistrationFactory.create_batch(attendees, session=session)
    published = []
    monkeypatch.setattr(
        "events.tasks.notifications.send_notifications.apply_async",
        lambda args, kwargs=None, **options: published.append(args[0]),
    )
    monkeypatch.setattr(
        "events.tasks.notifications.send_notification.apply_async",
        lambda args, kwargs=None, **options: published.append([args[0]]),
    )

    # Two batches of a few statements each, whatever their size (not 3 or 4 per row).
    with (
        django_assert_max_num_queries(20),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        result = services.issue_session_certificates(session_id=session.pk)

    assert result.issued == attendees
    assert len(callbacks) == 2
    queued = Notification.objects.filter(kind=Notification.Kind.CERTIFICATE)
    assert sorted(i for ids in published for i in ids) == sorted(
        queued.values_list("pk", flat=True)
    )
    assert len(published) == 2
    assert AuditEntry.objects.filter(action="certificate_issued", session=session).count() == (
        attendees
    )


def test_issuing_again_after_the_certificate_was_deleted_keeps_one_email_row():
    registration = AttendedRegistrationFactory()
    issue(registration).delete()

    again = issue(registration)

    assert Certificate.objects.get(registration=registration) == again
    emails = Notification.objects.filter(registration=registration, kind="certificate")
    assert emails.count() == 1


def test_session_wide_issuance_before_the_end_is_refused():
    session = SessionFactory()
    with pytest.raises(services.CertificateRefused, match="not ended"):
        services.issue_session_certificates(session_id=session.pk)


def test_progress_counts_issued_against_owed_per_session():
    session = EndedSessionFactory()
    attended = AttendedRegistrationFactory.create_batch(3, session=session)
    RegistrationFactory(session=session, attended=False)
    issue(attended[0])
    issue(attended[1])
    services.revoke_certificate(registration_id=attended[1].pk, reason="duplicate")

    row = selectors.sessions_with_progress().get(pk=session.pk)

    assert (row.certificates_issued, row.certificates_total, row.certificates_revoked) == (2, 3, 1)


def test_due_sessions_are_recently_ended_sessions_that_still_owe_certificates():
    owed = AttendedRegistrationFactory().session
    done = AttendedRegistrationFactory()
    issue(done)
    AttendedRegistrationFactory(attended=False)  # nothing owed
    upcoming = SessionFactory()
    RegistrationFactory(session=upcoming, attended=True)
    long_ago = timezone.now() - timedelta(days=90)
    AttendedRegistrationFactory(session__starts_at=long_ago)  # older than the scan window

    assert selectors.sessions_due_for_certificates() == [owed.pk]


def test_beat_task_issues_every_owed_certificate_through_the_pdf_tasks():
    registrations = AttendedRegistrationFactory.create_batch(2)
    tasks.issue_due_certificates.delay()
    assert Certificate.objects.filter(registration__in=registrations).count() == 2


def test_single_issue_task_logs_a_refusal_instead_of_failing(caplog):
    registration = AttendedRegistrationFactory(attended=False)
    tasks.issue_certificate.delay(registration.pk)
    assert not Certificate.objects.exists()
    assert "not marked as attended" in caplog.text


def test_a_lost_pdf_file_is_rendered_again_from_the_snapshot_with_the_same_bytes():
    certificate = issue(AttendedRegistrationFactory())
    original = certificate.pdf.open("rb").read()
    certificate.pdf.close()
    certificate.pdf.storage.delete(certificate.pdf.name)
    assert services.certificate_pdf(certificate) == original


def test_after_commit_the_attendee_is_emailed_the_pdf_and_the_download_link(
    django_capture_on_commit_callbacks, mailoutbox
):
    registration = AttendedRegistrationFactory(email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        certificate = issue(registration)

    (message,) = mailoutbox
    assert message.to == ["ana@example.org"]
    attachments = {name: content for name, content, _mime in message.attachments}
    assert (
        attachments[f"certificate-{certificate.display_code}.pdf"]
        == certificate.pdf.open("rb").read()
    )
    assert registration.manage_token in message.body


def test_issuance_tasks_are_registered_routed_to_the_pdf_queue_and_scheduled():
    from trafficking_training.celery import app

    for name in ("events.issue_certificate", "events.issue_session_certificates"):
        assert name in app.tasks
        assert app.amqp.router.route({}, name)["queue"].name == "pdf"
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "events.issue_due_certificates" in scheduled
    assert "events.issue_due_certificates" in app.tasks
