"""Stored copies of public pages: fast for anonymous visitors, never stale or shared wrongly."""

import re
from datetime import timedelta

import pytest
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import Registration, TrainingSession
from tests.factories import OrganizerFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("events:catalog")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def text(response) -> str:
    return response.content.decode()


def form_data(sector, **overrides) -> dict:
    data = {
        "full_name": "Ana Ruiz",
        "email": "ana@example.org",
        "organization": "Fargo Public Schools",
        "sector": sector.pk,
        "job_title": "Counselor",
        "accommodations": "",
        "consent": "on",
    }
    return data | overrides


@pytest.mark.parametrize("page", ["session", "catalogue", "home"])
def test_repeat_anonymous_visit_is_served_from_the_stored_copy_without_queries(
    client, page, django_assert_num_queries
):
    session = SessionFactory()
    path = {"session": session.get_absolute_url(), "catalogue": CATALOGUE, "home": "/"}[page]
    first = client.get(path)
    with django_assert_num_queries(0):
        again = client.get(path)
    assert again.status_code == 200
    # The same page, but for the CSRF token, which is masked afresh for every answer.
    assert TOKEN.sub("", text(again)) == TOKEN.sub("", text(first))
    assert "Cookie" in again["Vary"]


def test_each_visitor_of_a_stored_page_gets_a_csrf_token_that_lets_them_register(sector):
    session = SessionFactory(capacity=5)
    Client().get(session.get_absolute_url())  # stores the page
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    tokens = []
    for number, visitor in enumerate(visitors):
        page = visitor.get(session.get_absolute_url())
        token = TOKEN.search(text(page)).group(1)
        tokens.append(token)
        response = visitor.post(
            session.get_absolute_url(),
            form_data(sector, email=f"visitor{number}@example.org")
            | {"csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302
    assert tokens[0] != tokens[1]
    assert Registration.objects.filter(session=session).count() == 2


def test_a_signed_in_visitor_gets_their_own_page_not_the_stored_copy(client):
    session = SessionFactory()
    client.get(session.get_absolute_url())
    user = UserFactory(full_name="Dana Whitehorse", email="dana@example.org")
    client.force_login(user)
    page = text(client.get(session.get_absolute_url()))
    assert 'value="dana@example.org"' in page
    assert reverse("accounts:dashboard") in page


def test_stored_page_expires_when_registration_closes(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    session = SessionFactory(registration_closes_at=timezone.now() + timedelta(minutes=30))
    assert 'name="consent"' in text(client.get(session.get_absolute_url()))
    time_machine.shift(timedelta(minutes=31))
    page = text(client.get(session.get_absolute_url()))
    assert "Registration for this session has closed." in page
    assert 'name="consent"' not in page


def test_catalogue_drops_a_session_once_it_ends(client, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    soon = SessionFactory(
        city="Minot",
        starts_at=timezone.now() - timedelta(hours=2),
        ends_at=timezone.now() + timedelta(minutes=10),
    )
    SessionFactory(city="Fargo")
    assert soon.get_absolute_url() in text(client.get(CATALOGUE))
    time_machine.shift(timedelta(minutes=11))
    upcoming = text(client.get(CATALOGUE)).split("Past sessions")[0]
    assert soon.get_absolute_url() not in upcoming


def test_an_edit_made_around_the_services_shows_within_the_bound(client, time_machine):
    from events.views.page_cache import MAX_SECONDS

    time_machine.move_to(timezone.now(), tick=False)
    session = SessionFactory()
    client.get(session.get_absolute_url())
    TrainingSession.objects.filter(pk=session.pk).update(
        status=TrainingSession.Status.CANCELLED, updated_at=timezone.now()
    )
    time_machine.shift(timedelta(seconds=MAX_SECONDS + 1))
    assert "This session was cancelled." in text(client.get(session.get_absolute_url()))


def test_admin_edit_of_a_training_title_shows_on_stored_pages_at_once(
    client, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    client.get(session.get_absolute_url())
    client.get(CATALOGUE)
    admin = Client()
    admin.force_login(OrganizerFactory(is_superuser=True))
    training = session.training
    change = reverse("admin:events_training_change", args=[training.pk])
    form = admin.get(change).context["adminform"].form
    # Files are not re-posted: an unchanged upload field keeps its file.
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, FieldFile)
    } | {
        "title": "Spotting labor trafficking on farms",
        "target_sectors": [s.pk for s in training.target_sectors.all()],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(change, data)
    assert response.status_code == 302, response.content
    assert "Spotting labor trafficking on farms" in text(client.get(session.get_absolute_url()))
    assert "Spotting labor trafficking on farms" in text(client.get(CATALOGUE))


def test_a_new_sector_is_offered_on_the_stored_registration_form_at_once(
    client, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    client.get(session.get_absolute_url())
    admin = Client()
    admin.force_login(OrganizerFactory(is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("admin:events_sector_add"),
            {"name": "Fishing & maritime", "slug": "fishing-maritime", "order": 99, "active": "on"},
        )
    assert response.status_code == 302
    assert "Fishing &amp; maritime" in text(client.get(session.get_absolute_url()))


def test_a_registration_post_does_not_load_the_sectors_again(
    client, sector, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session = SessionFactory()
    client.get(session.get_absolute_url())  # caches the sectors for this catalog version
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(session.get_absolute_url(), form_data(sector))
    assert response.status_code == 302
    assert Registration.objects.filter(session=session).count() == 1
    assert not [q for q in queries if 'FROM "events_sector"' in q["sql"]]


def test_a_registration_leaves_another_sessions_stored_page_in_place(
    client, sector, django_capture_on_commit_callbacks, django_assert_num_queries
):
    fargo = SessionFactory(city="Fargo", capacity=10)
    bismarck = SessionFactory(city="Bismarck", capacity=10)
    client.get(fargo.get_absolute_url())
    client.get(bismarck.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(fargo.get_absolute_url(), form_data(sector))
    with django_assert_num_queries(0):
        assert client.get(bismarck.get_absolute_url()).status_code == 200
    # Fargo's own page and the lists show the taken seat at once.
    assert "9 seats left" in text(client.get(fargo.get_absolute_url()))
    assert "9 seats left" in text(client.get(CATALOGUE))


def test_registering_for_a_session_deleted_after_a_post_is_a_404(
    client, sector, django_capture_on_commit_callbacks
):
    session = SessionFactory()
    url = session.get_absolute_url()
    # A first POST (here with a form error) used to keep the session's pk in a cache.
    assert client.post(url, form_data(sector, email="not-an-email")).status_code == 400
    admin = Client()
    admin.force_login(OrganizerFactory(is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("admin:events_trainingsession_delete", args=[session.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not TrainingSession.objects.filter(pk=session.pk).exists()
    assert client.post(url, form_data(sector)).status_code == 404
    assert client.get(url).status_code == 404
    assert not Registration.objects.exists()


def test_joining_the_waiting_list_keeps_the_stored_pages_which_already_say_full(
    client, sector, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from events.services.public_pages import LISTS_KEY, session_version_key

    session = SessionFactory(capacity=1)
    keys = [LISTS_KEY, session_version_key(session.public_id)]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(session.get_absolute_url(), form_data(sector, email="seat@example.org"))
    assert "Full – join the waiting list" in text(client.get(session.get_absolute_url()))
    versions = cache.get_many(keys)
    assert len(versions) == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(session.get_absolute_url(), form_data(sector, email="waits@example.org"))
    assert cache.get_many(keys) == versions
    assert Registration.objects.filter(session=session, status="waitlisted").count() == 1
    assert "Full – join the waiting list" in text(client.get(session.get_absolute_url()))


def test_signed_in_members_share_a_stored_catalogue_with_their_own_log_out_token(
    django_assert_max_num_queries,
):
    SessionFactory(city="Fargo")
    members = []
    for email in ("ana@example.org", "ben@example.org"):
        member = Client(enforce_csrf_checks=True)
        member.force_login(UserFactory(email=email))
        members.append(member)
    first = text(members[0].get(CATALOGUE))
    # The second member is served the first one's copy: only their own user is loaded.
    with django_assert_max_num_queries(1):
        again = members[1].get(CATALOGUE)
    assert TOKEN.sub("", text(again)) == TOKEN.sub("", first)
    assert reverse("accounts:dashboard") in first
    token = TOKEN.search(text(again)).group(1)
    response = members[1].post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "_auth_user_id" not in members[1].session


def test_staff_and_members_never_get_each_others_stored_pages():
    SessionFactory(city="Fargo")
    organize = reverse("admin:index")
    staff = Client()
    staff.force_login(OrganizerFactory())
    member = Client()
    member.force_login(UserFactory())
    for path in ("/", CATALOGUE):
        assert organize in text(staff.get(path))
        assert organize not in text(member.get(path))
        assert reverse("accounts:dashboard") in text(member.get(path))
        anonymous = text(Client().get(path))
        assert reverse("accounts:dashboard") not in anonymous
        assert reverse("accounts:login") in anonymous


def test_a_member_with_a_message_waiting_sees_it_not_the_stored_copy(client, sector):
    session = SessionFactory()
    client.force_login(UserFactory())
    client.get(CATALOGUE)  # stores the members' copy
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Ana Ruiz", "organization": "", "default_sector": sector.pk, "job_title": ""},
    )
    assert response.status_code == 302
    page = text(client.get(CATALOGUE))
    assert "Your profile is saved." in page
    assert session.get_absolute_url() in page
    assert "Your profile is saved." not in text(client.get(CATALOGUE))


def test_a_signed_in_visitors_session_page_shows_a_new_registration_at_once(
    sector, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=10)
    member = Client()
    member.force_login(UserFactory())
    assert "10 seats left" in text(member.get(session.get_absolute_url()))
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(session.get_absolute_url(), form_data(sector))
    assert "9 seats left" in text(member.get(session.get_absolute_url()))
    from events.services.sessions import update_session

    with django_capture_on_commit_callbacks(execute=True):
        stored = TrainingSession.objects.get(pk=session.pk)
        stored.venue = "Fargo Public Library"
        update_session(session=stored, actor=None)
    assert "Fargo Public Library" in text(member.get(session.get_absolute_url()))


IGNORED_HEADERS = {"Date", "Content-Length"}


def comparable(response) -> dict:
    """The answer's headers, Vary as a set (its order says nothing)."""
    headers = {k: v for k, v in response.headers.items() if k not in IGNORED_HEADERS}
    headers["Vary"] = {part.strip() for part in headers.get("Vary", "").split(",")}
    return headers


@pytest.mark.parametrize("page", ["session", "catalogue", "home"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_stored_copy_is_served_before_the_session_middleware_with_the_same_answer(
    client, page, language
):
    session = SessionFactory()
    path = {"session": session.get_absolute_url(), "catalogue": CATALOGUE, "home": "/"}[page]
    rendered = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert hasattr(rendered.wsgi_request, "session")  # rendered down the whole stack
    early = Client().get(path, HTTP_ACCEPT_LANGUAGE=language)
    # Served by StoredPageMiddleware: the session middleware never saw the request.
    assert not hasattr(early.wsgi_request, "session")
    assert TOKEN.sub("", text(early)) == TOKEN.sub("", text(rendered))
    assert f'<html lang="{language}">' in text(early)
    assert comparable(early) == comparable(rendered)
    assert early["Content-Language"] == language
    assert "Accept-Language" in early["Vary"] and "Cookie" in early["Vary"]
    assert early["X-Frame-Options"] == "DENY"


def test_a_visitor_with_a_session_cookie_or_a_message_goes_down_the_whole_stack(client):
    session = SessionFactory()
    client.get(session.get_absolute_url())  # stores the page
    for cookie in ("sessionid", "messages"):
        visitor = Client()
        visitor.cookies[cookie] = "anything"
        response = visitor.get(session.get_absolute_url())
        assert response.status_code == 200
        assert hasattr(response.wsgi_request, "session"), cookie
