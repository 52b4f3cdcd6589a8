"""Roster exports: CSV and XLSX of 50,000 registrations, rows per second and peak memory.

Run by bench/run.py (or directly). PostgreSQL: BENCH_DATABASE_URL (default database
tt_bench_exports, recreated). One session gets BENCH_EXPORT_ROWS (default 50,000)
registrations. Each measurement runs in a fresh child process, so its peak RSS
(VmHWM, reset just before the export; else getrusage ru_maxrss) is the export's:
- baseline: the same columns read with .values_list().iterator() and written by a
  bare csv.writer (no neutralizing, no time zones), in the same run;
- CSV: events.documents.exports.csv_response(), its streaming body consumed to the end;
- XLSX: events.documents.exports.xlsx_response(), openpyxl write-only into a temporary file.
Target: every export under 200 MB peak RSS. Results go to bench/results/exports.md.
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, BenchEnv, add_registrations  # noqa: E402

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "50000"))
TARGET_MB = 200
RESULTS = Path(__file__).resolve().parent / "results" / "exports.md"

env = BenchEnv(name="exports", redis_db=14)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    """Reset the kernel's high-water mark, so the peak is the export's, not django.setup()'s."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def seed() -> int:
    from datetime import timedelta

    from django.utils import timezone

    from events.models import Training, TrainingSession

    training = Training.objects.create(
        title="Identifying & Reporting Human Trafficking", slug="bench", hosts="DHS Blue Campaign"
    )
    starts = timezone.now() + timedelta(days=7)
    session = TrainingSession.objects.create(
        training=training,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        city="Fargo",
        capacity=ROWS,
        status="published",
    )
    add_registrations(
        session,
        ROWS,
        prefix="attendee",
        full_name=lambda i: f"Attendee Nguyễn {i:06d}",
        # Every 50th organization is hostile, so neutralizing is on the measured path.
        organization=lambda i: "=HYPERLINK(1)" if i % 50 == 0 else f"Organization {i % 700}",
        job_title="Front desk",
        checked_in_at=lambda i: session.starts_at if i % 3 == 0 else None,
        attended=lambda i: i % 3 == 0,
    )
    return session.pk


def measure(kind: str, session_id: int) -> dict:
    """In the child: run one export to the end; report time, rows, bytes and peak RSS."""
    import csv

    from events.documents import exports
    from events.models import Registration

    registrations = Registration.objects.filter(session_id=session_id)
    before = _status_mb("VmRSS") or peak_rss_mb()
    exact_peak = reset_peak()
    started = time.perf_counter()
    size = 0
    if kind == "baseline":

        class Sink:
            def write(self, text: str) -> int:
                return len(text)

        writer = csv.writer(Sink())
        for row in registrations.values_list(*exports.FIELDS).iterator(chunk_size=exports.CHUNK):
            size += writer.writerow(row)
    elif kind == "csv":
        response = exports.csv_response(registrations, filename="bench")
        for chunk in response.streaming_content:
            size += len(chunk)
        response.close()
    else:
        response = exports.xlsx_response(registrations, filename="bench")
        for chunk in response.streaming_content:
            size += len(chunk)
        response.close()
    seconds = time.perf_counter() - started
    return {
        "kind": kind,
        "seconds": seconds,
        "rows": ROWS,
        "bytes": size,
        "rss_before_mb": before,
        "peak_rss_mb": (_status_mb("VmHWM") if exact_peak else None) or peak_rss_mb(),
    }


def run_child(kind: str, session_id: int) -> dict:
    output = subprocess.run(
        [PYTHON, __file__, "--measure", kind, str(session_id)],
        env=env.environ(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def render(results: list[dict]) -> str:
    labels = {
        "baseline": "bare csv.writer (baseline)",
        "csv": "CSV export (streamed)",
        "xlsx": "XLSX export (write-only)",
    }
    lines = [
        "## Roster exports (CSV and XLSX)",
        "",
        f"{ROWS:,} registrations of one session on PostgreSQL, each export run to the end in a",
        "fresh process; peak RSS is that process's high-water mark, reset after Django is",
        "loaded ('RSS before'), so it covers the export. The baseline writes the same",
        "columns with a bare csv.writer, in the same run. openpyxl runs without lxml.",
        "",
        "| | seconds | rows/s | output | RSS before MB | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {labels[r['kind']]} | {r['seconds']:.2f} | {r['rows'] / r['seconds']:,.0f} "
            f"| {r['bytes'] / 1_048_576:.1f} MiB | {r['rss_before_mb']:.0f} "
            f"| {r['peak_rss_mb']:.0f} |"
        )
    by_kind = {r["kind"]: r for r in results}
    worst = max(by_kind["csv"]["peak_rss_mb"], by_kind["xlsx"]["peak_rss_mb"])
    met = "met" if worst < TARGET_MB else "NOT met"
    ratio = by_kind["baseline"]["seconds"] / by_kind["csv"]["seconds"]
    lines += [
        "",
        f"- Peak RSS of the exports: **{worst:.0f} MB** (target < {TARGET_MB} MB: {met}).",
        f"- CSV rate / baseline rate: **{ratio:.2f}** (neutralizing, labels, local times).",
        "- XLSX is the slow format (openpyxl, pure-Python XML): the admin refuses XLSX above",
        "  events.documents.exports.XLSX_MAX_ROWS (20,000 rows) and points to the streamed CSV",
        "  instead.",
        f"- Machine: {os.cpu_count()} cores, shared with other jobs while measured; run at "
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    env.create_database()
    env.setup_django()
    session_id = seed()
    results = [run_child(kind, session_id) for kind in ("baseline", "csv", "xlsx")]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(render(results))
    print(RESULTS.read_text())
    worst = max(r["peak_rss_mb"] for r in results if r["kind"] != "baseline")
    return 0 if worst < TARGET_MB else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        import django

        django.setup()
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
        raise SystemExit(0)
    raise SystemExit(main())
