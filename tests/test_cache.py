"""The shared cache (django-redis when REDIS_URL is set) against a real Redis."""

import os
import threading

import pytest
from django.core.cache import caches
from django.test import override_settings

pytestmark = pytest.mark.redis

PREFIX = f"tt-cache-test-{os.getpid()}"


@pytest.fixture
def redis_cache():
    redis_settings = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": PREFIX,
        }
    }
    with override_settings(CACHES=redis_settings):
        backend = caches["default"]
        yield backend
        # Not clear(): that flushes the whole Redis database, which other tests share.
        backend.delete_pattern("*")


def test_cache_stores_reads_adds_and_deletes(redis_cache):
    redis_cache.set("version", "a1", None)
    assert redis_cache.get("version") == "a1"
    assert redis_cache.add("version", "b2") is False
    redis_cache.delete("version")
    assert redis_cache.get("version", "gone") == "gone"


def test_counters_increment_atomically_across_threads(redis_cache):
    # Rate limits count with incr(); concurrent requests must never lose a count.
    redis_cache.set("hits", 0, None)

    def hit() -> None:
        for _ in range(50):
            redis_cache.incr("hits")

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert redis_cache.get("hits") == 400
