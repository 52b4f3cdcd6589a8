"""Registration and waiting-list services: seats, the waiting list, cancelling, links."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from events.models import AuditEntry, Notification, Registration, TrainingSession
from events.selectors.registrations import find_by_manage_token
from events.selectors.waitlist import waitlist_position
from events.services import registration as services
from events.services.locking import LockOutsideTransaction, lock_session
from events.services.sessions import update_session
from events.services.waitlist import (
    PromotionRefused,
    promote_from_waitlist,
    promote_registration,
)
from tests.factories import RegistrationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def attendee(sector, email="ana@example.org", **overrides) -> services.AttendeeDetails:
    details = {
        "full_name": "Ana  Ruiz ",
        "email": email,
        "sector_id": sector.pk,
        "organization": " Fargo Clinic ",
        "job_title": "Nurse",
        "accommodations": "",
    }
    details.update(overrides)
    return services.AttendeeDetails(**details)


def register(session, sector, email="ana@example.org", **overrides) -> Registration:
    return services.register_for_session(
        session_id=session.pk, attendee=attendee(sector, email, **overrides)
    )


def test_new_registration_is_written_with_its_audit_line_and_first_outbox_row(sector):
    session = SessionFactory(capacity=5)
    registration = register(session, sector, email="one@example.org")

    audit = AuditEntry.objects.get(registration=registration)
    assert (audit.action, audit.session_id) == ("registered", session.pk)
    assert audit.detail == {"status": Registration.Status.CONFIRMED}
    outbox = registration.notifications.get()
    assert outbox.kind == Notification.Kind.CONFIRMATION
    assert outbox.status == Notification.Status.QUEUED
    assert outbox.next_attempt_at is not None


def set_capacity(session, capacity: int) -> TrainingSession:
    """What the admin's change form does: save the edited session through the service."""
    edited = TrainingSession.objects.get(pk=session.pk)
    edited.capacity = capacity
    return update_session(session=edited)


def kinds(registration) -> list[str]:
    return sorted(registration.notifications.values_list("kind", flat=True))


def test_registrant_with_free_seat_is_confirmed_and_emailed_the_manage_link(
    sector, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(session, sector, email="  Ana@Example.ORG ")

    assert registration.status == Registration.Status.CONFIRMED
    assert registration.confirmed_at is not None
    assert registration.email == "ana@example.org"
    assert registration.full_name == "Ana Ruiz"
    assert registration.organization == "Fargo Clinic"
    assert kinds(registration) == [Notification.Kind.CONFIRMATION]
    assert registration.notifications.get().status == Notification.Status.SENT
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert registration.get_manage_url() in message.body
    assert any(name.endswith(".ics") for name, _content, _type in message.attachments)


def test_manage_token_is_stored_only_as_a_hash(sector):
    registration = register(SessionFactory(), sector)
    token = registration.manage_token
    assert token not in registration.manage_token_hash
    assert not Registration.objects.filter(manage_token_hash=token).exists()
    assert find_by_manage_token(token) == registration
    assert find_by_manage_token(token[:-1] + "x") is None


def test_full_session_puts_next_registrant_on_waiting_list(
    sector, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=1)
    register(session, sector, email="first@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        second = register(session, sector, email="second@example.org")

    assert second.status == Registration.Status.WAITLISTED
    assert second.waitlisted_at is not None
    assert waitlist_position(second) == 1
    assert kinds(second) == [Notification.Kind.WAITLISTED]
    assert mail.outbox[-1].to == ["second@example.org"]


def test_waiting_list_positions_follow_arrival_order(sector):
    session = SessionFactory(capacity=1)
    register(session, sector, email="seat@example.org")
    waiting = [register(session, sector, email=f"w{i}@example.org") for i in range(3)]
    assert [waitlist_position(r) for r in waiting] == [1, 2, 3]


def test_registering_same_email_twice_keeps_one_registration_and_resends_the_link(
    sector, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    first = register(session, sector, email="ana@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        again = register(session, sector, email="ANA@example.org", full_name="Someone Else")

    assert again.pk == first.pk
    assert Registration.objects.filter(session=session).count() == 1
    assert Registration.objects.get().full_name == "Ana Ruiz"
    assert kinds(first) == [Notification.Kind.CONFIRMATION, Notification.Kind.MANAGE_LINK]
    [message] = mail.outbox
    assert first.get_manage_url() in message.body


def test_each_repeat_registration_sends_its_own_manage_link_email(sector):
    session = SessionFactory()
    first = register(session, sector)
    register(session, sector)
    register(session, sector)
    variants = first.notifications.filter(kind=Notification.Kind.MANAGE_LINK).values_list(
        "variant", flat=True
    )
    assert sorted(variants) == ["1", "2"]


def test_cancelled_registrant_can_register_again(sector):
    session = SessionFactory()
    first = register(session, sector)
    services.cancel_registration(registration_id=first.pk)
    again = register(session, sector)
    assert again.pk != first.pk
    assert again.status == Registration.Status.CONFIRMED


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"status": TrainingSession.Status.DRAFT}, "not open for registration"),
        ({"status": TrainingSession.Status.CANCELLED}, "cancelled"),
        ({"starts_at": timezone.now() - timedelta(days=1)}, "already started"),
        ({"registration_opens_at": timezone.now() + timedelta(days=1)}, "Registration opens"),
        ({"registration_closes_at": timezone.now() - timedelta(hours=1)}, "has closed"),
    ],
    ids=["draft", "cancelled", "past", "not-yet-open", "closed"],
)
def test_session_that_does_not_take_registrations_refuses_with_a_reason(sector, overrides, reason):
    session = SessionFactory(**overrides)
    with pytest.raises(services.RegistrationClosed, match=reason):
        register(session, sector)
    assert not Registration.objects.exists()


