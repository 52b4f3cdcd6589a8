"""Hard moments for the clock: where a test or a rule on the wrong side of midnight fails.

Sessions are in America/Chicago by default, the server's zone is America/Chicago and
the database keeps UTC, so the moments that split them are the ones that find bugs:
late evening (the UTC date is already tomorrow), just after midnight, the hours when
the local date is still a day behind UTC, the two nights the clocks change, and the
last night of the year. Each is in the coming year, so "in ten days" stays in the future.
"""

import zoneinfo
from datetime import date, datetime, timedelta

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
UTC = zoneinfo.ZoneInfo("UTC")


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def hard_moments(year: int) -> dict[str, datetime]:
    """The named moments of a year, each an aware datetime."""
    spring = _nth_sunday(year, 3, 2)  # US clocks go forward at 02:00 local
    autumn = _nth_sunday(year, 11, 1)  # and back at 02:00 local
    return {
        "late-evening-fargo": datetime(year, 6, 15, 23, 30, tzinfo=CHICAGO),
        "after-midnight-fargo": datetime(year, 6, 16, 0, 30, tzinfo=CHICAGO),
        # 23:30 on the last day of January in Fargo: a new month already in UTC.
        "utc-date-ahead": datetime(year, 2, 1, 5, 30, tzinfo=UTC),
        "dst-starts": datetime.combine(spring, datetime.min.time(), CHICAGO)
        + timedelta(hours=1, minutes=30),
        "dst-ends": datetime(autumn.year, autumn.month, autumn.day, 1, 30, fold=1, tzinfo=CHICAGO),
        "new-years-eve": datetime(year, 12, 31, 23, 30, tzinfo=CHICAGO),
    }


def moment_for(name: str, *, today: date | None = None) -> datetime:
    """The moment TEST_CLOCK names: a name above, "by-date", or an ISO 8601 time."""
    today = today or date.today()
    moments = hard_moments(today.year + 1)
    if name == "by-date":
        names = sorted(moments)
        return moments[names[today.toordinal() % len(names)]]
    if name in moments:
        return moments[name]
    moment = datetime.fromisoformat(name)
    if moment.tzinfo is None:
        raise ValueError(f"TEST_CLOCK={name!r} needs an offset, such as -06:00 or Z.")
    return moment
