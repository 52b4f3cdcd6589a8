"""Choosing a language, and the registrant's language in everything sent to them."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import formats, translation
from pypdf import PdfReader

from events.documents.emails import SharedRenders, build_message
from events.models import Registration
from events.services import certificates, checkin
from events.views.page_cache import CSRF_PLACEHOLDER
from tests.factories import (
    AttendedRegistrationFactory,
    DoorOpenSessionFactory,
    NotificationFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
)
from trafficking_training.formats.en import formats as english

pytestmark = pytest.mark.django_db

SET_LANGUAGE = reverse("set_language")
FARGO = ZoneInfo("America/Chicago")


def page(response) -> str:
    return response.content.decode()


# --- The switcher ----------------------------------------------------------------


def test_every_page_has_a_labelled_language_switcher_that_posts_with_csrf(client):
    html = page(client.get(reverse("events:catalog")))
    form = html[
        html.index('class="language-switcher') : html.index(
            "</form>", html.index("language-switcher")
        )
    ]
    assert f'action="{SET_LANGUAGE}"' in form and 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<label class="form-label mb-0" for="language-select">' in form
    assert '<option value="en" lang="en" selected>English</option>' in form
    assert '<option value="es" lang="es">Español</option>' in form
    assert 'name="next" value="/sessions/"' in form


def test_the_chosen_language_is_kept_in_the_cookie_and_opens_the_next_visit_in_it(client):
    response = client.post(SET_LANGUAGE, {"language": "es", "next": "/sessions/"})
    assert response.status_code == 302 and response["Location"] == "/sessions/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "es"
    assert int(cookie["max-age"]) >= 300 * 24 * 60 * 60  # remembered across visits

    home = page(client.get(reverse("home")))
    assert '<html lang="es">' in home
    assert "Aprenda a reconocer la trata de personas" in home
    assert '<option value="es" lang="es" selected>' in home


def test_the_switcher_refuses_a_next_address_on_another_site(client):
    response = client.post(SET_LANGUAGE, {"language": "es", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize(
    "how",
    [
        {"HTTP_ACCEPT_LANGUAGE": "xx-YY, zz;q=0.8"},
        {"HTTP_ACCEPT_LANGUAGE": "';DROP TABLE--, es;q=nope"},
        {"cookie": "klingon"},
        {"cookie": "../../etc/passwd"},
    ],
)
def test_an_unknown_language_code_falls_back_to_english_without_an_error(client, how):
    if "cookie" in how:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = how.pop("cookie")
    response = client.get(reverse("home"), **how)
    assert response.status_code == 200
    assert '<html lang="en">' in page(response)


def test_setting_an_unknown_language_changes_nothing_and_does_not_fail(client):
    response = client.post(SET_LANGUAGE, {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.get("/xx/sessions/").status_code == 404  # no language prefix in URLs
    assert '<html lang="en">' in page(client.get(reverse("home")))


def test_a_regional_spanish_header_gets_the_spanish_pages(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert '<html lang="es">' in page(response)


# --- Stored public pages -----------------------------------------------------------


def test_stored_pages_are_kept_per_language_with_a_fresh_csrf_token_in_each(client):
    session = SessionFactory()
    url = session.get_absolute_url()
    first = page(client.get(url, HTTP_ACCEPT_LANGUAGE="es"))
    again = page(client.get(url, HTTP_ACCEPT_LANGUAGE="es"))  # from the stored copy
    english = page(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    for html in (first, again):
        assert "Inscribirse" in html and CSRF_PLACEHOLDER not in html
    assert "Inscribirse" not in english and "Register" in english
    assert CSRF_PLACEHOLDER not in english

    # The token served in the stored Spanish copy works for the switcher's POST.
    token = again.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    client.handler.enforce_csrf_checks = True
    response = client.post(SET_LANGUAGE, {"language": "en", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


# --- The registrant's language ------------------------------------------------------


def _register(client, session, sector, language: str):
    data = {
        "full_name": "Ana Ruiz",
        "email": f"ana-{language}@example.org",
        "sector": sector.pk,
        "consent": "on",
    }
    url = reverse("events:session_detail", args=[session.public_id])
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)


def test_a_registration_keeps_the_language_of_the_page_and_its_email_is_in_it(
    client, sector, django_capture_on_commit_callbacks
):
    session = SessionFactory(starts_at=datetime(2026, 12, 22, 9, 0, tzinfo=FARGO))
    with django_capture_on_commit_callbacks(execute=True):
        _register(client, session, sector, "es")
        _register(client, session, sector, "en")

    spanish = Registration.objects.get(email="ana-es@example.org")
    assert spanish.language == "es"
    assert Registration.objects.get(email="ana-en@example.org").language == "en"
    by_address = {message.to[0]: message for message in mail.outbox}
    message = by_address["ana-es@example.org"]
    assert message.subject.startswith("Está inscrito:")
    assert "martes, 22 de diciembre de 2026" in message.body
    assert "9:00" in message.body and "AM" not in message.body
    html = message.alternatives[0][0]
    assert "Administre su inscripción" in html and "Manage your registration" not in html
    assert by_address["ana-en@example.org"].subject.startswith("You are registered:")
    assert "Tuesday, December 22, 2026" in by_address["ana-en@example.org"].body


def test_an_unknown_language_on_a_registration_is_stored_as_the_default():
    assert Registration.language_for("xx") == settings.LANGUAGE_CODE
    assert Registration.language_for("") == settings.LANGUAGE_CODE
    assert Registration.language_for("es-419") == "es"


def test_a_batch_never_mixes_languages_and_matches_each_email_built_alone():
    session = SessionFactory()
    rows = [
        NotificationFactory(
            registration=RegistrationFactory(session=session, language=language),
            kind="reminder",
            variant="1d",
        )
        for language in ("en", "es", "en", "es")
    ]
    renders = SharedRenders()
    built = [build_message(row, renders=renders) for row in rows]
    for row, message in zip(rows, built, strict=True):
        alone = build_message(row)
        assert (message.subject, message.body) == (alone.subject, alone.body)
        assert message.subject.startswith(
            "Recordatorio:" if row.registration.language == "es" else "Reminder:"
        )


def test_the_calendar_file_is_in_the_registrants_language():
    registration = RegistrationFactory(language="es", session=SessionFactory(what_to_bring="ID"))
    message = build_message(NotificationFactory(registration=registration, kind="confirmation"))
    [(name, calendar, _)] = message.attachments
    assert name == "session.ics"
    text = calendar.decode() if isinstance(calendar, bytes) else calendar
    assert "Qué traer: ID" in text


def test_the_certificate_pdf_is_printed_in_the_registrants_language():
    registration = AttendedRegistrationFactory(language="es")
    certificate = certificates.issue_certificate(registration_id=registration.pk)
    with certificate.pdf.open("rb") as stored:
        text = PdfReader(io.BytesIO(stored.read())).pages[0].extract_text()
    assert "Certificado de asistencia" in text
    assert "Certificate of Attendance" not in text
    with translation.override("es"):
        day = formats.date_format(
            certificate.session_starts_at.astimezone(registration.session.tzinfo),
            "PLAIN_DATE_FORMAT",
        )
    assert " de " in day and day in text


def test_a_walk_in_added_from_a_spanish_door_page_gets_spanish(client, sector):
    session = DoorOpenSessionFactory()
    client.force_login(ScopedOrganizerFactory(organizes=[session]))
    client.post(
        reverse("events:organize_walk_in", args=[session.pk]),
        {
            "full_name": "Luis Pérez",
            "email": "luis@example.org",
            "sector": sector.pk,
            "consent": "on",
        },
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert session.registrations.get(email="luis@example.org").language == "es"


def test_a_walk_in_added_without_a_language_gets_the_default(sector):
    session = DoorOpenSessionFactory()
    added = checkin.add_walk_in(session_id=session.pk, full_name="Kim Lee", sector_id=sector.pk)
    assert added.registration.language == settings.LANGUAGE_CODE


# --- Dates ------------------------------------------------------------------------


def test_named_date_formats_read_in_each_languages_own_order():
    moment = datetime(2026, 12, 22, 9, 0, tzinfo=FARGO)
    with translation.override("es"):
        assert formats.date_format(moment, "LONG_DATE_FORMAT") == "martes, 22 de diciembre de 2026"
        assert formats.time_format(moment, "CLOCK_FORMAT") == "9:00"
    with translation.override("en"):
        assert formats.date_format(moment, "LONG_DATE_FORMAT") == "Tuesday, December 22, 2026"
        assert formats.time_format(moment, "CLOCK_FORMAT") == "9:00 AM"


def test_every_language_defines_every_named_format():
    names = [name for name in vars(english) if name.endswith("_FORMAT")]
    assert len(names) >= 8
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for name in names:
                assert formats.get_format(name) != name, (code, name)
