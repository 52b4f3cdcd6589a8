"""manage.py restore FOLDER: a backup into an empty database and an empty media folder."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.management.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database and media "
        "folder. Both must be empty: a restore never merges into a running site."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path, help="The folder `manage.py backup` wrote.")

    def handle(self, *args, folder: Path, **options) -> None:
        try:
            counts = restore(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        restored = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Restored {restored} from {folder}."))
