"""Every URL the project serves, requested as each of six users, answers as the table says."""

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security import access_world
from tests.security.access_table import LOGIN, NEGATIVE, TABLE, Row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Six users per row: the real hasher would spend minutes on test passwords alone.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield "route:" + route.replace(settings.ADMIN_PATH, "admin/", 1)


def served_url_keys() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def _url(key: str, row: Row, world) -> str:
    if row.path is not None:
        url = row.path(world).replace("{admin}", settings.ADMIN_PATH)
    else:
        url = reverse(key.split(" (")[0], kwargs=row.kwargs(world))
    return url + row.query.format(
        session=world.session.pk, other_training=world.other_session.training_id
    )


def _answer(response) -> object:
    if response.status_code == 302 and "/login/" in response.get("Location", ""):
        return LOGIN
    return response.status_code


def _observe(key: str, row: Row, world) -> tuple:
    # Built once: a login changes the in-memory user, which would spoil a reset token.
    url = _url(key, row, world)
    answers = []
    for role in access_world.ROLES:
        # Each role's request runs in a savepoint rolled back afterwards, so that a
        # cancel or an erase by one role does not change what the next one sees.
        with transaction.atomic():
            client = Client()
            user = world.users[role]
            if user is not None:
                client.force_login(user)
            if row.method == "POST":
                data = row.data(world)
                # A str is a JSON body (the door device's upload), a dict a form.
                if isinstance(data, str):
                    response = client.post(url, data, content_type="application/json")
                else:
                    response = client.post(url, data)
            else:
                response = client.get(url)
            answers.append(_answer(response))
            transaction.set_rollback(True)
    return tuple(answers)


def test_every_served_url_has_a_row_in_the_matrix():
    missing = sorted(served_url_keys() - set(TABLE))
    assert not missing, "URLs without a row in tests/security/access_table.py: " + ", ".join(
        missing
    )


def test_every_row_of_the_matrix_is_a_served_url():
    stale = sorted(set(TABLE) - served_url_keys())
    assert not stale, "Rows for URLs that no longer exist: " + ", ".join(stale)


@pytest.mark.parametrize("key", sorted({**TABLE, **NEGATIVE}))
def test_url_answers_each_user_as_the_matrix_expects(key, settings):
    row = {**TABLE, **NEGATIVE}[key]
    world = access_world.build_world()
    observed = _observe(key, row, world)
    expected = dict(zip(access_world.ROLES, row.expect, strict=True))
    got = dict(zip(access_world.ROLES, observed, strict=True))
    assert got == expected
