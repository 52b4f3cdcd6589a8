"""The Celery app. Its configuration is the CELERY_* settings in settings.py."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trafficking_training.settings")

app = Celery("trafficking_training")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Worker and beat log through settings.LOGGING, as the web does.

    Celery's own formats cannot set the time's format or zone; with this receiver
    connected, Celery leaves logging to it, so every process writes the same clock
    (trafficking_training/logs.py). LOG_LEVEL sets the level, not --loglevel.
    """
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
