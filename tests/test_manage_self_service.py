"""Residents look after themselves from their manage link: they correct their details
until the certificate is issued, register again with the form filled in, and see only
what still makes sense for their place (waiting, after the session)."""

import re
import subprocess
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.documents.pdf.signin import render_signin_sheet
from events.forms import AttendeeDetailsForm
from events.models import AuditEntry, Registration, Sector
from events.selectors.evaluations import evaluation_token
from events.services import certificates as certificate_services
from events.services import registration as registration_service
from tests.factories import (
    AttendedRegistrationFactory,
    OrganizerFactory,
    RegistrationFactory,
    SessionFactory,
    build_questionnaire,
)

pytestmark = pytest.mark.django_db


def manage(client, registration, **headers):
    return client.get(reverse("events:manage", args=[registration.manage_token]), headers=headers)


def details_url(registration) -> str:
    return reverse("events:manage_details", args=[registration.manage_token])


def details_of(registration, **changes) -> dict:
    """The corrections form as the page sends it, unchanged but for `changes`."""
    return AttendeeDetailsForm.initial_for(registration) | changes


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


# --- Correcting one's details --------------------------------------------------------


@pytest.fixture
def registration(sector):
    return RegistrationFactory(
        full_name="Dana Whitehorse",
        organization="Fargo Schools",
        sector=sector,
        job_title="Counselor",
        accommodations="",
        language="en",
    )


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("full_name", "  Dana   White Horse ", "Dana White Horse"),
        ("organization", "Bismarck Public Schools", "Bismarck Public Schools"),
        ("job_title", "School nurse", "School nurse"),
        ("accommodations", "ASL interpreter, please", "ASL interpreter, please"),
        ("language", "es", "es"),
    ],
)
def test_a_resident_corrects_each_of_their_details(client, registration, field, value, stored):
    response = client.post(details_url(registration), details_of(registration, **{field: value}))

    assert response.status_code == 302
    assert response["Location"] == registration.get_manage_url()
    assert messages_of(response) == ["Your details are saved."]
    registration.refresh_from_db()
    assert getattr(registration, field) == stored


def test_a_resident_corrects_their_sector(client, registration):
    other = Sector.objects.get(slug="government")
    client.post(details_url(registration), details_of(registration, sector=str(other.pk)))
    registration.refresh_from_db()
    assert registration.sector == other


def test_the_manage_page_shows_the_form_filled_in_and_says_the_email_stays(client, registration):
    page = manage(client, registration).content.decode()
    assert f'action="{details_url(registration)}"' in page
    assert 'value="Dana Whitehorse"' in page
    assert "can't be changed here" in page and registration.email in page
    # The email is shown, never as a field of the form.
    assert 'name="email"' not in page


def test_an_email_sent_with_the_corrections_is_ignored(client, registration):
    email = registration.email
    client.post(details_url(registration), details_of(registration, email="new@example.org"))
    registration.refresh_from_db()
    assert registration.email == email


def test_a_correction_is_audited_by_field_without_copying_free_text(client, registration):
    government = Sector.objects.get(slug="government")
    client.post(
        details_url(registration),
        details_of(registration, full_name="Dana White Horse", sector=str(government.pk)),
    )

    entry = AuditEntry.objects.get(registration=registration, action="details_corrected")
    assert entry.actor is None
    assert entry.detail["fields"] == ["full_name", "sector"]
    # Categories kept after erasure anyway may say what they were; names never do.
    assert entry.detail["values"] == {"sector": [registration.sector_id, government.pk]}
    assert "Whitehorse" not in str(entry.detail) and "White Horse" not in str(entry.detail)


def test_sending_the_form_unchanged_saves_and_audits_nothing(client, registration):
    before = Registration.objects.values().get(pk=registration.pk)
    response = client.post(details_url(registration), details_of(registration))
    assert messages_of(response) == ["Nothing to save: your details are as they were."]
    assert Registration.objects.values().get(pk=registration.pk) == before
    assert not AuditEntry.objects.filter(action="details_corrected").exists()


