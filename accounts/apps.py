from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Registered in every process (web included), so that services can enqueue the
        # account email by its name (events/services/enqueue.py).
        from accounts import tasks  # noqa: F401
