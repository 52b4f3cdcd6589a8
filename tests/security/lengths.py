"""Values of an exact length for a form field, in plain and in multi-byte characters.

PostgreSQL counts a varchar's length in characters, not bytes; SQLite checks none. A value
at a field's limit in 'ß', Arabic and emoji proves the limit is counted the same way on
both sides, and one character over must be refused by the form before any column sees it.
"""

from django import forms

# Two, two and four bytes in UTF-8; the emoji is one character to PostgreSQL and Python.
MULTIBYTE = "ßع😀"


def email_address(length: int, letter: str = "a") -> str:
    """A well-formed address of exactly `length` characters (at least 20).

    The local part is at most 64 characters and each domain label at most 63, so that
    only the length is wrong with the address when it is too long.
    """
    local = min(64, length - 16)
    domain = length - local - 1 - len(".org")
    if domain % 64 == 0:
        # A label would end right before ".org", leaving an empty label; move one over.
        local, domain = local - 1, domain + 1
    labels = "".join("." if (i + 1) % 64 == 0 else "b" for i in range(domain))
    return f"{letter * local}@{labels}.org"


def value_of_length(field: forms.Field, length: int, *, multibyte: bool) -> str:
    """A value the field would accept but for its length, as far as its type allows.

    Addresses take 'İ' as their multi-byte letter: the one character whose lower case is
    two characters long, so an address normalized to lower case could outgrow its column.
    """
    if isinstance(field, forms.EmailField):
        return email_address(length, "İ" if multibyte else "a")
    if isinstance(field, forms.URLField):
        prefix = "https://example.org/"
        return prefix + fill(length - len(prefix), multibyte=multibyte)
    if isinstance(field, forms.SlugField) and not field.allow_unicode:
        return "s" * length
    return fill(length, multibyte=multibyte)


def fill(length: int, *, multibyte: bool) -> str:
    pattern = MULTIBYTE if multibyte else "x"
    return (pattern * length)[:length]
