"""Values of an exact length for a form field, in plain and in multi-byte characters.

PostgreSQL counts a varchar's length in characters, not bytes; SQLite checks none. A value
at a field's limit in 'ß', Arabic and emoji proves the limit is counted the same way on
both sides, and one character over must be refused by the form before any column sees it.
"""

from html.parser import HTMLParser

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


class _FormBody(HTMLParser):
    """The fields a browser would submit for the form with the given id, as rendered."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.body: dict[str, list[str]] = {}
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" not in attrs:
                    return
                value = attrs.get("value", "on")
            else:
                value = attrs.get("value") or ""
            self.body.setdefault(attrs["name"], []).append(value)
        elif tag == "select":
            self._select, self._options = (attrs["name"], "multiple" in attrs), []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.body[self._textarea] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.body[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self.body[name] = chosen
            self._select = None


def form_body(page: str, form_id: str) -> dict[str, list[str]]:
    """What submitting the form with this id, unchanged, would post."""
    parser = _FormBody(form_id)
    parser.feed(page)
    # A leading newline in a textarea is the markup's, not the value's.
    return {
        name: [value.removeprefix("\n") for value in values] for name, values in parser.body.items()
    }
