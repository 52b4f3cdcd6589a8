"""/healthz: the database, the cache and the broker, each "ok" or "down"; 503 when one is down."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

DOWN_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_health_reports_each_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_health_answers_a_probe_by_ip_address_outside_allowed_hosts(client, settings):
    settings.ALLOWED_HOSTS = ["trainings.example.org"]
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200


def test_health_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/privacy/").status_code == 301


def test_a_down_broker_is_degraded_not_down_naming_only_the_part(client, settings):
    # The site still serves and saves without the broker (the outbox keeps the emails):
    # the web process stays in the load balancer's rotation.
    with override_settings(CELERY_BROKER_URL=DOWN_REDIS):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.content.decode()
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "ok",
        "broker": "down",
    }
    # No host, port, version or error text reaches the answer.
    for secret in ("127.0.0.1", ":1", "redis", "Error", "refused"):
        assert secret not in body


def test_a_down_cache_is_degraded(client, settings):
    down = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": DOWN_REDIS,
        "OPTIONS": settings.REDIS_CACHE_OPTIONS,
    }
    with override_settings(CACHES={**settings.CACHES, "default": down}):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"] == "down"
    assert response.json()["database"] == "ok"


def test_a_post_to_healthz_is_not_answered_by_the_probe(client):
    assert client.post("/healthz").status_code == 404


def test_the_redis_client_is_loaded_with_the_app_not_by_the_probes_threads():
    # Two threads importing redis-py at once can leave one with a half-initialized module
    # (it imports itself in a circle): the probes must find it loaded already.
    import subprocess
    import sys

    code = (
        "import django, sys; django.setup(); import trafficking_training.middleware; "
        "print('redis.connection' in sys.modules, 'kombu.transport.redis' in sys.modules)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "trafficking_training.settings", "DJANGO_ENV": "test"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert result.stdout.split() == ["True", "True"]
