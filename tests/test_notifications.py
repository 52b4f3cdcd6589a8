"""The outbox: each row is sent once, transient SMTP errors back off, bad input ends cleanly."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from events.models import Notification, Registration, TrainingSession
from events.services import notification_delivery as delivery
from events.services import notification_outcomes as outcomes
from events.services import notification_recovery
from events.services import notifications as outbox
from events.tasks.notifications import send_notification
from tests.factories import NotificationFactory, RegistrationFactory, UserFactory
from tests.worker.smtp_sink import SmtpSink, free_port

pytestmark = pytest.mark.django_db

Status = Notification.Status


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free port, and Django pointed at it."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


@pytest.fixture
def smtp_down(settings):
    """Django pointed at a local port where no SMTP server listens."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2


def test_queueing_the_same_message_twice_keeps_one_row_and_sends_one_email(
    django_capture_on_commit_callbacks,
):
    registration = RegistrationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.queue_notification(registration=registration, kind="confirmation")
        second = outbox.queue_notification(registration=registration, kind="confirmation")
    assert first.pk == second.pk
    assert len(mail.outbox) == 1
    first.refresh_from_db()
    assert (first.status, first.attempts) == (Status.SENT, 1)
    assert first.sent_at is not None


def test_running_the_send_task_again_never_sends_twice():
    notification = NotificationFactory()
    send_notification.delay(notification.pk)
    send_notification.delay(notification.pk)
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Status.SENT


def test_a_row_held_by_a_live_worker_is_not_taken():
    notification = NotificationFactory(status=Status.SENDING, claimed_at=timezone.now())
    assert outbox.claim_notification(notification_id=notification.pk) is None
    send_notification.delay(notification.pk)
    assert mail.outbox == []


def test_a_claim_left_by_a_dead_worker_is_taken_over_once_stale(settings):
    stale = timezone.now() - timedelta(seconds=settings.NOTIFICATION_STALE_SECONDS + 1)
    notification = NotificationFactory(status=Status.SENDING, claimed_at=stale, attempts=1)
    send_notification.delay(notification.pk)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_row_waiting_out_its_backoff_is_not_taken_by_an_early_duplicate_message():
    later = timezone.now() + timedelta(minutes=5)
    notification = NotificationFactory(attempts=1, next_attempt_at=later)
    assert outbox.claim_notification(notification_id=notification.pk) is None


