"""TEST_CLOCK: the named hard moments, and that a run really happens at the moment it names."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.clock import CHICAGO, hard_moments, moment_for


def test_every_moment_of_the_year_is_picked_by_some_date():
    picked = {moment_for("by-date", today=date(2026, 1, 1) + timedelta(days=n)) for n in range(6)}
    assert picked == set(hard_moments(2027).values())


def test_by_date_picks_the_same_moment_all_day():
    assert moment_for("by-date", today=date(2026, 12, 2)) == moment_for(
        "by-date", today=date(2026, 12, 2)
    )


def test_late_evening_in_fargo_is_already_tomorrow_in_utc():
    moment = hard_moments(2027)["late-evening-fargo"]
    assert moment.astimezone(UTC).date() == moment.date() + timedelta(days=1)


def test_utc_date_ahead_is_still_the_day_before_in_fargo():
    moment = hard_moments(2027)["utc-date-ahead"]
    assert moment.astimezone(CHICAGO).date() == moment.date() - timedelta(days=1)


def test_the_dst_moments_fall_on_the_nights_the_clocks_change():
    moments = hard_moments(2027)
    spring, autumn = moments["dst-starts"], moments["dst-ends"]
    assert spring.utcoffset() == timedelta(hours=-6)
    an_hour_later = (spring.astimezone(UTC) + timedelta(hours=1)).astimezone(CHICAGO)
    assert an_hour_later.utcoffset() == timedelta(hours=-5)
    # 01:30 comes twice in November; the second one, after the change, is meant.
    assert autumn.utcoffset() == timedelta(hours=-6)
    an_hour_earlier = (autumn.astimezone(UTC) - timedelta(hours=1)).astimezone(CHICAGO)
    assert an_hour_earlier.utcoffset() == timedelta(hours=-5)


def test_an_iso_time_is_taken_as_it_is_and_a_naive_one_is_refused():
    assert moment_for("2027-12-31T23:30-06:00") == datetime(2027, 12, 31, 23, 30, tzinfo=CHICAGO)
    with pytest.raises(ValueError, match="offset"):
        moment_for("2027-12-31T23:30")


def test_a_run_with_test_clock_set_happens_at_that_moment():
    # An explicit time: a name means another moment inside a run that is itself travelled.
    moment = datetime(2031, 12, 31, 23, 30, tzinfo=CHICAGO)
    env = {**os.environ, "TEST_CLOCK": moment.isoformat()}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "tests/test_clock.py"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"TEST_CLOCK {moment.isoformat()} = {moment.isoformat()}" in run.stdout
    assert f"now {moment:%Y-%m-%dT%H:%M}" in run.stdout
