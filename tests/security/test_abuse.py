"""Abuse resistance: login lockout, per-address rate limits, answers that reveal nothing."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.core import mail
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from events.models import Registration
from tests.factories import RegistrationFactory, SessionFactory, UserFactory
from tests.pages import without_csrf_tokens
from tests.security.lengths import email_address

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def limits_on(settings):
    settings.RATELIMIT_ENABLE = True
    return settings


def _registration_data(sector, email="new.person@example.org") -> dict:
    return {
        "full_name": "Dana Tester",
        "email": email,
        "organization": "Fargo Public Schools",
        "sector": sector.pk,
        "job_title": "Counselor",
        "accommodations": "",
        "consent": "on",
    }


def _login(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_repeated_wrong_passwords_lock_the_login_with_a_429(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory()
    for _ in range(3):
        _login(client, user.email, "wrong-password")
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert "_auth_user_id" not in client.session


def test_login_lockout_ends_by_itself_after_the_cool_off(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory()
    for _ in range(3):
        _login(client, user.email, "wrong-password")
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=5)):
        response = _login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_lockout_counts_every_spelling_of_the_email(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory()
    for spelling in [user.email, user.email.upper(), f"  {user.email.title()}"]:
        _login(client, spelling, "wrong-password")
    assert _login(client, user.email, PASSWORD).status_code == 429


def test_lockout_of_one_email_leaves_others_free_from_the_same_address(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    victim, other = UserFactory(), UserFactory()
    for _ in range(3):
        _login(client, victim.email, "wrong-password")
    assert _login(client, other.email, PASSWORD).status_code == 302


def test_registration_past_the_limit_gets_429_with_retry_after(client, limits_on, sector):
    limits_on.RATELIMIT_RATES = {**limits_on.RATELIMIT_RATES, "register": "3/m"}
    session = SessionFactory()
    url = session.get_absolute_url()
    answers = [
        client.post(url, _registration_data(sector, f"p{i}@example.org")).status_code
        for i in range(4)
    ]
    assert answers[:3] == [302, 302, 302]
    assert answers[3] == 429
    response = client.post(url, _registration_data(sector, "late@example.org"))
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Please try again in 1 minute" in response.content.decode()
    assert Registration.objects.count() == 3


def test_rate_limit_counts_per_address(client, limits_on, sector):
    limits_on.RATELIMIT_RATES = {**limits_on.RATELIMIT_RATES, "register": "1/m"}
    url = SessionFactory().get_absolute_url()
    assert client.post(url, _registration_data(sector, "a@example.org")).status_code == 302
    other = client.post(url, _registration_data(sector, "b@example.org"), REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 302


def test_browsing_a_session_is_not_rate_limited(client, limits_on):
    limits_on.RATELIMIT_RATES = {**limits_on.RATELIMIT_RATES, "register": "1/m"}
    url = SessionFactory().get_absolute_url()
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]


def test_rate_limits_switch_off_with_ratelimit_enable(client, settings, sector):
    settings.RATELIMIT_ENABLE = False
    settings.RATELIMIT_RATES = {**settings.RATELIMIT_RATES, "register": "1/m"}
    url = SessionFactory().get_absolute_url()
    answers = [
        client.post(url, _registration_data(sector, f"x{i}@example.org")).status_code
        for i in range(3)
    ]
    assert answers == [302, 302, 302]


def test_signup_is_rate_limited(client, limits_on):
    limits_on.RATELIMIT_RATES = {**limits_on.RATELIMIT_RATES, "signup": "2/m"}
    url = reverse("accounts:signup")
    statuses = [client.post(url, {"email": f"s{i}@example.org"}).status_code for i in range(3)]
    assert statuses[-1] == 429


def test_password_reset_is_rate_limited(client, limits_on):
    limits_on.RATELIMIT_RATES = {**limits_on.RATELIMIT_RATES, "password_reset": "2/m"}
    url = reverse("accounts:password_reset")
    statuses = [client.post(url, {"email": "x@example.org"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def _statuses(post, times: int) -> list[int]:
    return [post().status_code for _ in range(times)]


def test_manage_link_resend_is_rate_limited_per_address(client, limits_on):
    limits_on.RATELIMIT_RATES = {**limits_on.RATELIMIT_RATES, "resend": "2/m"}
    url = reverse("events:resend_manage_link")
    statuses = _statuses(lambda: client.post(url, {"email": "r@example.org"}), 3)
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    other = client.post(url, {"email": "r@example.org"}, REMOTE_ADDR="203.0.113.7")
    assert other.status_code != 429


def test_certificate_lookup_is_rate_limited_for_pages_and_downloads_alike(client, limits_on):
    limits_on.RATELIMIT_RATES = {**limits_on.RATELIMIT_RATES, "lookup": "2/m"}
    assert client.get(reverse("events:certificate_verify_lookup")).status_code == 200
    code_page = reverse("events:certificate_verify", args=["ABCD-EFGH-JKLM"])
    assert client.get(code_page).status_code != 429
    # The third try counts against the same limit, whichever certificate page it asks.
    download = reverse("events:certificate_download", args=["ABCD-EFGH-JKLM"])
    assert client.get(download).status_code == 429
    elsewhere = client.get(download, REMOTE_ADDR="203.0.113.8")
    assert elsewhere.status_code != 429


def test_erasure_requests_are_rate_limited(client, limits_on):
    limits_on.RATELIMIT_RATES = {**limits_on.RATELIMIT_RATES, "erase": "2/m"}
    url = reverse("events:privacy_erase", args=["not-a-real-token"])
    statuses = _statuses(lambda: client.post(url), 3)
    assert 429 not in statuses[:2]
    assert statuses[2] == 429


def test_login_attempts_are_rate_limited_across_emails(client, limits_on):
    # Axes locks one email after repeated failures; this limit counts every attempt
    # from one address, whatever email it tries.
    limits_on.RATELIMIT_RATES = {**limits_on.RATELIMIT_RATES, "login": "2/m"}
    statuses = [_login(client, f"guess{i}@example.org", "nope").status_code for i in range(3)]
    assert 429 not in statuses[:2]
    assert statuses[2] == 429
    other = client.post(
        reverse("accounts:login"),
        {"username": "guess@example.org", "password": "nope"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code != 429


def test_forwarded_address_is_trusted_only_from_our_own_proxies(rf, settings):
    from trafficking_training.ratelimits import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7", REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.7"


def test_registration_answer_is_identical_for_new_and_registered_emails(client, sector):
    session = SessionFactory()
    existing = RegistrationFactory(session=session, email="known@example.org")
    url = session.get_absolute_url()
    known = client.post(url, _registration_data(sector, existing.email))
    unknown = client.post(url, _registration_data(sector, "unknown@example.org"))
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert without_csrf_tokens(
        client.get(known["Location"]).content.decode()
    ) == without_csrf_tokens(client.get(unknown["Location"]).content.decode())


def test_password_reset_answer_is_identical_for_known_and_unknown_emails(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    url = reverse("accounts:password_reset")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": user.email})
        unknown = client.post(url, {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_manage_link_resend_answer_is_identical_for_known_and_unknown_emails(client):
    try:
        url = reverse("events:resend_manage_link")
    except NoReverseMatch:
        pytest.skip("the manage-link resend page is not there yet")
    registration = RegistrationFactory()
    known = client.post(url, {"email": registration.email})
    unknown = client.post(url, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code
    assert known.get("Location") == unknown.get("Location")
    if known.status_code == 200:
        body_known = without_csrf_tokens(known.content.decode()).replace(registration.email, "")
        body_unknown = without_csrf_tokens(unknown.content.decode()).replace(
            "nobody@example.org", ""
        )
        assert body_known == body_unknown


@pytest.mark.redis
def test_rate_limit_counts_in_the_shared_redis_cache(client, limits_on, sector):
    import os

    import redis

    url = os.environ["REDIS_URL"]
    # Its own key prefix on the shared Redis database: the test deletes only its keys.
    prefix = f"tt-test-ratelimit-{os.getpid()}"
    limits_on.CACHES = {
        **limits_on.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        },
    }
    server = redis.Redis.from_url(url)
    limits_on.RATELIMIT_RATES = {**limits_on.RATELIMIT_RATES, "register": "2/m"}
    session_url = SessionFactory().get_absolute_url()
    for i in range(2):
        client.post(session_url, _registration_data(sector, f"r{i}@example.org"))
    # A second web process is another client with an empty memory: only a shared
    # counter refuses it.
    from django.test import Client

    assert (
        Client().post(session_url, _registration_data(sector, "r3@example.org")).status_code == 429
    )
    keys = server.keys(f"{prefix}:*")
    assert keys, "the counter should live in Redis"
    server.delete(*keys)


@pytest.mark.parametrize("username", ["a\x00b@example.org", "x" * 300, "' OR 1=1 --"])
def test_both_login_forms_answer_a_hostile_username_without_an_error(client, username):
    for url in (reverse("accounts:login"), reverse("admin:login")):
        response = client.post(url, {"username": username, "password": "p\x00w"})
        assert response.status_code in (200, 400, 429), (url, response.status_code)


@pytest.mark.parametrize("url", ["accounts:login", "admin:login"])
def test_both_login_forms_refuse_an_address_longer_than_an_email_can_be(client, url):
    # 268 characters: too long for django-axes' 255-character username column too,
    # which PostgreSQL enforces with an error (a 500) if the address ever reaches it.
    address = email_address(268)
    response = client.post(reverse(url), {"username": address, "password": "wrong"})
    assert response.status_code == 200
    codes = [error.code for error in response.context["form"].errors.as_data()["username"]]
    assert codes == ["max_length"]
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("url", ["accounts:login", "admin:login"])
def test_a_failed_login_with_the_longest_address_is_counted(client, url):
    address = email_address(254)
    response = client.post(reverse(url), {"username": address, "password": "wrong"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == address


def test_the_lockout_stores_at_most_what_its_username_column_holds(rf):
    # The forms refuse longer addresses; this is the lockout's own guarantee, for any
    # login that reaches authenticate() some other way.
    request = rf.post("/accounts/login/")
    authenticate(request, username="a" * 300 + "@example.org", password="wrong")
    column = AccessAttempt._meta.get_field("username").max_length
    assert len(AccessAttempt.objects.get().username) == column
