"""One clock and zone for every log line: web (gunicorn and Django), worker and beat.

Each line starts with its time in ISO 8601, UTC, with the offset written out
(2026-12-07T18:19:10.123+00:00). The zone is set here and not taken from the process:
Django sets each process's TZ to TIME_ZONE (America/Chicago) once settings load, while
gunicorn's master logs before that, so "local time" would differ from line to line.
"""

import logging
from datetime import UTC, datetime

# The fields every line carries, after its time: how bad, which logger, what happened.
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class UTCFormatter(logging.Formatter):
    """A formatter whose %(asctime)s is ISO 8601 in UTC, to the millisecond."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """The record's time as 2026-12-07T18:19:10.123+00:00, whatever the process's TZ."""
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def formatter_config() -> dict:
    """The logging.config dictConfig entry of the shared formatter."""
    return {"()": UTCFormatter, "format": LINE_FORMAT}