def test_a_waitlisted_resident_can_correct_their_details_too(client, sector):
    waiting = RegistrationFactory(waitlisted=True, sector=sector, full_name="Jo Smith")
    client.post(details_url(waiting), details_of(waiting, full_name="Jo Smyth"))
    waiting.refresh_from_db()
    assert waiting.full_name == "Jo Smyth"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"full_name": "   "}, "full_name"),
        ({"full_name": "x" * 201}, "full_name"),
        ({"organization": "o" * 201}, "organization"),
        ({"job_title": "j" * 201}, "job_title"),
        ({"accommodations": "a" * 2001}, "accommodations"),
        ({"sector": "999999"}, "sector"),
        ({"sector": ""}, "sector"),
        ({"language": "xx"}, "language"),
    ],
)
def test_bad_corrections_are_form_errors_and_save_nothing(client, registration, changes, field):
    before = Registration.objects.values().get(pk=registration.pk)
    response = client.post(details_url(registration), details_of(registration, **changes))

    assert response.status_code == 400
    assert field in response.context["details_form"].errors
    page = response.content.decode()
    assert 'class="invalid-feedback"' in page
    assert 'id="details-errors"' in page and 'href="#details"' in page
    assert Registration.objects.values().get(pk=registration.pk) == before


def test_a_retired_sector_can_be_kept_while_correcting_the_name(client, registration):
    registration.sector.active = False
    registration.sector.save()
    response = client.post(details_url(registration), details_of(registration, full_name="Dana W"))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.full_name, registration.sector.active) == ("Dana W", False)


def test_the_corrections_are_post_only(client, registration):
    assert client.get(details_url(registration)).status_code == 405


def test_the_corrections_need_the_csrf_token(registration):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(details_url(registration), details_of(registration, full_name="X Y"))
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.full_name == "Dana Whitehorse"


def test_a_wrong_token_corrects_nothing(client, registration):
    url = reverse("events:manage_details", args=["x" * 40])
    assert client.post(url, details_of(registration, full_name="X Y")).status_code == 404


def test_the_corrections_are_rate_limited(client, registration, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_RATES = {**settings.RATELIMIT_RATES, "manage": "2/m"}
    answers = [
        client.post(details_url(registration), details_of(registration)).status_code
        for _ in range(3)
    ]
    assert answers == [302, 302, 429]


# --- After the certificate is issued -------------------------------------------------


@pytest.fixture
def certified(sector):
    registration = AttendedRegistrationFactory(full_name="Ana Núñez", sector=sector)
    certificate_services.issue_certificate(registration_id=registration.pk)
    return registration


def test_after_the_certificate_the_form_gives_way_to_whom_to_contact(client, certified):
    training = certified.session.training
    training.contact_email = "trainings@example.org"
    training.save()

    page = manage(client, certified).content.decode()

    assert f'action="{details_url(certified)}"' not in page
    assert "your details can no longer be changed" in page
    assert 'href="mailto:trainings@example.org"' in page


def test_after_the_certificate_a_correction_is_refused(client, certified):
    response = client.post(details_url(certified), details_of(certified, full_name="Ana Nunez"))

    assert response.status_code == 302
    assert messages_of(response) == [
        "Your certificate has been issued, so your details can no longer be changed."
    ]
    certified.refresh_from_db()
    assert certified.full_name == "Ana Núñez"
    assert not AuditEntry.objects.filter(action="details_corrected").exists()


def test_the_service_refuses_a_cancelled_registration(sector):
    cancelled = RegistrationFactory(cancelled=True, sector=sector)
    with pytest.raises(registration_service.DetailsLocked):
        registration_service.correct_attendee_details(
            registration_id=cancelled.pk,
            details=registration_service.DetailsCorrection(full_name="X", sector_id=sector.pk),
        )


# --- A corrected name reaches the roster, the sign-in sheet and the certificate ------


def test_a_corrected_name_reaches_the_roster_and_the_sign_in_sheet(client, registration):
    client.post(details_url(registration), details_of(registration, full_name="Dana White Horse"))

    staff = Client()
    staff.force_login(OrganizerFactory(is_superuser=True))
    roster = staff.get(reverse("admin:events_registration_changelist")).content.decode()
    assert "Dana White Horse" in roster and "Dana Whitehorse" not in roster
    sheet = pdf_text(render_signin_sheet(registration.session))
    assert "Dana White Horse" in sheet and "Whitehorse" not in sheet


def test_a_name_corrected_before_issuance_is_the_one_printed(client, sector):
    attended = AttendedRegistrationFactory(full_name="Ana Nunez", sector=sector)
    client.post(details_url(attended), details_of(attended, full_name="Ana Núñez"))

    certificate = certificate_services.issue_certificate(registration_id=attended.pk)

    assert certificate.name_printed == "Ana Núñez"
    assert "Ana Núñez" in pdf_text(certificate_services.render_pdf(certificate))


# --- What each place is offered ------------------------------------------------------


def test_a_waitlisted_resident_is_offered_to_leave_the_list_and_no_calendar(client, sector):
    session = SessionFactory(capacity=1)
    build_questionnaire(session.training)
    RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, waitlisted=True, sector=sector)

    page = manage(client, waiting).content.decode()

    assert "Leave the waiting list" in page
    assert "Cancel my registration" not in page
    assert reverse("events:manage_ics", args=[waiting.manage_token]) not in page
    assert "calendar.google.com" not in page and "outlook.live.com" not in page
    assert evaluation_token(waiting, "pre") not in page
    # Where it is still helps them.
    assert "openstreetmap.org/search" in page


