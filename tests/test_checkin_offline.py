"""Offline door check-in: codes as typed, the roster snapshot, the sync endpoint, the
service worker and the manifest."""

import json
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import AuditEntry, CheckInScan, Registration
from events.selectors import checkin as checkin_selectors
from events.services import checkin as checkin_services
from tests.factories import (
    OrganizerFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(db):
    return SessionFactory(starts_at=timezone.now() - timedelta(minutes=30))


@pytest.fixture
def organizer(session):
    return ScopedOrganizerFactory(organizes=[session], full_name="Olive Door")


@pytest.fixture
def door(client, organizer):
    client.force_login(organizer)
    return client


def grouped(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, 16, 4))


def item(registration=None, *, code=None, nonce=None, at=None, device="Front door"):
    return {
        "nonce": str(nonce or uuid.uuid4()),
        "code": code if code is not None else registration.checkin_code,
        "scanned_at": (at or timezone.now() - timedelta(minutes=5)).isoformat(),
        "device": device,
    }


def sync(client, session, items):
    return client.post(
        reverse("events:organize_checkin_sync", args=[session.pk]),
        json.dumps({"items": items}),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
    )


def outcomes(response):
    return [result["outcome"] for result in response.json()["results"]]


# --- codes as people type them -----------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: grouped(code),
        lambda code: grouped(code).lower(),
        lambda code: "-".join(grouped(code).split()),
        lambda code: f"  {grouped(code).lower().replace(' ', ' - ')}\t",
    ],
    ids=["spaces", "lower-case", "dashes", "mixed"],
)
def test_check_in_code_typed_with_spaces_dashes_or_lower_case_is_found(session, typed):
    registration = RegistrationFactory(session=session)
    found = checkin_selectors.find_by_checkin_code(
        session_id=session.pk, code=typed(registration.checkin_code)
    )
    assert found == registration


