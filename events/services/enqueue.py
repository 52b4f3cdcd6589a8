"""Handing work to Celery by task name, so that services never import the tasks.

Tasks call services; if services imported tasks back, the two layers would import
each other. A service names the task instead ("events.send_notifications"), and the
app looks it up in its registry (events/apps.py imports every task module at
startup). Going through the task's own apply_async keeps its routing, its options
and CELERY_TASK_ALWAYS_EAGER, as a direct call would.
"""

from trafficking_training.celery import app


def enqueue(task_name: str, *args, **options) -> None:
    """Publish the task registered as task_name with these arguments, now."""
    app.signature(task_name, args=args).apply_async(**options)
