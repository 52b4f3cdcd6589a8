"""Response headers and the friendly error pages for bad input."""

import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from events.documents.badge_keys import new_private_pem
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


def test_pages_send_a_policy_without_inline_script_or_style(client):
    policy = _csp(client.get(reverse("home")))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert "unsafe-inline" not in " ".join(policy.values())
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


def test_pages_refuse_framing_and_send_same_origin_referrers(client):
    response = client.get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_session_and_csrf_cookies_are_http_only(client, db):
    from tests.factories import UserFactory

    user = UserFactory()
    client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": "correct-horse-battery"},
    )
    assert client.cookies["sessionid"]["httponly"]
    assert django_settings.CSRF_COOKIE_HTTPONLY


# Cookies a browser may still hold: from before a sign-out elsewhere, a session purged
# on the server, an older Django, or a hand that typed them.
REQUEST_COOKIES = {
    "stale-session": {django_settings.SESSION_COOKIE_NAME: "k" * 32},
    "malformed-session": {django_settings.SESSION_COOKIE_NAME: "x"},
    "malformed-csrf": {django_settings.CSRF_COOKIE_NAME: "not a token!"},
    "csrf-of-the-wrong-length": {django_settings.CSRF_COOKIE_NAME: "a" * 10},
}
COOKIELESS = [
    "events:embed_sessions",
    "events:sessions_feed",
    "api:session-list",
    "api:schema",
    "api:docs",
]


@pytest.mark.parametrize("url_name", COOKIELESS)
@pytest.mark.parametrize("cookies", REQUEST_COOKIES.values(), ids=REQUEST_COOKIES)
def test_the_embed_the_feed_and_the_api_set_no_cookie_whatever_the_request_carries(
    url_name, cookies
):
    SessionFactory()
    client = Client()
    client.cookies.load(cookies)
    for _visit in range(2):  # rendered, then (the embed) its stored copy
        response = client.get(reverse(url_name))
        assert response.status_code == 200
        assert not response.cookies, response.cookies


def test_an_unmarked_view_keeps_djangos_answer_to_a_malformed_csrf_cookie(client):
    # The control: a view without @sets_no_cookie (and with no form) gets a new cookie.
    client.cookies.load(REQUEST_COOKIES["malformed-csrf"])
    response = client.get(reverse("events:session_ics", args=[SessionFactory().public_id]))
    assert django_settings.CSRF_COOKIE_NAME in response.cookies


def test_public_pages_carry_no_inline_script_or_style(client):
    session = SessionFactory()
    for url in [reverse("home"), reverse("events:catalog"), session.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert "<script>" not in html, url
        assert "<style" not in html, url
        assert 'style="' not in html, url
        assert " on" + "click=" not in html, url


def test_admin_pages_load_their_scripts_from_files(admin_client):
    for name in ["admin:index", "admin:password_change", "admin:events_sector_add"]:
        response = admin_client.get(reverse(name))
        assert response.status_code == 200, name
        assert "<script>" not in response.content.decode(), name


def test_admin_lives_under_the_configured_path():
    # ADMIN_PATH is read when the URLconf loads, so check it in a fresh process.
    code = (
        "import django; django.setup(); from django.urls import reverse; "
        "print(reverse('admin:index'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            "DJANGO_SETTINGS_MODULE": "trafficking_training.settings",
            "ADMIN_PATH": "backoffice-7f3a/",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
        cwd=str(django_settings.BASE_DIR),
    )
    assert result.stdout.strip() == "/backoffice-7f3a/"


PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "test-" + "x" * 60 + "-deploy-check-key",
    "ALLOWED_HOSTS": "trainings.example.org",
    "SITE_URL": "https://trainings.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    # Production refuses to run without an Open Badges signing key (badges.E001).
    "BADGE_SIGNING_KEY": new_private_pem().decode(),
    "PATH": "/usr/bin:/bin",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={key: value for key, value in {**PRODUCTION_ENV, **env}.items() if value is not None},
        capture_output=True,
        text=True,
        cwd=str(django_settings.BASE_DIR),
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "site_url, message",
    [
        (None, "SITE_URL is required"),
        ("", "SITE_URL is required"),
        ("trainings.example.org", "SITE_URL is required"),
        ("http://localhost:8000", "SITE_URL points at localhost"),
        ("http://127.0.0.1:8000", "SITE_URL points at 127.0.0.1"),
        ("http://[::1]:8000", "SITE_URL points at ::1"),
        ("http://0.0.0.0:8000", "SITE_URL points at 0.0.0.0"),
        ("https://app.localhost", "SITE_URL points at app.localhost"),
    ],
)
def test_production_refuses_to_start_without_a_public_site_url(site_url, message):
    # A certificate's QR code carries SITE_URL for ever: a wrong one must stop start-up.
    result = _manage("check", SITE_URL=site_url)
    assert result.returncode == 2
    assert f"Configuration error: {message}" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_csrf_token_gets_the_friendly_page():
    client = Client(enforce_csrf_checks=True)
    session = SessionFactory()
    response = client.post(session.get_absolute_url(), {"full_name": "A"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_oversized_body_is_refused_with_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    session = SessionFactory()
    response = client.post(
        session.get_absolute_url(),
        data="full_name=" + "a" * 5000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "more than this form accepts" in response.content.decode()


def test_oversized_multipart_body_is_refused_with_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    session = SessionFactory()
    response = client.post(session.get_absolute_url(), {"full_name": "a" * 5000})
    assert response.status_code == 413


def test_server_error_page_renders_without_the_database(rf):
    from trafficking_training.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    # Even here, how to report: 911, the Hotline (with TTY and text), the HSI Tip Line.
    for line in (b"tel:911", b"tel:+18883737888", b"tel:711", b"sms:233733", b"tel:+18663472423"):
        assert line in response.content


def test_null_characters_are_dropped_from_the_query_string(rf):
    from trafficking_training.middleware import StripNullCharactersMiddleware

    seen = {}

    def view(request):
        seen.update(request.GET.lists())
        seen["read-only"] = _refuses_writes(request.GET)
        return None

    StripNullCharactersMiddleware(view)(
        rf.get("/", {"q": "ab\x00c", "k\x00": ["x", "\x00"], "city": "Nguyễn\x00"})
    )
    assert seen == {"q": ["abc"], "k": ["x", ""], "city": ["Nguyễn"], "read-only": True}


def _refuses_writes(query) -> bool:
    try:
        query["q"] = "changed"
    except AttributeError:
        return True
    return False


@pytest.mark.parametrize("path", ["/sessions/?city=%00", "/certificates/verify/?code=A%00B"])
def test_null_characters_in_the_query_string_get_a_page(client, path):
    assert client.get(path).status_code in (200, 404)


def test_every_page_names_its_icon_and_favicon_ico_leads_to_it(client):
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert client.get(response["Location"]).status_code == 200
