"""The Celery app: JSON only, time limits, separate email and pdf queues, beat in code."""

import os

from celery import Celery
from celery.app.defaults import DEFAULTS
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trafficking_training.settings")

app = Celery("trafficking_training")
app.config_from_object("django.conf:settings", namespace="CELERY")

app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_time_limit=600,
    task_soft_time_limit=540,
    task_default_queue="default",
    task_queues=(Queue("default"), Queue("email"), Queue("pdf")),
    task_routes={
        "events.send_notification": {"queue": "email"},
        "events.send_notifications": {"queue": "email"},
        "events.issue_certificate": {"queue": "pdf"},
        "events.issue_session_certificates": {"queue": "pdf"},
    },
    # One message at a time per process. The send tasks are acks_late, so a message
    # stays unacknowledged while it runs: with prefetch 1 a process holds only the
    # batch it is sending, a slow SMTP server never strands prefetched batches
    # behind it, and a killed worker leaves at most one batch per process to be
    # redelivered (and its rows to the requeue scan). The Redis visibility_timeout
    # (settings.CELERY_BROKER_TRANSPORT_OPTIONS, 3600 s) outlasts the longest task
    # (600 s) and the longest retry backoff (1800 s), so no message is redelivered
    # while its task is still running or waiting for its ETA.
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    beat_schedule={
        "dispatch-due-reminders": {
            "task": "events.dispatch_due_reminders",
            "schedule": float(os.environ.get("REMINDER_SCAN_SECONDS", "300")),
        },
        "issue-due-certificates": {
            "task": "events.issue_due_certificates",
            "schedule": 900.0,
        },
        "requeue-stale-notifications": {
            "task": "events.requeue_stale_notifications",
            "schedule": 600.0,
        },
        "anonymize-expired-registrations": {
            "task": "events.anonymize_expired_registrations",
            "schedule": 86400.0,
        },
    },
)
app.autodiscover_tasks()


@app.on_after_configure.connect
def _resolve_every_setting_once(sender, source, **kwargs) -> None:
    """Keep each setting's resolved value where a lookup looks first.

    Otherwise every read of a setting the project leaves at its default walks
    Django's settings under both its names, by way of two caught AttributeErrors, and
    publishing one task reads half a dozen: a fifth of the CPU of every registration's
    confirmation publish. Settings changed later (app.conf.x = ...) still win.
    """
    source.update({key: source[key] for key in DEFAULTS})
