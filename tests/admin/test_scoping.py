"""An organizer of session A can never view, change, export or check in anyone in session B."""

import json

import pytest
from django.urls import reverse

from events.models import AuditEntry, Registration
from events.permissions import ORGANIZER_PERMISSIONS, ORGANIZERS_GROUP, sync_organizers_group
from tests.factories import OrganizerFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTION_URL = "admin:events_registration_changelist"


def test_session_list_shows_only_the_organizers_sessions(client_a, session_a, session_b):
    response = client_a.get(reverse("admin:events_trainingsession_changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown == {session_a.pk}


def test_opening_another_organizers_session_is_not_found(client_a, session_b):
    response = client_a.get(reverse("admin:events_trainingsession_change", args=[session_b.pk]))
    assert response.status_code == 404
    assert b"Bismarck" not in response.content


def test_posting_changes_to_another_organizers_session_is_not_found(client_a, session_b):
    url = reverse("admin:events_trainingsession_change", args=[session_b.pk])
    response = client_a.post(url, {"city": "Tampered", "capacity": 999})
    session_b.refresh_from_db()
    assert response.status_code == 404
    assert session_b.city == "Bismarck"


def test_session_history_of_another_organizer_is_not_found(client_a, session_b):
    url = reverse("admin:events_trainingsession_history", args=[session_b.pk])
    assert client_a.get(url).status_code == 404


def test_roster_lists_only_registrations_of_the_organizers_sessions(
    client_a, attendee_a, attendee_b
):
    response = client_a.get(reverse(ACTION_URL))
    assert [r.pk for r in response.context["cl"].result_list] == [attendee_a.pk]


def test_roster_session_filter_offers_only_the_organizers_sessions(
    client_a, attendee_a, attendee_b, session_b
):
    response = client_a.get(reverse(ACTION_URL))
    assert f"session__id__exact={session_b.pk}".encode() not in response.content


def test_filtering_the_roster_by_another_session_shows_nobody(client_a, attendee_b, session_b):
    response = client_a.get(reverse(ACTION_URL), {"session__id__exact": session_b.pk})
    assert list(response.context["cl"].result_list) == []


def test_opening_a_registration_of_another_session_is_not_found(client_a, attendee_b):
    response = client_a.get(reverse("admin:events_registration_change", args=[attendee_b.pk]))
    assert response.status_code == 404
    assert b"Bergstrom" not in response.content


def test_editing_a_registration_of_another_session_is_not_found(client_a, attendee_b):
    url = reverse("admin:events_registration_change", args=[attendee_b.pk])
    response = client_a.post(url, {"full_name": "Tampered", "email": "x@example.org"})
    attendee_b.refresh_from_db()
    assert response.status_code == 404
    assert attendee_b.full_name == "Ben Bergstrom"


def test_check_in_action_ignores_tampered_ids_from_another_session(client_a, attendee_b):
    client_a.post(
        reverse(ACTION_URL),
        {"action": "check_in_selected", "_selected_action": [attendee_b.pk], "index": 0},
    )
    attendee_b.refresh_from_db()
    assert attendee_b.checked_in_at is None
    assert not AuditEntry.objects.filter(registration=attendee_b).exists()


def test_cancel_action_ignores_tampered_ids_from_another_session(client_a, attendee_b):
    client_a.post(
        reverse(ACTION_URL),
        {"action": "cancel_selected", "_selected_action": [attendee_b.pk], "index": 0},
    )
    attendee_b.refresh_from_db()
    assert attendee_b.status == Registration.Status.CONFIRMED


def test_export_action_with_tampered_ids_exports_nobody_from_another_session(
    client_a, attendee_a, attendee_b
):
    response = client_a.post(
        reverse(ACTION_URL),
        {"action": "export_csv", "_selected_action": [attendee_a.pk, attendee_b.pk], "index": 0},
    )
    body = b"".join(response.streaming_content).decode()
    assert "Ana Alvarez" in body
    assert "Ben Bergstrom" not in body


@pytest.mark.parametrize("kind", ["csv", "xlsx", "signin"])
def test_session_exports_of_another_organizers_session_are_not_found(client_a, session_b, kind):
    url = reverse(f"admin:events_session_{kind}", args=[session_b.pk])
    assert client_a.get(url).status_code == 404


def test_filtered_roster_export_contains_only_the_organizers_people(
    client_a, attendee_a, attendee_b, session_b
):
    response = client_a.get(reverse("admin:events_roster_csv"))
    body = b"".join(response.streaming_content).decode()
    assert "Ana Alvarez" in body
    assert "Ben Bergstrom" not in body


def test_session_autocomplete_offers_only_the_organizers_sessions(client_a, session_a, session_b):
    response = client_a.get(
        reverse("admin:autocomplete"),
        {"app_label": "events", "model_name": "registration", "field_name": "session", "term": ""},
    )
    ids = {int(item["id"]) for item in json.loads(response.content)["results"]}
    assert ids == {session_a.pk}


def test_audit_trail_shows_only_the_organizers_sessions(client_a, attendee_a, attendee_b):
    from events.services.audit import record_audit

    mine = record_audit(action="checked_in", registration=attendee_a)
    theirs = record_audit(action="checked_in", registration=attendee_b)
    response = client_a.get(reverse("admin:events_auditentry_changelist"))
    shown = {e.pk for e in response.context["cl"].result_list}
    assert mine.pk in shown
    assert theirs.pk not in shown
    url = reverse("admin:events_auditentry_change", args=[theirs.pk])
    assert client_a.get(url).status_code == 404


def test_door_page_of_another_organizers_session_is_not_found(client_a, session_b):
    url = reverse("events:organize_checkin", args=[session_b.pk])
    assert client_a.get(url).status_code == 404


def test_door_check_in_into_another_organizers_session_is_not_found(
    client_a, session_b, attendee_b
):
    url = reverse("events:organize_checkin_submit", args=[session_b.pk])
    response = client_a.post(url, {"code": attendee_b.checkin_code})
    attendee_b.refresh_from_db()
    assert response.status_code == 404
    assert attendee_b.checked_in_at is None


def test_another_sessions_registration_is_not_found_on_my_door_page(
    client_a, session_a, attendee_b
):
    url = reverse("events:organize_checkin_submit", args=[session_a.pk])
    response = client_a.post(url, {"registration": attendee_b.pk}, HTTP_ACCEPT="application/json")
    attendee_b.refresh_from_db()
    assert response.status_code == 404
    assert response.json()["message"] == "Not found for this session."
    assert attendee_b.checked_in_at is None


def test_door_counts_of_another_organizers_session_are_not_found(client_a, session_b):
    url = reverse("events:organize_checkin_counts", args=[session_b.pk])
    assert client_a.get(url).status_code == 404


def test_superuser_sees_every_session_and_registration(client, attendee_a, attendee_b):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse(ACTION_URL))
    assert {r.pk for r in response.context["cl"].result_list} == {attendee_a.pk, attendee_b.pk}


def test_staff_outside_the_organizers_group_cannot_open_the_door_page(client, session_a):
    outsider = OrganizerFactory()
    session_a.organizers.add(outsider)
    client.force_login(outsider)
    url = reverse("events:organize_checkin", args=[session_a.pk])
    assert client.get(url).status_code == 403


def test_attendee_account_cannot_open_the_door_page(client, session_a):
    client.force_login(UserFactory())
    url = reverse("events:organize_checkin", args=[session_a.pk])
    assert client.get(url).status_code == 403


def test_organizer_without_sessions_sees_an_empty_roster(client, attendee_a):
    from tests.factories import ScopedOrganizerFactory

    client.force_login(ScopedOrganizerFactory())
    response = client.get(reverse(ACTION_URL))
    assert list(response.context["cl"].result_list) == []


def test_the_organizers_group_is_granted_after_migrate_with_no_deletes_of_people_or_sessions(db):
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    Group.objects.filter(name=ORGANIZERS_GROUP).delete()
    # migrate with nothing to apply still sends post_migrate, which grants the list.
    call_command("migrate", verbosity=0)
    granted = set(
        Group.objects.get(name=ORGANIZERS_GROUP).permissions.values_list("codename", flat=True)
    )
    assert granted == set(ORGANIZER_PERMISSIONS)
    assert {"view_registration", "change_registration", "change_trainingsession"} <= granted
    # Questions and choices of a questionnaire may be removed; people and sessions never.
    assert {c for c in granted if c.startswith("delete_")} == {"delete_question", "delete_choice"}


def test_the_grant_only_adds_and_keeps_what_an_operator_granted_by_hand(db):
    from django.contrib.auth.models import Permission

    group = sync_organizers_group()
    extra = Permission.objects.get(codename="view_user")
    group.permissions.add(extra)
    sync_organizers_group()
    assert group.permissions.filter(pk=extra.pk).exists()
