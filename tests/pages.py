"""Helpers for comparing rendered pages."""

import re

_CSRF_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def without_csrf_tokens(page: str) -> str:
    """The page with its CSRF tokens blanked: every page's language switcher has one, and
    Django masks each anew, so two renders of the same page differ only there."""
    return _CSRF_VALUE.sub('name="csrfmiddlewaretoken"', page)
