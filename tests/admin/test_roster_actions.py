"""Every roster action: what it does, what it refuses, and how it reports both."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import AuditEntry, Certificate, CertificateIssuance, Notification, Registration
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:events_registration_changelist"


def starting_soon(session):
    """Move the session to half an hour from now: its door is open for check-in."""
    session.starts_at = timezone.now() + timedelta(minutes=30)
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save()
    return session


def ended(session):
    """Move the session to yesterday: attendance is marked from the sign-in sheet."""
    session.starts_at = timezone.now() - timedelta(days=1)
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save()
    return session


def run_action(client, action, registrations, **extra):
    # From the list of everyone: the default list hides cancelled people, so that
    # selecting one takes the "All, cancelled included" status first.
    response = client.post(
        reverse(CHANGELIST) + "?status__exact=all",
        {"action": action, "_selected_action": [r.pk for r in registrations], "index": 0, **extra},
        follow=True,
    )
    return response, [str(m) for m in response.context["messages"]]


def test_check_in_reports_checked_in_and_skipped_cancelled(client_a, session_a, organizer_a):
    starting_soon(session_a)
    people = RegistrationFactory.create_batch(3, session=session_a)
    gone = RegistrationFactory(session=session_a, cancelled=True)
    _, messages = run_action(client_a, "check_in_selected", [*people, gone])
    assert messages == ["3 checked in, 1 skipped: cancelled"]
    checked = Registration.objects.filter(checked_in_at__isnull=False, attended=True)
    assert set(checked) == set(people)
    assert AuditEntry.objects.filter(action="checked_in", actor=organizer_a).count() == 3


def test_check_in_skips_waitlisted_and_already_checked_in(client_a, session_a):
    waiting = RegistrationFactory(session=session_a, waitlisted=True)
    earlier = timezone.now() - timedelta(minutes=30)
    already = RegistrationFactory(session=session_a, checked_in_at=earlier, attended=True)
    _, messages = run_action(client_a, "check_in_selected", [waiting, already])
    assert messages == [
        "0 checked in, 1 skipped: already checked in, 1 skipped: on the waiting list"
    ]
    already.refresh_from_db()
    assert already.checked_in_at == earlier


def test_mark_attended_records_attendance_without_a_door_check_in(client_a, attendee_a):
    ended(attendee_a.session)
    _, messages = run_action(client_a, "mark_attended", [attendee_a])
    attendee_a.refresh_from_db()
    assert messages == ["1 marked attended"]
    assert attendee_a.attended is True
    assert AuditEntry.objects.filter(registration=attendee_a, action="marked_attended").exists()


def test_mark_attended_refuses_cancelled_registrations(client_a, session_a):
    gone = RegistrationFactory(session=session_a, cancelled=True)
    _, messages = run_action(client_a, "mark_attended", [gone])
    gone.refresh_from_db()
    assert messages == ["0 marked attended, 1 skipped: cancelled"]
    assert gone.attended is False


def test_mark_not_attended_undoes_a_mistaken_check_in(client_a, session_a):
    mistaken = RegistrationFactory(session=session_a, checked_in_at=timezone.now(), attended=True)
    _, messages = run_action(client_a, "mark_not_attended", [mistaken])
    mistaken.refresh_from_db()
    assert messages == ["1 marked not attended"]
    assert (mistaken.attended, mistaken.checked_in_at) == (False, None)


def test_promote_fills_free_seats_and_refuses_past_capacity(client_a, session_a):
    session_a.capacity = 2
    session_a.save()
    RegistrationFactory(session=session_a)
    first = RegistrationFactory(session=session_a, waitlisted=True)
    second = RegistrationFactory(session=session_a, waitlisted=True)
    _, messages = run_action(client_a, "promote_selected", [second, first])
    first.refresh_from_db()
    second.refresh_from_db()
    assert messages == ["1 promoted, 1 skipped: The session is full."]
    # Earliest on the waiting list gets the seat, whatever the order of selection.
    assert first.status == Registration.Status.CONFIRMED
    assert second.status == Registration.Status.WAITLISTED
    assert Notification.objects.filter(registration=first, kind="promoted").exists()


def test_promote_refuses_someone_not_on_the_waiting_list(client_a, attendee_a):
    _, messages = run_action(client_a, "promote_selected", [attendee_a])
    assert messages == ["0 promoted, 1 skipped: This person is not on the waiting list."]


def test_cancel_notifies_the_attendee_and_frees_the_seat(client_a, session_a, organizer_a):
    session_a.capacity = 1
    session_a.save()
    seated = RegistrationFactory(session=session_a)
    waiting = RegistrationFactory(session=session_a, waitlisted=True)
    _, messages = run_action(client_a, "cancel_selected", [seated])
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert messages == ["1 cancelled"]
    assert seated.status == Registration.Status.CANCELLED
    assert Notification.objects.filter(registration=seated, kind="cancelled").exists()
    assert waiting.status == Registration.Status.CONFIRMED
    assert AuditEntry.objects.filter(registration=seated, actor=organizer_a).exists()


def test_cancel_skips_registrations_already_cancelled(client_a, session_a):
    gone = RegistrationFactory(session=session_a, cancelled=True)
    _, messages = run_action(client_a, "cancel_selected", [gone])
    assert messages == ["0 cancelled, 1 skipped: already cancelled"]
    assert not Notification.objects.filter(registration=gone).exists()


def test_resend_confirmation_queues_a_new_numbered_message_each_time(client_a, attendee_a):
    run_action(client_a, "resend_confirmation", [attendee_a])
    _, messages = run_action(client_a, "resend_confirmation", [attendee_a])
    variants = set(
        Notification.objects.filter(registration=attendee_a, kind="confirmation").values_list(
            "variant", flat=True
        )
    )
    assert messages == ["1 confirmation resent"]
    assert variants == {"resend-1", "resend-2"}


def test_resend_confirmation_to_a_waitlisted_person_resends_the_waiting_list_email(
    client_a, session_a
):
    waiting = RegistrationFactory(session=session_a, waitlisted=True)
    run_action(client_a, "resend_confirmation", [waiting])
    assert Notification.objects.filter(registration=waiting, kind="waitlisted").exists()


def test_email_selected_first_asks_for_the_message(client_a, attendee_a):
    response = client_a.post(
        reverse(CHANGELIST),
        {"action": "email_selected", "_selected_action": [attendee_a.pk], "index": 0},
    )
    assert response.status_code == 200
    assert b'name="subject"' in response.content
    assert not Notification.objects.filter(kind="organizer_message").exists()


def test_email_selected_queues_the_organizers_message_to_active_people(client_a, session_a):
    people = RegistrationFactory.create_batch(2, session=session_a)
    gone = RegistrationFactory(session=session_a, cancelled=True)
    _, messages = run_action(
        client_a,
        "email_selected",
        [*people, gone],
        send_message="1",
        subject="Parking",
        body="Use the north lot.",
    )
    sent = Notification.objects.filter(kind="organizer_message")
    assert messages == ["2 messages queued, 1 skipped: cancelled"]
    assert {n.registration_id for n in sent} == {p.pk for p in people}
    assert {n.payload["subject"] for n in sent} == {"Parking"}
    # One message, one variant shared by its recipients; the next message gets another.
    assert len({n.variant for n in sent}) == 1


def test_email_selected_rejects_an_empty_message(client_a, attendee_a):
    run_action(client_a, "email_selected", [attendee_a], send_message="1", subject="", body="")
    assert not Notification.objects.filter(kind="organizer_message").exists()


def test_issue_certificates_queues_a_run_that_issues_to_attendees_and_counts_refusals(
    client_a, session_a, django_capture_on_commit_callbacks
):
    session_a.starts_at = timezone.now() - timedelta(days=1, hours=3)
    session_a.ends_at = session_a.starts_at + timedelta(hours=3)
    session_a.save()
    attended = RegistrationFactory(session=session_a, checked_in_at=timezone.now(), attended=True)
    absent = RegistrationFactory(session=session_a)
    # The worker's part runs eagerly when the action's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        _, messages = run_action(client_a, "issue_certificates", [attended, absent])
    assert Certificate.objects.filter(registration=attended).exists()
    assert not Certificate.objects.filter(registration=absent).exists()
    assert messages[0].startswith("Issuing the certificates in the background")
    run = CertificateIssuance.objects.get()
    assert run.items.filter(outcome="refused").get().registration_id == absent.pk


def test_certificate_column_shows_who_has_one(client_a, session_a):
    from events.services.certificates import issue_certificate

    session_a.starts_at = timezone.now() - timedelta(days=1, hours=3)
    session_a.ends_at = session_a.starts_at + timedelta(hours=3)
    session_a.save()
    holder = RegistrationFactory(session=session_a, checked_in_at=timezone.now(), attended=True)
    issue_certificate(registration_id=holder.pk)
    response = client_a.get(reverse(CHANGELIST))
    rows = {r.pk: r for r in response.context["cl"].result_list}
    admin = response.context["cl"].model_admin
    assert admin.has_certificate(rows[holder.pk]) is True


def test_editing_details_in_the_admin_is_audited_with_the_fields(client_a, attendee_a, organizer_a):
    url = reverse("admin:events_registration_change", args=[attendee_a.pk])
    response = client_a.post(
        url,
        {
            "full_name": "Ana Álvarez-Ruiz",
            "email": " Ana@Example.org ",
            "organization": attendee_a.organization,
            "sector": attendee_a.sector_id,
            "job_title": attendee_a.job_title,
            "accommodations": "",
        },
    )
    assert response.status_code == 302
    attendee_a.refresh_from_db()
    entry = AuditEntry.objects.get(registration=attendee_a, action="details_changed")
    assert attendee_a.full_name == "Ana Álvarez-Ruiz"
    assert attendee_a.email == "ana@example.org"
    assert entry.actor == organizer_a
    assert set(entry.detail["fields"]) == {"full_name", "email"}


def test_status_cannot_be_changed_through_the_edit_form(client_a, attendee_a):
    url = reverse("admin:events_registration_change", args=[attendee_a.pk])
    client_a.post(
        url,
        {
            "full_name": attendee_a.full_name,
            "email": attendee_a.email,
            "sector": attendee_a.sector_id,
            "status": "cancelled",
            "attended": "on",
        },
    )
    attendee_a.refresh_from_db()
    assert (attendee_a.status, attendee_a.attended) == ("confirmed", False)


def test_registration_page_shows_its_audit_trail(client_a, attendee_a, organizer_a):
    starting_soon(attendee_a.session)
    run_action(client_a, "check_in_selected", [attendee_a])
    url = reverse("admin:events_registration_change", args=[attendee_a.pk])
    response = client_a.get(url)
    assert b"checked_in" in response.content
    assert organizer_a.email.encode() in response.content


def test_organizers_cannot_add_or_delete_registrations(client_a, attendee_a):
    assert client_a.get(reverse("admin:events_registration_add")).status_code == 403
    url = reverse("admin:events_registration_delete", args=[attendee_a.pk])
    assert client_a.get(url).status_code == 403
