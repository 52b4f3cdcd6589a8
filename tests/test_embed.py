"""The embeddable session list (/embed/sessions/) that partner sites put in an iframe."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from events.models import TrainingSession
from tests.factories import RegistrationFactory, SessionFactory, TrainingFactory

pytestmark = pytest.mark.django_db

EMBED = reverse("events:embed_sessions")


def _csp(response) -> dict[str, str]:
    return {
        part.strip().partition(" ")[0]: part.strip().partition(" ")[2]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }


# --- Framing ------------------------------------------------------------------------


def test_the_allowed_origins_may_frame_the_list(client, settings):
    settings.EMBED_ALLOWED_ORIGINS = ["https://school.example.org", "https://library.example.org"]
    response = client.get(EMBED)
    policy = _csp(response)
    assert policy["frame-ancestors"] == "https://school.example.org https://library.example.org"
    assert "X-Frame-Options" not in response
    # The rest of the policy is the site's.
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"


def test_without_allowed_origins_nobody_may_frame_the_list(client, settings):
    settings.EMBED_ALLOWED_ORIGINS = []
    assert _csp(client.get(EMBED))["frame-ancestors"] == "'none'"


def test_other_pages_still_refuse_every_frame(client, settings):
    settings.EMBED_ALLOWED_ORIGINS = ["https://school.example.org"]
    session = SessionFactory()
    client.get(EMBED)
    for url in [reverse("home"), reverse("events:catalog"), session.get_absolute_url()]:
        response = client.get(url)
        assert _csp(response)["frame-ancestors"] == "'none'", url
        assert response["X-Frame-Options"] == "DENY", url


def test_a_stored_copy_carries_the_same_framing_policy(client, settings):
    settings.EMBED_ALLOWED_ORIGINS = ["https://school.example.org"]
    SessionFactory()
    client.get(EMBED)
    again = client.get(EMBED)  # from the page cache
    assert _csp(again)["frame-ancestors"] == "https://school.example.org"
    assert "X-Frame-Options" not in again


def test_report_only_mode_reports_the_same_framing_policy(client, settings):
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = None
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": directives}
    settings.EMBED_ALLOWED_ORIGINS = ["https://school.example.org"]
    response = client.get(EMBED)
    assert "Content-Security-Policy" not in response
    assert (
        "frame-ancestors https://school.example.org"
        in response["Content-Security-Policy-Report-Only"]
    )


# --- Content ------------------------------------------------------------------------


def test_the_list_shows_city_date_time_and_seats_left_and_opens_our_page_in_a_new_tab(client):
    session = SessionFactory(
        city="Grand Forks", capacity=30, starts_at=timezone.now() + timedelta(days=12)
    )
    RegistrationFactory.create_batch(2, session=session)
    html = client.get(EMBED).content.decode()

    local = timezone.localtime(session.starts_at, session.tzinfo)
    assert "Grand Forks, ND" in html
    assert f"{local:%B} {local.day}, {local.year}" in html
    assert f"{local:%-I:%M %p}" in html
    assert "28 seats left" in html
    assert f'href="{session.get_absolute_url()}" target="_blank" rel="noopener"' in html


def test_the_list_is_a_standalone_page_without_the_sites_navigation(client):
    SessionFactory()
    html = client.get(EMBED, headers={"Accept-Language": "es"}).content.decode()
    assert '<html lang="es">' in html
    assert "<title>Próximas capacitaciones para reconocer la trata de personas</title>" in html
    assert "<nav" not in html
    assert "<form" not in html
    assert "1-888-373-7888" in html


def test_the_list_takes_the_catalogues_filters(client, sector):
    training = TrainingFactory()
    training.target_sectors.add(sector)
    SessionFactory(training=training, city="Fargo")
    SessionFactory(city="Minot")
    html = client.get(EMBED, {"sector": sector.slug}).content.decode()
    assert "Fargo, ND" in html
    assert "Minot" not in html
    html = client.get(EMBED, {"city": "Minot"}).content.decode()
    assert "Minot, ND" in html
    assert "Fargo, ND" not in html


def test_drafts_and_cancelled_sessions_are_not_listed(client):
    SessionFactory(city="Minot", status=TrainingSession.Status.DRAFT)
    SessionFactory(city="Dickinson", status=TrainingSession.Status.CANCELLED)
    html = client.get(EMBED).content.decode()
    assert "Minot" not in html
    assert "Dickinson" not in html
    assert "No upcoming sessions match." in html


@pytest.mark.parametrize("query", ["sector=no-such-sector", "city=Atlantis", "month=99-99"])
def test_an_unknown_filter_says_no_session_matches(client, query):
    SessionFactory(city="Fargo")
    response = client.get(f"{EMBED}?{query}")
    assert response.status_code == 200
    assert "No upcoming sessions match." in response.content.decode()
    assert "Fargo, ND" not in response.content.decode()


def test_the_list_sets_no_cookie_and_is_served_from_the_page_cache(
    client, django_assert_max_num_queries
):
    SessionFactory()
    first = client.get(EMBED)
    assert first.cookies == {}
    with django_assert_max_num_queries(0):
        again = client.get(EMBED)
    assert again.content == first.content
    assert again.cookies == {}


# --- The setting ------------------------------------------------------------------


def _settings_with(value: str) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.EMBED_ALLOWED_ORIGINS)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={
            "DJANGO_SETTINGS_MODULE": "trafficking_training.settings",
            "DJANGO_ENV": "test",
            "EMBED_ALLOWED_ORIGINS": value,
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        cwd=str(django_settings.BASE_DIR),
    )


def test_allowed_origins_are_read_as_a_comma_separated_list():
    result = _settings_with("https://school.example.org, http://127.0.0.1:8123/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['https://school.example.org', 'http://127.0.0.1:8123']"


@pytest.mark.parametrize(
    "value",
    [
        "https://school.example.org/embed",
        "school.example.org",
        "ftp://school.example.org",
        "*",
        "https://school.example.org; script-src *",
        "https://school.example.org?x=1",
    ],
)
def test_an_allowed_origin_that_is_not_an_origin_stops_start_up_with_one_line(value):
    result = _settings_with(value)
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: EMBED_ALLOWED_ORIGINS")
    assert len(result.stderr.strip().splitlines()) == 1
