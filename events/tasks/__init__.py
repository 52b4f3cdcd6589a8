"""Celery tasks (autodiscovered as events.tasks). Each module's tasks carry explicit names."""

from .notifications import send_notification

__all__ = ["send_notification"]
