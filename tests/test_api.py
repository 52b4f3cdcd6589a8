"""The public API (/api/v1/): what it shows, what it refuses, and what it never shows."""

import json
import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Registration, Sector, TrainingSession
from tests.factories import (
    EndedSessionFactory,
    RegistrationFactory,
    SessionFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
TRAININGS = "/api/v1/trainings/"
SECTORS = "/api/v1/sectors/"


def get(client, url: str, **params):
    return client.get(url, params, HTTP_ACCEPT="application/json")


def results(client, url: str = SESSIONS, **params) -> list[dict]:
    response = get(client, url, **params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def public_ids(client, **params) -> list[str]:
    return [row["public_id"] for row in results(client, **params)]


def add_registrations(session, count: int, **traits) -> None:
    Registration.objects.bulk_create(
        RegistrationFactory.build(session=session, **traits) for _ in range(count)
    )


# --- What a session shows -------------------------------------------------------------


def test_a_session_shows_every_field_of_its_public_page(client, settings):
    settings.SITE_URL = "https://trainings.example.org"
    healthcare, schools = (
        Sector.objects.get(slug="healthcare"),
        Sector.objects.get(slug="schools-education"),
    )
    training = TrainingFactory(
        title="Spotting trafficking",
        title_es="Cómo reconocer la trata",
        summary="The signs.",
        hosts="DHS",
        hosts_es="El DHS",
        credit_hours=2.5,
    )
    training.target_sectors.set([healthcare, schools])
    starts = timezone.now().replace(microsecond=0) + timedelta(days=5)
    session = SessionFactory(
        training=training,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        timezone="America/Denver",
        venue="Library",
        address="1 Main St",
        city="Williston",
        state="ND",
        online_url="https://meet.example.org/secret-room",
        capacity=10,
        venue_notes="Park in the back",
        what_to_bring="A photo ID",
        what_to_bring_es="Una identificación con foto",
    )
    add_registrations(session, 3)

    data = get(client, f"{SESSIONS}{session.public_id}/").json()

    local_start = timezone.localtime(starts, session.tzinfo)
    assert data == {
        "public_id": session.public_id,
        "training": training.slug,
        "title": "Spotting trafficking",
        "title_es": "Cómo reconocer la trata",
        "summary": "The signs.",
        "summary_es": "",
        "hosts": "DHS",
        "hosts_es": "El DHS",
        "credit_hours": 2.5,
        "sectors": [
            {"slug": sector.slug, "name": sector.name, "name_es": sector.name_es}
            for sector in sorted([healthcare, schools], key=lambda s: (s.order, s.name))
        ],
        "venue": "Library",
        "address": "1 Main St",
        "venue_notes": "Park in the back",
        "venue_notes_es": "",
        "what_to_bring": "A photo ID",
        "what_to_bring_es": "Una identificación con foto",
        "city": "Williston",
        "state": "ND",
        "online": True,
        "in_person": True,
        "starts_at": local_start.isoformat(),
        "ends_at": (local_start + timedelta(hours=2)).isoformat(),
        "timezone": "America/Denver",
        "status": "scheduled",
        "registration_open": True,
        "seats_left": 7,
        "page_url": f"https://trainings.example.org/sessions/{session.public_id}/",
        "ics_url": f"https://trainings.example.org/sessions/{session.public_id}/calendar.ics",
    }


def test_times_carry_the_offset_of_the_sessions_own_zone(client):
    session = SessionFactory(timezone="America/Denver")
    data = get(client, f"{SESSIONS}{session.public_id}/").json()
    offset = timezone.localtime(session.starts_at, session.tzinfo).strftime("%z")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d", data["starts_at"])
    assert data["starts_at"].endswith(f"{offset[:3]}:{offset[3:]}")


def test_the_online_meeting_link_is_never_shown(client):
    session = SessionFactory(venue="", online_url="https://meet.example.org/secret-room")
    body = get(client, f"{SESSIONS}{session.public_id}/").content.decode()
    listed = get(client, SESSIONS).content.decode()
    assert "secret-room" not in body and "secret-room" not in listed
    assert json.loads(body)["online"] is True
    assert json.loads(body)["in_person"] is False


def test_a_session_with_people_waiting_shows_no_seats_left(client):
    session = SessionFactory(capacity=5)
    add_registrations(session, 3)
    add_registrations(session, 1, waitlisted=True)
    assert get(client, f"{SESSIONS}{session.public_id}/").json()["seats_left"] == 0


def test_a_cancelled_session_shows_as_cancelled_with_no_seat_count(client):
    session = SessionFactory(status=TrainingSession.Status.CANCELLED)
    data = get(client, f"{SESSIONS}{session.public_id}/").json()
    assert data["status"] == "cancelled"
    assert data["registration_open"] is False
    assert data["seats_left"] is None


def test_an_ended_session_is_found_by_its_id_but_left_out_of_the_list(client):
    ended = EndedSessionFactory()
    data = get(client, f"{SESSIONS}{ended.public_id}/").json()
    assert data["seats_left"] is None and data["registration_open"] is False
    assert ended.public_id not in public_ids(client)


def test_registration_not_yet_open_shows_as_closed(client):
    session = SessionFactory(registration_opens_at=timezone.now() + timedelta(days=1))
    assert get(client, f"{SESSIONS}{session.public_id}/").json()["registration_open"] is False


# --- What is public ---------------------------------------------------------------------


def test_drafts_never_appear_in_lists_details_or_trainings(client):
    draft = SessionFactory(status=TrainingSession.Status.DRAFT, training=TrainingFactory())
    published = SessionFactory()
    assert public_ids(client) == [published.public_id]
    assert get(client, f"{SESSIONS}{draft.public_id}/").status_code == 404
    assert [row["slug"] for row in results(client, TRAININGS)] == [published.training.slug]
    assert get(client, f"{TRAININGS}{draft.training.slug}/").status_code == 404


def test_the_list_is_the_catalogues_upcoming_published_sessions_soonest_first(client):
    later = SessionFactory(starts_at=timezone.now() + timedelta(days=20))
    sooner = SessionFactory(starts_at=timezone.now() + timedelta(days=2))
    SessionFactory(status=TrainingSession.Status.CANCELLED)
    EndedSessionFactory()
    assert public_ids(client) == [sooner.public_id, later.public_id]


def test_unknown_and_implausible_public_ids_answer_404_in_json(client):
    for public_id in ["nosuchid00", "x" * 40, "%C3%A9t%C3%A9", "1"]:
        response = get(client, f"{SESSIONS}{public_id}/")
        assert response.status_code == 404, public_id
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()


def test_a_session_is_never_found_by_its_sequential_pk(client):
    session = SessionFactory()
    assert get(client, f"{SESSIONS}{session.pk}/").status_code == 404


def test_trainings_show_their_details_sectors_and_a_link_to_their_sessions(client, settings):
    settings.SITE_URL = "https://trainings.example.org"
    training = TrainingFactory(title="Basics", description="Long text.", credit_hours=3)
    training.target_sectors.set([Sector.objects.get(slug="healthcare")])
    SessionFactory(training=training)
    data = get(client, f"{TRAININGS}{training.slug}/").json()
    assert data == {
        "slug": training.slug,
        "title": "Basics",
        "title_es": "",
        "summary": training.summary,
        "summary_es": "",
        "description": "Long text.",
        "description_es": "",
        "hosts": training.hosts,
        "hosts_es": "",
        "credit_hours": 3.0,
        "sectors": [{"slug": "healthcare", "name": "Healthcare", "name_es": "Salud"}],
        "sessions_url": f"https://trainings.example.org{SESSIONS}?training={training.slug}",
    }


def test_sectors_list_the_active_sectors_in_their_order(client):
    Sector.objects.filter(slug="government").update(active=False)
    listed = results(client, SECTORS, page_size=100)
    expected = list(Sector.objects.filter(active=True).values("slug", "name", "name_es"))
    assert listed == expected
    assert "government" not in {row["slug"] for row in listed}


# --- Filters ----------------------------------------------------------------------------


def test_sector_filter_keeps_sessions_whose_training_targets_it(client):
    health = TrainingFactory()
    health.target_sectors.set([Sector.objects.get(slug="healthcare")])
    wanted = SessionFactory(training=health)
    SessionFactory()
    assert public_ids(client, sector="healthcare") == [wanted.public_id]


def test_city_state_and_training_filters(client):
    fargo = SessionFactory(city="Fargo", state="ND")
    moorhead = SessionFactory(city="Moorhead", state="MN")
    assert public_ids(client, city="fargo") == [fargo.public_id]
    assert public_ids(client, state="mn") == [moorhead.public_id]
    assert public_ids(client, training=moorhead.training.slug) == [moorhead.public_id]


def test_online_filter(client):
    online = SessionFactory(venue="", online_url="https://meet.example.org/a")
    in_person = SessionFactory()
    assert public_ids(client, online="true") == [online.public_id]
    assert public_ids(client, online="false") == [in_person.public_id]


def test_date_filters_take_days_in_the_sites_zone(client):
    # 23:30 in Fargo is already the next day in UTC: the filter goes by Fargo's day.
    day = (timezone.localdate() + timedelta(days=8)).isoformat()
    late = SessionFactory(
        starts_at=timezone.make_aware(
            datetime.fromisoformat(f"{day}T23:30"), timezone.get_default_timezone()
        )
    )
    next_week = SessionFactory(starts_at=late.starts_at + timedelta(days=7))
    assert public_ids(client, **{"from": day, "to": day}) == [late.public_id]
    after = (timezone.localdate() + timedelta(days=9)).isoformat()
    assert public_ids(client, **{"from": after}) == [next_week.public_id]
    assert public_ids(client, to=day) == [late.public_id]


def test_has_seats_filter_follows_the_pages_full_rule(client):
    free = SessionFactory(capacity=3)
    full = SessionFactory(capacity=2)
    add_registrations(full, 2)
    waiting = SessionFactory(capacity=5)
    add_registrations(waiting, 1)
    add_registrations(waiting, 1, waitlisted=True)
    assert public_ids(client, has_seats="true") == [free.public_id]
    assert set(public_ids(client, has_seats="false")) == {full.public_id, waiting.public_id}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sector": "no-such-sector"}, "sector"),
        ({"training": "no-such-training"}, "training"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "99999-01-01"}, "to"),
        ({"from": "2027-03-02", "to": "2027-03-01"}, "to"),
        ({"has_seats": "maybe"}, "has_seats"),
        ({"online": "yes"}, "online"),
        ({"online": ""}, "online"),
        ({"state": "North Dakota"}, "state"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
    ],
)
def test_nonsense_values_answer_400_naming_the_parameter(client, params, field):
    SessionFactory()
    response = get(client, SESSIONS, **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == [field]
    assert all(isinstance(message, str) and message for message in body[field])


def test_a_draft_trainings_slug_is_refused_like_an_unknown_one(client):
    draft = SessionFactory(status=TrainingSession.Status.DRAFT)
    response = get(client, SESSIONS, training=draft.training.slug)
    assert response.status_code == 400
    assert list(response.json()) == ["training"]


def test_errors_speak_the_callers_language(client):
    response = client.get(SESSIONS, {"has_seats": "maybe"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert "maybe" in response.json()["has_seats"][0]
    assert "Select a valid choice" not in response.json()["has_seats"][0]


def test_unknown_parameters_are_ignored(client):
    session = SessionFactory()
    assert public_ids(client, colour="blue") == [session.public_id]


# --- Pagination -------------------------------------------------------------------------


def test_lists_are_paginated_with_count_and_links(client):
    for day in range(3):
        SessionFactory(starts_at=timezone.now() + timedelta(days=day + 1))
    body = get(client, SESSIONS, page_size=2).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["previous"] is None
    second = client.get(body["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None


def test_a_page_size_over_the_cap_gets_the_cap(client):
    start = timezone.now() + timedelta(days=1)
    training = TrainingFactory()
    TrainingSession.objects.bulk_create(
        SessionFactory.build(training=training, starts_at=start + timedelta(hours=i))
        for i in range(105)
    )
    body = get(client, SESSIONS, page_size=1000).json()
    assert body["count"] == 105
    assert len(body["results"]) == 100


@pytest.mark.parametrize("page", ["2", "0", "first", "-1", "999999999999999999999"])
def test_a_page_that_does_not_exist_answers_404_in_json(client, page):
    SessionFactory()
    response = get(client, SESSIONS, page=page)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["sessions/no.such/", "trainings/.exe/", "sessions/%F2%B0%A9%97./"]
)
def test_a_nonsense_id_answers_the_apis_json_404(client, path):
    response = client.get(f"/api/v1/{path}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_an_empty_page_number_answers_400(client):
    response = client.get(SESSIONS, {"page": ""})
    assert response.status_code == 400
    assert response.json() == {"page": ["Give a page number."]}


@pytest.mark.parametrize(
    "query", ["page=%C3%AA&page=", "page_size=5&page_size=6", "sector=healthcare&sector=x"]
)
@pytest.mark.parametrize("url", [SESSIONS, TRAININGS, SECTORS])
def test_a_parameter_given_twice_answers_400_naming_it(client, url, query):
    SessionFactory()
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert response.json() == {query.split("=")[0]: ["Give this parameter once."]}


@pytest.mark.parametrize("count", [2, 40])
def test_the_list_runs_the_same_queries_for_any_number_of_sessions(
    client, count, django_assert_max_num_queries
):
    start = timezone.now() + timedelta(days=1)
    for i in range(count):
        training = TrainingFactory()
        training.target_sectors.set(Sector.objects.all()[:3])
        session = SessionFactory(training=training, starts_at=start + timedelta(hours=i))
        add_registrations(session, 2)
        add_registrations(session, 1, waitlisted=True)
    # The page's COUNT, the page, its sectors.
    with django_assert_max_num_queries(3):
        response = get(client, SESSIONS, page_size=100)
    assert len(response.json()["results"]) == count


def test_the_trainings_list_runs_the_same_queries_for_any_number(
    client, django_assert_max_num_queries
):
    for _ in range(15):
        SessionFactory(training=TrainingFactory())
    with django_assert_max_num_queries(3):
        assert len(results(client, TRAININGS, page_size=50)) == 15


# --- HTTP: ETag, CORS, cookies, rate limit ----------------------------------------------


def test_a_matching_if_none_match_gets_304_and_a_change_gets_a_new_etag(client):
    session = SessionFactory(city="Fargo")
    url = f"{SESSIONS}{session.public_id}/"
    first = get(client, url)
    etag = first["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    listed = get(client, SESSIONS)["ETag"]

    session.city = "West Fargo"
    session.save()

    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["city"] == "West Fargo"
    assert get(client, SESSIONS)["ETag"] != listed


def test_a_new_registration_changes_the_lists_etag(client):
    session = SessionFactory(capacity=5)
    etag = get(client, SESSIONS)["ETag"]
    RegistrationFactory(session=session)
    response = client.get(SESSIONS, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["results"][0]["seats_left"] == 4


def test_any_origin_may_read_the_api_without_credentials(client):
    SessionFactory()
    response = client.get(SESSIONS, HTTP_ORIGIN="https://partner.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_allows_only_reading_methods(client):
    response = client.options(
        SESSIONS,
        HTTP_ORIGIN="https://partner.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert response.status_code == 200
    allowed = {method.strip() for method in response["Access-Control-Allow-Methods"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}


def test_pages_outside_the_api_get_no_cors_headers(client):
    response = client.get(reverse("events:catalog"), HTTP_ORIGIN="https://partner.example.org")
    assert "Access-Control-Allow-Origin" not in response


def test_the_api_sets_no_cookies(client):
    session = SessionFactory()
    for url in [SESSIONS, f"{SESSIONS}{session.public_id}/", TRAININGS, SECTORS, "/api/v1/schema/"]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code == 200, url
        assert not response.cookies, (url, response.cookies)
        assert "Cookie" not in response.get("Vary", ""), url


def test_writing_methods_are_refused(client):
    session = SessionFactory()
    for method in (client.post, client.put, client.patch, client.delete):
        response = method(f"{SESSIONS}{session.public_id}/")
        assert response.status_code == 405
    assert TrainingSession.objects.filter(pk=session.pk).exists()


def test_past_the_limit_the_api_answers_429_in_json_with_retry_after(client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_RATES = {**settings.RATELIMIT_RATES, "api": "3/m"}
    answers = [client.get(SESSIONS, HTTP_ORIGIN="https://partner.example.org") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused["Content-Type"] == "application/json"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"]
    # A partner's page can read the refusal, and when to come back.
    assert refused["Access-Control-Allow-Origin"] == "*"


def test_the_limit_is_one_counter_for_the_whole_api(client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_RATES = {**settings.RATELIMIT_RATES, "api": "2/m"}
    assert get(client, SESSIONS).status_code == 200
    assert get(client, SECTORS).status_code == 200
    assert get(client, TRAININGS).status_code == 429
    # The site's pages keep their own limits.
    assert client.get(reverse("events:catalog")).status_code == 200


# --- Never any registrant data ----------------------------------------------------------

REGISTRANT_KEYS = re.compile(
    r"email|full_?name|first_?name|last_?name|phone|organization|job_title|accommodation"
    r"|confirmed|waitlist|attend|registrant|registration_?s\b|checked_in|token|user",
    re.IGNORECASE,
)


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(child) for child in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(child) for child in value)) if value else set()
    return set()


def test_no_registrant_field_anywhere_in_the_answers(client):
    session = SessionFactory()
    RegistrationFactory(session=session, full_name="Ada Privacy", email="ada@example.org")
    RegistrationFactory(session=session, waitlisted=True, email="bea@example.org")
    bodies = [
        get(client, url)
        for url in [SESSIONS, f"{SESSIONS}{session.public_id}/", TRAININGS, SECTORS]
    ]
    for response in bodies:
        text = response.content.decode()
        assert "Ada Privacy" not in text and "example.org" not in text
        leaked = {key for key in _keys(response.json()) if REGISTRANT_KEYS.search(key)}
        assert not leaked, leaked


def test_no_registrant_field_anywhere_in_the_schema(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    properties = set()

    def walk(node):
        if isinstance(node, dict):
            properties.update(node.get("properties", {}))
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(schema)
    parameters = {
        parameter["name"]
        for path in schema["paths"].values()
        for operation in path.values()
        for parameter in operation.get("parameters", [])
    }
    assert "seats_left" in properties  # the walk reached the session's fields
    leaked = {name for name in properties | parameters if REGISTRANT_KEYS.search(name)}
    assert not leaked, leaked


def test_the_schema_is_openapi_3_and_lists_every_endpoint(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/sessions/",
        "/api/v1/sessions/{public_id}/",
        "/api/v1/trainings/",
        "/api/v1/trainings/{slug}/",
        "/api/v1/sectors/",
    }
    listed = schema["paths"]["/api/v1/sessions/"]["get"]
    assert {"200", "400", "404", "429"} <= set(listed["responses"])
    sector = next(p for p in listed["parameters"] if p["name"] == "sector")
    assert set(sector["schema"]["enum"]) == set(
        Sector.objects.filter(active=True).values_list("slug", flat=True)
    )


def test_the_schema_builds_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/sessions/{public_id}/" in target.read_text()
