"""The session admin: counts, the roster summary, and notices when a session moves or ends."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import AuditEntry, Notification, Registration, Sector, TrainingSession
from events.services.sessions import update_session
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def form_data(session: TrainingSession, **changes) -> dict:
    """What the admin change form posts for this session, with some fields changed."""
    local_start = timezone.localtime(session.starts_at, session.tzinfo)
    local_end = timezone.localtime(session.ends_at, session.tzinfo)
    data = {
        "training": session.training_id,
        "starts_at_0": f"{local_start:%Y-%m-%d}",
        "starts_at_1": f"{local_start:%H:%M:%S}",
        "ends_at_0": f"{local_end:%Y-%m-%d}",
        "ends_at_1": f"{local_end:%H:%M:%S}",
        "timezone": session.timezone,
        "venue": session.venue,
        "address": session.address,
        "city": session.city,
        "state": session.state,
        "online_url": session.online_url,
        "capacity": session.capacity,
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "status": session.status,
        "organizers": [u.pk for u in session.organizers.all()],
        "reminder_offsets": session.reminder_offsets,
        "what_to_bring": session.what_to_bring,
        # The seats-held-for-sectors inline, with no hold (tests/test_seat_holds.py adds some).
        "seat_holds-TOTAL_FORMS": 0,
        "seat_holds-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_session_list_shows_confirmed_waitlisted_and_attended_counts(client_a, session_a):
    RegistrationFactory.create_batch(2, session=session_a)
    RegistrationFactory(session=session_a, attended=True, checked_in_at=timezone.now())
    RegistrationFactory(session=session_a, waitlisted=True)
    RegistrationFactory(session=session_a, cancelled=True)
    response = client_a.get(reverse("admin:events_trainingsession_changelist"))
    row = response.context["cl"].result_list[0]
    assert (row.confirmed_count, row.waitlisted_count, row.attended_count) == (3, 1, 1)
    assert b'class="field-confirmed">3<' in response.content


def test_session_page_summarizes_the_roster_by_sector(client_a, session_a):
    health = Sector.objects.get(slug="healthcare")
    schools = Sector.objects.get(slug="schools-education")
    RegistrationFactory.create_batch(3, session=session_a, sector=health, organization="Sanford")
    RegistrationFactory(session=session_a, sector=schools, organization=" sanford ", attended=True)
    RegistrationFactory(session=session_a, sector=schools, organization="Fargo Public Schools")
    RegistrationFactory(session=session_a, waitlisted=True)
    response = client_a.get(reverse("admin:events_trainingsession_change", args=[session_a.pk]))
    summary = response.context["roster_summary"]
    assert [(s.name, s.count) for s in summary.sectors] == [
        ("Healthcare", 3),
        ("Schools & education", 2),
    ]
    assert summary.organizations == 2
    assert summary.waitlisted == 1
    assert summary.attendance_rate == 20.0
    assert b"<svg" in response.content
    assert b"Healthcare" in response.content


def test_session_page_chart_counts_confirmed_people_before_the_end_and_says_so(client_a, session_a):
    health = Sector.objects.get(slug="healthcare")
    RegistrationFactory.create_batch(2, session=session_a, sector=health)
    response = client_a.get(reverse("admin:events_trainingsession_change", args=[session_a.pk]))
    summary = response.context["roster_summary"]
    assert summary.counts_attended is False
    assert [(s.name, s.count) for s in summary.sectors] == [("Healthcare", 2)]
    assert "Confirmed attendees by sector (the session has not ended yet)" in (
        response.content.decode()
    )


def test_session_page_chart_counts_attended_people_once_the_session_has_ended(client_a, session_a):
    health = Sector.objects.get(slug="healthcare")
    schools = Sector.objects.get(slug="schools-education")
    session_a.starts_at = timezone.now() - timedelta(days=2)
    session_a.ends_at = session_a.starts_at + timedelta(hours=3)
    session_a.save()
    RegistrationFactory.create_batch(3, session=session_a, sector=health)
    RegistrationFactory(session=session_a, sector=health, attended=True)
    RegistrationFactory.create_batch(2, session=session_a, sector=schools, attended=True)
    response = client_a.get(reverse("admin:events_trainingsession_change", args=[session_a.pk]))
    summary = response.context["roster_summary"]
    assert summary.counts_attended is True
    assert [(s.name, s.count) for s in summary.sectors] == [
        ("Schools & education", 2),
        ("Healthcare", 1),
    ]
    html = response.content.decode()
    assert "People who attended, by sector (the session has ended)" in html
    assert '<title id="sector-chart-title">' in html


def test_editing_the_start_time_sends_session_changed_to_active_registrants(
    client_a, session_a, organizer_a
):
    confirmed = RegistrationFactory(session=session_a)
    waiting = RegistrationFactory(session=session_a, waitlisted=True)
    gone = RegistrationFactory(session=session_a, cancelled=True)
    # Date and time both move: an hour later can be the next day (late evening in Fargo).
    session_a.starts_at += timedelta(hours=1)
    session_a.ends_at += timedelta(hours=1)
    data = form_data(session_a)
    session_a.refresh_from_db()
    response = client_a.post(
        reverse("admin:events_trainingsession_change", args=[session_a.pk]), data
    )
    assert response.status_code == 302
    session_a.refresh_from_db()
    notices = Notification.objects.filter(kind="session_changed")
    assert session_a.schedule_version == 2
    assert {n.registration_id for n in notices} == {confirmed.pk, waiting.pk}
    assert {n.variant for n in notices} == {"2"}
    assert not notices.filter(registration=gone).exists()
    assert AuditEntry.objects.get(action="session_changed").actor == organizer_a


def test_cancelling_the_session_sends_the_cancellation_notice(client_a, session_a):
    confirmed = RegistrationFactory(session=session_a)
    response = client_a.post(
        reverse("admin:events_trainingsession_change", args=[session_a.pk]),
        form_data(session_a, status="cancelled"),
    )
    assert response.status_code == 302
    assert Notification.objects.filter(registration=confirmed, kind="session_cancelled").exists()
    assert not Notification.objects.filter(kind="session_changed").exists()


def test_editing_what_to_bring_sends_no_notice(session_a, organizer_a):
    RegistrationFactory(session=session_a)
    session_a.what_to_bring = "A pen"
    update_session(session=session_a, actor=organizer_a)
    session_a.refresh_from_db()
    assert session_a.schedule_version == 1
    assert not Notification.objects.exists()


def test_each_move_sends_its_own_notice(session_a):
    attendee = RegistrationFactory(session=session_a)
    for venue in ("Hall A", "Hall B"):
        session_a.venue = venue
        update_session(session=session_a)
    variants = Notification.objects.filter(registration=attendee, kind="session_changed")
    assert sorted(variants.values_list("variant", flat=True)) == ["2", "3"]


def test_raising_capacity_promotes_from_the_waiting_list(session_a):
    session_a.capacity = 1
    session_a.save()
    RegistrationFactory(session=session_a)
    waiting = RegistrationFactory(session=session_a, waitlisted=True)
    session_a.capacity = 2
    update_session(session=session_a)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_organizer_who_creates_a_session_organizes_it(client_a, session_a, organizer_a):
    data = form_data(session_a, city="Minot", organizers=[])
    response = client_a.post(reverse("admin:events_trainingsession_add"), data)
    assert response.status_code == 302
    created = TrainingSession.objects.get(city="Minot")
    assert list(created.organizers.all()) == [organizer_a]


def test_session_page_links_to_the_roster_exports_and_door_page(client_a, session_a):
    response = client_a.get(reverse("admin:events_trainingsession_change", args=[session_a.pk]))
    for name in ("admin:events_session_csv", "admin:events_session_signin"):
        assert reverse(name, args=[session_a.pk]).encode() in response.content
    assert reverse("events:organize_checkin", args=[session_a.pk]).encode() in response.content


def test_change_form_shows_and_reads_times_in_the_sessions_zone(admin_client):
    import zoneinfo
    from datetime import datetime

    from tests.factories import SessionFactory

    mountain = zoneinfo.ZoneInfo("America/Denver")
    session = SessionFactory(
        timezone="America/Denver",
        starts_at=datetime(2030, 3, 4, 9, 0, tzinfo=mountain),
        ends_at=datetime(2030, 3, 4, 12, 0, tzinfo=mountain),
    )
    response = admin_client.get(f"/admin/events/trainingsession/{session.pk}/change/")
    assert response.status_code == 200
    assert 'value="09:00:00"' in response.content.decode()


def test_saving_the_form_reads_times_in_the_sessions_zone(admin_client):
    import zoneinfo
    from datetime import datetime

    from events.models import TrainingSession
    from tests.factories import SessionFactory

    mountain = zoneinfo.ZoneInfo("America/Denver")
    session = SessionFactory(
        timezone="America/Denver",
        starts_at=datetime(2030, 3, 4, 9, 0, tzinfo=mountain),
        ends_at=datetime(2030, 3, 4, 12, 0, tzinfo=mountain),
    )
    url = f"/admin/events/trainingsession/{session.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: field.widget.format_value(form.initial.get(name))
        for name, field in form.fields.items()
        if name
        not in {
            "starts_at",
            "ends_at",
            "organizers",
            "registration_opens_at",
            "registration_closes_at",
        }
    }
    data.update(
        {
            "training": session.training_id,
            "starts_at_0": "2030-03-04",
            "starts_at_1": "10:00",
            "ends_at_0": "2030-03-04",
            "ends_at_1": "13:00",
            "registration_opens_at_0": "",
            "registration_opens_at_1": "",
            "registration_closes_at_0": "",
            "registration_closes_at_1": "",
            "seat_holds-TOTAL_FORMS": 0,
            "seat_holds-INITIAL_FORMS": 0,
        }
    )
    data = {k: v for k, v in data.items() if v is not None}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    session = TrainingSession.objects.get(pk=session.pk)
    assert session.local_starts_at.hour == 10
    assert session.local_starts_at.tzinfo.key == "America/Denver"


def test_the_time_fields_say_which_zone_they_are_in(admin_client):
    from tests.factories import SessionFactory

    session = SessionFactory(timezone="America/Denver")
    response = admin_client.get(reverse("admin:events_trainingsession_change", args=[session.pk]))
    form = response.context["adminform"].form
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        assert form.fields[name].help_text.startswith("Times are in America/Denver."), name
    # The model's own help stays after it.
    assert (
        "registration closes when the session starts"
        in form.fields["registration_closes_at"].help_text
    )


def test_a_new_sessions_time_fields_name_the_default_zone(admin_client, settings):
    response = admin_client.get(reverse("admin:events_trainingsession_add"))
    help_text = response.context["adminform"].form.fields["starts_at"].help_text
    assert help_text == f"Times are in {settings.TIME_ZONE}."


def test_a_new_session_reads_its_times_in_the_zone_picked_beside_them(admin_client):
    import zoneinfo
    from datetime import datetime

    from tests.factories import SessionFactory

    template = SessionFactory(timezone="America/Denver")
    data = form_data(template, starts_at_0="2030-03-04", starts_at_1="09:00:00")
    data.update(ends_at_0="2030-03-04", ends_at_1="12:00:00", city="Dickinson")
    response = admin_client.post(reverse("admin:events_trainingsession_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = TrainingSession.objects.get(city="Dickinson")
    mountain = zoneinfo.ZoneInfo("America/Denver")
    assert created.starts_at == datetime(2030, 3, 4, 9, 0, tzinfo=mountain)
    assert created.ends_at == datetime(2030, 3, 4, 12, 0, tzinfo=mountain)


def test_a_zone_that_is_no_choice_is_a_form_error_not_a_500(admin_client):
    from tests.factories import SessionFactory

    data = form_data(SessionFactory(), timezone="Mars/Olympus_Mons", city="Nowhere")
    response = admin_client.post(reverse("admin:events_trainingsession_add"), data)
    assert response.status_code == 200
    assert "timezone" in response.context["adminform"].form.errors
