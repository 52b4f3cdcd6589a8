"""manage.py create_badge_key [--output FILE]: a new Ed25519 key for signing Open Badges.

Also, for a rotation, --public-of OLD.pem prints an old key's public half, to append
to BADGE_RETIRED_KEYS_FILE.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from joserfc.jwk import OKPKey

from events.documents.badge_keys import (
    SigningKeyInvalid,
    new_private_pem,
    read_private_key,
    write_private_key,
)


class Command(BaseCommand):
    help = (
        "Create an Ed25519 signing key for Open Badges: written to --output (mode 0600, "
        "never over an existing file) or printed. --public-of FILE prints a key's public half."
    )
    # Runs where the key is still missing, which the badges.E001 check reports.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, help="A new file for the private key.")
        parser.add_argument(
            "--public-of",
            type=Path,
            metavar="FILE",
            help="Print the public key (PEM) of the private key in FILE, for a rotation.",
        )

    def handle(self, *args, output: Path | None, public_of: Path | None, **options) -> None:
        if public_of is not None:
            self.stdout.write(self._public_pem(public_of), ending="")
            return
        pem = new_private_pem()
        thumbprint = OKPKey.import_key(pem).thumbprint()
        if output is None:
            self.stdout.write(pem.decode(), ending="")
            return
        try:
            write_private_key(output, pem)
        except FileExistsError:
            raise CommandError(f"{output} already exists; it was left unchanged.") from None
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote a new Ed25519 signing key to {output} (readable by its owner only). "
                f"Key id: #{thumbprint}. Point BADGE_SIGNING_KEY_FILE at it."
            )
        )

    def _public_pem(self, path: Path) -> str:
        try:
            text = path.read_text()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        try:
            key = read_private_key(text, source=str(path))
        except SigningKeyInvalid as exc:
            raise CommandError(str(exc)) from None
        return key.as_pem(private=False).decode().rstrip("\n") + "\n"
