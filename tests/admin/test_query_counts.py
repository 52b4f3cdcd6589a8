"""The admin lists stay at a fixed number of queries, whatever the size of the roster."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Notification, Registration, Sector, TrainingSession
from tests.factories import RegistrationFactory, ScopedOrganizerFactory, SessionFactory

pytestmark = pytest.mark.django_db


def bulk_roster(session: TrainingSession, size: int) -> None:
    sectors = list(Sector.objects.all())
    now = timezone.now()
    Registration.objects.bulk_create(
        [
            Registration(
                session=session,
                full_name=f"Person {i:05d}",
                email=f"person{i}@example.org",
                organization=f"Org {i % 40}",
                sector=sectors[i % len(sectors)],
                consented_at=now,
                status="waitlisted" if i % 10 == 0 else "confirmed",
                attended=i % 3 == 0,
                manage_token_hash=f"{session.pk}-{i}",
            )
            for i in range(size)
        ],
        batch_size=1000,
    )


def test_roster_of_5000_registrations_renders_in_at_most_12_queries(
    client, django_assert_max_num_queries
):
    session = SessionFactory(capacity=5000)
    bulk_roster(session, 5000)
    # Other sessions of the same organizer fill the session filter: still one query.
    organizer = ScopedOrganizerFactory(organizes=[session, *SessionFactory.create_batch(15)])
    client.force_login(organizer)
    url = reverse("admin:events_registration_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url, {"session__id__exact": session.pk})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 100


def test_session_list_of_200_sessions_renders_in_at_most_10_queries(
    client, django_assert_max_num_queries
):
    first = SessionFactory()
    start = timezone.now() + timedelta(days=1)
    TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                training=first.training,
                starts_at=start + timedelta(days=i),
                ends_at=start + timedelta(days=i, hours=3),
                city=("Fargo", "Bismarck", "Minot")[i % 3],
                capacity=50,
                status="published",
                public_id=f"bulk{i:06d}",
            )
            for i in range(199)
        ]
    )
    organizer = ScopedOrganizerFactory(organizes=list(TrainingSession.objects.all()))
    for session in TrainingSession.objects.all()[:20]:
        RegistrationFactory(session=session)
    client.force_login(organizer)
    url = reverse("admin:events_trainingsession_changelist")
    with django_assert_max_num_queries(10):
        response = client.get(url, {"all": ""})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 200


def test_roster_of_all_sessions_with_cancelled_people_renders_in_at_most_12_queries(
    client, django_assert_max_num_queries
):
    sessions = SessionFactory.create_batch(3, capacity=500)
    for session in sessions:
        bulk_roster(session, 150)
        RegistrationFactory.create_batch(3, session=session, cancelled=True)
    client.force_login(ScopedOrganizerFactory(organizes=sessions))
    url = reverse("admin:events_registration_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url, {"status__exact": "all"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 100


def test_outbox_of_200_emails_renders_in_at_most_10_queries(client, django_assert_max_num_queries):
    session = SessionFactory(capacity=500)
    bulk_roster(session, 200)
    Notification.objects.bulk_create(
        [
            Notification(registration=registration, kind="reminder", variant="7d")
            for registration in Registration.objects.filter(session=session)
        ]
    )
    client.force_login(ScopedOrganizerFactory(organizes=[session]))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:events_notification_changelist"), {"all": ""})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 200
