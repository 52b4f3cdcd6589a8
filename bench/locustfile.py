"""Locust users for bench/bench_load.py: browse the catalogue, register, cancel.

Run by bench_load.py against gunicorn; it passes LOAD_SEED (a JSON file with the
session ids to register for and the manage tokens of seeded registrations to cancel).
Any 5xx or connection error is a failure; other answers are checked per task.
"""

import itertools
import json
import os
import random
import re
import uuid

from locust import HttpUser, between, task

SEED = json.loads(open(os.environ["LOAD_SEED"]).read())  # noqa: SIM115, PTH123
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_tokens = itertools.cycle(SEED["cancel_tokens"])
_run = uuid.uuid4().hex[:6]
_serial = itertools.count()


class Attendee(HttpUser):
    wait_time = between(0.2, 1.0)

    def _csrf(self, path: str, name: str) -> str | None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"GET {name}: {response.status_code}")
                return None
            match = CSRF.search(response.text)
            if not match:
                response.failure(f"GET {name}: no CSRF token")
                return None
            return match.group(1)

    @task(6)
    def browse(self) -> None:
        self.client.get("/", name="/")
        self.client.get("/sessions/", name="/sessions/")
        public_id = random.choice(SEED["browse"])
        self.client.get(f"/sessions/{public_id}/", name="/sessions/[id]/")

    @task(3)
    def register(self) -> None:
        public_id = random.choice(SEED["register"])
        path = f"/sessions/{public_id}/"
        token = self._csrf(path, "/sessions/[id]/")
        if token is None:
            return
        email = f"load-{_run}-{next(_serial)}-{random.randint(0, 10**6)}@example.org"
        data = {
            "csrfmiddlewaretoken": token,
            "full_name": "Load Tester",
            "email": email,
            "organization": "Bench Org",
            "sector": SEED["sector"],
            "job_title": "Tester",
            "accommodations": "",
            "consent": "on",
        }
        with self.client.post(
            path,
            data,
            name="POST /sessions/[id]/ (register)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"register: {response.status_code}")

    @task(2)
    def cancel(self) -> None:
        manage = next(_tokens, None)
        if manage is None:
            return
        token = self._csrf(f"/manage/{manage}/", "/manage/[token]/")
        if token is None:
            return
        with self.client.post(
            f"/manage/{manage}/cancel/",
            {"csrfmiddlewaretoken": token},
            name="POST /manage/[token]/cancel/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"cancel: {response.status_code}")
