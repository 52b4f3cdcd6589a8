"""The embedded default's email backend: a copy of each message on disk, a line in the log.

The whole message on the console (with its base64 PDFs) grew a newcomer's `make run` log
to 2.6 MB in 20 minutes; one line per message says what went out and where to read it.
"""

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class ConsoleAndFileBackend(BaseEmailBackend):
    """Write each message to its own .eml file under EMAIL_FILE_PATH (var/mail/), and log
    one line per message: its recipients, its subject and the file's path."""

    def __init__(self, fail_silently: bool = False, file_path: str | None = None, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        """Store and log each message; return how many were stored."""
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                path = self._store(message.message().as_bytes())
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            logger.info("Email to %s: %s (%s)", ", ".join(message.to), message.subject, path)
            sent += 1
        return sent

    def _store(self, raw: bytes) -> Path:
        """Write one message as an .eml file (any mail client opens it); return its path.

        Named by the time it was sent, so that the folder lists in order, and a random
        part, so that two processes sending in the same microsecond never collide."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        with path.open("xb") as out:
            out.write(raw)
        return path
