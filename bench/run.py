"""`make bench`: run every bench/bench_*.py, then collect their sections into RESULTS.md.

Each script measures one area against a bare baseline in the same run and writes
bench/results/<name>.md. Scripts need PostgreSQL and Redis (BENCH_DATABASE_URL,
BENCH_REDIS_URL; defaults point at the local servers).
"""

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"


def main(selected: list[str]) -> int:
    RESULTS.mkdir(exist_ok=True)
    scripts = sorted(BENCH.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if any(name in s.stem for name in selected)]
    failed = []
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)], cwd=BENCH.parent)
        print(f"   {script.stem}: exit {code} in {time.monotonic() - started:.0f}s", flush=True)
        if code:
            failed.append(script.stem)
    sections = [p.read_text() for p in sorted(RESULTS.glob("*.md"))]
    header = (
        "# Benchmark results\n\n"
        "Measured on this project's 2-core machine by `make bench` (bench/run.py). Each section\n"
        "names its baseline, measured in the same run, and its target.\n\n"
    )
    (BENCH / "RESULTS.md").write_text(header + "\n".join(sections))
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
