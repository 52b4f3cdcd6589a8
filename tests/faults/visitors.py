"""Visitors of the site under test: plain HTTP with cookies, each answer timed and kept.

A visitor never raises on a network error: a refused or timed-out request is an
answer too (status 0), which the drills count against the site like a 5xx.
"""

import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

# A visitor gives up after this long; gunicorn's own worker timeout is 30 s.
PATIENCE_SECONDS = 20

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_OPTION = re.compile(r'<option value="([^"]+)"')


@dataclass
class Answer:
    method: str
    path: str
    status: int  # 0: no answer (refused, cut, timed out)
    seconds: float
    started: float  # time.monotonic() when the request was sent
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str = ""

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def is_server_error(self) -> bool:
        return self.status == 0 or self.status >= 500

    def __str__(self) -> str:
        outcome = self.error or str(self.status)
        return f"{self.method} {self.path} -> {outcome} in {self.seconds * 1000:.0f} ms"


class Visitor:
    """One browser: keeps its cookies, sends forms with their CSRF token."""

    def __init__(self, port: int, log: list[Answer] | None = None) -> None:
        self.port = port
        self.cookies = SimpleCookie()
        # Answers are shared between visitors of one drill; list.append is thread-safe.
        self.log = log if log is not None else []
        self._lock = threading.Lock()

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        headers = {"Host": f"127.0.0.1:{self.port}", "Connection": "close"}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        with self._lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=PATIENCE_SECONDS
            )
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            connection.close()
        except (OSError, http.client.HTTPException) as error:
            answer = Answer(method, path, 0, time.monotonic() - started, started, error=repr(error))
            self.log.append(answer)
            return answer
        answer = Answer(
            method,
            path,
            response.status,
            time.monotonic() - started,
            started,
            headers={key.lower(): value for key, value in response.getheaders()},
            body=content,
        )
        with self._lock:
            for header in response.headers.get_all("Set-Cookie") or []:
                self.cookies.load(header)
        self.log.append(answer)
        return answer

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def submit(self, page: Answer, path: str, fields: dict) -> Answer:
        """POST a form read from `page`, with its CSRF token (the cookie is already kept)."""
        token = _CSRF.search(page.text)
        return self.request(
            "POST", path, {"csrfmiddlewaretoken": token[1] if token else ""} | fields
        )


def first_choice(page: Answer, name: str) -> str:
    """The value of the first option of the page's <select name=...> (a sector, mostly)."""
    select = re.search(rf'<select name="{name}".*?</select>', page.text, re.S)
    return _OPTION.search(select[0])[1] if select else ""


def register(visitor: Visitor, public_id: str, *, email: str, name: str) -> Answer:
    """Open a session's page and send its registration form; returns the POST's answer.

    When the page itself fails to load, that failed answer is returned instead.
    """
    path = f"/sessions/{public_id}/"
    page = visitor.get(path)
    if page.status != 200:
        return page
    return visitor.submit(
        page,
        path,
        {
            "full_name": name,
            "email": email,
            "organization": "Cass County Social Services",
            "sector": first_choice(page, "sector"),
            "consent": "on",
        },
    )


def registered(answer: Answer) -> bool:
    """A registration POST that succeeded: redirected to "check your email"."""
    return (
        answer.method == "POST"
        and answer.status == 302
        and "/registered/" in answer.headers.get("location", "")
    )


def cancel(visitor: Visitor, manage_token: str) -> Answer:
    """Open the manage link's "are you sure?" page and confirm; returns the POST's answer."""
    path = f"/manage/{manage_token}/cancel/"
    page = visitor.get(path)
    if page.status != 200:
        return page
    return visitor.submit(page, path, {})


def timings(answers: list[Answer]) -> str:
    """p50, p95 and max of the answers' times in milliseconds, and the slowest request."""
    if not answers:
        return "no requests"
    seconds = sorted(answer.seconds for answer in answers)
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    slowest = max(answers, key=lambda answer: answer.seconds)
    return (
        f"{len(seconds)} requests, p50 {statistics.median(seconds) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {seconds[-1] * 1000:.0f} ms"
        f" ({slowest.method} {slowest.path})"
    )
