"""The embedded default's broker: kombu's filesystem transport against its SQLAlchemy one.

Run by bench/run.py (or directly: .venv/bin/python bench/bench_broker.py). It is the
measurement behind the choice of broker; it needs neither PostgreSQL nor Redis.

For each broker, in a fresh temporary folder: one Celery worker as the Procfile starts it
(thread pool, 2 threads, prefetch 1, the three queues default, email and pdf), no Django.
- throughput: BENCH_BROKER_TASKS (500) no-op tasks published at once to one queue, timed
  from the first publish until the worker has started the last one;
- latency: BENCH_BROKER_PINGS (40) no-op tasks published one at a time to an idle worker,
  0.25 s apart; each one's time from publish to start.
Results: bench/results/broker.md.
"""

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from celery import Celery
from kombu import Queue

TASKS = int(os.environ.get("BENCH_BROKER_TASKS", "500"))
PINGS = int(os.environ.get("BENCH_BROKER_PINGS", "40"))
HERE = Path(__file__).resolve()
RESULTS = HERE.parent / "results" / "broker.md"


def _app(broker: str, folder: Path) -> Celery:
    """A Celery app on `broker` with its state in `folder`, configured like settings.py."""
    options: dict = {}
    url = f"sqla+sqlite:///{folder / 'broker.sqlite3'}"
    if broker == "filesystem":
        url = "filesystem://"
        for name in ("queue", "processed", "control"):
            (folder / name).mkdir(exist_ok=True)
        options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    app = Celery("bench_broker", broker=url)
    app.conf.update(
        broker_transport_options=options,
        task_default_queue="default",
        task_queues=(Queue("default"), Queue("email"), Queue("pdf")),
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
    )
    return app


BROKER = os.environ.get("BENCH_BROKER", "sqla")
FOLDER = Path(os.environ.get("BENCH_BROKER_DIR", tempfile.gettempdir()))
app = _app(BROKER, FOLDER)
_write_lock = threading.Lock()


@app.task(name="bench.noop")
def noop(published_at: float) -> None:
    """Record when the task was published and when it started, one line per task."""
    started = time.time()
    with _write_lock, open(FOLDER / "starts.txt", "a") as out:
        out.write(f"{published_at} {started}\n")


def _starts(folder: Path) -> list[tuple[float, float]]:
    path = folder / "starts.txt"
    if not path.exists():
        return []
    return [tuple(map(float, line.split())) for line in path.read_text().splitlines() if line]


def _wait_for(folder: Path, count: int, timeout: float) -> list[tuple[float, float]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = _starts(folder)
        if len(rows) >= count:
            return rows
        time.sleep(0.05)
    raise SystemExit(f"only {len(_starts(folder))} of {count} tasks started in {timeout} s")


def measure(broker: str) -> dict[str, float]:
    """Start a worker on `broker` in a fresh folder; return its throughput and latencies."""
    with tempfile.TemporaryDirectory(prefix=f"bench-broker-{broker}-") as tmp:
        folder = Path(tmp)
        env = os.environ | {
            "BENCH_BROKER": broker,
            "BENCH_BROKER_DIR": str(folder),
            "PYTHONPATH": str(HERE.parent),
        }
        publisher = _app(broker, folder)
        celery = str(Path(sys.executable).with_name("celery"))
        worker = subprocess.Popen(
            [celery, "-A", "bench_broker", "worker", "-Q", "default,email,pdf"]
            + ["--pool", "threads", "--concurrency", "2", "--loglevel", "WARNING"],
            env=env,
            cwd=HERE.parent,
            stdout=subprocess.DEVNULL,
        )
        try:
            # Warm up: the worker is ready once it has run one task.
            publisher.send_task("bench.noop", args=[time.time()])
            _wait_for(folder, 1, 60)
            (folder / "starts.txt").unlink()

            for _ in range(PINGS):
                publisher.send_task("bench.noop", args=[time.time()])
                time.sleep(0.25)
            pings = _wait_for(folder, PINGS, 60)
            latencies = sorted(started - published for published, started in pings)
            (folder / "starts.txt").unlink()

            first = time.time()
            with publisher.producer_or_acquire() as producer:
                for _ in range(TASKS):
                    publisher.send_task("bench.noop", args=[time.time()], producer=producer)
            published = time.time() - first
            rows = _wait_for(folder, TASKS, 600)
            elapsed = max(started for _, started in rows) - first
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
    return {
        "tasks_per_s": TASKS / elapsed,
        "publish_per_s": TASKS / published,
        "latency_median_ms": 1000 * statistics.median(latencies),
        "latency_p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "latency_max_ms": 1000 * latencies[-1],
    }


def main() -> None:
    """Measure both brokers, print the table and write it to bench/results/broker.md."""
    rows = []
    figures = {}
    for broker in ("filesystem", "sqla"):
        r = figures[broker] = measure(broker)
        rows.append(
            f"| {broker} | {r['tasks_per_s']:.0f} | {r['publish_per_s']:.0f} "
            f"| {r['latency_median_ms']:.0f} ms | {r['latency_p95_ms']:.0f} ms "
            f"| {r['latency_max_ms']:.0f} ms |"
        )
        print(rows[-1], flush=True)
    ratio = figures["sqla"]["tasks_per_s"] / figures["filesystem"]["tasks_per_s"]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        "## The embedded default's broker: filesystem against SQLAlchemy on SQLite\n\n"
        "bench/bench_broker.py: one Celery worker as the Procfile starts it (2 threads,\n"
        "prefetch 1, three queues), no Django. Throughput: "
        f"{TASKS} no-op tasks published at once,\n"
        "from the first publish to the start of the last. Latency: "
        f"{PINGS} no-op tasks published\n"
        "one at a time to an idle worker, publish to start.\n\n"
        f"| broker | no-op tasks/s ({TASKS}) | publishes/s | latency median | p95 | max |\n"
        "|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n\n"
        f"- SQLAlchemy on SQLite runs **{ratio:.1f}×** the filesystem transport's no-op rate.\n"
        "- Both poll an empty queue once a second (kombu's default), which sets the latency\n"
        "  on an idle worker.\n"
    )


if __name__ == "__main__":
    main()