def test_leaving_the_waiting_list_asks_in_those_words(client):
    session = SessionFactory(capacity=1)
    RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, waitlisted=True)
    cancel = reverse("events:manage_cancel", args=[waiting.manage_token])

    question = client.get(cancel).content.decode()
    assert "Yes, leave the waiting list" in question
    assert "cancel my registration" not in question.lower()

    response = client.post(cancel)
    assert messages_of(response) == ["You have left the waiting list. Thank you for telling us."]


def test_a_confirmed_resident_gets_the_calendar_links_and_the_pre_check(client, registration):
    build_questionnaire(registration.session.training)
    page = manage(client, registration).content.decode()

    assert reverse("events:manage_ics", args=[registration.manage_token]) in page
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in page
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in page
    assert evaluation_token(registration, "pre") in page
    assert "Cancel my registration" in page
    assert reverse("events:manage_reminders", args=[registration.manage_token]) in page


def test_after_the_session_only_what_still_makes_sense_is_offered(client, sector):
    attended = AttendedRegistrationFactory(sector=sector)
    build_questionnaire(attended.session.training)
    certificate_services.issue_certificate(registration_id=attended.pk)
    token = attended.manage_token

    page = manage(client, attended).content.decode()

    assert reverse("events:manage_certificate", args=[token]) in page
    assert evaluation_token(attended, "post") in page
    assert reverse("events:privacy_erase", args=[token]) in page
    for gone in (
        reverse("events:manage_reminders", args=[token]),
        reverse("events:manage_ics", args=[token]),
        reverse("events:manage_cancel", args=[token]),
        "calendar.google.com",
        "outlook.live.com",
        "openstreetmap.org",
    ):
        assert gone not in page, gone


# --- When and where ------------------------------------------------------------------


def test_the_manage_page_says_when_in_the_sessions_zone_and_where(client, sector):
    starts = timezone.now().replace(microsecond=0) + timedelta(days=20)
    session = SessionFactory(
        starts_at=starts,
        timezone="America/Denver",
        venue="Williston Library",
        address="1302 Davidson Dr",
        city="Williston",
    )
    registration = RegistrationFactory(session=session, sector=sector)

    page = manage(client, registration).content.decode()

    local = timezone.localtime(starts, session.tzinfo)
    assert local.strftime("%B") in page and f" {local.day}, {local.year}" in page
    assert re.search(r"M[SD]T", page)
    assert "Williston Library" in page and "1302 Davidson Dr" in page
    assert (
        'href="https://www.openstreetmap.org/search?query=1302%20Davidson%20Dr%2C%20Williston%2C%20ND"'
        in page
    )
    assert f'href="{session.get_absolute_url()}"' in page


