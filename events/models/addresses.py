"""Email addresses as the platform stores them: one spelling per mailbox, and proofs.

Registrations, walk-ins and accounts all look people up by address, so the rule lives
here, in events, and accounts uses it (accounts depends on events, never the reverse).
"""

from django.core import signing

# Letters whose lower case is longer than they are, with their one-letter lower case:
# "İ".lower() is "i" plus a combining dot, so an address of 254 characters that the
# forms accept could grow past its 254-character column (a 500 on PostgreSQL).
_LENGTHENED_BY_LOWER = {ord("İ"): "i"}


def normalize_email_address(email: str) -> str:
    """One spelling per mailbox: trimmed and lower-cased, so lookups are case-insensitive.

    Never longer than the address given.
    """
    return (email or "").strip().translate(_LENGTHENED_BY_LOWER).lower()


# The signed proof in an address-confirmation link. The salt is the one the first links
# were signed with, so links already in people's mailboxes keep working.
_PROOF_SALT = "accounts.verify-email"
PROOF_MAX_AGE = 60 * 60 * 24 * 3


def address_proof(*, user_id: int, email: str) -> str:
    """A token that proves, when it comes back, that its holder reads this address."""
    return signing.dumps({"u": user_id, "e": email}, salt=_PROOF_SALT)


def read_address_proof(token: str) -> tuple[int, str] | None:
    """(user id, address) from a token made by address_proof(); None when bad or expired."""
    try:
        data = signing.loads(token, salt=_PROOF_SALT, max_age=PROOF_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return data.get("u"), data.get("e")
