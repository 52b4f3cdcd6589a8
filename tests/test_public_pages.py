"""Public pages: home, catalogue, session page, registration, manage link, My trainings."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events.models import Registration, Sector, TrainingSession
from events.services.sessions import update_session
from tests.factories import (
    EndedSessionFactory,
    OrganizerFactory,
    RegistrationFactory,
    SessionFactory,
    TrainingFactory,
    UserFactory,
)
from tests.pages import without_csrf_tokens

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("events:catalog")


def form_data(sector, /, **overrides) -> dict:
    data = {
        "full_name": "Ana Ruiz",
        "email": "ana@example.org",
        "organization": "Fargo Clinic",
        "sector": sector.pk,
        "job_title": "Nurse",
        "accommodations": "",
        "consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_registration(client, session, data):
    return client.post(reverse("events:session_detail", args=[session.public_id]), data)


def text(response) -> str:
    return response.content.decode()


# --- Home and catalogue ------------------------------------------------------


def test_home_shows_why_text_and_next_sessions(client):
    SessionFactory(training=TrainingFactory(title="Spotting the signs"))
    response = client.get("/")
    assert response.status_code == 200
    assert "Learn to spot human trafficking" in text(response)
    assert "Spotting the signs" in text(response)


def test_catalogue_lists_upcoming_published_sessions_and_past_ones_apart(client):
    upcoming = SessionFactory(city="Fargo")
    SessionFactory(city="Draftville", status=TrainingSession.Status.DRAFT)
    SessionFactory(city="Cancelburg", status=TrainingSession.Status.CANCELLED)
    past = SessionFactory(city="Oldtown", starts_at=timezone.now() - timedelta(days=30))

    response = client.get(CATALOGUE)

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [upcoming]
    assert list(response.context["past_sessions"]) == [past]
    assert "Draftville" not in text(response)
    assert "Cancelburg" not in text(response)


@pytest.mark.parametrize(
    ("query", "expected_city"),
    [
        ({"sector": "healthcare"}, "Fargo"),
        ({"city": "Bismarck"}, "Bismarck"),
        ({"mode": "online"}, "Minot"),
        ({"mode": "in_person", "city": "Fargo"}, "Fargo"),
    ],
)
def test_catalogue_filters_narrow_the_list(client, query, expected_city):
    health = TrainingFactory()
    health.target_sectors.add(Sector.objects.get(slug="healthcare"))
    SessionFactory(city="Fargo", training=health)
    SessionFactory(city="Bismarck")
    SessionFactory(city="Minot", venue="", address="", online_url="https://meet.example.org/x")

    response = client.get(CATALOGUE, query)

    assert [s.city for s in response.context["page"].object_list] == [expected_city]


def test_catalogue_filters_by_month(client):
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    next_year = timezone.now().year + 1
    march = SessionFactory(starts_at=datetime(next_year, 3, 10, 9, tzinfo=chicago))
    SessionFactory(starts_at=datetime(next_year, 4, 10, 9, tzinfo=chicago))

    response = client.get(CATALOGUE, {"month": f"{next_year}-03"})

    assert list(response.context["page"].object_list) == [march]


def test_catalogue_paginates_twelve_a_page(client):
    start = timezone.now() + timedelta(days=5)
    for day in range(14):
        SessionFactory(starts_at=start + timedelta(days=day))
    first = client.get(CATALOGUE)
    second = client.get(CATALOGUE, {"page": 2})
    assert len(first.context["page"].object_list) == 12
    assert len(second.context["page"].object_list) == 2
    assert "page=2" in text(first)


@pytest.mark.parametrize(
    "query",
    [
        {"month": "0000-01"},
        {"month": "2026-13"},
        {"sector": "no-such-sector"},
        {"city": "<script>"},
        {"page": "abc"},
        {"page": "99999"},
        {"mode": "teleport"},
        {"sector": "\x00", "city": "\x00", "month": "\x00"},
    ],
)
def test_catalogue_answers_bad_filters_without_an_error(client, query):
    SessionFactory()
    response = client.get(CATALOGUE, query)
    assert response.status_code == 200
    assert "<script>" not in text(response)


# --- Session page ------------------------------------------------------------


def test_session_page_shows_training_hosts_time_place_and_seats(client):
    session = SessionFactory(
        capacity=10, training=TrainingFactory(hosts="DHS Blue Campaign and the senator's office")
    )
    RegistrationFactory.create_batch(3, session=session)

    response = client.get(session.get_absolute_url())

    page = text(response)
    assert response.status_code == 200
    assert "Identifying &amp; Reporting Human Trafficking" in page
    assert "DHS Blue Campaign and the senator&#x27;s office" in page
    assert "Fargo Civic Center" in page and "207 4th St N" in page
    assert "7 seats left" in page
    assert 'name="consent"' in page


def test_session_page_names_the_organizers_contact_when_there_is_one(client):
    training = TrainingFactory(contact_email="trainings@example.org", contact_phone="701 555 0142")
    page = text(client.get(SessionFactory(training=training).get_absolute_url()))
    assert 'href="mailto:trainings@example.org"' in page
    assert 'href="tel:7015550142">701 555 0142</a>' in page

    quiet = TrainingFactory(slug="no-contact")
    page = text(client.get(SessionFactory(training=quiet).get_absolute_url()))
    assert 'id="organizer-contact"' not in page and "mailto:" not in page


def test_session_page_shows_times_in_the_sessions_own_zone(client):
    denver = zoneinfo.ZoneInfo("America/Denver")
    year = timezone.now().year + 1
    session = SessionFactory(
        city="Williston",
        timezone="America/Denver",
        starts_at=datetime(year, 7, 1, 9, 0, tzinfo=denver),
        ends_at=datetime(year, 7, 1, 12, 0, tzinfo=denver),
    )
    page = text(client.get(session.get_absolute_url()))
    assert "9:00 AM–12:00 PM MDT" in page


def test_full_session_page_offers_the_waiting_list(client):
    session = SessionFactory(capacity=1)
    RegistrationFactory(session=session)
    page = text(client.get(session.get_absolute_url()))
    assert "Full – join the waiting list" in page
    assert "Join the waiting list" in page


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"status": TrainingSession.Status.CANCELLED}, "This session was cancelled."),
        ({"starts_at": timezone.now() - timedelta(days=2)}, "took place"),
        ({"registration_opens_at": timezone.now() + timedelta(days=1)}, "Registration opens on"),
        ({"registration_closes_at": timezone.now() - timedelta(hours=1)}, "has closed"),
    ],
    ids=["cancelled", "past", "not-yet-open", "closed"],
)
def test_closed_session_page_says_why_and_refuses_a_post(client, sector, overrides, reason):
    session = SessionFactory(**overrides)

    page = client.get(session.get_absolute_url())
    posted = post_registration(client, session, form_data(sector))

    assert reason in text(page)
    assert 'name="consent"' not in text(page)
    assert posted.status_code == 409
    assert reason in text(posted)
    assert not Registration.objects.exists()


def test_draft_session_is_hidden_from_the_public_and_previewed_by_staff(client, sector):
    draft = SessionFactory(status=TrainingSession.Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert post_registration(client, draft, form_data(sector)).status_code == 404

    client.force_login(OrganizerFactory())
    preview = client.get(draft.get_absolute_url())
    assert preview.status_code == 200
    assert "not open for registration yet" in text(preview)
    assert post_registration(client, draft, form_data(sector)).status_code == 409
    assert not Registration.objects.exists()


@pytest.mark.parametrize("public_id", ["nosuchsess", "x" * 40, "%00", "..%2f"])
def test_unknown_session_is_a_404(client, public_id):
    response = client.get(f"/sessions/{public_id}/")
    assert response.status_code == 404
    assert client.get(f"/sessions/{public_id}/calendar.ics").status_code == 404


def test_session_calendar_file_is_a_valid_ics_in_local_time(client):
    session = SessionFactory(timezone="America/Denver")
    response = client.get(reverse("events:session_ics", args=[session.public_id]))
    assert response["Content-Type"] == "text/calendar"
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == session.starts_at.replace(microsecond=0)
    assert str(event["dtstart"].dt.tzinfo) == "America/Denver"


# --- Registering ---------------------------------------------------------------


def test_registering_redirects_to_check_your_email_and_sends_the_manage_link(
    client, sector, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_registration(client, session, form_data(sector))

    assert response.status_code == 302
    assert response["Location"] == reverse("events:registered", args=[session.public_id])
    registration = Registration.objects.get()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.manage_token in mail.outbox[0].body
    assert "check your email" in text(client.get(response["Location"]))


def test_registering_the_same_email_again_answers_the_same_and_resends_the_link(
    client, sector, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    first = post_registration(client, session, form_data(sector))
    existing = Registration.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = post_registration(client, session, form_data(sector, email="ANA@example.org"))

    assert (again.status_code, again["Location"]) == (first.status_code, first["Location"])
    assert Registration.objects.count() == 1
    [message] = mail.outbox
    assert existing.get_manage_url() in message.body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "ana@"}, "email"),
        ({"sector": None}, "sector"),
        ({"sector": "999999"}, "sector"),
        ({"consent": None}, "consent"),
        ({"full_name": "   "}, "full_name"),
        ({"full_name": "x" * 201}, "full_name"),
        ({"organization": "x" * 201}, "organization"),
        ({"job_title": "x" * 201}, "job_title"),
        ({"accommodations": "x" * 2001}, "accommodations"),
        ({"email": "a" * 250 + "@example.org"}, "email"),
        ({"full_name": "Ana\x00Ruiz"}, "full_name"),
    ],
)
def test_bad_registration_input_gets_a_form_error_and_saves_nothing(
    client, sector, overrides, field
):
    session = SessionFactory()
    response = post_registration(client, session, form_data(sector, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Registration.objects.exists()


def test_inactive_sector_is_not_offered(client, sector):
    Sector.objects.filter(pk=sector.pk).update(active=False)
    session = SessionFactory()
    response = post_registration(client, session, form_data(sector))
    assert "sector" in response.context["form"].errors


def test_signed_in_users_details_are_prefilled_and_linked(client, sector):
    user = UserFactory(
        full_name="Dana Whitehorse", organization="Fargo Schools", default_sector=sector
    )
    client.force_login(user)
    session = SessionFactory()

    form = client.get(session.get_absolute_url()).context["form"]
    assert form.initial["full_name"] == "Dana Whitehorse"
    assert form.initial["email"] == user.email
    assert form.initial["sector"] == sector.pk

    post_registration(client, session, form_data(sector, email=user.email))
    assert Registration.objects.get().user == user


def test_unsupported_method_is_refused_not_an_error(client):
    session = SessionFactory()
    assert client.put(session.get_absolute_url()).status_code == 405
    assert client.head(session.get_absolute_url() + "registered/").status_code == 200


# --- Manage page -----------------------------------------------------------------


def manage_url(registration) -> str:
    return reverse("events:manage", args=[registration.manage_token])


def test_manage_page_shows_status_and_place_on_the_waiting_list(client):
    session = SessionFactory(capacity=1)
    RegistrationFactory(session=session)
    RegistrationFactory(session=session, waitlisted=True)
    second = RegistrationFactory(session=session, waitlisted=True)

    response = client.get(manage_url(second))

    assert response.status_code == 200
    assert "You are number 2 on the waiting list" in text(response)
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"


def test_manage_calendar_download_carries_the_manage_link(client):
    registration = RegistrationFactory()
    response = client.get(reverse("events:manage_ics", args=[registration.manage_token]))
    assert response.status_code == 200
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert registration.manage_token in str(event["description"])


def test_cancelling_from_the_manage_page_frees_the_seat_for_the_next_in_line(
    client, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=1)
    seated = RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, waitlisted=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("events:manage_cancel", args=[seated.manage_token]), follow=True
        )

    assert "Your registration is cancelled" in text(response)
    assert "This registration is cancelled." in text(response)
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert [m.to for m in mail.outbox if "seat freed up" in m.body] == [[waiting.email]]


def test_cancelling_after_the_session_started_is_refused_with_a_message(client):
    registration = RegistrationFactory(
        session=SessionFactory(starts_at=timezone.now() - timedelta(minutes=10))
    )
    page = client.get(manage_url(registration))
    assert "Cancel my registration" not in text(page)

    response = client.post(
        reverse("events:manage_cancel", args=[registration.manage_token]), follow=True
    )
    assert "already started" in text(response)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def _flip_last(token: str) -> str:
    # Always a different token (a fixed "0" would equal the original one time in 16).
    return token[:-1] + ("1" if token[-1] == "0" else "0")


@pytest.mark.parametrize("mangle", [_flip_last, lambda t: t.upper(), lambda t: t * 4])
def test_tampered_manage_token_is_a_404(client, mangle):
    registration = RegistrationFactory()
    token = mangle(registration.manage_token)
    assert client.get(reverse("events:manage", args=[token])).status_code == 404
    cancel = client.post(reverse("events:manage_cancel", args=[token]))
    assert cancel.status_code == 404
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_cancelling_asks_first_and_the_question_changes_nothing(client):
    registration = RegistrationFactory()
    cancel = reverse("events:manage_cancel", args=[registration.manage_token])
    manage = text(client.get(manage_url(registration)))
    assert f'href="{cancel}"' in manage

    question = client.get(cancel)
    assert question.status_code == 200
    assert question["Cache-Control"] == client.get(manage_url(registration))["Cache-Control"]
    assert "Yes, cancel my registration" in text(question)
    assert f'href="{manage_url(registration)}"' in text(question)  # "No, keep it"
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_after_cancelling_the_manage_page_offers_to_register_again(client):
    registration = RegistrationFactory()
    client.post(reverse("events:manage_cancel", args=[registration.manage_token]))
    page = text(client.get(manage_url(registration)))
    assert "Register again" in page and registration.session.get_absolute_url() in page
    assert "Cancel my registration" not in page


def test_the_cancel_question_of_a_started_session_leads_back_to_the_manage_page(client):
    registration = RegistrationFactory(
        session=SessionFactory(starts_at=timezone.now() - timedelta(minutes=10))
    )
    response = client.get(reverse("events:manage_cancel", args=[registration.manage_token]))
    assert response.status_code == 302
    assert response["Location"] == manage_url(registration)


# --- Resend the manage link --------------------------------------------------------


def test_resend_page_answers_alike_for_known_and_unknown_emails(
    client, django_capture_on_commit_callbacks
):
    registration = RegistrationFactory(email="ana@example.org")
    url = reverse("events:resend_manage_link")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": "Ana@example.org"})
        unknown = client.post(url, {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 200
    # Every page carries a CSRF token (the language switcher's form), masked anew each time.
    assert without_csrf_tokens(text(known)) == without_csrf_tokens(
        text(unknown).replace("nobody@example.org", "Ana@example.org")
    )
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert registration.get_manage_url() in message.body


def test_resend_page_rejects_a_malformed_email(client):
    response = client.post(reverse("events:resend_manage_link"), {"email": "nope"})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors


# --- My trainings ------------------------------------------------------------------


def test_my_trainings_groups_upcoming_waitlisted_and_past_by_verified_email(client):
    user = UserFactory(email="dana@example.org")
    upcoming = RegistrationFactory(email="dana@example.org")
    waiting = RegistrationFactory(email="dana@example.org", waitlisted=True)
    past = RegistrationFactory(
        user=user, session=SessionFactory(starts_at=timezone.now() - timedelta(days=40))
    )
    RegistrationFactory(email="dana@example.org", cancelled=True)
    RegistrationFactory(email="someone@example.org")
    client.force_login(user)

    response = client.get(reverse("accounts:dashboard"))

    assert response.context["upcoming"] == [upcoming]
    assert response.context["waitlisted"] == [waiting]
    assert response.context["past"] == [past]
    assert upcoming.get_manage_url() in text(response)


def test_my_trainings_ignores_an_unverified_emails_registrations(client):
    user = UserFactory(email="dana@example.org", email_verified_at=None)
    RegistrationFactory(email="dana@example.org")
    client.force_login(user)
    response = client.get(reverse("accounts:dashboard"))
    assert response.context["upcoming"] == []


def test_my_trainings_needs_a_login(client):
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302


# --- Cached pages and fragments -------------------------------------------------------
# Anonymous visitors get stored copies of whole pages (events/views/page_cache.py); the
# registration's commit is what makes them stale, hence the on_commit capture.


def test_cached_pages_show_new_seat_counts_at_once(
    client, sector, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=5)
    assert "5 seats left" in text(client.get(session.get_absolute_url()))
    assert "5 seats left" in text(client.get(CATALOGUE))
    assert "5 seats left" in text(client.get("/"))

    with django_capture_on_commit_callbacks(execute=True):
        post_registration(client, session, form_data(sector))

    assert "4 seats left" in text(client.get(session.get_absolute_url()))
    assert "4 seats left" in text(client.get(CATALOGUE))
    assert "4 seats left" in text(client.get("/"))


def test_cached_session_page_shows_a_cancellation_at_once(
    client, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    client.get(session.get_absolute_url())
    session.status = TrainingSession.Status.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        update_session(session=session)
    page = text(client.get(session.get_absolute_url()))
    assert "This session was cancelled." in page
    assert 'name="consent"' not in page


def test_an_ended_session_says_it_took_place_and_points_to_the_next_ones(client, sector):
    past = EndedSessionFactory(city="Williston")
    later = SessionFactory(training=past.training, city="Minot")
    SessionFactory(city="Elsewhere")  # another training
    TrainingSession.objects.filter(pk=SessionFactory(training=past.training).pk).update(
        status=TrainingSession.Status.CANCELLED
    )

    body = client.get(past.get_absolute_url()).content.decode()

    day = f"{past.local_starts_at:%B} {past.local_starts_at.day}, {past.local_starts_at.year}"
    assert f"This session took place on {day}." in body
    assert "seats left" not in body and "seat left" not in body
    assert reverse("events:session_ics", args=[past.public_id]) not in body
    assert 'name="full_name"' not in body
    assert later.get_absolute_url() in body
    refused = post_registration(client, past, form_data(sector))
    assert refused.status_code == 409
    assert "This session has already started or taken place." in text(refused)
    assert "Elsewhere" not in body and body.count('<li class="mb-2">') == 1


def test_an_ended_session_with_nothing_planned_says_so(client):
    past = EndedSessionFactory()
    body = client.get(past.get_absolute_url()).content.decode()
    assert "No other session of this training is planned yet." in body
    assert reverse("events:catalog") in body


def test_a_session_under_way_still_shows_its_details_not_the_next_ones(client):
    started = SessionFactory(starts_at=timezone.now() - timedelta(minutes=30))
    body = client.get(started.get_absolute_url()).content.decode()
    assert "This session has already started or taken place." in body
    assert "Next sessions of this training" not in body


def test_every_page_says_how_to_report(client):
    page = text(client.get("/"))
    for number in ('href="tel:911"', 'href="tel:+18883737888"', 'href="tel:711"'):
        assert number in page
    assert 'href="sms:233733"' in page and "“HELP” or “INFO”" in page
    assert "more than 200 languages" in page
    assert 'href="tel:+18663472423"' in page
