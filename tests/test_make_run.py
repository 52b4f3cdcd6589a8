"""`make run` on another port: links in emails, calendars and QR codes follow the port."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A recipe run by the project's own Makefile, in the environment `make run` gives its
# processes: it prints the SITE_URL that Django's settings read there.
SHOW = (
    f'show-site-url: ; @{sys.executable} -c "import django; django.setup(); '
    'from django.conf import settings; print(settings.SITE_URL)"'
)


def _site_url(*make_args: str, **environ: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    env |= {"DJANGO_SETTINGS_MODULE": "trafficking_training.settings", **environ}
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", SHOW, "show-site-url", *make_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_links_point_at_the_port_make_run_serves_on():
    assert _site_url("PORT=9000") == "http://127.0.0.1:9000"
    assert _site_url() == "http://127.0.0.1:8000"


def test_an_explicit_site_url_wins_over_the_port():
    assert _site_url("PORT=9000", SITE_URL="https://trainings.example.org") == (
        "https://trainings.example.org"
    )
