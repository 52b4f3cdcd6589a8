"""The reminder scan: what falls due, for whom, once, and after a session moves."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from events.models import Notification, TrainingSession
from events.services.notifications import enqueue_new_rows
from events.services.reminders import dispatch_due_reminders
from events.services.sessions import update_session
from tests.factories import NotificationFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

START = datetime(2031, 3, 20, 15, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def clock(time_machine):
    """Start ten days before the session; tests move forward from there."""
    time_machine.move_to(START - timedelta(days=10), tick=False)
    return time_machine


@pytest.fixture
def session(clock):
    return SessionFactory(starts_at=START, ends_at=START + timedelta(hours=3))


def reminders_of(registration) -> list[str]:
    return sorted(
        registration.notifications.filter(kind=Notification.Kind.REMINDER).values_list(
            "variant", flat=True
        )
    )


def scan_at(clock, when: datetime, capture):
    clock.move_to(when, tick=False)
    with capture(execute=True):
        return dispatch_due_reminders()


def test_the_7_day_reminder_is_sent_once_it_falls_due_and_not_before(
    session, clock, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(session=session)
    scan_at(clock, START - timedelta(days=7, minutes=1), django_capture_on_commit_callbacks)
    assert reminders_of(registration) == []
    scan_at(
        clock, START - timedelta(days=7) + timedelta(minutes=1), django_capture_on_commit_callbacks
    )
    assert reminders_of(registration) == ["7d"]
    assert [m.to for m in mail.outbox] == [[registration.email]]
    assert registration.notifications.get(variant="7d").status == Notification.Status.SENT


def test_each_reminder_goes_out_once_however_often_the_scan_runs(
    session, clock, django_capture_on_commit_callbacks
):
    RegistrationFactory.create_batch(3, session=session)
    for minutes in (1, 6, 11):
        scan_at(
            clock,
            START - timedelta(days=1) + timedelta(minutes=minutes),
            django_capture_on_commit_callbacks,
        )
    assert Notification.objects.filter(kind="reminder").count() == 3
    assert len(mail.outbox) == 3


def test_over_the_whole_week_an_early_registrant_gets_all_three_reminders(
    session, clock, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(session=session)
    for offset in (timedelta(days=7), timedelta(days=1), timedelta(hours=2)):
        scan_at(clock, START - offset + timedelta(minutes=3), django_capture_on_commit_callbacks)
    assert reminders_of(registration) == ["1d", "2h", "7d"]


def test_someone_registering_20_hours_before_gets_only_the_2_hour_reminder(
    session, clock, django_capture_on_commit_callbacks
):
    clock.move_to(START - timedelta(hours=20), tick=False)
    late = RegistrationFactory(session=session)
    scan_at(
        clock,
        START - timedelta(hours=20) + timedelta(minutes=4),
        django_capture_on_commit_callbacks,
    )
    assert reminders_of(late) == []
    scan_at(
        clock, START - timedelta(hours=2) + timedelta(minutes=4), django_capture_on_commit_callbacks
    )
    assert reminders_of(late) == ["2h"]


def test_a_scan_that_missed_the_7_day_mark_sends_only_the_latest_reminder_due(
    session, clock, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(session=session)
    scan_at(clock, START - timedelta(hours=23), django_capture_on_commit_callbacks)
    assert reminders_of(registration) == ["1d"]


def test_cancelled_waitlisted_opted_out_and_anonymized_registrants_get_no_reminders(
    session, clock, django_capture_on_commit_callbacks
):
    RegistrationFactory(session=session, cancelled=True)
    RegistrationFactory(session=session, waitlisted=True)
    RegistrationFactory(session=session, reminders_opt_out=True)
    RegistrationFactory(session=session, anonymized_at=timezone.now())
    confirmed = RegistrationFactory(session=session)
    scan_at(clock, START - timedelta(hours=1), django_capture_on_commit_callbacks)
    assert list(Notification.objects.values_list("registration", flat=True)) == [confirmed.pk]


def test_a_cancelled_session_sends_no_reminders(session, clock, django_capture_on_commit_callbacks):
    RegistrationFactory(session=session)
    TrainingSession.objects.filter(pk=session.pk).update(status=TrainingSession.Status.CANCELLED)
    scan_at(clock, START - timedelta(hours=1), django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()


def test_per_session_offsets_replace_the_defaults(clock, django_capture_on_commit_callbacks):
    session = SessionFactory(
        starts_at=START, ends_at=START + timedelta(hours=3), reminder_offsets="3d,30m"
    )
    registration = RegistrationFactory(session=session)
    for offset in (timedelta(days=7), timedelta(days=3), timedelta(days=1), timedelta(minutes=30)):
        scan_at(clock, START - offset + timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert reminders_of(registration) == ["30m", "3d"]


def test_a_session_without_offsets_sends_no_reminders(clock, django_capture_on_commit_callbacks):
    session = SessionFactory(
        starts_at=START, ends_at=START + timedelta(hours=3), reminder_offsets=""
    )
    RegistrationFactory(session=session)
    scan_at(clock, START - timedelta(hours=1), django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()


def test_reminders_follow_a_moved_session_and_the_move_sends_a_versioned_notice(
    session, clock, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(session=session)
    scan_at(
        clock, START - timedelta(days=7) + timedelta(minutes=1), django_capture_on_commit_callbacks
    )
    new_start = START + timedelta(days=3)
    for shift in (new_start, new_start + timedelta(hours=1)):  # moved twice: two notices
        edited = TrainingSession.objects.get(pk=session.pk)
        edited.starts_at, edited.ends_at = shift, shift + timedelta(hours=3)
        with django_capture_on_commit_callbacks(execute=True):
            update_session(session=edited)
    new_start += timedelta(hours=1)
    notices = registration.notifications.filter(kind=Notification.Kind.SESSION_CHANGED)
    assert sorted(notices.values_list("variant", flat=True)) == ["2", "3"]

    scan_at(
        clock, START - timedelta(days=1) + timedelta(minutes=1), django_capture_on_commit_callbacks
    )
    assert reminders_of(registration) == ["7d"]  # the old 1-day mark means nothing now
    scan_at(
        clock,
        new_start - timedelta(days=1) + timedelta(minutes=1),
        django_capture_on_commit_callbacks,
    )
    assert reminders_of(registration) == ["1d", "7d"]
    local = timezone.localtime(new_start, session.tzinfo)
    assert f"{local:%-I:%M %p}" in mail.outbox[-1].body


def test_each_new_row_is_enqueued_by_exactly_one_scan():
    rows = NotificationFactory.create_batch(3, kind="reminder", variant="1d")
    first = enqueue_new_rows(now=timezone.now())
    second = enqueue_new_rows(now=timezone.now())
    assert sorted(first) == sorted(r.pk for r in rows)
    assert second == []


def test_the_scan_runs_a_fixed_number_of_queries_however_many_registrants(
    session, clock, django_assert_max_num_queries
):
    RegistrationFactory.create_batch(40, session=session)
    clock.move_to(START - timedelta(hours=1), tick=False)
    with django_assert_max_num_queries(10):
        report = dispatch_due_reminders()
    assert len(report.enqueued_ids) == 40
