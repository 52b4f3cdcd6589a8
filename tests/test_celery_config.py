"""Celery takes its configuration from Django's settings, live."""

import pytest
from django.test import override_settings

from trafficking_training.celery import app


def test_celery_reads_its_settings_from_django_settings(settings):
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert app.conf.task_routes["events.send_notification"] == {"queue": "email"}


def test_override_settings_reaches_celery():
    with override_settings(CELERY_TASK_SOFT_TIME_LIMIT=7, CELERY_TASK_DEFAULT_QUEUE="elsewhere"):
        assert app.conf.task_soft_time_limit == 7
        assert app.conf.task_default_queue == "elsewhere"
    assert app.conf.task_soft_time_limit == 540


@pytest.mark.django_db
def test_eager_mode_switched_by_override_settings_runs_the_task_in_process():
    from events.tasks.maintenance import anonymize_expired_registrations

    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        result = anonymize_expired_registrations.delay()
        assert result.successful()


def test_beat_runs_the_reminder_scan_every_reminder_scan_seconds(settings):
    schedule = app.conf.beat_schedule["dispatch-due-reminders"]
    assert schedule["schedule"] == float(settings.REMINDER_SCAN_SECONDS)
