"""`make run`: links follow its port, it serves the collected static files compressed, and
a second run with nothing changed skips the slow steps."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

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


def test_make_run_serves_the_collected_files_not_the_source_folders():
    # Added as a prerequisite of `run`, the recipe sees run's own environment; the
    # dry run (-n) keeps make from doing anything else, and `+` runs this one recipe.
    show = (
        f'show-static-finders: ; +@{sys.executable} -c "import django; django.setup(); '
        "from django.conf import settings; "
        "print('finders', settings.WHITENOISE_USE_FINDERS)\""
    )
    env = {k: v for k, v in os.environ.items() if k != "STATIC_FINDERS"}
    env["DJANGO_SETTINGS_MODULE"] = "trafficking_training.settings"
    # -B: every step, as on a first run (later runs skip collectstatic, tested below).
    result = subprocess.run(
        ["make", "-n", "-B", "--eval", show, "--eval", "run: show-static-finders", "run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "finders False" in result.stdout.splitlines()
    assert "manage.py collectstatic" in result.stdout


def _dry_run_of_make_run(var_dir: Path, static_stamp: Path) -> str:
    """What `make run` would do (make -n) with its state in var_dir; the installed
    packages count as up to date (-o), so that only var_dir and static/ decide."""
    env = {k: v for k, v in os.environ.items() if k not in {"VAR_DIR", "DATABASE_URL"}}
    result = subprocess.run(
        ["make", "-n", "-o", ".venv/.base", "run"]
        + [f"VAR_DIR={var_dir}", f"STATIC_STAMP={static_stamp}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.fixture
def second_run(tmp_path) -> tuple[Path, Path]:
    """The state after a first `make run`: a database, the demo loaded, files collected."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    (var_dir / "db.sqlite3").touch()
    (var_dir / "demo-loaded").touch()
    stamp = tmp_path / "collected"
    stamp.touch()
    return var_dir, stamp


def test_a_second_make_run_with_nothing_changed_skips_collectstatic_and_the_demo(second_run):
    commands = _dry_run_of_make_run(*second_run)
    assert "manage.py migrate" in commands  # new migrations still apply
    assert "collectstatic" not in commands
    assert "load_demo_data" not in commands
    assert "honcho start" in commands


def test_a_new_database_gets_the_demo(second_run):
    var_dir, stamp = second_run
    (var_dir / "db.sqlite3").unlink()
    commands = _dry_run_of_make_run(var_dir, stamp)
    assert "load_demo_data" in commands
    assert "collectstatic" not in commands


def test_a_changed_static_file_is_collected_again(second_run):
    var_dir, stamp = second_run
    os.utime(stamp, (0, 0))  # older than every file under static/
    commands = _dry_run_of_make_run(var_dir, stamp)
    assert "collectstatic" in commands
    assert "load_demo_data" not in commands


@pytest.mark.django_db
def test_the_collected_files_are_served_compressed(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", "--noinput", verbosity=0)
    settings.WHITENOISE_USE_FINDERS = False
    client = Client()  # a new handler, so WhiteNoise reads the settings above
    for encoding in ("br", "gzip"):
        response = client.get(
            "/static/vendor/bootstrap/bootstrap.min.css", HTTP_ACCEPT_ENCODING=encoding
        )
        assert response.status_code == 200
        assert response["Content-Encoding"] == encoding
    plain = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert "Content-Encoding" not in plain
