"""manage.py backup FOLDER: the database and the media folder, with a manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.management.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the media folder (certificate PDFs) into a new folder."

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path, help="A new or empty folder for the backup.")

    def handle(self, *args, folder: Path, **options) -> None:
        try:
            manifest = backup(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{count} {name}" for name, count in manifest["counts"].items())
        self.stdout.write(self.style.SUCCESS(f"Backed up {counts} into {folder}."))