def test_an_online_sessions_manage_page_keeps_the_meeting_address_out(client, sector):
    meeting = "https://meet.example.org/room-secret-42"
    session = SessionFactory(venue="", address="", online_url=meeting)
    registration = RegistrationFactory(session=session, sector=sector)

    page = manage(client, registration).content.decode()

    assert "meet.example.org" not in page and "room-secret" not in page
    assert reverse("events:manage_join", args=[registration.manage_token]) in page
    assert "openstreetmap.org" not in page
    # Third-party links carry neither the meeting nor the registrant's token.
    google = re.search(r'href="(https://calendar\.google\.com[^"]+)"', page).group(1)
    assert registration.manage_token not in google and "location=Online" in google


def test_the_manage_page_speaks_spanish(client, registration):
    page = manage(client, registration, **{"Accept-Language": "es"}).content.decode()
    assert (
        "Sus datos" in page and "Abrir en un mapa" in page and "Agregar a Google Calendar" in page
    )


# --- Registering again -----------------------------------------------------------------


@pytest.fixture
def cancelled(client, registration):
    client.post(reverse("events:manage_cancel", args=[registration.manage_token]))
    registration.refresh_from_db()
    return registration


def test_register_again_opens_the_form_filled_in_from_the_cancelled_place(client, cancelled):
    again = reverse("events:manage_register_again", args=[cancelled.manage_token])
    page = manage(client, cancelled).content.decode()
    assert f'href="{again}"' in page
    assert "openstreetmap.org" not in page  # no directions for a cancelled place
    assert "?" not in again  # nothing personal in an address

    form = client.get(again)

    assert form.status_code == 200
    assert form["Cache-Control"] == "private, no-store"
    assert form["Referrer-Policy"] == "no-referrer"
    body = form.content.decode()
    for value in ("Dana Whitehorse", cancelled.email, "Fargo Schools", "Counselor"):
        assert f'value="{value}"' in body, value
    assert f'<option value="{cancelled.sector_id}" selected>' in body
    # Consent is asked afresh.
    assert 'name="consent"' in body and "checked" not in body.split('name="consent"')[1][:80]


def test_sending_the_filled_in_form_registers_a_new_place(client, cancelled, sector):
    again = reverse("events:manage_register_again", args=[cancelled.manage_token])
    data = {
        "full_name": "Dana Whitehorse",
        "email": cancelled.email,
        "organization": "Fargo Schools",
        "sector": sector.pk,
        "job_title": "Counselor",
        "consent": "on",
    }

    response = client.post(again, data)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse(
        "events:registered", args=[cancelled.session.public_id]
    )
    new = Registration.objects.exclude(pk=cancelled.pk).get(email=cancelled.email)
    assert new.status == Registration.Status.CONFIRMED
    assert new.full_name == "Dana Whitehorse"


def test_the_filled_in_form_shows_errors_without_registering(client, cancelled):
    again = reverse("events:manage_register_again", args=[cancelled.manage_token])
    response = client.post(again, {"full_name": "Dana", "email": "nope"})
    assert response.status_code == 400
    assert {"email", "sector", "consent"} <= set(response.context["form"].errors)
    assert Registration.objects.count() == 1


def test_register_again_is_only_for_a_cancelled_place_of_an_open_session(client, registration):
    again = reverse("events:manage_register_again", args=[registration.manage_token])
    assert client.get(again)["Location"] == registration.get_manage_url()

    closed = RegistrationFactory(
        cancelled=True, session=SessionFactory(starts_at=timezone.now() - timedelta(hours=1))
    )
    again = reverse("events:manage_register_again", args=[closed.manage_token])
    assert client.get(again)["Location"] == closed.get_manage_url()
    assert "Register again" not in manage(client, closed).content.decode()


def test_the_manage_page_runs_few_queries(client, registration, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        assert manage(client, registration).status_code == 200
