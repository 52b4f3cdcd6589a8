"""A real local SMTP server that records what it accepts, for the tests: aiosmtpd.

aiosmtpd is a full SMTP implementation independent of the client (smtplib, under
Django), so what it records is what a real server would have received. The email
bench has a faster server of its own (bench/smtp_sink.py); the tests do not use it.
"""

import asyncio
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

    def __init__(self, reject_marker: str = "reject") -> None:
        self.reject_marker = reject_marker.encode()
        self.lock = threading.Lock()
        self.messages: list[bytes] = []
        self.accepted = 0
        self.ids: Counter = Counter()
        self.connections = 0
        # A slow relay: seconds between receiving a message and accepting it, during
        # which `in_flight` counts it (the fault drills cut the database in that gap).
        self.reply_delay = 0.0
        self.in_flight = 0

    def greeted(self) -> None:
        with self.lock:
            self.connections += 1

    def recipient(self, address: bytes) -> bytes:
        if self.reject_marker and self.reject_marker in address:
            return b"550 5.1.1 Mailbox unavailable"
        return b"250 OK"

    def message(self, content: bytes) -> bytes:
        match = _NOTIFICATION_ID.search(content)
        with self.lock:
            self.accepted += 1
            self.messages.append(content)
            if match:
                self.ids[int(match[1])] += 1
        return b"250 Message accepted for delivery"

    @property
    def count(self) -> int:
        with self.lock:
            return self.accepted


class _AiosmtpdHandler:
    """aiosmtpd's hooks, answered by a RecordingHandler."""

    def __init__(self, recorder: RecordingHandler) -> None:
        self.recorder = recorder

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        self.recorder.greeted()
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        reply = self.recorder.recipient(address.encode()).decode()
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.recorder.reply_delay:
            with self.recorder.lock:
                self.recorder.in_flight += 1
            try:
                await asyncio.sleep(self.recorder.reply_delay)
            finally:
                with self.recorder.lock:
                    self.recorder.in_flight -= 1
        return self.recorder.message(envelope.content).decode()


class SmtpSink:
    """Start and stop an aiosmtpd server on a given (or free) port in this process."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "SmtpSink":
        self._controller = Controller(
            _AiosmtpdHandler(self.handler), hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
