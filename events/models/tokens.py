"""Random, unguessable tokens and codes used in public links."""

import hashlib
import hmac
import secrets

from django.conf import settings

# Crockford-like alphabet without 0/O/1/I/L/U: typeable and unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
# The column's length; new ids have 10 symbols.
PUBLIC_ID_MAX_LENGTH = 16


def random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_public_id() -> str:
    """Public id of a session in URLs (10 symbols, ~49 bits): never the sequential pk."""
    return random_code(10).lower()


def plausible_public_id(value: str) -> bool:
    """Whether value could be a public id: anything else is not worth a query or a key
    (and a NUL byte would make PostgreSQL refuse it with an error, not "not found")."""
    return len(value) <= PUBLIC_ID_MAX_LENGTH and value.isascii() and value.isalnum()


def new_checkin_code() -> str:
    """Opaque check-in token shown as a QR code (16 symbols, ~78 bits)."""
    return random_code(16)


def new_manage_nonce() -> str:
    return secrets.token_hex(16)


def manage_token_for(nonce: str) -> str:
    """The manage link's token, derived from a stored nonce and the SECRET_KEY.

    Only its hash is stored, so a copy of the database alone opens no manage link,
    while reminders sent days later can still carry the link.
    """
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"manage:{nonce}".encode(), hashlib.sha256
    ).hexdigest()
    return digest[:40]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_manage_credentials() -> dict[str, str]:
    """A fresh nonce and the hash of the manage token it derives, as Registration fields."""
    nonce = new_manage_nonce()
    return {"manage_nonce": nonce, "manage_token_hash": hash_token(manage_token_for(nonce))}
