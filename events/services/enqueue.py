"""Handing work to Celery by task name, so that services never import the tasks.

Tasks call services; if services imported tasks back, the two layers would import
each other. A service names the task instead ("events.send_notifications"), and the
app looks it up in its registry (events/apps.py imports every task module at
startup). Going through the task's own apply_async keeps its routing, its options
and CELERY_TASK_ALWAYS_EAGER, as a direct call would.

The one way work is handed to Celery: services and tasks alike call enqueue() (a
task starting another, such as the beat scan starting a session's certificate run)
or enqueue_on_commit() (after the current transaction).
"""

from celery import current_app
from django.db import transaction


def enqueue(task_name: str, *args, **options) -> None:
    """Publish the task registered as task_name with these arguments, now."""
    current_app.signature(task_name, args=args).apply_async(**options)


def enqueue_on_commit(task_name: str, *args, **options) -> None:
    """enqueue() once the current transaction commits, robustly.

    The committed change is the point of the request: a broker that does not answer
    is logged by Django and must neither turn the answer into an error page nor stop
    the callbacks queued after this one.
    """
    transaction.on_commit(lambda: enqueue(task_name, *args, **options), robust=True)
