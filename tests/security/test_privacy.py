"""Privacy: erasure from the manage page, retention, the data export, the notice."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from events.models import AuditEntry, Notification, Registration
from events.services import privacy
from tests.factories import CertificateFactory, RegistrationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _erase(client, registration, confirm=True):
    data = {"confirm": "on"} if confirm else {}
    return client.post(reverse("events:privacy_erase", args=[registration.manage_token]), data)


def test_manage_page_offers_the_erase_button(client):
    registration = RegistrationFactory()
    html = client.get(registration.get_manage_url()).content.decode()
    assert reverse("events:privacy_erase", args=[registration.manage_token]) in html


def test_erasing_removes_personal_details_but_keeps_sector_and_organization(client):
    user = UserFactory()
    registration = RegistrationFactory(
        full_name="Dana Tester",
        email="dana@example.org",
        organization="Fargo Public Schools",
        job_title="Counselor",
        accommodations="ASL interpreter",
        user=user,
    )
    response = _erase(client, registration)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.full_name == "Erased"
    assert registration.email == f"erased-{registration.pk}@erased.invalid"
    assert (registration.job_title, registration.accommodations) == ("", "")
    assert registration.user is None
    assert registration.anonymized_at is not None
    assert registration.organization == "Fargo Public Schools"
    assert Registration.objects.filter(sector=registration.sector).count() == 1


def test_erasure_leaves_the_counts_by_sector_and_organization_unchanged(client):
    session = SessionFactory()
    for org in ["Clinic", "Clinic", "School"]:
        RegistrationFactory(session=session, organization=org)
    before = list(
        Registration.objects.values("sector", "organization").annotate(n=Count("id")).order_by()
    )
    _erase(client, session.registrations.first())
    after = list(
        Registration.objects.values("sector", "organization").annotate(n=Count("id")).order_by()
    )
    assert sorted(before, key=str) == sorted(after, key=str)


def test_erasing_an_upcoming_place_gives_the_seat_to_the_next_person_waiting(client):
    session = SessionFactory(capacity=1)
    holder = RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, waitlisted=True)
    _erase(client, holder)
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert holder.status == Registration.Status.CANCELLED
    assert waiting.status == Registration.Status.CONFIRMED


def test_erasing_a_past_attendance_keeps_it_counted():
    session = SessionFactory(
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3, hours=-3),
    )
    registration = RegistrationFactory(session=session, attended=True)
    privacy.erase_registration(registration_id=registration.pk)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.attended


def test_erasure_deletes_unsent_mail_and_kills_the_manage_link(client):
    registration = RegistrationFactory()
    Notification.objects.create(registration=registration, kind=Notification.Kind.REMINDER)
    _erase(client, registration)
    assert not Notification.objects.filter(
        registration=registration, status=Notification.Status.QUEUED
    ).exists()
    assert client.get(registration.get_manage_url()).status_code == 404
    assert _erase(client, registration).status_code == 404


def test_erasure_needs_the_confirmation_box(client):
    registration = RegistrationFactory(full_name="Dana Tester")
    response = _erase(client, registration, confirm=False)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.full_name == "Dana Tester"


def test_erasure_keeps_the_certificate_snapshot_for_verification(client):
    registration = RegistrationFactory(full_name="Dana Tester")
    certificate = CertificateFactory(registration=registration)
    _erase(client, registration)
    certificate.refresh_from_db()
    assert certificate.name_printed == "Dana Tester"
    assert certificate.is_valid


def test_erasure_is_recorded_in_the_audit_trail(client):
    registration = RegistrationFactory()
    _erase(client, registration)
    assert AuditEntry.objects.filter(registration=registration, action="erased").exists()


def test_erase_with_an_unknown_token_is_404(client):
    response = client.post(reverse("events:privacy_erase", args=["nope" * 10]), {"confirm": "on"})
    assert response.status_code == 404


def _ended(days_ago: int):
    end = timezone.now() - timedelta(days=days_ago)
    return SessionFactory(starts_at=end - timedelta(hours=3), ends_at=end)


def test_retention_anonymizes_registrations_of_sessions_past_the_period(settings):
    settings.RETENTION_MONTHS = 24
    old = RegistrationFactory(session=_ended(days_ago=2 * 366), full_name="Old Attendee")
    recent = RegistrationFactory(session=_ended(days_ago=300), full_name="Recent Attendee")
    done = privacy.anonymize_expired_registrations()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert done == [old.pk]
    assert old.full_name == "Erased" and old.anonymized_at is not None
    assert recent.full_name == "Recent Attendee" and recent.anonymized_at is None


def test_retention_period_follows_the_setting(settings):
    settings.RETENTION_MONTHS = 6
    registration = RegistrationFactory(session=_ended(days_ago=200))
    assert privacy.anonymize_expired_registrations() == [registration.pk]


def test_retention_task_is_registered_under_its_beat_name():
    from trafficking_training.celery import app

    registration = RegistrationFactory(session=_ended(days_ago=3 * 365))
    result = app.tasks["events.anonymize_expired_registrations"].delay()
    assert result.get() == 1
    registration.refresh_from_db()
    assert registration.anonymized_at is not None


def test_retention_keeps_the_certificate_snapshot():
    registration = RegistrationFactory(session=_ended(days_ago=3 * 365), full_name="Dana Tester")
    certificate = CertificateFactory(registration=registration)
    privacy.anonymize_expired_registrations()
    certificate.refresh_from_db()
    assert certificate.name_printed == "Dana Tester"


def test_months_before_clamps_to_the_end_of_a_shorter_month():
    moment = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert privacy.months_before(moment, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert privacy.months_before(moment, 24) == datetime(2024, 3, 31, 12, tzinfo=UTC)


def test_signed_in_user_downloads_all_their_data_as_json(client):
    user = UserFactory(full_name="Dana Tester", organization="Clinic")
    mine = RegistrationFactory(user=user, email=user.email)
    CertificateFactory(registration=mine, code="ABCDEFGHJKMN2345")
    RegistrationFactory(full_name="Somebody Else")
    client.force_login(user)
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == user.email
    assert data["account"]["full_name"] == "Dana Tester"
    assert [r["full_name"] for r in data["registrations"]] == [mine.full_name]
    assert data["registrations"][0]["certificate"]["code"] == "ABCD-EFGH-JKMN-2345"


def test_data_export_needs_a_signed_in_user(client):
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_registration_form_shows_the_privacy_notice(client):
    html = client.get(SessionFactory().get_absolute_url()).content.decode()
    assert "privacy-notice" in html
    assert "anonymized automatically" in html


def test_privacy_page_states_the_retention_period(client, settings):
    settings.RETENTION_MONTHS = 18
    html = client.get(reverse("privacy")).content.decode()
    assert "18 months after the session ends" in html
