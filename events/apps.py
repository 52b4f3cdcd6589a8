from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Trainings and sessions")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        # checks: the Open Badges signing-key check (badges.E001, badges.E002).
        # tasks: every task is registered in every process (web included), so that
        # services can enqueue a task by its name (events/services/enqueue.py).
        from events import checks, tasks  # noqa: F401
        from events.permissions import sync_organizers_group
        from events.selectors.text_search import register_sqlite_search_fold

        # Search that ignores case and accents (events/selectors/text_search.py) on SQLite.
        connection_created.connect(register_sqlite_search_fold)
        # After Django's own handler has created the models' permissions.
        post_migrate.connect(
            sync_organizers_group, sender=self, dispatch_uid="events.sync_organizers_group"
        )
