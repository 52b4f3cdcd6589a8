"""The email bench's SMTP server: asyncio in a thread of the bench's own process.

It speaks the part of RFC 5321 that smtplib (and so Django) uses: EHLO/HELO, MAIL,
RCPT, DATA with dot-stuffing, RSET, NOOP and QUIT. The tests use aiosmtpd
(tests/worker/smtp_sink.py), a full and independent implementation, but aiosmtpd
reads DATA a line at a time in Python, which cost about 1 ms of CPU per reminder on
the bench's shared cores, as much as a fifth of building and sending it. This one
takes DATA in one piece up to the terminating dot, as a production server written
in C would, so the bench measures the pipeline rather than its test server.

Nothing under tests/ uses it; self_check() is its test, run by the bench at start-up.
"""

import asyncio
import re
import smtplib
import threading
from collections import Counter

from bench.common import free_port

_NOTIFICATION_ID = re.compile(rb"^X-Notification-Id: (\d+)\r?$", re.MULTILINE)
_END_OF_DATA = b"\r\n.\r\n"


class Tally:
    """What the bench reads back: messages accepted, per outbox row, and the last one."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted = 0
        self.ids: Counter = Counter()
        self.last = b""

    def message(self, content: bytes) -> bytes:
        match = _NOTIFICATION_ID.search(content)
        with self.lock:
            self.accepted += 1
            self.last = content
            if match:
                self.ids[int(match[1])] += 1
        return b"250 Message accepted for delivery"

    @property
    def count(self) -> int:
        with self.lock:
            return self.accepted


class _Session(asyncio.Protocol):
    """One client connection: commands a line at a time, DATA in one piece."""

    def __init__(self, tally: Tally, open_sessions: set) -> None:
        self.tally = tally
        self.open_sessions = open_sessions
        self.buffer = bytearray()
        self.in_data = False
        self.recipients = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.open_sessions.add(self)
        transport.write(b"220 127.0.0.1 ESMTP bench sink\r\n")

    def connection_lost(self, exc) -> None:
        self.open_sessions.discard(self)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while not self.transport.is_closing():
            if self.in_data:
                if self.buffer.startswith(b".\r\n"):  # an empty message
                    content, used = b"", 3
                else:
                    end = self.buffer.find(_END_OF_DATA)
                    if end < 0:
                        return
                    content, used = bytes(self.buffer[: end + 2]), end + len(_END_OF_DATA)
                del self.buffer[:used]
                self.in_data, self.recipients = False, 0
                self._reply(self.tally.message(_unstuff(content)))
            else:
                end = self.buffer.find(b"\r\n")
                if end < 0:
                    return
                line = bytes(self.buffer[:end])
                del self.buffer[: end + 2]
                self._command(line)

    def _command(self, line: bytes) -> None:
        verb = line[:4].upper()
        if verb == b"EHLO":
            self._reply(b"250-127.0.0.1\r\n250-8BITMIME\r\n250 SMTPUTF8")
        elif verb == b"HELO":
            self._reply(b"250 127.0.0.1")
        elif verb in (b"MAIL", b"RSET"):
            self.recipients = 0
            self._reply(b"250 OK")
        elif verb == b"RCPT":
            self.recipients += 1
            self._reply(b"250 OK")
        elif verb == b"DATA":
            if not self.recipients:
                self._reply(b"503 Error: need RCPT command")
                return
            self.in_data = True
            self._reply(b"354 End data with <CR><LF>.<CR><LF>")
        elif verb == b"NOOP":
            self._reply(b"250 OK")
        elif verb == b"QUIT":
            self._reply(b"221 Bye")
            self.transport.close()
        else:
            self._reply(b"500 Error: command not recognized")

    def _reply(self, reply: bytes) -> None:
        self.transport.write(reply + b"\r\n")


def _unstuff(content: bytes) -> bytes:
    # RFC 5321 4.5.2: the client doubled the dot that starts a line; take one off.
    content = content.replace(b"\r\n.", b"\r\n")
    return content[1:] if content.startswith(b".") else content


class FastSmtpSink:
    """Start and stop the server on a given (or free) port; `handler` is its Tally."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.handler = Tally()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._sessions: set[_Session] = set()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "FastSmtpSink":
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            self._server = await self._loop.create_server(
                lambda: _Session(self.handler, self._sessions),
                "127.0.0.1",
                self.port,
                reuse_address=True,
            )
            ready.set()

        def run() -> None:
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=f"smtp-sink-{self.port}", daemon=True)
        self._thread.start()
        if not ready.wait(timeout=10):
            raise RuntimeError(f"the SMTP sink did not start on port {self.port}")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return

        async def shut() -> None:
            self._server.close()
            for session in list(self._sessions):
                session.transport.abort()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = self._thread = None


def self_check() -> None:
    """Send one message through a throwaway sink; it must arrive as smtplib sent it.

    The lines that start with a dot make smtplib dot-stuff them, which the sink must
    undo, so a bench whose sink mangled or lost mail stops before it measures.
    """
    body = b"X-Notification-Id: 7\r\n\r\n.a line that starts with a dot\r\n..two\r\nend\r\n"
    sink = FastSmtpSink().start()
    try:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as client:
            client.sendmail("bench@example.org", ["check@example.org"], body)
    finally:
        sink.stop()
    if sink.handler.count != 1 or sink.handler.last != body or sink.handler.ids != {7: 1}:
        raise SystemExit(f"the bench's SMTP sink does not work: got {sink.handler.last!r}")
