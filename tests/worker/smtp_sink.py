"""A real local SMTP server (aiosmtpd) that records what it accepts, for tests and bench."""

import re
import socket
import threading
from collections import Counter

from aiosmtpd.controller import Controller

_NOTIFICATION_ID = re.compile(rb"^X-Notification-Id: (\d+)\r?$", re.MULTILINE)


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it, so parallel runs differ)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """Accepts every message, except recipients containing `reject_marker` (550)."""

    def __init__(self, reject_marker: str = "reject", *, keep_messages: bool = True) -> None:
        self.reject_marker = reject_marker
        self.keep_messages = keep_messages
        self.lock = threading.Lock()
        self.messages: list[bytes] = []
        self.accepted = 0
        self.ids: Counter = Counter()
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.reject_marker and self.reject_marker in address:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        content = envelope.content
        match = _NOTIFICATION_ID.search(content)
        with self.lock:
            self.accepted += 1
            if self.keep_messages:
                self.messages.append(content)
            if match:
                self.ids[int(match[1])] += 1
        return "250 Message accepted for delivery"

    @property
    def count(self) -> int:
        with self.lock:
            return self.accepted


class SmtpSink:
    """Start and stop an aiosmtpd server on a given (or free) port in this process."""

    def __init__(self, port: int | None = None, *, keep_messages: bool = True) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler(keep_messages=keep_messages)
        self._controller: Controller | None = None

    def start(self) -> "SmtpSink":
        self._controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"
