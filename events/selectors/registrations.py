"""Reads of one registration: the one a manage link points to."""

from events.models import Registration
from events.models.tokens import hash_token


def find_by_manage_token(token: str) -> Registration | None:
    """The registration a manage link points to, or None for an unknown token."""
    if not token or len(token) > 128:
        return None
    return (
        Registration.objects.select_related("session__training", "sector")
        .filter(manage_token_hash=hash_token(token))
        .first()
    )
