"""The session list fits the day: upcoming sessions first (today's included, soonest
first), past ones under the "When" filter, most recent first."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ScopedOrganizerFactory, SessionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:events_trainingsession_changelist"


def _at(start, *, hours: float = 3):
    return SessionFactory(starts_at=start, ends_at=start + timedelta(hours=hours))


@pytest.fixture
def calendar(client):
    """Sessions of last month, yesterday, earlier today (ended), next week and next year."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    since_midnight = now - midnight
    sessions = {
        "last_month": _at(midnight - timedelta(days=30)),
        "yesterday": _at(midnight - timedelta(hours=4), hours=2),
        # Started and ended today, before now, at whatever hour the clock says.
        "earlier_today": SessionFactory(
            starts_at=midnight + since_midnight / 3, ends_at=midnight + since_midnight * 2 / 3
        ),
        "next_year": _at(now + timedelta(days=365)),
        "next_week": _at(now + timedelta(days=7)),
    }
    client.force_login(ScopedOrganizerFactory(organizes=list(sessions.values())))
    return sessions


def listed(client, calendar, query: str = "") -> list[str]:
    response = client.get(reverse(CHANGELIST) + query)
    assert response.status_code == 200
    names = {session.pk: name for name, session in calendar.items()}
    return [names[session.pk] for session in response.context["cl"].result_list]


def test_the_list_shows_upcoming_sessions_soonest_first_with_todays_included(client, calendar):
    assert listed(client, calendar) == ["earlier_today", "next_week", "next_year"]


def test_the_upcoming_choice_is_the_default_and_selected(client, calendar):
    response = client.get(reverse(CHANGELIST))
    when = next(
        f for f in response.context["cl"].filter_specs if getattr(f, "parameter_name", "") == "when"
    )
    choices = list(when.choices(response.context["cl"]))
    assert [c["display"] for c in choices if c["selected"]] == ["Upcoming"]
    assert listed(client, calendar, "?when=upcoming") == listed(client, calendar)


def test_past_sessions_are_under_the_filter_most_recent_first(client, calendar):
    assert listed(client, calendar, "?when=past") == ["yesterday", "last_month"]


def test_all_shows_every_session_in_date_order(client, calendar):
    assert listed(client, calendar, "?when=all") == [
        "last_month",
        "yesterday",
        "earlier_today",
        "next_week",
        "next_year",
    ]


def test_a_sorted_column_still_sorts_the_list(client, calendar):
    columns = client.get(reverse(CHANGELIST)).context["cl"].list_display
    date_column = columns.index("local_date")
    assert listed(client, calendar, f"?o=-{date_column}") == [
        "next_year",
        "next_week",
        "earlier_today",
    ]


def test_a_link_to_a_past_year_of_the_date_drill_down_shows_that_year(client, calendar):
    year = timezone.localtime(calendar["last_month"].starts_at).year
    assert "last_month" in listed(client, calendar, f"?starts_at__year={year}")


def test_a_search_looks_through_past_sessions_too(client, calendar):
    calendar["last_month"].city = "Williston"
    calendar["last_month"].save()
    assert listed(client, calendar, "?q=Williston") == ["last_month"]


def test_other_filters_keep_the_upcoming_default(client, calendar):
    calendar["next_week"].status = "draft"
    calendar["next_week"].save()
    assert listed(client, calendar, "?status__exact=draft") == ["next_week"]
    calendar["yesterday"].status = "draft"
    calendar["yesterday"].save()
    assert listed(client, calendar, "?status__exact=draft&when=past") == ["yesterday"]


def test_an_unknown_when_value_falls_back_to_upcoming(client, calendar):
    assert listed(client, calendar, "?when=nonsense") == listed(client, calendar)


def test_show_counts_counts_each_choice(client, calendar):
    response = client.get(reverse(CHANGELIST), {"_facets": "True"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Upcoming (3)" in html
    assert "Past (2)" in html
    assert "All (5)" in html
