"""Real local SMTP servers that record what they accept: for the tests and the email bench.

- SmtpSink, the tests' server, is aiosmtpd: a full, independent SMTP implementation.
- FastSmtpSink is the bench's. It speaks the part of RFC 5321 that smtplib (and so
  Django) uses: EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing, RSET, NOOP and QUIT,
  over asyncio in a thread of this process. aiosmtpd reads DATA a line at a time in
  Python, which cost about 1 ms of CPU per reminder on the bench's shared cores, as
  much as a fifth of building and sending it; this one takes DATA in one piece up
  to the terminating dot, as a production server written in C would, so the bench
  measures the pipeline rather than its test server. tests/worker/test_smtp_sink.py
  holds it to aiosmtpd's answers, byte for byte.

Both record into the same RecordingHandler.
"""

import asyncio
import re
import socket
import threading
from collections import Counter

from aiosmtpd.controller import Controller

_NOTIFICATION_ID = re.compile(rb"^X-Notification-Id: (\d+)\r?$", re.MULTILINE)
_ADDRESS = re.compile(rb"<([^>]*)>")
_END_OF_DATA = b"\r\n.\r\n"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it, so parallel runs differ)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """Accepts every message, except recipients containing `reject_marker` (550)."""

    def __init__(self, reject_marker: str = "reject", *, keep_messages: bool = True) -> None:
        self.reject_marker = reject_marker.encode()
        self.keep_messages = keep_messages
        self.lock = threading.Lock()
        self.messages: list[bytes] = []
        self.accepted = 0
        self.ids: Counter = Counter()
        self.connections = 0

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
            if self.keep_messages:
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
        return self.recorder.message(envelope.content).decode()


class _Sink:
    def __init__(self, port: int | None = None, *, keep_messages: bool = True) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler(keep_messages=keep_messages)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


class SmtpSink(_Sink):
    """Start and stop an aiosmtpd server on a given (or free) port in this process."""

    def __init__(self, port: int | None = None, *, keep_messages: bool = True) -> None:
        super().__init__(port, keep_messages=keep_messages)
        self._controller: Controller | None = None

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


class _Session(asyncio.Protocol):
    """One client connection: commands a line at a time, DATA in one piece."""

    def __init__(self, handler: RecordingHandler, open_sessions: set) -> None:
        self.handler = handler
        self.open_sessions = open_sessions
        self.buffer = bytearray()
        self.in_data = False
        self.recipients = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.open_sessions.add(self)
        transport.write(b"220 127.0.0.1 ESMTP test sink\r\n")

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
                self._reply(self.handler.message(_unstuff(content)))
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
            self.handler.greeted()
            self._reply(b"250-127.0.0.1\r\n250-8BITMIME\r\n250 SMTPUTF8")
        elif verb == b"HELO":
            self.handler.greeted()
            self._reply(b"250 127.0.0.1")
        elif verb in (b"MAIL", b"RSET"):
            self.recipients = 0
            self._reply(b"250 OK")
        elif verb == b"RCPT":
            address = _ADDRESS.search(line)
            reply = self.handler.recipient(address[1] if address else b"")
            self.recipients += reply.startswith(b"250")
            self._reply(reply)
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


class FastSmtpSink(_Sink):
    """The bench's server (see the module's docstring), with SmtpSink's interface."""

    def __init__(self, port: int | None = None, *, keep_messages: bool = True) -> None:
        super().__init__(port, keep_messages=keep_messages)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._sessions: set[_Session] = set()

    def start(self) -> "FastSmtpSink":
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            server = await self._loop.create_server(
                lambda: _Session(self.handler, self._sessions),
                "127.0.0.1",
                self.port,
                reuse_address=True,
            )
            self._server = server
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
            # Like a server going down: stop listening and drop every open connection.
            self._server.close()
            for session in list(self._sessions):
                session.transport.abort()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._loop = self._thread = None