def test_door_page_checks_in_a_code_typed_in_groups(door, session):
    registration = RegistrationFactory(session=session, full_name="Dana Whitehorse")
    response = door.post(
        reverse("events:organize_checkin_submit", args=[session.pk]),
        {"code": grouped(registration.checkin_code).lower()},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["outcome"] == "checked_in"


def test_door_page_gives_the_script_the_server_code_rule(door, session):
    response = door.get(reverse("events:organize_checkin", args=[session.pk]))
    assert b'data-code-alphabet="23456789ABCDEFGHJKMNPQRSTVWXYZ"' in response.content
    assert b'data-code-length="16"' in response.content


# --- the attendance service with a scan time -----------------------------------------


def test_an_earlier_offline_scan_moves_the_check_in_back_to_its_time(session, organizer):
    registration = RegistrationFactory(session=session)
    later = timezone.now() - timedelta(minutes=2)
    earlier = later - timedelta(minutes=10)
    checkin_services.check_in(registration_id=registration.pk, actor=organizer, at=later)
    checkin_services.check_in(registration_id=registration.pk, actor=organizer, at=earlier)
    registration.refresh_from_db()
    assert registration.checked_in_at == earlier
    assert AuditEntry.objects.filter(action="checked_in").count() == 1
    assert AuditEntry.objects.filter(action="check_in_moved_earlier").count() == 1


def test_a_later_offline_scan_is_already_checked_in(session, organizer):
    registration = RegistrationFactory(session=session)
    earlier = timezone.now() - timedelta(minutes=12)
    checkin_services.check_in(registration_id=registration.pk, actor=organizer, at=earlier)
    with pytest.raises(checkin_services.AlreadyCheckedIn):
        checkin_services.check_in(
            registration_id=registration.pk, at=earlier + timedelta(minutes=5)
        )
    registration.refresh_from_db()
    assert registration.checked_in_at == earlier


# --- the snapshot -------------------------------------------------------------------


def test_snapshot_holds_the_least_needed_and_no_email(door, session):
    RegistrationFactory(
        session=session, full_name="Dana Whitehorse", organization="Sanford", email="dana@x.org"
    )
    RegistrationFactory(session=session, full_name="Gone Person", cancelled=True)
    RegistrationFactory(session=SessionFactory(), full_name="Elsewhere Person")
    response = door.get(reverse("events:organize_checkin_snapshot", args=[session.pk]))
    data = response.json()
    assert response["Cache-Control"] == "no-store"
    assert [person["name"] for person in data["registrations"]] == [
        "Dana Whitehorse",
        "Gone Person",
    ]
    assert set(data["registrations"][0]) == {
        "id",
        "name",
        "organization",
        "code",
        "status",
        "checked_in_at",
    }
    assert b"dana@x.org" not in response.content
    assert data["session"]["ended"] is False


def test_snapshot_of_an_ended_session_is_empty_and_says_so(door, session):
    RegistrationFactory(session=session)
    session.starts_at = timezone.now() - timedelta(hours=5)
    session.ends_at = timezone.now() - timedelta(hours=2)
    session.save()
    data = door.get(reverse("events:organize_checkin_snapshot", args=[session.pk])).json()
    assert data["session"]["ended"] is True
    assert data["registrations"] == []


@pytest.mark.parametrize("who", ["anonymous", "attendee", "other_organizer"])
def test_snapshot_is_a_404_for_anyone_but_the_session_organizers(client, session, who):
    RegistrationFactory(session=session)
    if who == "attendee":
        client.force_login(UserFactory())
    elif who == "other_organizer":
        client.force_login(ScopedOrganizerFactory(organizes=[SessionFactory()]))
    response = client.get(reverse("events:organize_checkin_snapshot", args=[session.pk]))
    assert response.status_code == 404


def test_snapshot_is_one_query_for_any_roster(door, session, django_assert_max_num_queries):
    RegistrationFactory.create_batch(30, session=session)
    url = reverse("events:organize_checkin_snapshot", args=[session.pk])
    # Session and permission lookups, then the roster in one query.
    with django_assert_max_num_queries(6):
        assert len(door.get(url).json()["registrations"]) == 30


# --- the sync endpoint ---------------------------------------------------------------


def test_sync_checks_people_in_at_their_scan_time_with_the_device(door, session, organizer):
    registration = RegistrationFactory(session=session, full_name="Dana Whitehorse")
    scanned = timezone.now() - timedelta(minutes=7)
    response = sync(door, session, [item(registration, at=scanned)])
    registration.refresh_from_db()
    assert outcomes(response) == ["checked_in"]
    assert response.json()["results"][0]["message"] == "Dana Whitehorse is checked in."
    assert registration.checked_in_at == scanned
    assert registration.checked_in_by == organizer
    scan = CheckInScan.objects.get()
    assert (scan.device, scan.registration) == ("Front door", registration)


def test_uploading_the_same_queue_twice_changes_nothing(door, session):
    people = RegistrationFactory.create_batch(2, session=session)
    queue = [item(person) for person in people]
    sync(door, session, queue)
    before = list(Registration.objects.order_by("pk").values_list("checked_in_at", flat=True))
    again = sync(door, session, queue)
    assert outcomes(again) == ["checked_in", "checked_in"]
    assert all(result["replay"] for result in again.json()["results"])
    after = list(Registration.objects.order_by("pk").values_list("checked_in_at", flat=True))
    assert after == before
    assert CheckInScan.objects.count() == 2
    assert AuditEntry.objects.filter(action="checked_in").count() == 2


def test_two_devices_checking_one_person_in_offline_end_with_the_earliest(door, session):
    registration = RegistrationFactory(session=session, full_name="Dana Whitehorse")
    first = timezone.now() - timedelta(minutes=20)
    second = first + timedelta(minutes=3)
    # The device that scanned second uploads first.
    sync(door, session, [item(registration, at=second, device="Side door")])
    response = sync(door, session, [item(registration, at=first, device="Front door")])
    registration.refresh_from_db()
    assert outcomes(response) == ["checked_in"]
    assert registration.checked_in_at == first
    assert registration.attended is True


def test_a_person_already_checked_in_is_answered_with_by_whom_and_when(door, session):
    registration = RegistrationFactory(session=session, full_name="Dana Whitehorse")
    first = timezone.now() - timedelta(minutes=20)
    sync(door, session, [item(registration, at=first, device="Front door")])
    response = sync(door, session, [item(registration, at=first + timedelta(minutes=1))])
    result = response.json()["results"][0]
    assert result["outcome"] == "already"
    assert result["by"] == "Olive Door (Front door)"
    assert result["checked_in_at"] == first.isoformat()
    assert result["message"].startswith("Dana Whitehorse was already checked in by Olive Door")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda s: item(code="ZZZZ-ZZZZ-ZZZZ-ZZZZ"), "unknown code"),
        (lambda s: item(code="not a code"), "unknown code"),
        (
            lambda s: item(RegistrationFactory(session=SessionFactory())),
            "not registered for this session",
        ),
        (lambda s: item(RegistrationFactory(session=s, cancelled=True)), "cancelled"),
        (lambda s: item(RegistrationFactory(session=s, waitlisted=True)), "on the waiting list"),
        (
            lambda s: item(RegistrationFactory(session=s), at=timezone.now() + timedelta(hours=1)),
            "the scan time is in the future",
        ),
        (
            lambda s: item(
                RegistrationFactory(session=s), at=timezone.now() - timedelta(days=3 * 365)
            ),
            "the scan time is too far in the past",
        ),
    ],
    ids=["unknown", "not-a-code", "other-session", "cancelled", "waitlisted", "future", "years"],
)
def test_sync_refuses_an_item_without_failing_the_batch(door, session, make, reason):
    good = RegistrationFactory(session=session)
    response = sync(door, session, [make(session), item(good)])
    results = response.json()["results"]
    assert response.status_code == 200
    assert [r["outcome"] for r in results] == ["refused", "checked_in"]
    assert reason in results[0]["message"]
    assert Registration.objects.filter(checked_in_at__isnull=False).count() == 1


