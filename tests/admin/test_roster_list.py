"""The roster fits the day: cancelled people only when asked, the session named once,
and the attendees' emails for the people who may read them."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.factories import OrganizerFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:events_registration_changelist"


def names(response) -> set[str]:
    assert response.status_code == 200
    return {r.full_name for r in response.context["cl"].result_list}


@pytest.fixture
def roster(session_a):
    RegistrationFactory(session=session_a, full_name="Ana Confirmed")
    RegistrationFactory(session=session_a, full_name="Wes Waiting", waitlisted=True)
    RegistrationFactory(session=session_a, full_name="Cal Cancelled", cancelled=True)
    return session_a


def test_cancelled_people_are_hidden_by_default(client_a, roster):
    response = client_a.get(reverse(CHANGELIST))
    assert names(response) == {"Ana Confirmed", "Wes Waiting"}


def test_cancelled_people_are_shown_when_asked(client_a, roster):
    response = client_a.get(reverse(CHANGELIST), {"status__exact": "cancelled"})
    assert names(response) == {"Cal Cancelled"}


def test_all_shows_everyone_cancelled_included(client_a, roster):
    response = client_a.get(reverse(CHANGELIST), {"status__exact": "all"})
    assert names(response) == {"Ana Confirmed", "Wes Waiting", "Cal Cancelled"}


def test_links_that_filter_one_status_still_work(client_a, roster):
    response = client_a.get(reverse(CHANGELIST), {"status__exact": "waitlisted"})
    assert names(response) == {"Wes Waiting"}


def test_an_unknown_status_falls_back_to_the_default(client_a, roster):
    response = client_a.get(reverse(CHANGELIST), {"status__exact": "<script>"})
    assert names(response) == {"Ana Confirmed", "Wes Waiting"}


def test_the_status_filter_offers_cancelled_and_all_and_selects_the_default(client_a, roster):
    cl = client_a.get(reverse(CHANGELIST)).context["cl"]
    status = next(f for f in cl.filter_specs if getattr(f, "parameter_name", "") == "status__exact")
    choices = list(status.choices(cl))
    assert [c["display"] for c in choices] == [
        "Confirmed and waiting",
        "Confirmed",
        "Waiting list",
        "Cancelled",
        "All, cancelled included",
    ]
    assert [c["display"] for c in choices if c["selected"]] == ["Confirmed and waiting"]


def test_the_filtered_export_follows_the_list(client_a, roster):
    def csv(query):
        response = client_a.get(reverse("admin:events_roster_csv"), query)
        return b"".join(response.streaming_content).decode()

    assert "Cal Cancelled" not in csv({})
    assert "Cal Cancelled" in csv({"status__exact": "all"})


def test_an_action_from_the_default_list_leaves_hidden_cancelled_people_alone(client_a, roster):
    gone = roster.registrations.get(full_name="Cal Cancelled")
    response = client_a.post(
        reverse(CHANGELIST),
        {"action": "resend_confirmation", "_selected_action": [gone.pk], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    assert not gone.notifications.filter(kind="confirmation").exists()


def test_filtered_to_one_session_the_session_is_the_subtitle_not_a_column(client_a, roster):
    response = client_a.get(reverse(CHANGELIST), {"session__id__exact": roster.pk})
    assert "session_place_and_date" not in response.context["cl"].list_display
    assert response.context["subtitle"] == str(roster)
    assert f"<h2>{escape(roster)}</h2>" in response.content.decode()


def test_unfiltered_the_session_column_is_short_with_the_full_name_in_its_title(client_a, roster):
    response = client_a.get(reverse(CHANGELIST))
    html = response.content.decode()
    assert "session_place_and_date" in response.context["cl"].list_display
    assert response.context["subtitle"] is None
    assert f'<span title="{escape(roster)}">Fargo, ' in html


def test_a_session_filter_outside_ones_scope_names_no_session(client_a, session_b, attendee_b):
    response = client_a.get(reverse(CHANGELIST), {"session__id__exact": session_b.pk})
    assert response.context["subtitle"] is None
    assert names(response) == set()
    assert str(session_b) not in response.content.decode()


def test_the_sessions_organizer_sees_its_attendees_emails(client_a, attendee_a):
    response = client_a.get(reverse(CHANGELIST))
    assert "email_address" in response.context["cl"].list_display
    assert attendee_a.email in response.content.decode()


def test_no_organizer_sees_the_emails_of_another_sessions_attendees(
    client_a, attendee_a, attendee_b
):
    for query in ({}, {"status__exact": "all"}, {"q": attendee_b.full_name}):
        response = client_a.get(reverse(CHANGELIST), query)
        assert names(response) <= {attendee_a.full_name}
        assert attendee_b.email not in response.content.decode()


def test_a_superuser_sees_every_attendees_email(client, attendee_a, attendee_b):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert attendee_a.email in html
    assert attendee_b.email in html


def test_staff_outside_the_organizers_group_cannot_open_the_roster(client, attendee_a):
    client.force_login(OrganizerFactory())
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 403
    assert attendee_a.email not in response.content.decode()


def test_a_long_email_is_shortened_with_all_of_it_in_the_title(client_a, session_a):
    address = "bartholomew.alexander.worthington-smythe@health.nd.example.gov"
    RegistrationFactory(session=session_a, email=address)
    html = client_a.get(reverse(CHANGELIST)).content.decode()
    assert f'title="{address}"' in html


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "1 OR 1=1", ""])
def test_a_session_filter_that_names_no_session_shows_the_session_column(client_a, value):
    response = client_a.get(reverse(CHANGELIST), {"session__id__exact": value})
    assert response.status_code == 200
    assert response.context["subtitle"] is None
    assert "session_place_and_date" in response.context["cl"].list_display


def test_show_counts_counts_each_status(client_a, roster):
    response = client_a.get(reverse(CHANGELIST), {"_facets": "True"})
    html = response.content.decode()
    assert "Confirmed and waiting (2)" in html
    assert "Cancelled (1)" in html
    assert "All, cancelled included (3)" in html
