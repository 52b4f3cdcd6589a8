"""manage.py backup / restore: a round trip loses nothing, and a restore never merges."""

import json
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from events.management import backups
from events.models import Certificate, Registration
from events.services import certificates as certificate_service
from tests.factories import AttendedRegistrationFactory, RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.postgres


def _server_url(name: str) -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _query(database: str, sql: str, params=()) -> list[tuple]:
    """Run one statement on another database of the same server (autocommit)."""
    with closing(psycopg2.connect(_server_url(database))) as other:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture
def empty_database():
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"tt_restore_{uuid.uuid4().hex[:12]}"
    _query("postgres", f'CREATE DATABASE "{name}"')
    yield name
    _query("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(*args: str, database_url: str, media: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={
            "DJANGO_ENV": "test",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(media),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        cwd=str(settings.BASE_DIR),
    )


def _site_with_a_certificate() -> Certificate:
    RegistrationFactory.create_batch(3)
    attended = AttendedRegistrationFactory(full_name="Nguyễn Thị Minh")
    return certificate_service.issue_certificate(registration_id=attended.pk)


@postgres_only
def test_a_restore_into_a_fresh_database_brings_back_every_row_and_pdf(tmp_path, empty_database):
    certificate = _site_with_a_certificate()
    pdf = Path(settings.MEDIA_ROOT, certificate.pdf.name).read_bytes()
    emails = sorted(Registration.objects.values_list("email", flat=True))
    call_command("backup", str(tmp_path / "backup"))

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["counts"]["registrations"] == 4
    assert manifest["counts"]["certificates"] == 1
    restored_media = tmp_path / "restored-media"
    result = _manage(
        "restore",
        str(tmp_path / "backup"),
        database_url=_server_url(empty_database),
        media=restored_media,
    )
    assert result.returncode == 0, result.stderr
    assert "Restored 4 registrations, 1 certificates" in result.stdout

    restored_emails = _query(empty_database, "SELECT email FROM events_registration")
    [(code, name)] = _query(
        empty_database,
        "SELECT code, pdf FROM events_certificate WHERE registration_id = %s",
        [certificate.registration_id],
    )
    assert sorted(email for (email,) in restored_emails) == emails
    assert code == certificate.code
    assert (restored_media / name).read_bytes() == pdf


@postgres_only
def test_a_restore_into_a_database_that_is_not_empty_refuses_and_changes_nothing(tmp_path):
    _site_with_a_certificate()
    call_command("backup", str(tmp_path / "backup"))
    RegistrationFactory(full_name="Registered after the backup")

    with pytest.raises(backups.BackupError, match="is not empty .* nothing was changed"):
        backups.restore(tmp_path / "backup")
    assert Registration.objects.filter(full_name="Registered after the backup").exists()
    assert Registration.objects.count() == 5


@postgres_only
def test_a_restore_into_a_media_folder_that_is_not_empty_refuses(tmp_path, empty_database):
    _site_with_a_certificate()
    call_command("backup", str(tmp_path / "backup"))
    media = tmp_path / "busy-media"
    media.mkdir()
    (media / "someone-elses.pdf").write_bytes(b"%PDF")

    result = _manage(
        "restore", str(tmp_path / "backup"), database_url=_server_url(empty_database), media=media
    )
    assert result.returncode == 1
    assert "The media folder" in result.stderr and "is not empty" in result.stderr
    assert "Traceback" not in result.stderr
    tables = _query(empty_database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    assert tables == [(0,)]


def test_a_damaged_backup_is_refused_before_anything_is_restored(tmp_path):
    _site_with_a_certificate()
    call_command("backup", str(tmp_path / "backup"))
    archive = tmp_path / "backup" / "media.tar.gz"
    archive.write_bytes(archive.read_bytes()[:-10])

    with pytest.raises(backups.BackupError, match="media.tar.gz does not match its checksum"):
        backups.restore(tmp_path / "backup")


def test_a_backup_goes_only_into_a_new_folder(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    with pytest.raises(backups.BackupError, match="is not empty"):
        backups.backup(tmp_path / "old")


def test_restore_from_a_folder_that_is_no_backup_says_so(tmp_path):
    with pytest.raises(backups.BackupError, match="holds no manifest.json"):
        backups.restore(tmp_path)


def test_the_embedded_sqlite_site_backs_up_and_restores_too(tmp_path):
    live = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    copy = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    media = tmp_path / "media"
    for step in (("migrate", "--noinput"), ("load_demo_data",)):
        result = _manage(*step, database_url=live, media=media)
        assert result.returncode == 0, result.stderr
    backed_up = _manage("backup", str(tmp_path / "backup"), database_url=live, media=media)
    assert backed_up.returncode == 0, backed_up.stderr
    counts = json.loads((tmp_path / "backup" / "manifest.json").read_text())["counts"]
    assert counts["registrations"] > 0

    restored = _manage(
        "restore", str(tmp_path / "backup"), database_url=copy, media=tmp_path / "media2"
    )
    assert restored.returncode == 0, restored.stderr
    assert f"Restored {counts['registrations']} registrations" in restored.stdout
    again = _manage(
        "restore", str(tmp_path / "backup"), database_url=copy, media=tmp_path / "media3"
    )
    assert again.returncode == 1
    assert "is not empty" in again.stderr
