"""The embedded default's email backend: print to the console and keep a copy on disk."""

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileBackend(BaseEmailBackend):
    """Write every message to stdout and to a file under EMAIL_FILE_PATH (var/mail/)."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently)
        self._console = ConsoleBackend(fail_silently=fail_silently, **kwargs)
        self._file = FileBackend(fail_silently=fail_silently, **kwargs)

    def send_messages(self, email_messages) -> int:
        self._console.send_messages(email_messages)
        return self._file.send_messages(email_messages)