def test_signed_in_registrant_is_linked_to_their_account(sector):
    user = UserFactory()
    registration = register(SessionFactory(), sector, user_id=user.pk)
    assert registration.user == user


def test_registration_is_written_to_the_audit_trail(sector):
    registration = register(SessionFactory(), sector)
    entry = AuditEntry.objects.get(registration=registration)
    assert entry.action == "registered"
    assert entry.detail == {"status": "confirmed"}


def test_cancelling_a_seat_promotes_first_in_line_and_emails_them(
    sector, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=1)
    seated = register(session, sector, email="seat@example.org")
    first = register(session, sector, email="first@example.org")
    second = register(session, sector, email="second@example.org")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(registration_id=seated.pk)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Registration.Status.CONFIRMED
    assert second.status == Registration.Status.WAITLISTED
    assert waitlist_position(second) == 1
    assert Notification.Kind.PROMOTED in kinds(first)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["first@example.org", "seat@example.org"]
    promoted_mail = next(m for m in mail.outbox if m.to == ["first@example.org"])
    assert first.get_manage_url() in promoted_mail.body


def test_cancelling_a_waitlisted_place_promotes_nobody(sector):
    session = SessionFactory(capacity=1)
    register(session, sector, email="seat@example.org")
    first = register(session, sector, email="first@example.org")
    second = register(session, sector, email="second@example.org")

    services.cancel_registration(registration_id=first.pk)

    second.refresh_from_db()
    assert second.status == Registration.Status.WAITLISTED
    assert waitlist_position(second) == 1


def test_cancelling_twice_changes_nothing_the_second_time(sector):
    registration = register(SessionFactory(), sector)
    services.cancel_registration(registration_id=registration.pk)
    again = services.cancel_registration(registration_id=registration.pk)
    assert again.status == Registration.Status.CANCELLED
    assert AuditEntry.objects.filter(action="cancelled").count() == 1


def test_attendee_cannot_cancel_after_the_session_started(sector):
    registration = RegistrationFactory(
        session=SessionFactory(starts_at=timezone.now() - timedelta(hours=1))
    )
    with pytest.raises(services.CancellationClosed):
        services.cancel_registration(registration_id=registration.pk)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED

    organizer_cancel = services.cancel_registration(
        registration_id=registration.pk, allow_after_start=True
    )
    assert organizer_cancel.status == Registration.Status.CANCELLED


