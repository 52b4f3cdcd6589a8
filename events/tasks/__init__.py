"""Celery tasks, autodiscovered as events.tasks. Each task carries an explicit name."""

from . import certificates, evaluations, maintenance, notifications, offers  # noqa: F401
