from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Trainings and sessions")

    def ready(self) -> None:
        # Every task is registered in every process (web included), so that services
        # can enqueue a task by its name (events/services/enqueue.py).
        from events import tasks  # noqa: F401
