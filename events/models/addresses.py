"""Email addresses as the platform stores them: one spelling per mailbox.

Registrations, walk-ins and accounts all look people up by address, so the rule lives
here, in events, and accounts uses it (accounts depends on events, never the reverse).
"""

# Letters whose lower case is longer than they are, with their one-letter lower case:
# "İ".lower() is "i" plus a combining dot, so an address of 254 characters that the
# forms accept could grow past its 254-character column (a 500 on PostgreSQL).
_LENGTHENED_BY_LOWER = {ord("İ"): "i"}


def normalize_email_address(email: str) -> str:
    """One spelling per mailbox: trimmed and lower-cased, so lookups are case-insensitive.

    Never longer than the address given.
    """
    return (email or "").strip().translate(_LENGTHENED_BY_LOWER).lower()
