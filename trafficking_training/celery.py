"""The Celery app. Its configuration is the CELERY_* settings in settings.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trafficking_training.settings")

app = Celery("trafficking_training")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
