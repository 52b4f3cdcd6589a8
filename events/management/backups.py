"""Back up and restore the whole site: the database and the media folder (certificate PDFs).

A backup is a folder with three files:
- database.dump: `pg_dump --format=custom` (PostgreSQL) or a copy of the SQLite file
  made with SQLite's online backup, so the site can keep running while it is taken;
- media.tar.gz: every file under MEDIA_ROOT;
- manifest.json: when it was taken, from which database engine, how many registrations,
  certificates and notifications it holds, and each file's SHA-256.

The database is dumped before the media folder is archived. A certificate's PDF is
written before its row is committed, so every certificate in the dump has its file in
the archive; a file written in between is merely extra.

A restore goes only into an empty database and an empty media folder, and it checks
the files against the manifest first and the row counts afterwards. It never merges.
The management commands `backup` and `restore` call these functions.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

DATABASE_FILE = "database.dump"
MEDIA_FILE = "media.tar.gz"
MANIFEST_FILE = "manifest.json"
# What a restore must find again, row for row.
COUNTED_MODELS = {
    "registrations": "events.Registration",
    "certificates": "events.Certificate",
    "notifications": "events.Notification",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def backup(destination: Path) -> dict:
    """Write a backup into `destination` (created; must be empty) and return its manifest."""
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty; choose a new folder for the backup.")
    destination.mkdir(parents=True, exist_ok=True)
    counts = _row_counts()
    _dump_database(destination / DATABASE_FILE)
    _archive_media(destination / MEDIA_FILE)
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": connection.vendor,
        "counts": counts,
        "files": {name: _sha256(destination / name) for name in (DATABASE_FILE, MEDIA_FILE)},
    }
    (destination / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def restore(source: Path) -> dict:
    """Restore the backup in `source` into the configured (empty) database and media folder.

    Returns the counts found after the restore, which equal the manifest's.
    """
    source = Path(source)
    manifest = _read_manifest(source)
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"This backup is of a {manifest['engine']} database; "
            f"DATABASE_URL points at {connection.vendor}."
        )
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"The database {_database_name()} is not empty ({len(tables)} tables). "
            "Restore only into a new, empty database; nothing was changed."
        )
    media = Path(settings.MEDIA_ROOT)
    if media.exists() and any(media.iterdir()):
        raise BackupError(
            f"The media folder {media} is not empty. "
            "Restore only into a new, empty folder; nothing was changed."
        )
    _load_database(source / DATABASE_FILE)
    _extract_media(source / MEDIA_FILE, media)
    counts = _row_counts()
    if counts != manifest["counts"]:
        raise BackupError(f"Restored {counts}, but the backup holds {manifest['counts']}.")
    return counts


def _row_counts() -> dict[str, int]:
    return {name: apps.get_model(label).objects.count() for name, label in COUNTED_MODELS.items()}


def _read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST_FILE).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} holds no {MANIFEST_FILE}; is it a backup folder?") from None
    except ValueError:
        raise BackupError(f"{source / MANIFEST_FILE} is damaged (not JSON).") from None
    for name, expected in manifest.get("files", {}).items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {name} is missing.")
        if _sha256(path) != expected:
            raise BackupError(f"The backup is damaged: {name} does not match its checksum.")
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _database_name() -> str:
    return str(settings.DATABASES["default"]["NAME"])


def _postgres_command(program: str, *args: str) -> None:
    """Run pg_dump or pg_restore against the default database, with its credentials."""
    if shutil.which(program) is None:
        raise BackupError(
            f"{program} is not installed (Debian: apt-get install postgresql-client)."
        )
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    command = [program, "--host", str(db.get("HOST") or "localhost")]
    command += ["--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        command += ["--username", str(db["USER"])]
    command += ["--dbname", _database_name(), *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")


def _sqlite_copy(source: str | Path, target: str | Path) -> None:
    """SQLite's online backup: a consistent copy even while the site writes."""
    with closing(sqlite3.connect(source)) as read, closing(sqlite3.connect(target)) as write:
        read.backup(write)


def _dump_database(target: Path) -> None:
    if connection.vendor == "postgresql":
        _postgres_command("pg_dump", "--format=custom", "--no-owner", "--file", str(target))
    else:
        _sqlite_copy(_database_name(), target)


def _load_database(dump: Path) -> None:
    connection.close()
    if connection.vendor == "postgresql":
        _postgres_command(
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(dump),
        )
    else:
        _sqlite_copy(dump, _database_name())


def _archive_media(target: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(target, "w:gz") as archive:
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(media)))


def _extract_media(archive_path: Path, media: Path) -> None:
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        # The "data" filter refuses absolute paths, "..", links out of the folder and
        # device files, so a tampered archive cannot write outside MEDIA_ROOT.
        archive.extractall(media, filter="data")