def test_another_sessions_person_is_not_named_in_the_refusal(door, session):
    elsewhere = RegistrationFactory(session=SessionFactory(), full_name="Elsa Elsewhere")
    result = sync(door, session, [item(elsewhere)]).json()["results"][0]
    assert result["name"] == ""
    assert "Elsa" not in result["message"]
    assert CheckInScan.objects.get().registration is None


def test_a_nonce_reused_with_different_content_is_refused(door, session):
    first, second = RegistrationFactory.create_batch(2, session=session)
    nonce = uuid.uuid4()
    sync(door, session, [item(first, nonce=nonce)])
    response = sync(door, session, [item(second, nonce=nonce)])
    assert outcomes(response) == ["refused"]
    assert "nonce" in response.json()["results"][0]["message"]
    second.refresh_from_db()
    assert second.checked_in_at is None
    assert CheckInScan.objects.get().registration == first


def test_a_nonce_from_another_session_is_refused(client, session, organizer):
    other = SessionFactory(starts_at=timezone.now())
    other.organizers.add(organizer)
    client.force_login(organizer)
    mine = RegistrationFactory(session=session)
    nonce = uuid.uuid4()
    sync(client, session, [item(mine, nonce=nonce)])
    response = sync(client, other, [item(mine, nonce=nonce)])
    assert outcomes(response) == ["refused"]


@pytest.mark.parametrize(
    "broken",
    [
        {"code": "X", "scanned_at": "2026-01-01T10:00Z", "device": ""},
        {"nonce": "not-a-uuid", "code": "X", "scanned_at": "2026-01-01T10:00Z"},
        {"nonce": str(uuid.uuid4()), "code": "X", "scanned_at": "yesterday"},
        {"nonce": str(uuid.uuid4()), "code": "X", "scanned_at": "2026-01-01T10:00:00"},
        {"nonce": str(uuid.uuid4()), "code": ["X"], "scanned_at": "2026-01-01T10:00Z"},
        "just a string",
    ],
    ids=["no-nonce", "bad-nonce", "bad-time", "naive-time", "code-list", "not-an-object"],
)
def test_malformed_items_are_refused_one_by_one(door, session, broken):
    response = sync(door, session, [broken])
    assert response.status_code == 200
    assert outcomes(response) == ["refused"]
    assert CheckInScan.objects.count() == 0


def test_a_batch_over_the_limit_is_refused_with_a_clear_message(door, session):
    registration = RegistrationFactory(session=session)
    items = [item(registration) for _ in range(checkin_services.MAX_BATCH + 1)]
    response = sync(door, session, items)
    assert response.status_code == 413
    assert response.json()["message"] == (
        "This upload is too large: send at most 100 check-ins at a time."
    )
    assert CheckInScan.objects.count() == 0


def test_an_oversized_body_is_refused_before_it_is_read(door, session):
    response = sync(door, session, [{"nonce": "x" * 70_000}])
    assert response.status_code == 413


@pytest.mark.parametrize("body", ["not json", "[]", '{"items": {}}', "\xff"])
def test_a_body_that_is_not_a_queue_is_a_400(door, session, body):
    response = door.post(
        reverse("events:organize_checkin_sync", args=[session.pk]),
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["message"]


def test_sync_is_refused_to_an_organizer_of_another_session(client, session):
    registration = RegistrationFactory(session=session)
    client.force_login(ScopedOrganizerFactory(organizes=[SessionFactory()]))
    response = sync(client, session, [item(registration)])
    registration.refresh_from_db()
    assert response.status_code == 404
    assert registration.checked_in_at is None


# --- the installable page ------------------------------------------------------------


def test_door_page_links_its_manifest_and_the_manifest_starts_at_the_door_page(door, session):
    page = door.get(reverse("events:organize_checkin", args=[session.pk]))
    manifest_url = reverse("events:organize_checkin_manifest", args=[session.pk])
    assert f'rel="manifest" href="{manifest_url}"'.encode() in page.content
    manifest = door.get(manifest_url)
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["start_url"] == reverse("events:organize_checkin", args=[session.pk])
    assert data["icons"][0]["src"].endswith("favicon.svg")


def test_service_worker_lists_the_page_assets_and_covers_the_door_pages(client):
    response = client.get(reverse("events:checkin_service_worker"))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert "/static/js/checkin.js" in body
    assert "/static/vendor/jsqr/jsQR.js" in body
    # The worker's scope is its directory: it must cover /organize/sessions/<id>/check-in/.
    assert reverse("events:checkin_service_worker").startswith("/organize/")


def test_signing_out_tells_the_browser_to_clear_the_device(client):
    client.force_login(OrganizerFactory())
    response = client.post(reverse("accounts:logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_logout_form_of_staff_wipes_the_offline_list(door, session):
    page = door.get(reverse("events:organize_checkin", args=[session.pk]))
    assert b"data-wipe-offline-confirm=" in page.content
    assert b"js/door-store.js" in page.content
