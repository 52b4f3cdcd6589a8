"""Search that ignores case and accents: "nunez" finds "José Núñez".

PostgreSQL compares through its unaccent extension (installed by a migration). SQLite
has no such function, so each SQLite connection gets one of the same name, written in
Python (strip_accents), and the same query runs on both databases.
"""

import unicodedata
from functools import reduce
from operator import or_

from django.db.models import Func, Q, QuerySet
from django.db.models.functions import Lower


class Unaccent(Func):
    function = "UNACCENT"


def strip_accents(text: str | None) -> str | None:
    """The text without its combining marks (é → e, ñ → n, ễ → e); None stays None."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def register_sqlite_unaccent(sender, connection, **kwargs) -> None:
    """connection_created receiver: give SQLite the UNACCENT function PostgreSQL has."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("UNACCENT", 1, strip_accents, deterministic=True)


def containing_ignoring_accents(queryset: QuerySet, fields: list[str], text: str) -> QuerySet:
    """Rows where any of the fields contains the text, ignoring case and accents."""
    wanted = (strip_accents(text) or "").lower()
    aliases = {f"{field}_plain": Lower(Unaccent(field)) for field in fields}
    matches = [Q(**{f"{alias}__contains": wanted}) for alias in aliases]
    return queryset.alias(**aliases).filter(reduce(or_, matches))
