"""The busiest pages run a fixed number of queries, however many sessions and people."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Registration, Sector
from tests.factories import RegistrationFactory, SessionFactory, TrainingFactory, UserFactory

pytestmark = pytest.mark.django_db

# Each limit is the count measured when the test was written; a new per-row query
# (an N+1) pushes the big case over it while the small case stays the same. These
# are first renderings: the catalogue and home page each spend one query on when the
# next session ends (the stored copy's expiry), and a repeat anonymous visit runs
# none at all (tests/test_page_cache.py).
CATALOGUE_MAX = 6
HOME_MAX = 2
SESSION_PAGE_MAX = 3
DASHBOARD_MAX = 3


def add_registrations(session, count: int, **traits) -> None:
    """Bulk insert: hundreds of registrations in one statement keep the test fast."""
    Registration.objects.bulk_create(
        RegistrationFactory.build(session=session, **traits) for _ in range(count)
    )


def make_sessions(count: int) -> list:
    start = timezone.now() + timedelta(days=3)
    sessions = []
    for day in range(count):
        session = SessionFactory(
            starts_at=start + timedelta(days=day), training=TrainingFactory(), capacity=5
        )
        add_registrations(session, 6)
        sessions.append(session)
    past = SessionFactory(starts_at=timezone.now() - timedelta(days=10))
    add_registrations(past, 3)
    return sessions


@pytest.mark.parametrize("sessions", [2, 30])
def test_catalogue_query_count_does_not_grow_with_sessions(
    client, sessions, django_assert_max_num_queries
):
    make_sessions(sessions)
    with django_assert_max_num_queries(CATALOGUE_MAX):
        response = client.get(reverse("events:catalog"), {"mode": "in_person", "page": 1})
    assert len(response.context["page"].object_list) == min(sessions, 12)


def test_home_query_count_is_fixed(client, django_assert_max_num_queries):
    make_sessions(5)
    with django_assert_max_num_queries(HOME_MAX):
        response = client.get("/")
    assert len(response.context["sessions"]) == 3


@pytest.mark.parametrize("registrations", [0, 500])
def test_session_page_query_count_does_not_grow_with_registrations(
    client, registrations, django_assert_max_num_queries
):
    session = SessionFactory(capacity=600)
    session.training.target_sectors.add(*Sector.objects.all())
    add_registrations(session, registrations)
    with django_assert_max_num_queries(SESSION_PAGE_MAX):
        response = client.get(session.get_absolute_url())
    assert f"{600 - registrations} seats left" in response.content.decode()


@pytest.mark.parametrize("per_kind", [1, 15])
def test_my_trainings_query_count_does_not_grow_with_registrations(
    client, per_kind, django_assert_max_num_queries
):
    user = UserFactory(email="dana@example.org")
    past = timezone.now() - timedelta(days=20)
    for _ in range(per_kind):
        RegistrationFactory(email=user.email)
        RegistrationFactory(user=user, waitlisted=True)
        RegistrationFactory(email=user.email, session=SessionFactory(starts_at=past))
    client.force_login(user)
    with django_assert_max_num_queries(DASHBOARD_MAX):
        response = client.get(reverse("accounts:dashboard"))
    context = response.context
    assert [len(context[k]) for k in ("upcoming", "waitlisted", "past")] == [per_kind] * 3
