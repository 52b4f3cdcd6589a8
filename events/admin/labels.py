"""Short labels for admin list columns: one line each, the full text in a title.

A session's full name ("Identifying and Reporting Human Trafficking – Fargo, Dec 4,
2026") wrapped to eight lines in the outbox at 1280 px; a list column names the
session by city and day, and the pointer (or a screen reader's title) gives the rest.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from events.models import TrainingSession


def session_label(session: TrainingSession) -> SafeString:
    """City and day of a session (its training must be loaded: select_related)."""
    # The day never breaks across lines (no-break spaces); a narrow column breaks after
    # the city, so the label takes two lines at most.
    day = date_format(session.local_starts_at, "SHORT_PLAIN_DATE_FORMAT").replace(" ", "\u00a0")
    return format_html('<span title="{}">{}, {}</span>', str(session), session.city, day)


def short_time(moment: datetime | None) -> str:
    """A date and time in the admin's zone, "2026-12-07 18:01": two short lines at most
    (the admin's own "Dec. 7, 2026, 6:01 p.m." takes three)."""
    if moment is None:
        return "–"
    return format_html(
        '<span class="nowrap">{}</span>', f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
    )


def truncated(text: str, length: int) -> SafeString | str:
    """The start of a long text, all of it in the title; a short text as it is."""
    if len(text) <= length:
        return text
    return format_html('<span title="{}">{}</span>', text, Truncator(text).chars(length))
