"""Random, unguessable tokens and codes used in public links."""

import hashlib
import hmac
import re
import secrets

from django.conf import settings

# Crockford-like alphabet without 0/O/1/I/L/U: typeable and unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
# Certificate and check-in codes: 16 symbols of a 30-symbol alphabet carry
# 16 * log2(30) ≈ 78.5 bits (at least 60 are needed; 12 symbols would give only 58.9).
# Shown grouped as XXXX-XXXX-XXXX-XXXX.
CODE_LENGTH = 16
# Anything longer than a grouped code with generous spacing is refused unread.
MAX_CODE_INPUT = 40
CODE_SEPARATORS = r"[\s\-]+"
_SEPARATORS = re.compile(CODE_SEPARATORS)
_VALID_CODE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
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
    return random_code(CODE_LENGTH)


def normalize_code(text: str | None) -> str | None:
    """The stored form of a typed code (upper-case, no dashes or spaces), or None.

    Certificate codes and check-in codes share it (and the door page's offline search
    gets the same rule from these constants). None means the text cannot be a code at
    all (wrong length or symbols), so callers answer "not found" without a query.
    """
    if not text or not isinstance(text, str) or len(text) > MAX_CODE_INPUT:
        return None
    code = _SEPARATORS.sub("", text).upper()
    return code if _VALID_CODE.match(code) else None


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


# An evaluation link: the registration's check-in code (the lookup key, itself random)
# followed by an HMAC of it, the phase and the manage nonce. The check-in code alone
# opens nothing here, and a copy of the database opens no link without the SECRET_KEY.
# Erasure draws a new code and nonce, which kills the old links.
EVALUATION_MAC_LENGTH = 24
EVALUATION_TOKEN_MAX_LENGTH = 16 + EVALUATION_MAC_LENGTH


def evaluation_mac(*, checkin_code: str, nonce: str, phase: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"evaluation:{phase}:{checkin_code}:{nonce}".encode(),
        hashlib.sha256,
    ).hexdigest()
    return digest[:EVALUATION_MAC_LENGTH]


def evaluation_token_for(*, checkin_code: str, nonce: str, phase: str) -> str:
    """The token of a registration's evaluation link for one phase."""
    return checkin_code + evaluation_mac(checkin_code=checkin_code, nonce=nonce, phase=phase)


def split_evaluation_token(token: str) -> tuple[str, str] | None:
    """(check-in code, mac) of a well-formed token, or None without touching the database."""
    if not token or len(token) != EVALUATION_TOKEN_MAX_LENGTH or not token.isascii():
        return None
    code, mac = token[:16], token[16:]
    if not code.isalnum() or not all(c in "0123456789abcdef" for c in mac):
        return None
    return code, mac