def test_raising_capacity_promotes_the_waiting_list_in_order(
    sector, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=1)
    register(session, sector, email="seat@example.org")
    waiting = [register(session, sector, email=f"w{i}@example.org") for i in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        set_capacity(session, 3)

    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    assert sorted(m.to[0] for m in mail.outbox if "w" in m.to[0][0]) == [
        "w0@example.org",
        "w1@example.org",
    ]


def test_capacity_changes_are_audited_once_with_old_and_new_values(sector):
    session = SessionFactory(capacity=1)
    register(session, sector, email="seat@example.org")
    register(session, sector, email="waiting@example.org")

    set_capacity(session, 3)
    set_capacity(session, 2)

    entries = AuditEntry.objects.filter(session=session, action="capacity_changed")
    assert [e.detail for e in entries.order_by("pk")] == [
        {"old": 1, "new": 3, "promoted": 1},
        {"old": 3, "new": 2, "promoted": 0},
    ]


def test_lowering_capacity_demotes_nobody(sector):
    session = SessionFactory(capacity=3)
    seated = [register(session, sector, email=f"s{i}@example.org") for i in range(3)]
    set_capacity(session, 1)
    assert all(
        Registration.objects.get(pk=r.pk).status == Registration.Status.CONFIRMED for r in seated
    )
    assert register(session, sector).status == Registration.Status.WAITLISTED


@pytest.mark.parametrize(
    ("capacity", "newcomer_status"),
    [(2, Registration.Status.WAITLISTED), (3, Registration.Status.CONFIRMED)],
)
def test_seats_freed_without_promotion_go_to_those_waiting_first(sector, capacity, newcomer_status):
    session = SessionFactory(capacity=1)
    register(session, sector, email="seat@example.org")
    waiting = register(session, sector, email="waiting@example.org")
    # An edit that bypassed update_session (the database, a bulk update).
    TrainingSession.objects.filter(pk=session.pk).update(capacity=capacity)

    newcomer = register(session, sector, email="new@example.org")

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    # The seat after the waiting list, if any, is the newcomer's.
    assert newcomer.status == newcomer_status


def test_cancelled_session_promotes_nobody(sector):
    session = SessionFactory(capacity=1)
    seated = register(session, sector, email="seat@example.org")
    waiting = register(session, sector, email="waiting@example.org")
    TrainingSession.objects.filter(pk=session.pk).update(status=TrainingSession.Status.CANCELLED)

    services.cancel_registration(registration_id=seated.pk)
    assert promote_from_waitlist(session_id=session.pk) == []
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.WAITLISTED


def test_organizer_cannot_promote_past_capacity(sector):
    session = SessionFactory(capacity=1)
    register(session, sector, email="seat@example.org")
    waiting = register(session, sector, email="waiting@example.org")
    with pytest.raises(PromotionRefused):
        promote_registration(registration_id=waiting.pk)

    set_capacity(session, 1)  # unchanged: still full
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.WAITLISTED


def test_resend_sends_a_link_for_each_active_upcoming_registration(
    sector, django_capture_on_commit_callbacks
):
    upcoming = [register(SessionFactory(), sector) for _ in range(2)]
    cancelled = register(SessionFactory(), sector)
    services.cancel_registration(registration_id=cancelled.pk)
    RegistrationFactory(
        email="ana@example.org",
        session=SessionFactory(
            starts_at=timezone.now() - timedelta(days=3),
        ),
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        found = services.resend_manage_links(email=" ANA@example.org")

    assert sorted(r.pk for r in found) == sorted(r.pk for r in upcoming)
    bodies = " ".join(m.body for m in mail.outbox)
    assert len(mail.outbox) == 2
    assert all(r.get_manage_url() in bodies for r in upcoming)


def test_resend_for_an_unknown_email_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.resend_manage_links(email="nobody@example.org") == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_session_lock_refuses_to_run_outside_a_transaction():
    session = SessionFactory()
    with pytest.raises(LockOutsideTransaction):
        lock_session(session.pk)
    with transaction.atomic():
        assert lock_session(session.pk) == session


def test_the_locked_session_reads_every_field_as_the_orm_does():
    session = SessionFactory(
        what_to_bring="A photo ID", registration_closes_at=timezone.now() + timedelta(days=1)
    )
    stored = TrainingSession.objects.get(pk=session.pk)
    with transaction.atomic():
        locked = lock_session(session.pk)
    fields = [f.attname for f in TrainingSession._meta.concrete_fields]
    assert [getattr(locked, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert locked.starts_at.tzinfo is not None
    assert not locked._state.adding