def test_recipient_refused_permanently_is_failed_at_once_without_retries(smtp):
    registration = RegistrationFactory(email="reject-me@example.org")
    notification = NotificationFactory(registration=registration)
    send_notification.delay(notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.attempts == 1
    assert "550" in notification.last_error
    assert smtp.handler.count == 0


def test_smtp_error_puts_the_row_back_with_a_backoff_and_the_error(smtp_down):
    notification = NotificationFactory()
    before = timezone.now()
    with pytest.raises(delivery.TransientDeliveryError) as caught:
        delivery.deliver_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.QUEUED
    assert "ConnectionRefusedError" in notification.last_error
    assert notification.next_attempt_at > before
    assert caught.value.countdown >= 1


def test_smtp_down_retries_until_the_retry_window_ends_then_marks_the_row_failed(
    settings, smtp_down, time_machine
):
    settings.NOTIFICATION_RETRY_HOURS = 2
    notification = NotificationFactory()
    time_machine.move_to(timezone.now(), tick=False)
    first_failure = timezone.now()
    raised = 0
    for _ in range(20):
        try:
            result = delivery.deliver_notification(notification_id=notification.pk)
        except delivery.TransientDeliveryError:
            raised += 1
            # An early retry is refused; once its backoff has passed it is taken.
            assert outbox.claim_notification(notification_id=notification.pk) is None
            time_machine.shift(timedelta(seconds=settings.NOTIFICATION_RETRY_MAX_SECONDS + 1))
        else:
            break
    assert result.status == Status.FAILED
    # Retried for the whole window (2 h at most 30 min apart), and given up after it.
    assert raised >= 4
    assert timezone.now() - first_failure > timedelta(hours=2)
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.last_error.startswith(f"gave up after {raised + 1} attempts in 2 h")


def test_a_relay_down_for_a_day_loses_nothing_and_sends_once_when_it_returns(
    settings, smtp_down, time_machine
):
    notification = NotificationFactory()
    time_machine.move_to(timezone.now(), tick=False)
    day_ends = timezone.now() + timedelta(hours=24)
    while timezone.now() < day_ends:
        with pytest.raises(delivery.TransientDeliveryError):
            delivery.deliver_notification(notification_id=notification.pk)
        notification.refresh_from_db()
        assert notification.status == Status.QUEUED
        time_machine.move_to(notification.next_attempt_at, tick=False)
    sink = SmtpSink().start()
    try:
        settings.EMAIL_PORT = sink.port
        delivery.deliver_notification(notification_id=notification.pk)
        delivery.deliver_notification(notification_id=notification.pk)
    finally:
        sink.stop()
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert sink.handler.ids == {notification.pk: 1}


def test_retry_now_starts_a_new_retry_window(settings, django_capture_on_commit_callbacks):
    long_ago = timezone.now() - timedelta(days=5)
    notification = NotificationFactory(
        status=Status.FAILED, attempts=40, first_failed_at=long_ago, last_error="gave up"
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notification_recovery.retry_failed_notifications(notification_ids=[notification.pk])
    notification.refresh_from_db()
    assert (notification.status, notification.first_failed_at) == (Status.SENT, None)


def test_backoff_doubles_per_attempt_with_jitter_and_is_capped(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (4, 240)]:
        waits = {outcomes.backoff_seconds(attempts) for _ in range(200)}
        assert min(waits) >= ceiling // 2 and max(waits) <= ceiling
        assert len(waits) > 1  # jitter
    assert outcomes.backoff_seconds(30) <= settings.NOTIFICATION_RETRY_MAX_SECONDS
    assert outcomes.backoff_seconds(500) <= settings.NOTIFICATION_RETRY_MAX_SECONDS


def test_a_retry_after_a_database_outage_marks_what_went_out_and_takes_back_its_own_claim(smtp):
    claimed_at = timezone.now() - timedelta(seconds=5)
    sent, unsent = NotificationFactory.create_batch(2, status=Status.SENDING, claimed_at=claimed_at)
    outcome = delivery.deliver_notifications(
        notification_ids=[sent.pk, unsent.pk], sent_ids=[sent.pk], own_claim=claimed_at
    )
    assert [n.pk for n in outcome.finished] == [unsent.pk]
    # The one that went out before the outage is marked, never sent again.
    assert smtp.handler.ids == {unsent.pk: 1}
    statuses = set(Notification.objects.values_list("status", flat=True))
    assert statuses == {Status.SENT}


def test_a_live_claim_of_another_try_is_not_taken_back(smtp):
    claimed_at = timezone.now() - timedelta(seconds=5)
    notification = NotificationFactory(status=Status.SENDING, claimed_at=claimed_at)
    other_claim = claimed_at - timedelta(seconds=1)
    outcome = delivery.deliver_notifications(
        notification_ids=[notification.pk], own_claim=other_claim
    )
    assert outcome.finished == []
    assert not smtp.handler.ids


def test_a_notification_for_a_deleted_registration_is_dropped_with_a_log_line(caplog):
    notification = NotificationFactory()
    Registration.objects.filter(pk=notification.registration_id).delete()
    with caplog.at_level(logging.INFO, logger="events.services.notifications"):
        send_notification.delay(notification.pk)
    assert f"notification {notification.pk} no longer exists; dropped" in caplog.text
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("registration_fields", "session_status", "reason"),
    [
        ({"cancelled": True}, TrainingSession.Status.PUBLISHED, "registration cancelled"),
        ({}, TrainingSession.Status.CANCELLED, "session cancelled"),
        ({"reminders_opt_out": True}, TrainingSession.Status.PUBLISHED, "opted out"),
    ],
)
def test_a_reminder_that_no_longer_makes_sense_is_skipped_not_sent(
    registration_fields, session_status, reason
):
    registration = RegistrationFactory(**registration_fields)
    TrainingSession.objects.filter(pk=registration.session_id).update(status=session_status)
    notification = NotificationFactory(registration=registration, kind="reminder", variant="1d")
    send_notification.delay(notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.SKIPPED
    assert reason in notification.last_error
    assert mail.outbox == []


def test_a_batch_is_sent_over_one_smtp_connection(smtp):
    rows = NotificationFactory.create_batch(5)
    result = delivery.deliver_notifications(notification_ids=[n.pk for n in rows])
    assert [n.status for n in result.finished] == [Status.SENT] * 5
    assert sorted(smtp.handler.ids) == sorted(n.pk for n in rows)
    assert smtp.handler.connections == 1


def test_a_batch_stops_at_the_first_smtp_failure_and_defers_the_rest(smtp_down):
    rows = NotificationFactory.create_batch(3)
    result = delivery.deliver_notifications(notification_ids=[n.pk for n in rows])
    assert result.deferred_ids == [n.pk for n in rows]
    attempts = list(Notification.objects.order_by("pk").values_list("attempts", flat=True))
    assert attempts == [1, 0, 0]  # only the first row was tried
    assert not Notification.objects.filter(next_attempt_at__lte=timezone.now()).exists()


def test_requeue_scan_takes_lost_and_abandoned_rows_but_not_fresh_or_waiting_ones(
    settings, django_capture_on_commit_callbacks
):
    old = timezone.now() - timedelta(seconds=settings.NOTIFICATION_STALE_SECONDS + 60)
    lost = NotificationFactory(next_attempt_at=old)
    abandoned = NotificationFactory(status=Status.SENDING, claimed_at=old, attempts=1)
    NotificationFactory(next_attempt_at=timezone.now())  # its message is still on its way
    NotificationFactory(attempts=2, next_attempt_at=timezone.now() + timedelta(minutes=8))
    NotificationFactory(status=Status.SENT, sent_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        requeued = notification_recovery.requeue_stale_notifications()
    assert sorted(requeued) == sorted([lost.pk, abandoned.pk])
    assert len(mail.outbox) == 2


def test_a_row_stranded_by_a_broker_outage_is_requeued_within_a_minute_or_two(
    settings, django_capture_on_commit_callbacks
):
    # The publish after commit failed while Redis was away: the row waits, queued.
    due = timezone.now() - timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS + 1)
    stranded = NotificationFactory(next_attempt_at=due)
    # A send claimed as long ago is a live worker's: it is left alone.
    NotificationFactory(status=Status.SENDING, claimed_at=due, next_attempt_at=due, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        requeued = notification_recovery.requeue_stale_notifications()
    assert requeued == [stranded.pk]
    assert settings.NOTIFICATION_REQUEUE_AFTER_SECONDS + settings.NOTIFICATION_SCAN_SECONDS <= 120


def test_retry_now_requeues_only_failed_rows():
    failed = NotificationFactory(status=Status.FAILED, attempts=7, last_error="boom")
    sent = NotificationFactory(status=Status.SENT)
    ids = notification_recovery.retry_failed_notifications(notification_ids=[failed.pk, sent.pk])
    assert ids == [failed.pk]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.QUEUED, 0)


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_failed_emails_are_listed_in_the_admin_with_their_error(admin_client_):
    NotificationFactory(status=Status.FAILED, last_error="SMTPRecipientsRefused: 550 nope")
    url = reverse("admin:events_notification_changelist") + "?status__exact=failed"
    response = admin_client_.get(url)
    assert response.status_code == 200
    assert "SMTPRecipientsRefused: 550 nope" in response.content.decode()


def test_the_outbox_list_shortens_the_session_and_error_and_keeps_them_in_titles(admin_client_):
    error = "SMTPServerDisconnected: Connection unexpectedly closed while sending"
    row = NotificationFactory(status=Status.FAILED, last_error=error, kind="reminder", variant="7d")
    session = row.registration.session
    response = admin_client_.get(reverse("admin:events_notification_changelist"))
    html = response.content.decode()
    assert f'<span title="{escape(session)}">{session.city}, ' in html
    assert f'<span title="{error}">SMTPServerDisconnected: Conn' in html
    assert f">{error}<" not in html
    assert "Reminder (7d)" in html


def test_retry_now_admin_action_sends_a_failed_email(
    admin_client_, django_capture_on_commit_callbacks
):
    failed = NotificationFactory(status=Status.FAILED, attempts=7, last_error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(
            reverse("admin:events_notification_changelist"),
            {"action": "retry_now", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == Status.SENT
    assert len(mail.outbox) == 1
