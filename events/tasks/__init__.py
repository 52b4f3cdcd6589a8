"""Celery tasks, autodiscovered as events.tasks. Each task carries an explicit name."""

from . import certificates, maintenance, notifications  # noqa: F401
