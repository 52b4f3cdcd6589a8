"""CPU instructions per operation in our Python process, counted by callgrind.

The ablation in RESULTS.md needs a cost per change that does not move with the
machine's load: callgrind counts instructions, the same for the same code and data.
Each operation runs in a fresh process twice under valgrind, with N and with 0
repetitions after the same warm-up; the difference divided by N is the cost of one,
free of Django's start-up. PostgreSQL's and Redis's own CPU is not counted.

    python bench/instructions.py [OPERATION ...] [--n 100]

Needs valgrind (Debian: valgrind), PostgreSQL and Redis (BENCH_DATABASE_URL,
BENCH_REDIS_URL). Prints one line per operation: instructions per operation.
"""

import argparse
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, ROOT, BenchEnv  # noqa: E402

env = BenchEnv(name="instructions", redis_db=11)
WARM_UP = 20
OPERATIONS = ("register", "catalogue", "catalogue_signed_in", "session_signed_in")


def _seed() -> dict:
    from django.utils import timezone

    from events.models import Sector
    from tests.factories import SessionFactory, TrainingFactory, UserFactory

    training = TrainingFactory()
    start = timezone.now() + timedelta(days=20)
    sessions = [
        SessionFactory(training=training, starts_at=start + timedelta(days=i), capacity=100_000)
        for i in range(6)
    ]
    user = UserFactory()
    return {"session": sessions[0].pk, "sector": Sector.objects.first().pk, "user": user.pk}


def _operation(name: str, seeded: dict):
    """A callable running the operation once (each call a new registrant)."""
    from django.test import Client

    if name == "register":
        from events.services.registration import AttendeeDetails, register_for_session

        counter = iter(range(10**9))

        def register() -> None:
            n = next(counter)
            register_for_session(
                session_id=seeded["session"],
                attendee=AttendeeDetails(
                    full_name=f"Counted {n}", email=f"c{n}@example.org", sector_id=seeded["sector"]
                ),
            )

        return register
    from accounts.models import User
    from events.models import TrainingSession

    client = Client(HTTP_HOST="127.0.0.1")  # a host the bench settings allow
    path = "/sessions/"
    if name.endswith("_signed_in"):
        client.force_login(User.objects.get(pk=seeded["user"]))
    if name.startswith("session"):
        path = TrainingSession.objects.get(pk=seeded["session"]).get_absolute_url()

    def page() -> None:
        assert client.get(path).status_code == 200

    return page


def inner(name: str, repeat: int) -> None:
    """In the process valgrind watches: set up, warm up, then run the operation `repeat` times."""
    env.setup_django()
    seeded = {k: int(v) for k, v in (kv.split("=") for kv in os.environ["SEEDED"].split(","))}
    run = _operation(name, seeded)
    for _ in range(WARM_UP):
        run()
    for _ in range(repeat):
        run()


def _count(name: str, repeat: int) -> int:
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            PYTHON,
            __file__,
            "--inner",
            name,
            "--n",
            str(repeat),
        ],
        cwd=ROOT,
        env={**env.environ(), "SEEDED": os.environ["SEEDED"], "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Collected : (\d+)", out.stderr)
    if not match:
        raise SystemExit(out.stderr[-2000:])
    return int(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("operations", nargs="*", default=list(OPERATIONS))
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--inner", default="")
    args = parser.parse_args()
    if args.inner:
        inner(args.inner, args.n)
        return 0
    env.create_database()
    env.setup_django()
    seeded = _seed()
    os.environ["SEEDED"] = ",".join(f"{k}={v}" for k, v in seeded.items())
    for name in args.operations:
        per_op = (_count(name, args.n) - _count(name, 0)) / args.n
        print(f"{name}: {per_op / 1e6:.2f}M instructions each", flush=True)
    env.flush_redis()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
