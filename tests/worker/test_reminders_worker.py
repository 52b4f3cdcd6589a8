"""Reminders through a real Celery worker on Redis and a real SMTP server.

(a) two scans at the same time still send each registrant one of each reminder;
(d) after a session moves, the remaining reminders use the new time.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from events.models import Notification, TrainingSession
from events.services.reminders import dispatch_due_reminders
from events.services.sessions import update_session
from tests.factories import RegistrationFactory, SessionFactory

from .conftest import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_two_scans_at_the_same_time_send_each_registrant_one_reminder(workers, smtp_sink):
    workers.start()
    session = SessionFactory(starts_at=timezone.now() + timedelta(hours=23))
    registrations = RegistrationFactory.create_batch(
        120, session=session, confirmed_at=timezone.now() - timedelta(days=3)
    )
    barrier = threading.Barrier(2)
    reports = []

    def scan() -> None:
        try:
            barrier.wait(timeout=10)
            reports.append(dispatch_due_reminders())
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    rows = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert rows.count() == 120
    assert set(rows.values_list("variant", flat=True)) == {"1d"}
    # Each new row was enqueued by exactly one of the two scans.
    enqueued = [pk for report in reports for pk in report.enqueued_ids]
    assert sorted(enqueued) == sorted(rows.values_list("pk", flat=True))
    wait_until(lambda: smtp_sink.handler.count >= 120, timeout=120, what="120 reminders")
    wait_until(
        lambda: not rows.exclude(status=Notification.Status.SENT).exists(),
        timeout=30,
        what="every row marked sent",
    )
    assert smtp_sink.handler.count == 120
    assert set(smtp_sink.handler.ids.values()) == {1}
    recipients = {
        m.split(b"\r\nTo: ", 1)[1].split(b"\r\n", 1)[0] for m in smtp_sink.handler.messages
    }
    assert recipients == {r.email.encode() for r in registrations}


def test_reminders_after_a_move_use_the_new_time(workers, smtp_sink, time_machine):
    workers.start()
    start = (timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0)
    session = SessionFactory(
        starts_at=start, ends_at=start + timedelta(hours=3), timezone="America/Denver"
    )
    registrations = RegistrationFactory.create_batch(5, session=session)
    sent = Notification.objects.filter(status=Notification.Status.SENT)

    time_machine.move_to(start - timedelta(days=7) + timedelta(minutes=1))
    dispatch_due_reminders()
    wait_until(lambda: sent.count() == 5, timeout=60, what="the 7-day reminders")

    new_start = start + timedelta(days=2, hours=3)
    edited = TrainingSession.objects.get(pk=session.pk)
    edited.starts_at, edited.ends_at = new_start, new_start + timedelta(hours=3)
    update_session(session=edited)
    wait_until(lambda: sent.count() == 10, timeout=60, what="the session-changed notices")

    time_machine.move_to(start - timedelta(days=1) + timedelta(minutes=1))
    assert dispatch_due_reminders().created_total == 0  # the old 1-day mark is gone
    for offset in (timedelta(days=1), timedelta(hours=2)):
        time_machine.move_to(new_start - offset + timedelta(minutes=1))
        dispatch_due_reminders()
    wait_until(lambda: sent.count() == 20, timeout=60, what="the 1-day and 2-hour reminders")

    new_local = timezone.localtime(new_start, session.tzinfo)
    old_local = timezone.localtime(start, session.tzinfo)
    by_id = {}
    for raw in smtp_sink.handler.messages:
        notification_id = int(raw.split(b"X-Notification-Id: ", 1)[1].split(b"\r\n", 1)[0])
        by_id[notification_id] = raw.decode("utf-8", "replace")
    assert len(by_id) == 20 and set(smtp_sink.handler.ids.values()) == {1}
    for registration in registrations:
        rows = {
            (n.kind, n.variant): n.pk
            for n in Notification.objects.filter(registration=registration)
        }
        assert set(rows) == {
            ("reminder", "7d"),
            ("session_changed", "2"),
            ("reminder", "1d"),
            ("reminder", "2h"),
        }
        assert f"{old_local:%B %-d}" in by_id[rows[("reminder", "7d")]]
        changed = by_id[rows[("session_changed", "2")]]
        assert "SEQUENCE:2" in changed and f"{new_local:%Y%m%dT%H%M%S}" in changed
        for label in ("1d", "2h"):
            body = by_id[rows[("reminder", label)]]
            assert f"{new_local:%B %-d}" in body and f"{new_local:%-I:%M %p}" in body
