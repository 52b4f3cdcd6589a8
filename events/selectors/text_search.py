"""Search that ignores case and accents, in every script: "nunez" finds "José Núñez",
"odegard" and "ØDEGÅRD" find "Ødegård", "strasse" finds "Straße", "ΝΙΚΟΛΑΟΣ" finds
"Νικόλαος".

Both sides of the comparison, the column and what was typed, go through one function
in the database (SearchFold), so a name typed exactly always finds itself:

- PostgreSQL: LOWER(UPPER(UNACCENT(x))). The unaccent extension (installed by a
  migration) drops accents and maps the letters that are no decomposition (Ø, Æ, Ł,
  Đ, Þ, ß...); LOWER(UPPER()) then folds case as far as the database's locale knows
  it, including the variants LOWER alone keeps (the final sigma ς, ϐ, ſ...).
- SQLite, which has no such function and whose LOWER knows only ASCII: SEARCH_FOLD,
  registered on each connection, is fold() below, written with Python's own folding
  (str.casefold, and NFKD without its combining marks) and the one table LETTERS.

LETTERS maps the letters that neither decomposition nor case folding reduce to a base
letter, each to what PostgreSQL's unaccent maps it to, so that both databases find the
same names (tests/admin/test_roster_search.py checks every entry against unaccent on
PostgreSQL). Where the two still differ is decomposable letters unaccent has no rule
for, such as Cyrillic й (SQLite also finds "Андрей" from "андреи"; PostgreSQL only
from "андрей" or "АНДРЕЙ"): doing NFKD in PostgreSQL as well (normalize() and a
regular expression) would make every search about five times slower.
"""

import unicodedata
from functools import cache, reduce
from operator import or_

from django.db.models import Func, Q, QuerySet, TextField, Value

# Lower case only: fold() applies it after case folding.
LETTERS = str.maketrans(
    {
        "ø": "o",  # Ødegård, Lindqvist-Øye
        "æ": "ae",  # Ærø
        "œ": "oe",  # Œuvray
        "ł": "l",  # Łukasz
        "đ": "d",  # Đorđe
        "ð": "d",  # Guðrún
        "þ": "th",  # Þórunn
        "ı": "i",  # Turkish dotless ı (İ folds to i by decomposition)
        "ħ": "h",  # Maltese Ħal
        "ŧ": "t",  # Sámi
        "ŋ": "n",  # Sámi
    }
)


def strip_accents(text: str | None) -> str | None:
    """The text without its combining marks (é → e, ñ → n, ễ → e); None stays None."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str | None) -> str | None:
    """The text as search compares it on SQLite: case folded ("ß" → "ss", "İ" → "i̇"),
    then without accents, then LETTERS ("ø" → "o"); None stays None."""
    if text is None:
        return None
    return strip_accents(text.casefold()).translate(LETTERS)


def _browser_fold(char: str) -> str:
    """What a browser's simple folding makes of one character: toLowerCase(), then
    NFKD without the marks (the door page's script, static/js/checkin.js)."""
    decomposed = unicodedata.normalize("NFKD", char.lower())
    return "".join(part for part in decomposed if not unicodedata.category(part).startswith("M"))


@cache
def fold_exceptions() -> dict[str, str]:
    """The characters of the Basic Multilingual Plane that fold() folds otherwise than a
    browser's simple folding (Ø, ß, Æ, Ł, final sigma, Cherokee...), each with fold()'s
    answer. The door page searches its offline list with the simple folding and these,
    so that it finds the names the server's search finds. fold() works one character
    at a time, so a table of characters is the whole rule. About 280 entries, worked
    out once per process (a fifth of a second)."""
    exceptions = {}
    for point in range(0x10000):
        if 0xD800 <= point <= 0xDFFF:  # surrogates are no characters
            continue
        char = chr(point)
        folded = fold(char)
        if folded != _browser_fold(char):
            exceptions[char] = folded
    return exceptions


def register_sqlite_search_fold(sender, connection, **kwargs) -> None:
    """connection_created receiver: give SQLite the folding PostgreSQL does with unaccent."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("SEARCH_FOLD", 1, fold, deterministic=True)


class SearchFold(Func):
    """A column (or a value) as search compares it: case and accents folded."""

    function = "SEARCH_FOLD"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="LOWER(UPPER(UNACCENT(%(expressions)s)))")


class _FoldedQuery(SearchFold):
    """What was typed, folded by the same function as the columns it is compared with."""

    def as_postgresql(self, compiler, connection, **extra_context):
        # A scalar subquery is run once per query. Bare, the call would run for every
        # row: unaccent() is only STABLE, so PostgreSQL does not fold it as a constant.
        return self.as_sql(
            compiler, connection, template="(SELECT LOWER(UPPER(UNACCENT(%(expressions)s))))"
        )


def containing_ignoring_accents(queryset: QuerySet, fields: list[str], text: str) -> QuerySet:
    """Rows where any of the fields contains the text, ignoring case and accents."""
    wanted = _FoldedQuery(Value(text, output_field=TextField()))
    aliases = {f"{field}_folded": SearchFold(field) for field in fields}
    matches = [Q(**{f"{alias}__contains": wanted}) for alias in aliases]
    return queryset.alias(**aliases).filter(reduce(or_, matches))
